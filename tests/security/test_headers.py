"""Security headers on every response; cookie flags; no inline script or style for the CSP to break."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.editor.fixtures import PASSWORD

PAGES = ["/", "/exempel", "/om", "/sok?q=barn", "/tipsa", "/login", "/glomt-losenord",
         "/api/v1/cases/finns-inte", "/finns-inte", "/static/css/site.css",
         "/static/js/editor.js", "/redaktion/"]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["default-src"] == "default-src 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.own_app
def test_error_pages_from_exceptions_have_them_too(client, app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("test")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_private_pages_are_not_stored_by_caches(clients):
    assert clients["editor"].get("/redaktion/").headers["Cache-Control"] == "no-store"
    assert clients["anon"].get("/login").headers["Cache-Control"] == "no-store"
    assert clients["anon"].get("/tipsa").headers["Cache-Control"] == "no-store"  # CSRF token


def _set_cookie(response, name):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_session_cookie_is_httponly_and_lax_but_not_secure_over_http(users, app):
    response = app.test_client().post("/login", data={"email": "editor@kb.test",
                                                      "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _set_cookie(response, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http (make run) must keep working
    assert "Strict-Transport-Security" not in response.headers


def test_cookies_are_secure_over_https(users, app):
    client = app.test_client()
    response = client.post("/login", base_url="https://kb.test",
                           data={"email": "editor@kb.test", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _set_cookie(response, name)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert cookie.count("Secure") == 1
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


class _InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and \
                attrs.get("type") not in ("application/ld+json", "application/json"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "style":
                self.problems.append(f"{tag} style=")
            if name in ("href", "src", "action") and value and re.match(r"\s*javascript:", value, re.I):
                self.problems.append(f"{tag} {name}=javascript:")


def _problems(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.problems


def test_rendered_pages_need_no_inline_script_or_style(clients, app, draft, make_case, users):
    """Anything inline would be blocked by the CSP in the browser, breaking the page."""
    published = make_case(slug="publicerat")
    pages = {
        "anon": ["/", "/exempel", f"/exempel/{published.slug}", "/om", "/tillganglighet",
                 "/artiklar", "/sok?q=barn", "/tipsa", "/login", "/glomt-losenord", "/finns-inte",
                 "/tagg/styrning", "/lan/uppsala-lan"],
        "admin": ["/redaktion/", "/redaktion/exempel", f"/redaktion/exempel/{draft.id}",
                  f"/redaktion/exempel/{draft.id}/redigera", "/redaktion/exempel/nytt",
                  f"/redaktion/exempel/{draft.id}/historik",
                  f"/redaktion/exempel/{draft.id}/historik/1",
                  f"/redaktion/exempel/{draft.id}/ta-bort", "/redaktion/anvandare",
                  "/redaktion/anvandare/ny", f"/redaktion/anvandare/{users['editor'].id}",
                  "/redaktion/handelser", "/logout", f"/exempel/{draft.slug}"],
    }
    found = []
    for role, paths in pages.items():
        for path in paths:
            response = clients[role].get(path)
            assert response.status_code < 500, path
            found += [f"{path}: {p}" for p in _problems(response.get_data(as_text=True))]
    assert not found, "\n".join(found)


def test_the_inline_finder_finds_what_the_csp_blocks():
    assert sorted(_problems('<p style="color:red" onclick="x()"><script>alert(1)</script>'
                            '<a href=" javascript:x">')) == [
        "a href=javascript:", "inline <script>", "p onclick=", "p style="]
    assert _problems('<script src="/static/js/editor.js"></script>') == []
