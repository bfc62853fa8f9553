"""Swedish error pages, and JSON errors under ``/api/``."""
from __future__ import annotations

import logging
from typing import NoReturn

from flask import Flask, g, has_request_context, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Felaktig förfrågan", "Förfrågan kunde inte tolkas. Kontrollera adressen och försök igen."),
    403: ("Åtkomst nekad", "Du har inte behörighet att se den här sidan."),
    404: ("Sidan finns inte", "Vi hittar ingen sida på den adressen. Den kan ha flyttats eller tagits bort."),
    405: ("Metoden stöds inte", "Sidan kan inte användas på det sättet."),
    410: ("Exemplet finns inte längre",
          "Redaktionen har tagit bort exemplet eller dragit tillbaka det. Sök gärna efter liknande exempel."),
    413: ("För mycket data", "Det du skickade är för stort. Gå tillbaka, korta texten och försök "
                             "igen – det du skrev finns oftast kvar i formuläret."),
    429: ("För många försök", "Du har gjort för många försök på kort tid. Vänta en stund och försök igen."),
    500: ("Något gick fel", "Ett oväntat fel uppstod hos oss. Försök igen om en stund."),
    503: ("Tjänsten är tillfälligt otillgänglig",
          "Kunskapsbanken kan inte nå sin databas just nu. Försök igen om en liten stund."),
}

UNSTORABLE = ("Något du skrev innehåller ett tecken eller ett tal som inte kan användas här, "
              "till exempel ett osynligt styrtecken. Ta bort det och försök igen.")


# Typed again by the user rather than shown back on a page.
SECRET_FIELDS = frozenset({"password", "confirm", "current_password", "new_password", "csrf_token"})
KEPT_FIELD_LIMIT = 20_000


def kept_fields() -> list[tuple[str, str]]:
    """What the user typed into a form the server could not take, to show back on the error
    page (a request that is not a form post, or whose form cannot be read, has none)."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return []
    try:
        items = request.form.items(multi=True)
        return [(name, value[:KEPT_FIELD_LIMIT]) for name, value in items
                if name not in SECRET_FIELDS and value.strip()][:50]
    except Exception:  # noqa: BLE001 — the error page must not fail on the form it reports
        return []


# Shown when the error page itself cannot be rendered: no template, no url_for, no database.
FALLBACK_PAGE = ('<!doctype html><html lang="sv"><meta charset="utf-8"><title>{title}</title>'
                 '<h1>{title}</h1><p>{message}</p><p><a href="/">Till startsidan</a></p></html>')


def error_response(code: int, message: str | None = None, kept: list[tuple[str, str]] | None = None):
    """The Swedish error page (JSON under /api/); ``kept`` is what the user typed into the
    form that failed, shown back so that nothing is lost."""
    title, default = MESSAGES.get(code, (f"Fel {code}", "Något gick fel."))
    text = message or default
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "title": title, "message": text}}), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=text,
                               kept=kept or []), code
    except Exception:  # noqa: BLE001 — the answer must still be a page with our headers
        log.exception("the error page for %s could not be rendered", code)
        return FALLBACK_PAGE.format(title=escape(title), message=escape(text)), code


def end_session(exc: BaseException | None) -> None:
    """End the request's database session even when its connection died after the answer
    was made (the database stopped between the commit and the end of the request).

    Flask-SQLAlchemy's own teardown would ROLLBACK on the dead connection and raise, and
    gunicorn would turn the finished answer (a saved case's redirect) into a bare 500.
    Registered after ``db.init_app``, so it runs before that teardown, which then finds
    nothing left to do.
    """
    from kb.extensions import db

    try:
        db.session.close()
    except SQLAlchemyError as error:
        where = request.path if has_request_context() else "a command"
        log.warning("database connection lost at the end of %s: %s", where, type(error).__name__)
        db.session().invalidate()  # drops the connection without talking to the server


def init_app(app: Flask) -> None:
    app.teardown_appcontext(end_session)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        description = exc.description if getattr(exc, "kb_message", False) else None
        response = error_response(exc.code or 500, description)
        if exc.code == 429 or exc.code == 503:
            body, code = response
            return body, code, {"Retry-After": "30"}
        return response

    @app.errorhandler(OperationalError)
    def handle_db_down(exc: OperationalError):
        # One line per request: an outage under load must not flood the log with SQL.
        first_line = (str(exc.orig or exc).strip().splitlines() or [""])[0]
        log.error("database unavailable on %s: %s", request.path, first_line)
        from kb.extensions import db, login_manager

        try:
            db.session.rollback()
        except SQLAlchemyError:  # the connection itself is gone: drop it without a ROLLBACK
            db.session().invalidate()
        # The page must not need the database: show it as to a visitor (no user lookup).
        g._login_user = login_manager.anonymous_user()
        body, code = error_response(ServiceUnavailable.code, kept=kept_fields())
        return body, code, {"Retry-After": "10"}

    @app.errorhandler(DataError)
    def handle_unstorable_value(exc: DataError):
        # PostgreSQL refuses some input SQLite takes (a NUL character, a number too large for
        # its column): the request is at fault, not the server.
        first_line = (str(exc.orig or exc).strip().splitlines() or [""])[0]
        log.warning("database refused a value on %s: %s", request.path, first_line)
        from kb.extensions import db

        db.session.rollback()
        return error_response(400, UNSTORABLE, kept=kept_fields())

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return error_response(InternalServerError.code, kept=kept_fields())


def abort_with(code: int, message: str) -> NoReturn:
    """Abort with a Swedish message that the error page shows as it is."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.kb_message = True  # type: ignore[attr-defined]  # read back by the error handlers
    raise exc
