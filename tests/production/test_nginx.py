"""The shipped nginx configuration in front of gunicorn: the micro-cache serves anonymous
readers, never an editor, stores nothing personal, lets a publish through within its TTL,
and drops requests for any other host."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import ssl
import time
import urllib.request

import pytest

from tests.databases import in_ci
from tests.production.nginx import NGINX, SERVER_NAME, Nginx
from tests.production.servers import Browser, Server, create_user, free_port

# What nginx caches and passes on does not depend on the database behind gunicorn: SQLite pass only.
pytestmark = [pytest.mark.slow, pytest.mark.backend_independent]
PASSWORD = "Mikrocache-i-nginx-2026"
TTL = 2.0  # deploy/nginx/kunskapsbanken.conf: proxy_cache_valid
ANONYMOUS_MARK = "Logga in för redaktörer"


@pytest.fixture(scope="module", autouse=True)
def _nginx_installed() -> None:
    """Skips with the reason where nginx is missing; fails in CI, where it must run."""
    if not os.access(NGINX, os.X_OK):
        reason = f"the nginx tests need Debian's nginx at {NGINX}: run `make browser-deps`"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory, _test_database):
    tmp = tmp_path_factory.mktemp("nginx")
    database_url = _test_database.fresh(tmp)
    server = Server(database_url, tmp / "index", workers=2,
                    env={"KB_PROXY_COUNT": "1", "KB_ACCESS_LOG": "",
                         "KB_TRUSTED_HOSTS": "127.0.0.1",  # Server.start() probes gunicorn directly
                         "KB_REVIEW_FOUR_EYES": "false"})  # one editor publishes her own cases
    nginx = Nginx(server.port, tmp / "nginx")
    server.env["KB_BASE_URL"] = nginx.base_url
    create_user(server.env, "mikro@example.se", PASSWORD, role="admin")
    server.start()
    nginx.start()
    editor = Browser(nginx.base_url)
    editor.opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), nginx.handler())
    # Flask-WTF wants a same-origin Referer on HTTPS posts, as browsers send; the app knows
    # the site by nginx's $host, without the test's port.
    editor.opener.addheaders = [("Referer", f"https://{SERVER_NAME}/")]
    editor.login("mikro@example.se", PASSWORD)
    yield nginx, editor
    nginx.stop()
    server.stop()


def publish(editor: Browser, title: str) -> str:
    case_id = editor.create_case({
        "title": title, "summary": "Ett exempel för att pröva cachen.",
        "organisation": "Mikroby kommun", "organisation_type": "kommun",
        "body": "Texten om exemplet.",
    })
    editor.publish(case_id)
    status, _, url = editor.open(f"/exempel/{case_id}")
    assert status == 200
    return url.rsplit("/", 1)[1]


def until_hit(nginx: Nginx, path: str, tries: int = 30) -> list[tuple[str, bytes]]:
    seen = []
    for _ in range(tries):
        status, headers, body = nginx.get(path)
        assert status == 200
        seen.append((headers["X-Cache-Status"], body))
        if seen[-1][0] == "HIT":
            return seen
    pytest.fail(f"no cache hit for {path} in {tries} requests: {[s for s, _ in seen]}")


def test_anonymous_repeats_come_from_the_cache_with_the_apps_headers(site):
    nginx, editor = site
    slug = publish(editor, "Läxhjälp i mikrocachen")
    seen = until_hit(nginx, f"/exempel/{slug}")
    assert seen[0][0] in ("MISS", "EXPIRED")
    assert all(body == seen[0][1] for _, body in seen)
    status, headers, body = nginx.get(f"/exempel/{slug}")
    assert "Läxhjälp i mikrocachen" in body.decode() and ANONYMOUS_MARK in body.decode()
    # The app's headers come through, and it saw HTTPS (X-Forwarded-Proto trusted: HSTS).
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"].startswith("public") and "Set-Cookie" not in headers
    status, headers, _ = nginx.get("/static/css/site.css")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"


def test_an_editor_is_never_served_from_the_cache_and_her_pages_are_not_stored(site):
    nginx, editor = site
    slug = publish(editor, "Redaktörens egen sida")
    until_hit(nginx, f"/exempel/{slug}")  # a reader's copy is in the cache
    request = urllib.request.Request(f"{nginx.base_url}/exempel/{slug}")
    with editor.opener.open(request) as response:
        assert response.headers["X-Cache-Status"] == "BYPASS"
        assert "no-store" in response.headers["Cache-Control"]
        assert ANONYMOUS_MARK not in response.read().decode()
    for path in ("/?fran=redaktor", "/exempel?fran=redaktor"):  # URLs only the editor has opened
        with editor.opener.open(urllib.request.Request(nginx.base_url + path)) as response:
            assert response.status == 200 and ANONYMOUS_MARK not in response.read().decode()
        status, headers, body = nginx.get(path)
        assert headers["X-Cache-Status"] == "MISS" and ANONYMOUS_MARK in body.decode()


def test_a_publish_is_visible_to_readers_within_the_ttl(site):
    nginx, editor = site
    until_hit(nginx, "/exempel")
    published_at = time.monotonic()
    title = "Nyss publicerat exempel"
    publish(editor, title)
    while title not in nginx.get("/exempel")[2].decode():
        # TTL, plus a background revalidation on a busy machine (slow under load, when nginx
        # serves the stale copy meanwhile); still well under the pages' max-age (60 s), which
        # a cache ignoring its own TTL would keep the list for.
        assert time.monotonic() - published_at < TTL + 40, "the list stayed stale"
        time.sleep(0.2)


def test_requests_for_other_hosts_are_dropped(site):
    nginx, _ = site
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        nginx.get("/", host="evil.example")  # our certificate, someone else's Host
    plain = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    plain.request("GET", "/", headers={"Host": "evil.example"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        plain.getresponse()
    with pytest.raises(ssl.SSLError):  # no certificate at all for other names
        nginx.connection(sni="evil.example").connect()
    plain = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    plain.request("GET", "/exempel", headers={"Host": SERVER_NAME})
    response = plain.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{SERVER_NAME}/exempel"


def test_when_the_app_cannot_answer_readers_get_a_swedish_503_not_nginxs_page(tmp_path):
    """gunicorn stopped or restarting and nothing cached: nginx's own 502 would be English and
    say nothing; the shipped configuration answers as the app does during an outage."""
    nginx = Nginx(free_port(), tmp_path / "nginx").start()  # nothing listens upstream
    try:
        for path, kind in (("/exempel/42", "text/html"), ("/sok?q=skola", "text/html"),
                           ("/api/v1/cases", "application/json")):
            status, headers, body = nginx.get(path)
            assert status == 503, path
            assert headers["Content-Type"].startswith(kind), headers["Content-Type"]
            assert headers["Retry-After"] == "30"
            assert headers["Cache-Control"] == "no-store"
            for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                         "Strict-Transport-Security"):
                assert name in headers, (path, name)
            text = body.decode("utf-8")
            if kind == "application/json":
                assert "tillfälligt otillgänglig" in json.loads(text)["error"]["message"]
            else:
                assert '<html lang="sv">' in text and "tillfälligt otillgänglig" in text
        status, _, _ = nginx.get("/_kb/otillganglig.html")  # internal: never served as a page
        assert status == 404
    finally:
        nginx.stop()
