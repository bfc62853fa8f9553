"""While the database is away every page and API answers 503 in Swedish, then recovers."""
from __future__ import annotations

import time

import pytest
from flask import Flask
from werkzeug.routing import BuildError

from kb import create_app
from kb.extensions import db
from tests.databases import pg_server_url, with_search_path
from tests.production.tcpproxy import TcpProxy

SWEDISH = "kan inte nå sin databas"
NO_DB_NEEDED = {200, 301, 302, 303, 304, 308, 400, 404, 405, 429}


def unreachable_url(backend: str, tmp_path) -> str:
    if backend == "postgresql":
        return "postgresql://postgres@127.0.0.1:9/test?connect_timeout=2"
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'kb.sqlite3'}"


@pytest.fixture
def down_app(db_backend, tmp_path):
    """An app whose database is unreachable (no app context pushed: each request gets its
    own, as in production, so nothing one request loaded leaks into the next)."""
    return create_app({"DATABASE_URL": unreachable_url(db_backend, tmp_path),
                       "INDEX_DIR": str(tmp_path / "index"), "SERVER_NAME": "kb.test"})


def every_url(app: Flask) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) for every route, with placeholder arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = None
        for value in ("1", "x"):
            try:
                with app.test_request_context():
                    from flask import url_for

                    path = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, value))
                break
            except (BuildError, ValueError):
                continue
        assert path, f"cannot build a URL for {rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path, rule.endpoint))
    return urls


def assert_swedish_503_or_harmless(response, method: str, path: str) -> bool:
    """True when the route needed the database (and said so properly)."""
    where = f"{method} {path}"
    assert response.status_code != 500, f"{where}: 500 instead of 503"
    if response.status_code != 503:
        assert response.status_code in NO_DB_NEEDED, f"{where}: {response.status_code}"
        return False
    assert response.headers.get("Retry-After"), f"{where}: 503 without Retry-After"
    if path.startswith("/api/"):
        assert SWEDISH in response.get_json()["error"]["message"], where
    elif path == "/healthz":
        assert response.get_json()["message"] == "Databasen svarar inte.", where
    else:
        assert SWEDISH in response.get_data(as_text=True), where
    return True


def test_every_page_and_api_answers_503_in_swedish_while_the_database_is_away(down_app):
    client = down_app.test_client()
    urls = every_url(down_app)
    needed = [(m, p) for m, p, _ in urls
              if assert_swedish_503_or_harmless(client.open(p, method=m), m, p)]
    paths = {p for _, p in needed}
    for must in ("/", "/exempel", "/healthz", "/api/v1/cases"):
        assert must in paths, f"{must} did not need the database?"
    assert len(needed) >= 10


def test_signed_in_editors_get_503_not_the_login_page(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:token"
        session["_fresh"] = True
    editor_urls = [(m, p) for m, p, endpoint in every_url(down_app) if endpoint.startswith("editor.")]
    assert editor_urls, "no editor pages registered"
    for method, path in editor_urls:
        response = client.open(path, method=method)
        assert response.status_code == 503, f"{method} {path}: {response.status_code}"
        assert SWEDISH in response.get_data(as_text=True)


@pytest.mark.postgres
def test_the_app_recovers_by_itself_when_postgresql_returns(database_url, tmp_path, case_data):
    """Cut the connection to PostgreSQL under a running app, then restore it."""
    from kb.services.cases import save_case

    schema = database_url.split("search_path%3D")[1].split("&")[0]
    proxy = TcpProxy(("127.0.0.1", 5432)).start()
    host = pg_server_url().replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    app = create_app({"DATABASE_URL": with_search_path(host + "?connect_timeout=2", schema),
                      "INDEX_DIR": str(tmp_path / "index"), "SERVER_NAME": "kb.test"})
    try:
        with app.app_context():
            save_case(case_data(title="Barnens budget", slug="barnens-budget"))
            db.session.commit()
            db.session.remove()
            client = app.test_client()
            assert client.get("/exempel/barnens-budget").status_code == 200
            assert client.get("/healthz").status_code == 200

            proxy.stop()
            # A worker may answer a conditional request while its data stamp is fresh
            # (STAMP_TTL); after that every page needs the database again.
            time.sleep(app.config["STAMP_TTL"] + 0.1)
            for path in ("/exempel/barnens-budget", "/", "/api/v1/cases", "/healthz"):
                assert_swedish_503_or_harmless(client.get(path), "GET", path)
                assert client.get(path).status_code == 503

            proxy.start()
            deadline = time.monotonic() + 10
            while client.get("/healthz").status_code != 200:
                assert time.monotonic() < deadline, "no recovery within 10 s"
                time.sleep(0.2)
            page = client.get("/exempel/barnens-budget")
            assert page.status_code == 200
            assert "Barnens budget" in page.get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
    finally:
        proxy.stop()


@pytest.mark.postgres
def test_a_case_page_whose_database_goes_away_mid_page_answers_503(database_url, tmp_path, case_data,
                                                                     monkeypatch):
    """PostgreSQL stops while a case page is half built (here: while its related cases are
    looked up). The reader gets the Swedish 503, not 500: the related cases may be left out
    when the index cannot answer, but a lost database connection is not hidden, since the
    rest of the page cannot use the session after it (seen in `make stress`)."""
    from kb import search
    from kb.search import engine
    from kb.services.cases import save_case

    schema = database_url.split("search_path%3D")[1].split("&")[0]
    proxy = TcpProxy(("127.0.0.1", 5432)).start()
    host = pg_server_url().replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    app = create_app({"DATABASE_URL": with_search_path(host + "?connect_timeout=2", schema),
                      "INDEX_DIR": str(tmp_path / "index"), "SERVER_NAME": "kb.test"})
    looked_up = []
    related = engine.related

    def related_while_the_database_stops(store, case, limit):
        proxy.stop()
        looked_up.append(case.slug)
        return related(store, case, limit)

    try:
        with app.app_context():
            for n, (title, body) in enumerate((
                    ("Läxhjälp på biblioteket", "Läxhjälp och fokusgrupper med barn på biblioteket."),
                    ("Läxhjälp i skolan", "Läxhjälp efter skolan, med fokusgrupper med barn."),
                    ("Ungdomsråd i kommunen", "Ett ungdomsråd som lämnar synpunkter på budgeten."))):
                save_case(case_data(title=title, slug=f"case-{n}", body=body))
            db.session.commit()
            db.session.remove()
            client = app.test_client()
            search.sync_index()
            assert "Läxhjälp i skolan" in client.get("/exempel/case-0").get_data(as_text=True)

            monkeypatch.setattr(engine, "related", related_while_the_database_stops)
            time.sleep(app.config["STAMP_TTL"] + 0.1)  # no answer from a fresh data stamp
            page = client.get("/exempel/case-1")
            assert looked_up == ["case-1"]
            assert page.status_code == 503
            assert page.headers["Retry-After"]
            assert page.headers["X-Frame-Options"] == "DENY"
            assert SWEDISH in page.get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
    finally:
        proxy.stop()
