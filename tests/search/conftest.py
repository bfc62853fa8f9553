"""Search fixtures: one small index of the relevance corpus per test session."""
from __future__ import annotations

import shutil

import pytest

from kb import create_app
from kb.extensions import db
from tests.search.relevance import load_cases


@pytest.fixture(scope="session")
def corpus_app(tmp_path_factory, migrated_db):
    """An app whose database and index hold the relevance corpus (read-only for tests)."""
    base = tmp_path_factory.mktemp("corpus")
    shutil.copy(migrated_db, base / "kb.sqlite3")
    app = create_app({"DATABASE_URL": f"sqlite:///{base / 'kb.sqlite3'}",
                      "INDEX_DIR": str(base / "index"), "SERVER_NAME": "kb.test"})
    from kb import search
    from kb.services.cases import save_case
    from kb.services.reference import load_reference_data, reference_loaded

    with app.app_context():
        if not reference_loaded():
            load_reference_data()
        for data in load_cases():
            save_case(data)
        db.session.commit()
        search.sync_index()
        db.session.remove()
    return app


@pytest.fixture
def corpus_client(corpus_app):
    with corpus_app.app_context():
        yield corpus_app.test_client()
        db.session.remove()
