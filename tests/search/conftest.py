"""Search fixtures: one small index of the relevance corpus per test session.

Every test here that uses an app runs twice: on the fast path (kb/search/fastpath.py) and
on Whoosh's public API alone (as with ``KB_SEARCH_FAST_PATH=0``). A test marked
``both_search_paths`` runs once and compares the two paths itself (its set-up is costly:
processes that write and are killed)."""
from __future__ import annotations

import shutil

import pytest

from kb import create_app
from kb.extensions import db
from kb.search import EXTENSION, fastpath
from tests.search.relevance import save_and_index_corpus

APPS = ("app", "corpus_app")


def pytest_generate_tests(metafunc):
    uses_app = {*APPS, "client", "runner", "corpus_client"} & set(metafunc.fixturenames)
    compares_itself = (metafunc.module.__name__.endswith("test_fast_path")
                       or metafunc.definition.get_closest_marker("both_search_paths"))
    if uses_app and not compares_itself:
        metafunc.parametrize("search_path", ["fast", "public"], indirect=True)


@pytest.fixture(autouse=True)
def search_path(request):
    """"fast", or "public": the test's apps search through Whoosh's public API only."""
    path = getattr(request, "param", "fast")
    stores = [request.getfixturevalue(name).extensions[EXTENSION] for name in APPS
              if path == "public" and name in request.fixturenames]
    saved = [store.fast for store in stores]
    for store in stores:
        store.fast = fastpath.Switch(False)
    yield path
    for store, fast in zip(stores, saved, strict=True):
        store.fast = fast


@pytest.fixture(scope="session")
def corpus_app(tmp_path_factory, migrated_db):
    """An app whose database and index hold the relevance corpus (read-only for tests)."""
    base = tmp_path_factory.mktemp("corpus")
    shutil.copy(migrated_db, base / "kb.sqlite3")
    app = create_app({"DATABASE_URL": f"sqlite:///{base / 'kb.sqlite3'}",
                      "INDEX_DIR": str(base / "index"), "SERVER_NAME": "kb.test"})
    from kb.services.reference import load_reference_data, reference_loaded

    with app.app_context():
        if not reference_loaded():
            load_reference_data()
        save_and_index_corpus()
        db.session.remove()
    return app


@pytest.fixture
def corpus_client(corpus_app):
    with corpus_app.app_context():
        yield corpus_app.test_client()
        db.session.remove()
