"""The suite's shared app (tests/shared_app.py): what one test does to it, the next never sees."""
from __future__ import annotations

import pytest

from kb import create_app
from kb.extensions import db
from kb.search import SearchParams, index_status, search
from kb.services.mail import outbox, send_mail
from tests import shared_app


def _next_test(app, pristine, test_database, database_dir, index_dir) -> None:
    """What the fixtures do between two tests."""
    db.session.remove()
    db.engine.dispose()
    test_database.fresh(database_dir)
    shared_app.restore(app, pristine, index_dir)


def _failed_logins(client, times: int) -> list[int]:
    return [client.post("/login", data={"email": "ingen@kb.test", "password": "fel"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code
            for _ in range(times)]


def test_every_extension_create_app_adds_is_put_back(app):
    assert set(app.extensions) == set(shared_app.EXTENSIONS)


def test_what_a_test_changes_the_next_test_does_not_see(
        _shared_app, _test_database, _process_database_dir, make_case, tmp_path):
    app, pristine = _shared_app
    fresh = create_app({key: pristine.config[key] for key in ("DATABASE_URL", "SERVER_NAME", "BASE_URL")}
                       | {"INDEX_DIR": str(tmp_path / "fresh")})
    with fresh.app_context():  # on the same database as the next test's
        fresh_home = fresh.test_client().get("/")
        fresh_index = index_status()
        fresh_index.pop("index")  # the index's own folder
        db.engine.dispose()
    shared_app.restore(app, pristine, tmp_path / "this")  # building `fresh` took the rate limiter
    client = app.test_client()
    assert _failed_logins(client, 7)[-1] == 429
    send_mail("a@kb.test", "Ämne", "Text")
    app.config["STAMP_TTL"] = 3600.0
    app.config["KB_SOMETHING_NEW"] = "x"
    app.config["TRUSTED_HOSTS"].append("elak.example")
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: None)
    app.jinja_env.globals["max_body_length"] = 1
    app.extensions["kb_stamp_cache"].ttl = 0
    make_case(title="Barnbudget i Lekeberg", slug="barnbudget-i-lekeberg")
    assert client.get("/").headers["ETag"] != fresh_home.headers["ETag"]  # reads the data stamp

    _next_test(app, pristine, _test_database, _process_database_dir, tmp_path / "next")
    assert set(app.extensions) == set(shared_app.EXTENSIONS)  # no mail outbox, for one
    with app.app_context():
        assert app.test_client().get("/").headers["ETag"] == fresh_home.headers["ETag"]
        index = index_status()
        assert index.pop("index").startswith(str(tmp_path / "next"))
        assert index == fresh_index
        assert app.config == {**fresh.config, "INDEX_DIR": str(tmp_path / "next")}
        for name in shared_app.HOOKS:
            assert _shape(getattr(app, name)) == _shape(getattr(fresh, name)), name
        for name in ("globals", "filters", "tests"):
            assert (_plain(getattr(app.jinja_env, name))
                    == _plain(getattr(fresh.jinja_env, name))), name
        for name in shared_app.EXTENSIONS:
            assert _settings(app.extensions[name]) == _settings(fresh.extensions[name]), name
        assert not outbox(app)
        assert _failed_logins(app.test_client(), 1) == [401]
        assert search(SearchParams(q="barnbudget")).total == 0


def test_the_shared_app_refuses_new_rules_and_hooks_whichever_test_comes_first(_shared_app):
    app, _ = _shared_app
    with pytest.raises(AssertionError, match="can no longer be called"):
        app.add_url_rule("/prov", view_func=lambda: "")
    with pytest.raises(AssertionError, match="can no longer be called"):
        app.before_request(lambda: None)


def test_a_replaced_attribute_of_the_app_is_named_not_carried_over(_shared_app, tmp_path):
    app, pristine = _shared_app
    saved = app.session_interface
    app.session_interface = type(saved)()
    try:
        with pytest.raises(AssertionError, match="replaced app.session_interface"):
            shared_app.restore(app, pristine, tmp_path / "index")
    finally:
        app.session_interface = saved


PLAIN = (bool, int, float, str)


def _settings(extension) -> dict:
    """An extension object's plain public settings (a number, a string, a flag)."""
    return {key: value for key, value in getattr(extension, "__dict__", {}).items()
            if not key.startswith("_") and isinstance(value, PLAIN)}


def _plain(entries: dict) -> dict:
    """Jinja's globals or filters: plain values as they are, other objects by their type (a
    fresh app's are new objects; some are proxies that need a request to be looked into)."""
    return {key: value if isinstance(value, PLAIN) else type(value).__name__
            for key, value in entries.items()}


def _shape(registry):
    """A registry's keys and the names of its functions (a fresh app's are new objects)."""
    if isinstance(registry, dict):
        return {key: _shape(value) for key, value in registry.items()}
    if isinstance(registry, list):
        return [getattr(f, "__qualname__", type(f).__name__) for f in registry]
    return getattr(registry, "__qualname__", type(registry).__name__)
