"""Work that follows an answer (kb/after_response.py): the index sync after a save, the mail
of a password reset. gunicorn calls the WSGI close() that runs it; werkzeug's development
server (`make run`) does not when the browser resets the connection, so there it runs first."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import socket
import struct
import threading
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from kb import create_app
from kb.after_response import after_response
from kb.extensions import db
from kb.models import Status
from kb.services.cases import save_case
from kb.services.users import create_user

from .fixtures import PASSWORD


def _call_without_close(app, path: str) -> None:
    """Call the app as a server would, then drop the answer without calling close()."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "kb.test",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "kb.test",
               "wsgi.input": None}
    body = app.wsgi_app(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == b"svar"


@pytest.mark.parametrize("after", [True, False])
def test_the_work_waits_for_close_only_when_the_server_makes_that_call(app, after):
    app.config["WORK_AFTER_RESPONSE"] = after
    done: list[str] = []

    @app.get("/prov")
    def prov():
        after_response(lambda: done.append("gjort"))
        return "svar"

    _call_without_close(app, "/prov")
    assert done == ([] if after else ["gjort"])
    response = app.test_client().get("/prov")
    assert response.get_data() == b"svar"
    response.close()  # as gunicorn does once the answer is sent
    assert done == ["gjort"] * (1 if after else 2)


@pytest.mark.parametrize(("dev", "expected"), [("1", False), ("", True)])
def test_development_mode_does_the_work_before_the_answer(monkeypatch, tmp_path, dev, expected):
    monkeypatch.setenv("KB_DEV", dev)
    monkeypatch.setenv("KB_SECRET_KEY", "a-key-for-this-test-only")
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KB_SEARCH_CATCH_UP_ON_START", "false")
    assert create_app().config["WORK_AFTER_RESPONSE"] is expected


def _search(base: str, query: str) -> list[str]:
    url = f"{base}/api/v1/search?{urllib.parse.urlencode({'q': query})}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return [hit["slug"] for hit in json.load(response)["results"]]


def test_a_publish_is_searchable_when_the_browser_resets_the_connection(database_url, tmp_path, case_data):
    """What Chromium does after a POST answered with a redirect, on the server `make run` uses."""
    app = create_app({"DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "index"),
                      "WORK_AFTER_RESPONSE": False, "REVIEW_FOUR_EYES": False})
    with app.app_context():
        reviewer = create_user("granskare@kb.test", "reviewer", name="Granskare", password=PASSWORD)
        case = save_case(case_data(title="Barnbudget i Lekeberg", status=Status.REVIEW.value,
                                   published=None), user=reviewer, message="Klar")
        db.session.commit()
        case_id, slug = case.id, case.slug
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/login", urllib.parse.urlencode(
            {"email": "granskare@kb.test", "password": PASSWORD}).encode(), timeout=30).read()
        assert slug not in _search(base, "barnbudget")

        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        connection.connect()
        # Closed with a reset (SO_LINGER 0), as the browser does: the server's last read fails.
        connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.request("POST", f"/redaktion/exempel/{case_id}/status", body="action=publish",
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)})
        response = connection.getresponse()
        assert response.status == 302
        response.close()
        connection.close()

        assert slug in _search(base, "barnbudget")
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()
