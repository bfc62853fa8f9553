"""Browser tests: Debian's headless Chromium, driven by Playwright, against a live server.

Everything these tests need is installed by ``make browser-deps`` (``make test`` runs it).
When it is missing they skip with the reason on a developer's machine, and fail in CI.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

# Each account logs in once per session at most where it matters: a login ends the
# account's other sessions, so page audits and the end-to-end flows use separate accounts.
ACCOUNTS = {
    "editor": {"email": "redaktor@example.se", "password": "Redaktor-losen-2026",
               "name": "Rut Redaktör", "role": "editor"},
    "reviewer": {"email": "granskare@example.se", "password": "Granskare-losen-2026",
                 "name": "Gösta Granskare", "role": "reviewer"},
    # Accounts for the page audits, which see the pages as each role does.
    "auditor": {"email": "admin@example.se", "password": "Admin-losen-2026",
                "name": "Ada Administratör", "role": "admin"},
    "author": {"email": "skribent@example.se", "password": "Skribent-losen-2026",
               "name": "Sam Skribent", "role": "editor"},
}


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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here ``browser``; skip them when the browser is missing (not in CI).
    Under pytest-xdist they share one process (one live server, one Chromium)."""
    reason = "browser tests need " + ", ".join(MISSING) + ": run `make browser-deps`"
    # The pages do not depend on the database engine; one pass (SQLite) is enough for them.
    other_pass = config.getoption("--db", default="sqlite") != "sqlite"
    for item in items:
        if not _is_browser_test(item):
            continue
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.xdist_group("browser"))
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


def _prepare_data() -> dict:
    """Users, a case with two revisions (for history and diff), and facts about the data
    so that page URLs never go stale."""
    from kb.models import Case, Status
    from kb.services.cases import case_to_data, save_case
    from kb.services.users import create_user

    users = {key: create_user(a["email"], a["role"], name=a["name"], password=a["password"])
             for key, a in ACCOUNTS.items()}
    published = db.select(Case).where(Case.status == Status.PUBLISHED).order_by(Case.slug)
    case = db.session.execute(published.where(Case.county_code.is_not(None))).scalars().first()
    edited = db.session.execute(published.where(Case.id != case.id)).scalars().first()
    data = case_to_data(edited)
    data["summary"] += " Arbetet har sedan spridits till fler kommuner i länet."
    data["tags"] = [*data["tags"][1:], "spridning"]
    save_case(data, case=edited, user=users["reviewer"], message="Uppdaterade sammanfattningen")
    return {
        "case_slug": case.slug,
        "case_title": case.title,
        "tag_slug": case.tags[0].slug,
        "county_slug": case.county.slug,
        "county_name": case.county.name,
        "article": case.articles[0].number if case.articles else 12,
        "edited_case_id": edited.id,
        "edited_case_slug": edited.slug,
    }


@contextmanager
def serve_site(tmp: Path, migrated_db: Path) -> Iterator[LiveServer]:
    """The app on a free port of 127.0.0.1, on a copy of the migrated database in ``tmp``
    with the seed cases, its own index, and the users and facts of :func:`_prepare_data`."""
    from kb import search
    from kb.services.importer import import_paths

    shutil.copy(migrated_db, tmp / "kb.sqlite3")
    app = create_app({
        "DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}",
        "INDEX_DIR": str(tmp / "index"),
        "SECRET_KEY": "browser-tests",
        "WTF_CSRF_ENABLED": True,  # forms are submitted as a person would, token and all
        # The suite posts forms from one address many times; the limits have their own tests.
        "LOGIN_LIMIT_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_ADDRESS": "1000 per minute",
        "SUGGEST_LIMIT": "1000 per minute",
    })
    with app.app_context():
        import_paths([SEED_CASES])
        db.session.commit()
        sample = _prepare_data()
        db.session.commit()
        search.sync_index()
        db.session.remove()

    # One request at a time, as a gunicorn sync worker serves: the app is not made for
    # threads (kb/serving.py refuses threaded workers).
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield LiveServer(url=app.config["BASE_URL"], app=app, sample=sample)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, migrated_db) -> Iterator[LiveServer]:
    """The site most browser tests share (tests/browser/test_drafts.py has its own)."""
    with serve_site(tmp_path_factory.mktemp("live"), migrated_db) as site:
        yield site


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Lets tests write ``page.goto("/exempel")``."""
    return live_server.url


@pytest.fixture(scope="session")
def login_state(browser, live_server) -> Callable[[str | None], dict | None]:
    """The cookies of a logged-in session per account, made once and reused by new contexts."""
    from .helpers import log_in

    states: dict[str, dict] = {}

    def state(account: str | None) -> dict | None:
        if account is None:
            return None
        if account not in states:
            context = browser.new_context(base_url=live_server.url)
            log_in(context.new_page(), ACCOUNTS[account])
            states[account] = context.storage_state()
            context.close()
        return states[account]
    return state


@pytest.fixture(scope="session")
def served_html() -> dict[str, bytes]:
    """The HTML each page type was served with, kept by the accessibility audit so the HTML
    check need not load every page again (it loads those missing itself)."""
    return {}


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")
