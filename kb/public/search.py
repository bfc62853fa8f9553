"""The search page ``/sok``: every search is a shareable link (filters in the query string)."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from kb import search as search_service
from kb.alerts.targets import MAX_VALUE, SEARCH_KEYS
from kb.errors import abort_with
from kb.extensions import csrf, db, limiter
from kb.filters import FilterError
from kb.models import Article
from kb.public import bp
from kb.routing import query_args
from kb.search import SearchParams, SearchResult, SearchUnavailable, parse_params
from kb.services import search_misses

FEW_HITS = 2  # a search with this many hits or fewer is counted for the editors

FILTER_KEYS = ("tag", "county", "organisation_type", "article", "year_from", "year_to")


class ResultPages:
    """Just enough of Flask-SQLAlchemy's pagination for the ``pagination`` macro."""

    def __init__(self, page: int, per_page: int, total: int) -> None:
        self.page, self.per_page, self.total = page, per_page, total
        self.pages = max(1, math.ceil(total / per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    def iter_pages(self, left_edge: int = 1, right_edge: int = 1, left_current: int = 2,
                   right_current: int = 2) -> Iterator[int | None]:
        last = 0
        for n in range(1, self.pages + 1):
            if (n <= left_edge or n > self.pages - right_edge
                    or self.page - left_current <= n <= self.page + right_current):
                if last and n - last > 1:
                    yield None
                yield n
                last = n


def search_url(args: dict[str, list[str]], **changes: Any) -> str:
    """``/sok`` with the current arguments, some changed (a value of None removes it)."""
    merged: dict[str, Any] = {k: list(v) for k, v in args.items()}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value if isinstance(value, list) else [str(value)]
    if "page" not in changes:
        merged.pop("page", None)  # new filters start again on page 1
    return url_for("public.search", **{k: v for k, v in merged.items() if v})


def toggle_url(args: dict[str, list[str]], key: str, value: str) -> str:
    """Add ``value`` to filter ``key``, or remove it when it is already chosen."""
    values = list(args.get(key, []))
    values = [v for v in values if v != value] if value in values else [*values, value]
    return search_url(args, **{key: values or None})


@bp.post("/sok/fa-traffar")
@csrf.exempt  # sent by the search page's script; it stores no personal data and is rate-limited
@limiter.limit(lambda: current_app.config["SEARCH_MISS_LIMIT"])
def search_miss():
    """Count an anonymous reader's search that found little (for the editors' list)."""
    query = search_misses.normalise(request.form.get("q", ""))
    if not query:
        return "", 400  # the search page never sends an empty query
    if current_user.is_anonymous:
        try:
            hits = search_service.search(SearchParams(q=query, per_page=1)).total
        except (FilterError, SearchUnavailable):
            hits = None
        if hits is not None and hits <= FEW_HITS:
            search_misses.record(query, dt.date.today())
            db.session.commit()
    return "", 204


@bp.get("/sok")
def search():
    # Empty fields (a year left blank in the form without JavaScript) are no filter.
    args = {key: kept for key, values in query_args().items() if (kept := [v for v in values if v.strip()])}
    error: FilterError | None = None
    try:
        params = parse_params(request.args, current_app.config["PER_PAGE"], clamp_page=True)
    except FilterError as exc:
        error, params = exc, SearchParams()
    result: SearchResult | None = None
    if error is None:
        try:
            result = search_service.search(params)
        except SearchUnavailable as exc:
            abort_with(503, exc.message)
    articles = {str(a.number): a for a in db.session.scalars(db.select(Article))}
    pages = ResultPages(params.page, params.per_page, result.total) if result else None
    chosen = {key: args.get(key, []) for key in FILTER_KEYS}
    return render_template(
        "public/search.html", result=result, params=params, error=error, pages=pages,
        query=request.args.get("q", ""), args=args, chosen=chosen, articles=articles,
        search_url=lambda **c: search_url(args, **c),
        toggle_url=lambda k, v: toggle_url(args, k, v),
        has_filters=any(chosen.values()),
        count_miss=bool(result and params.q and result.total <= FEW_HITS and current_user.is_anonymous),
        watch=None if error else _watch(args),
    ), (400 if error else 200)


def _watch(args: dict[str, list[str]]) -> dict[str, str] | None:
    """"Bevaka" for this search: its query and filters (not the page or the sort)."""
    pairs = sorted((k, v) for k in SEARCH_KEYS for v in args.get(k, []) if v.strip())
    value = urlencode(pairs)
    return {"typ": "sok", "varde": value} if pairs and len(value) <= MAX_VALUE else None
