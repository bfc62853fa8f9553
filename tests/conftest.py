"""Fixtures: an app on a temporary database and index, its client, CLI runner and helpers."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from kb import create_app
from kb.extensions import db
from tests import databases, shared_app

ROOT = Path(__file__).resolve().parents[1]
# A copy of ../shared/contract/cases, so the suite runs without shared/ beside the clone.
CONTRACT_CASES = ROOT / "tests" / "fixtures" / "contract_cases"
SEED_CASES = ROOT / "seed_data" / "cases"

pytest_plugins = ["tests.crashes"]


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=databases.BACKENDS,
        default=os.environ.get("KB_TEST_DATABASE", "sqlite"),
        help="database backend for the suite (default: $KB_TEST_DATABASE or sqlite)",
    )
    parser.addoption(
        "--only-db-tests", action="store_true",
        help="leave out the tests whose outcome cannot depend on the backend (no database "
             "fixture, or marked backend_independent): the second pass of `make test`",
    )


def pytest_configure(config):
    # Preview cards and other instance files go to a directory of the session's own, not to
    # the developer's instance/ (and never to another xdist worker's).
    if not os.environ.get("KB_INSTANCE_PATH") or os.environ.get("KB_TEST_OWN_INSTANCE"):
        os.environ["KB_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="kb-test-instance-")
        os.environ["KB_TEST_OWN_INSTANCE"] = "1"  # xdist workers inherit it: each makes its own


def pytest_report_header(config):
    backend = config.getoption("--db")
    where = f" ({databases.pg_server_url()})" if backend == "postgresql" else ""
    only = ", database tests only" if config.getoption("--only-db-tests") else ""
    return f"database backend: {backend}{where}{only}"


# A test that uses none of these runs on no database of this pass's choosing.
DATABASE_FIXTURES = {"database_url", "module_database_url", "empty_database_url", "_test_database",
                     "pg_schemas", "db_backend"}


def uses_the_backend(item: pytest.Item) -> bool:
    """Whether ``item``'s outcome can depend on ``--db``."""
    if item.get_closest_marker("backend_independent"):
        return False
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def shares_a_module_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` uses a module-scoped fixture (a server shared by the module's tests)."""
    info = getattr(item, "_fixtureinfo", None)
    return bool(info) and any(defs and defs[-1].scope == "module"
                              for defs in info.name2fixturedefs.values())


def pytest_itemcollected(item):
    """Under pytest-xdist (``--dist loadgroup``) the tests sharing a module fixture stay in one
    process, so the module's server starts once."""
    if shares_a_module_fixture(item) and not item.get_closest_marker("xdist_group"):
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run in the PostgreSQL pass only; with ``--only-db-tests``
    the tests that cannot depend on the backend are left out (they ran in the SQLite pass)."""
    if config.getoption("--only-db-tests"):
        kept = [item for item in items if uses_the_backend(item)]
        left_out = [item for item in items if not uses_the_backend(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = kept
    if config.getoption("--db") == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the `pytest --db=postgresql` pass")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def migrate_to_head(url: str, tmp: Path) -> None:
    """Run every migration on the (empty) database at ``url``."""
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(tmp / "index")})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def db_backend(request) -> str:
    """``sqlite`` or ``postgresql``: the backend this pass of the suite runs on."""
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def pg_schemas(request):
    """Throw-away schemas on the PostgreSQL server; skips (fails in CI) when it is down."""
    reason = databases.pg_unreachable_reason()
    if reason:
        if databases.in_ci():
            pytest.exit(f"{reason} (CI=true: PostgreSQL is required)", returncode=3)
        pytest.skip(reason + " — start it with `pg_ctlcluster 15 main start`")
    schemas = databases.PostgresSchemas(databases.pg_server_url())
    yield schemas
    schemas.close()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "kb.sqlite3"
    migrate_to_head(f"sqlite:///{path}", path.parent)
    return path


@pytest.fixture(scope="session")
def _test_database(request, db_backend, tmp_path_factory):
    if db_backend == "postgresql":
        schemas = request.getfixturevalue("pg_schemas")
        tmp = tmp_path_factory.mktemp("pg-template")
        return databases.PostgresTestDatabase(schemas, lambda url: migrate_to_head(url, tmp))
    return databases.SqliteTestDatabase(request.getfixturevalue("migrated_db"))


@pytest.fixture(scope="session")
def _process_database_dir(tmp_path_factory) -> Path:
    """Where this process's SQLite tests find their database (one file, replaced per test)."""
    return tmp_path_factory.mktemp("db")


@pytest.fixture
def database_url(_test_database, _process_database_dir) -> str:
    """A migrated database holding only the reference data, on this pass's backend. It is the
    same URL for every test of a process (the shared app's, see tests/shared_app.py)."""
    return _test_database.fresh(_process_database_dir)


@pytest.fixture(scope="module")
def module_database_url(_test_database, tmp_path_factory) -> str:
    """Like ``database_url``, for a server shared by a module's tests. On PostgreSQL it is the
    session's schema, which ``database_url`` empties: a module uses one or the other."""
    return _test_database.fresh(tmp_path_factory.mktemp("module-db"))


@pytest.fixture
def empty_database_url(request, db_backend, tmp_path):
    """An empty database (no tables) on this pass's backend, for migration tests."""
    if db_backend != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    schemas = request.getfixturevalue("pg_schemas")
    schema = schemas.new("empty")
    yield schemas.url(schema)
    schemas.drop(schema)


def _app_config(database_url: str, index_dir: Path) -> dict:
    return {"DATABASE_URL": database_url, "INDEX_DIR": str(index_dir),
            "SERVER_NAME": "kb.test", "BASE_URL": "http://kb.test"}


@pytest.fixture(scope="session")
def _shared_app(_test_database, _process_database_dir, tmp_path_factory):
    """The process's app and how it looked when built (tests/shared_app.py)."""
    url = _test_database.fresh(_process_database_dir)
    app = create_app(_app_config(url, tmp_path_factory.mktemp("first-index")))
    # After its first request Flask refuses setup methods (new rules, hooks) on the app, so a
    # test that would change the shared app that way fails in any order, not only when first.
    assert app.test_client().get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()
    return app, shared_app.capture(app)


@pytest.fixture
def app(request, _shared_app, database_url, tmp_path):
    """The app on a fresh database and search index, as ``create_app`` built it (a new one for
    tests marked ``own_app``)."""
    app, pristine = _shared_app
    if request.node.get_closest_marker("own_app"):
        app = create_app(_app_config(database_url, tmp_path / "index"))
    else:
        shared_app.restore(app, pristine, tmp_path / "index")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def case_data():
    """A valid case in the import format; tests change what they need (a fresh dict per call)."""
    def make(**changes):
        data = {
            "title": "Barnkonsekvensanalys i budgetarbetet",
            "summary": "Kommunen gör en barnkonsekvensanalys inför varje budgetbeslut.",
            "organisation": "Exempelby kommun",
            "organisation_type": "kommun",
            "county": "Uppsala län",
            "municipalities": ["Uppsala"],
            "year": 2021,
            "published": "2023-05-02",
            "tags": ["barnkonsekvensanalys", "styrning"],
            "articles": [3, 12],
            "status": "published",
            "body": "## Bakgrund\n\nPolitikerna ville se barnen i budgeten.\n",
        }
        data.update(changes)
        return data
    return make


@pytest.fixture
def make_case(app, case_data):
    """Save and commit a case built from :func:`case_data` overrides."""
    from kb.services.cases import save_case

    def make(**changes):
        case = save_case(case_data(**changes))
        db.session.commit()
        return case
    return make
