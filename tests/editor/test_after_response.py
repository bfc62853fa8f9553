"""Work that follows an answer (kb/after_response.py): the index sync after a save, the mail
of a password reset. It runs in the WSGI close() call, except on werkzeug's development server
(`make run`), which skips that call when the browser resets the connection."""
from __future__ import annotations

import json
import threading
import urllib.parse

import pytest
from werkzeug.serving import make_server

from kb import create_app
from kb.after_response import after_response
from kb.extensions import db
from kb.models import Status
from kb.services.cases import save_case
from kb.services.mail import outbox
from kb.services.users import create_user
from tests.production.servers import Browser, get

from .fixtures import PASSWORD


@pytest.mark.own_app
@pytest.mark.parametrize(("server", "at_once"), [
    ("Werkzeug/3.1.3", True), ("gunicorn/23.0.0", False), (None, False)])
def test_the_work_waits_for_close_except_on_the_development_server(app, server, at_once):
    done: list[str] = []

    @app.get("/prov")
    def prov():
        after_response(lambda: done.append("gjort"))
        return "svar"

    environ = {"SERVER_SOFTWARE": server} if server else {}
    response = app.test_client().get("/prov", environ_base=environ)
    assert response.get_data() == b"svar"
    assert done == (["gjort"] if at_once else [])
    response.close()  # what a server does once the answer has gone out
    assert done == ["gjort"]


def test_on_the_development_server_a_reset_is_mailed_and_the_answer_is_unchanged(users, app):
    client = app.test_client()
    response = client.post("/glomt-losenord", data={"email": "editor@kb.test"},
                           environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.3"})
    assert response.status_code == 302
    assert [m["To"] for m in outbox(app)] == ["editor@kb.test"]  # before close()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Om adressen har ett konto hos oss" in page  # the flash of the request around it


def _search(base: str, query: str) -> list[str]:
    status, body = get(f"{base}/api/v1/search?{urllib.parse.urlencode({'q': query})}")
    assert status == 200, body[:300]
    return [hit["slug"] for hit in json.loads(body)["results"]]


@pytest.mark.slow
def test_a_publish_on_the_development_server_is_searchable_though_close_never_comes(
        database_url, tmp_path, case_data):
    """What werkzeug does when Chromium resets the connection after a POST's redirect."""
    app = create_app({"DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "index"),
                      "REVIEW_FOUR_EYES": False})
    with app.app_context():
        reviewer = create_user("granskare@kb.test", "reviewer", name="Granskare", password=PASSWORD)
        case = save_case(case_data(title="Barnbudget i Lekeberg", status=Status.REVIEW.value,
                                   published=None), user=reviewer, message="Klar")
        db.session.commit()
        case_id, slug = case.id, case.slug

    def never_closed(environ, start_response):
        return list(app(environ, start_response))  # the body is sent; close() is not called

    server = make_server("127.0.0.1", 0, never_closed, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        browser = Browser(base)
        browser.login("granskare@kb.test", PASSWORD)
        status, _, _ = browser.open(f"/redaktion/exempel/{case_id}/status", [("action", "publish")])
        assert status == 200  # after the redirect to the case page
        assert slug in _search(base, "barnbudget")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
