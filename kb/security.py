"""Security headers on every response, HTTPS-aware cookies, CSRF and rate-limit error pages."""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request, session
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from kb import urls
from kb.errors import error_response, kept_fields

log = logging.getLogger(__name__)

# No 'unsafe-inline' anywhere: scripts and styles come from our own files only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Pages with personal data, one-time links or a session's CSRF token must not be cached.
PRIVATE_PREFIXES = ("/redaktion", "/login", "/logout", "/losenord", "/glomt-losenord", "/tipsa", "/bevak")
HSTS = "max-age=31536000; includeSubDomains"
CSRF_MESSAGE = ("Formuläret kunde inte skickas eftersom säkerhetsnyckeln saknas eller är för gammal "
                "(ett formulär gäller i 8 timmar). Ladda om sidan och försök igen.")
UNTRUSTED_HOST_MESSAGE = "Kunskapsbanken svarar inte på den här adressen."


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` when the request came over HTTPS (or config says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def _add_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
        _secure_cookies(response)
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response


def _secure_cookies(response: Response) -> None:
    """Add ``Secure`` to cookies set by extensions (the remember-me cookie) over HTTPS."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)


def _refresh_editor_session() -> None:
    """Re-sign a signed-in editor's session cookie on every request, so that
    PERMANENT_SESSION_LIFETIME (checked on the cookie's signature time) counts idle time."""
    if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) and "_user_id" in session:
        session.modified = True


def init_app(app: Flask) -> None:
    """Call before other extensions add ``after_request`` hooks, so ours runs last."""
    app.session_interface = HttpsAwareSessionInterface()
    proxies = int(app.config["PROXY_COUNT"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(_add_headers)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # Flask refused the Host header (TRUSTED_HOSTS) before binding URLs: the error page's
        # own links are built on the configured origin instead.
        if request_ctx.url_adapter is None:
            request_ctx.url_adapter = app.url_map.bind(
                urls.host(), script_name=request.script_root or "/",
                url_scheme=app.config["PREFERRED_URL_SCHEME"])
        log.warning("refused a request for an untrusted host: %.100r", request.headers.get("Host"))
        return error_response(400, UNTRUSTED_HOST_MESSAGE)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        if request.path.startswith("/api/") or request.is_json:
            return error_response(400, CSRF_MESSAGE)
        from kb.auth import safe_next_url

        return render_template("errors/csrf.html", message=CSRF_MESSAGE,
                               form_url=safe_next_url(request.path) or "/", kept=kept_fields()), 400

    app.before_request(_refresh_editor_session)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded):
        if exc.response is not None:  # a page re-rendered with what the user typed
            response = exc.response
            response.status_code = 429
        else:
            body, code = error_response(429)
            response = app.make_response((body, code))
        response.headers.setdefault("Retry-After", "60")
        return response
