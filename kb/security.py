"""Security headers on every response, HTTPS-aware cookies, CSRF and rate-limit error pages."""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from kb.errors import error_response

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
CSRF_MESSAGE = ("Formuläret kunde inte skickas eftersom säkerhetsnyckeln saknas eller är för gammal. "
                "Ladda om sidan och försök igen.")


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


def init_app(app: Flask) -> None:
    """Call before other extensions add ``after_request`` hooks, so ours runs last."""
    app.session_interface = HttpsAwareSessionInterface()
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(_add_headers)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        return error_response(400, CSRF_MESSAGE)

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
