"""A normal first start says nothing alarming: no index yet is not a damaged index."""
from __future__ import annotations

import logging

from kb import create_app, search
from kb.extensions import db
from kb.services.importer import import_paths
from tests.conftest import SEED_CASES


def test_a_new_instance_builds_its_index_without_a_warning(database_url, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="kb"):
        app = create_app({"DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "index")})
        with app.app_context():
            import_paths([SEED_CASES])
            db.session.commit()
            search.sync_index()
            db.session.remove()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "no search index yet" in caplog.text


def test_a_damaged_index_is_still_reported(app, caplog):
    search.sync_index()
    store = search._store()
    (store.root / store.live_generation()).rename(store.root / "moved-away")
    store.forget()
    with caplog.at_level(logging.WARNING, logger="kb"):
        search.sync_index()
    assert "search index unusable" in caplog.text


def test_the_development_server_starts_without_a_red_warning(app, caplog):
    werkzeug_log = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        werkzeug_log.info("WARNING: This is a development server. Do not use it in a production "
                          "deployment.\n * Running on http://127.0.0.1:5000")
        werkzeug_log.info("127.0.0.1 - - \"GET / HTTP/1.1\" 200 -")
    assert "development server" not in caplog.text
    assert " * Running on http://127.0.0.1:5000" in caplog.text and "GET / HTTP/1.1" in caplog.text
