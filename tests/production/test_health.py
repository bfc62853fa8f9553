"""/healthz: 200 when the database and the index are usable, 503 in Swedish otherwise."""
from __future__ import annotations

import os
import shutil

from flask_migrate import upgrade

from kb import create_app, search
from kb.extensions import db


def test_healthy_node_reports_ok_with_database_and_index_details(client, make_case):
    make_case()
    search.sync_index()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["index"]["documents"] == 1
    assert body["checks"]["index"]["pending_changes"] == 0
    assert response.headers["Cache-Control"] == "no-store"


def test_pending_index_changes_are_reported_but_do_not_fail_the_check(client, make_case):
    make_case()  # committed, not yet applied to the index
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["index"]["pending_changes"] == 1


def test_database_away_is_503_in_swedish(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'saknas' / 'kb.sqlite3'}",
                      "INDEX_DIR": str(tmp_path / "index")})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["message"] == "Databasen svarar inte."
    assert response.headers["Retry-After"]


def test_database_not_migrated_to_this_version_is_503(empty_database_url, tmp_path):
    app = create_app({"DATABASE_URL": empty_database_url, "INDEX_DIR": str(tmp_path / "index")})
    with app.app_context():
        upgrade(revision="0001")
        db.session.remove()
        response = app.test_client().get("/healthz")
        db.engine.dispose()
    assert response.status_code == 503
    assert "kör kb db upgrade" in response.get_json()["message"]
    assert response.get_json()["checks"]["database"]["revision"] == "0001"


def test_a_destroyed_index_takes_the_node_out_and_the_probe_repairs_nothing(app, client, make_case):
    make_case()
    search.sync_index()
    shutil.rmtree(app.config["INDEX_DIR"])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["message"] == "Sökindexet går inte att läsa."
    assert not os.path.exists(app.config["INDEX_DIR"])  # no rebuild from a probe
    search.sync_index()  # a writer (the follower, an editor's save) rebuilds it
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["checks"]["index"]["documents"] == 1


def test_probes_share_the_workers_searcher(app, client, make_case, monkeypatch):
    from whoosh.index import FileIndex

    make_case()
    search.sync_index()
    client.get("/healthz")
    store = app.extensions[search.EXTENSION]
    shared = store.searcher()
    opened = []
    real = FileIndex.searcher
    monkeypatch.setattr(FileIndex, "searcher", lambda *a, **k: opened.append(1) or real(*a, **k))
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert opened == [] and store.searcher() is shared
    make_case(title="Ett exempel till", slug="ett-exempel-till")
    search.sync_index()  # a new commit: the next probe (or search) sees it
    assert client.get("/healthz").get_json()["checks"]["index"]["documents"] == 2
