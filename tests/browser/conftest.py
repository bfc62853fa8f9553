"""Browser tests: Debian's headless Chromium, driven by Playwright, against a live server.

Everything these tests need is installed by ``make browser-deps`` (``make test`` runs it).
When it is missing they skip with the reason on a developer's machine, and fail in CI.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from kb import create_app
from kb.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SEED_CASES = ROOT / "seed_data" / "cases"
BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("KB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "screenshots"

EDITOR = {"email": "redaktor@example.se", "password": "Redaktor-losen-2026", "name": "Rut Redaktör"}
REVIEWER = {"email": "granskare@example.se", "password": "Granskare-losen-2026", "name": "Gösta Granskare"}


def _missing() -> list[str]:
    """What the browser tests need and this machine lacks."""
    missing = []
    for module, package in (("playwright", "playwright"), ("pytest_playwright", "pytest-playwright")):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {package}")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt package chromium)")
    if not AXE_JS.is_file():
        missing.append(f"axe-core at {AXE_JS.relative_to(ROOT)} (npm ci)")
    return missing


MISSING = _missing()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _is_browser_test(item: pytest.Item) -> bool:  # hooks here see the whole suite's items
    return BROWSER_DIR in Path(item.path).parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here ``browser``; skip them when the browser is missing (not in CI)."""
    reason = "browser tests need " + ", ".join(MISSING) + ": run `make browser-deps`"
    # The pages do not depend on the database engine; one pass (SQLite) is enough for them.
    other_pass = config.getoption("--db", default="sqlite") != "sqlite"
    for item in items:
        if not _is_browser_test(item):
            continue
        item.add_marker(pytest.mark.browser)
        if other_pass:
            item.add_marker(pytest.mark.skip(reason="browser tests run in the SQLite pass"))
        elif MISSING and not IN_CI:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if MISSING and IN_CI and _is_browser_test(item):
        pytest.fail("CI must run the browser tests, but this machine lacks " + ", ".join(MISSING)
                    + " (`make browser-deps` installs them)", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium (Playwright's own browser download is not available here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1, with facts about its data for the tests."""

    url: str
    app: object
    sample: dict = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path


def _sample_data() -> dict:
    """Slugs and numbers of real published data, so page URLs never go stale."""
    from kb.models import Case, Status

    case = db.session.execute(
        db.select(Case).where(Case.status == Status.PUBLISHED, Case.county_code.is_not(None))
        .order_by(Case.slug)
    ).scalars().first()
    return {
        "case_slug": case.slug,
        "case_title": case.title,
        "tag_slug": case.tags[0].slug,
        "county_slug": case.county.slug,
        "county_name": case.county.name,
        "organisation_type": case.organisation.organisation_type,
        "article": case.articles[0].number if case.articles else 12,
    }


def _create_users() -> None:
    """An editor and a reviewer, made the way ``kb user create`` makes them."""
    try:
        from kb.services.users import create_user
    except ImportError:  # the editors' service is not there yet
        return
    from kb.models import Role

    create_user(EDITOR["email"], password=EDITOR["password"], role=Role.EDITOR, name=EDITOR["name"])
    create_user(REVIEWER["email"], password=REVIEWER["password"], role=Role.REVIEWER,
                name=REVIEWER["name"])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, migrated_db) -> Iterator[LiveServer]:
    """The app on a free port, on a temporary copy of the database with the seed cases."""
    from kb import search
    from kb.services.importer import import_paths

    tmp = tmp_path_factory.mktemp("live")
    shutil.copy(migrated_db, tmp / "kb.sqlite3")
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
        "INDEX_DIR": str(tmp / "index"),
        "SECRET_KEY": "browser-tests",
        "WTF_CSRF_ENABLED": True,  # forms are submitted as a person would, token and all
    })
    with app.app_context():
        import_paths([SEED_CASES])
        _create_users()
        db.session.commit()
        search.sync_index()
        sample = _sample_data()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield LiveServer(url=app.config["BASE_URL"], app=app, sample=sample)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Lets tests write ``page.goto("/exempel")``."""
    return live_server.url


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")
