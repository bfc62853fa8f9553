"""/lista: a reader's list of cases, and "Jämför" side by side. Nothing is stored here.

Without JavaScript "Lägg i lista" is a GET form to ``/lista?lagg=<slug>``: the slug is added
to the list the reader last opened (kept in the ``kb_lista`` cookie, which only these routes
read) and the browser is sent to the list's own URL. Reordering and removing are links to
the reordered URL; list.js does the same in place and keeps localStorage in step.
"""
from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kb.errors import error_response
from kb.lists import cases as list_cases
from kb.lists.params import MAX_CASES, MAX_RAW, MAX_TITLE, ListTooLong, ReadingList, parse
from kb.public import bp

COOKIE = "kb_lista"
COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_COOKIE = MAX_RAW * 3 + MAX_TITLE * 9  # percent-encoded: at most three bytes per character


def _remembered() -> ReadingList:
    """The list the reader last opened, from the cookie; an unreadable cookie is no list."""
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > MAX_COOKIE:
        return ReadingList()
    fields = parse_qs(unquote(raw), max_num_fields=4)
    try:
        return parse((fields.get("e") or [""])[0], (fields.get("titel") or [""])[0])
    except ListTooLong:
        return ReadingList()


def _requested() -> ReadingList:
    return parse(request.args.get("e"), request.args.get("titel"))


def _private(response: BaseResponse, remember: ReadingList | None = None) -> BaseResponse:
    response.headers["Cache-Control"] = "private, no-store"  # depends on the reader's cookie
    if remember is not None:
        value = remember.cookie_value()
        if len(value) <= 3800:  # browsers drop cookies over 4 KB; the URL still holds the list
            response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, path="/lista",
                                samesite="Lax", secure=request.is_secure)
    return response


def _mailto(reading_list: ReadingList, cases: list, url: str) -> str:
    """"Dela via e-post": the title, the link and the cases' titles (list.js rewrites it)."""
    lines = [reading_list.display_title, "", url, "", *(f"– {case.title}" for case in cases)]
    return "mailto:?" + urlencode({"subject": reading_list.display_title, "body": "\n".join(lines)},
                                  quote_via=quote)


def _list_url(reading_list: ReadingList, endpoint: str = "public.reading_list") -> str:
    values: dict[str, Any] = reading_list.query()
    return url_for(endpoint, **values)


@bp.get("/lista")
def reading_list():
    try:
        if "lagg" in request.args:
            base = _requested() if "e" in request.args else _remembered()
            slug = request.args.get("lagg", "")[:200].strip().lower()
            chosen = base.adding(slug) if slug else base
            return _private(redirect(_list_url(chosen), code=303), chosen)
        if "e" not in request.args:
            remembered = _remembered()
            if remembered.slugs:
                return _private(redirect(_list_url(remembered), code=303))
        wanted = _requested()
    except ListTooLong as exc:
        return error_response(400, str(exc))
    loaded = list_cases.load(wanted)
    shown = loaded.canonical(wanted)
    html = render_template("public/list.html", rl=shown, cases=loaded.cases,
                           missing=[*loaded.missing, *wanted.ignored], max_cases=MAX_CASES,
                           max_title=MAX_TITLE, mailto=functools.partial(_mailto, shown, loaded.cases))
    return _private(make_response(html), shown)


@bp.get("/lista/jamfor")
def compare_list():
    try:
        wanted = _requested()
    except ListTooLong as exc:
        return error_response(400, str(exc))
    loaded = list_cases.load(wanted)
    shown = loaded.canonical(wanted)
    html = render_template("public/compare.html", rl=shown, cases=loaded.cases,
                           missing=[*loaded.missing, *wanted.ignored],
                           contacts=list_cases.public_contact_lines)
    return _private(make_response(html))
