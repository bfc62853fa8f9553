"""Open data: paginated, filterable cases for harvesting, tags and reference lists, full
exports as CSV and JSON, the OpenAPI document, and CORS for read-only requests.

Only published cases, and of their contacts only what the one privacy rule allows
(:mod:`kb.sharing.privacy`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, jsonify, request, stream_with_context
from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from kb.api import bp
from kb.api.openapi import openapi_document
from kb.api.serializers import case_json
from kb.caching import cached_view
from kb.dates import as_utc
from kb.errors import abort_with
from kb.extensions import db
from kb.filters import FilterError, Filters, integer, parse_filters
from kb.models import Article, Case, CaseTombstone, County, Organisation, Status, Tag
from kb.queries import article_counts, county_counts, tag_counts
from kb.routing import query_args
from kb.urls import absolute_url

MAX_PER_PAGE = 100
SORTS = {
    "published": (Case.published.desc().nulls_last(), Case.updated_at.desc(), Case.id.desc()),
    "updated": (Case.updated_at.desc(), Case.id.desc()),
    # Oldest change first: with updated_since, a harvester can page through without gaps.
    "updated_asc": (Case.updated_at.asc(), Case.id.asc()),
}
CSV_COLUMNS = ("id", "slug", "url", "title", "summary", "organisation", "organisation_type", "county",
               "municipalities", "year", "published", "updated", "reviewed", "evidence_level", "tags",
               "articles", "contact_names", "contact_roles", "contact_emails", "sources", "version", "body")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Content-Disposition",
    "Access-Control-Max-Age": "86400",
}


@dataclass(frozen=True)
class CaseListing:
    """What ``GET /api/v1/cases`` lists: the filters every case list and search takes, plus
    changes since a time and the order."""

    filters: Filters = Filters()
    updated_since: dt.datetime | None = None
    sort: str = "published"


def _int(args: MultiDict, name: str, low: int, high: int) -> int | None:
    try:
        return integer(args, name, low, high)
    except FilterError as exc:
        abort_with(400, exc.message)


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?"
    r"([Zz]|[+-]\d{2}:?\d{2})?)?"
)


def parse_updated_since(raw: str, name: str = "updated_since") -> dt.datetime:
    """``2024-05-01`` or an RFC 3339 / ISO 8601 time; a time without zone is taken as UTC.
    A leap second counts as the second before it. ``name``: the parameter, for the message."""
    match = _RFC3339.fullmatch(raw.strip())
    try:
        if match is None:
            raise ValueError(raw)
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            min(int(second or 0), 59), int((fraction or "0").ljust(6, "0")))
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            value = value.replace(tzinfo=dt.timezone(sign * offset))
    except ValueError:
        abort_with(400, f"Parametern {name} ska vara ett datum (ÅÅÅÅ-MM-DD) eller en "
                        "tidpunkt enligt ISO 8601, t.ex. 2024-05-01T12:00:00Z.")
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # year 1 with a positive offset: before anything we hold
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def parse_listing(args: MultiDict) -> CaseListing:
    """The filters, ``updated_since`` and ``sort`` in ``args``; a value that cannot be right
    is a 400 with a Swedish message."""
    try:
        filters = parse_filters(args)
    except FilterError as exc:
        abort_with(400, exc.message)
    sort = args.get("sort", "").strip() or "published"
    if sort not in SORTS:
        abort_with(400, f"Parametern sort ska vara en av: {', '.join(SORTS)}.")
    since = args.get("updated_since", "").strip()
    return CaseListing(filters, parse_updated_since(since) if since else None, sort)


def filtered_cases(listing: CaseListing) -> Select:
    """Published cases matching every filter: all the tags and articles, any of the counties
    and organisation types."""
    filters = listing.filters
    stmt = db.select(Case).where(Case.status == Status.PUBLISHED)
    for name in filters.tags:
        stmt = stmt.where(Case.tags.any(Tag.name == name))
    for number in filters.articles:
        stmt = stmt.where(Case.articles.any(Article.number == number))
    if filters.counties:
        stmt = stmt.where(Case.county.has(County.name.in_(filters.counties)))
    if filters.organisation_types:
        kinds = Organisation.organisation_type.in_(filters.organisation_types)
        stmt = stmt.where(Case.organisation.has(kinds))
    if filters.year_from is not None:
        stmt = stmt.where(Case.year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(Case.year <= filters.year_to)
    if listing.updated_since is not None:
        stmt = stmt.where(Case.updated_at >= listing.updated_since)
    return stmt.order_by(*SORTS[listing.sort])


def _with_relations(stmt: Select) -> Select:
    return stmt.options(selectinload(Case.tags), selectinload(Case.articles),
                        selectinload(Case.municipalities), selectinload(Case.contacts),
                        selectinload(Case.sources))


def open_case(case: Case) -> dict[str, Any]:
    """A case as open data: the API's record plus its id, version and version permalink."""
    record = case_json(case)
    record.update({
        "id": case.id,
        "version": case.version,
        "version_url": absolute_url("sharing.revision", slug=case.slug, number=case.version),
        "body": case.body,
    })
    return record


def _page_link(page: int) -> str:
    args = query_args()
    args["page"] = [str(page)]
    return absolute_url(request.endpoint or "", **(request.view_args or {}), **args)


def _paging() -> tuple[int, int]:
    return (_int(request.args, "page", 1, 1_000_000) or 1,
            _int(request.args, "per_page", 1, MAX_PER_PAGE) or 20)


def _paged(stmt: Select, page: int, per_page: int, results: list[Any]) -> Response:
    """One page of ``stmt``'s rows as JSON, with next/prev/first/last in the body and a Link header."""
    total = db.session.scalar(db.select(db.func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    links = {"self": _page_link(page), "first": _page_link(1), "last": _page_link(pages),
             "next": _page_link(page + 1) if page < pages else None,
             "prev": _page_link(min(page - 1, pages)) if page > 1 else None}
    response = jsonify({"total": total, "page": page, "per_page": per_page, "pages": pages,
                        "results": results, "links": links})
    response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items()
                                         if url and rel != "self")
    return response


@bp.get("/cases")
@cached_view()
def cases():
    listing = parse_listing(request.args)
    page, per_page = _paging()
    stmt = filtered_cases(listing)
    items = db.session.execute(
        _with_relations(stmt).offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return _paged(stmt, page, per_page, [open_case(c) for c in items])


def tombstone_json(tombstone: CaseTombstone) -> dict[str, Any]:
    """A withdrawn case as harvesters need it: which one, since when, why. No personal data."""
    return {
        "id": tombstone.case_id,
        "slug": tombstone.slug,
        "url": absolute_url("public.case", slug=tombstone.slug),
        "deleted_at": as_utc(tombstone.deleted_at).isoformat(),
        "reason": tombstone.reason,
    }


@bp.get("/deleted-cases")
@cached_view()
def deleted_cases():
    """Cases that were published and no longer are (deleted, archived or back to draft), oldest
    first, so that a harvester polling with ``since`` can remove them from its copy."""
    raw = request.args.get("since", "").strip()
    since = parse_updated_since(raw, "since") if raw else None
    page, per_page = _paging()
    stmt = db.select(CaseTombstone).order_by(CaseTombstone.deleted_at.asc(), CaseTombstone.id.asc())
    if since is not None:
        stmt = stmt.where(CaseTombstone.deleted_at >= since)
    items = db.session.execute(stmt.offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return _paged(stmt, page, per_page, [tombstone_json(t) for t in items])


@bp.get("/tags")
@cached_view()
def tags():
    return jsonify({"tags": [
        {"name": tag.name, "slug": tag.slug, "count": count,
         "url": absolute_url("public.tag", slug=tag.slug),
         "feed": absolute_url("sharing.tag_feed", slug=tag.slug)}
        for tag, count in tag_counts()
    ]})


@bp.get("/counties")
@cached_view()
def counties():
    counts = {county.code: n for county, n in county_counts()}
    rows = db.session.execute(db.select(County).order_by(County.name)).scalars()
    return jsonify({"counties": [
        {"code": c.code, "name": c.name, "slug": c.slug, "count": counts.get(c.code, 0),
         "url": absolute_url("public.county", slug=c.slug)}
        for c in rows
    ]})


@bp.get("/articles")
@cached_view()
def articles():
    counts = {article.number: n for article, n in article_counts()}
    rows = db.session.execute(db.select(Article).order_by(Article.number)).scalars()
    return jsonify({"articles": [
        {"number": a.number, "title": a.title, "count": counts.get(a.number, 0),
         "url": absolute_url("public.article", number=a.number)}
        for a in rows
    ]})


def _all_published() -> Iterator[Case]:
    stmt = _with_relations(db.select(Case).where(Case.status == Status.PUBLISHED).order_by(Case.id))
    yield from db.session.execute(stmt.execution_options(yield_per=200)).scalars()


def _generated() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@bp.get("/export/cases.json")
@cached_view()
def export_json():
    head = {"generated": _generated(), "source": absolute_url("public.index"),
            "license": current_app.config["DATA_LICENSE"],
            "count": db.session.scalar(db.select(db.func.count(Case.id))
                                       .where(Case.status == Status.PUBLISHED))}

    def generate() -> Iterator[str]:
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": ['
        for n, case in enumerate(_all_published()):
            yield ("," if n else "") + "\n" + json.dumps(open_case(case), ensure_ascii=False)
        yield "\n]}\n"

    response = Response(stream_with_context(generate()), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="kunskapsbanken-exempel.json"'
    return response


def _csv_row(case: Case) -> list[Any]:
    record = open_case(case)
    return [
        case.id, case.slug, record["url"], case.title, case.summary, record["organisation"],
        record["organisation_type"], record["county"] or "", "; ".join(record["municipalities"]),
        case.year or "", record["published"] or "", record["updated"], record["reviewed"] or "",
        case.evidence_level or "", "; ".join(record["tags"]),
        "; ".join(str(a["number"]) for a in record["articles"]),
        "; ".join(c["name"] or "" for c in record["contacts"]),
        "; ".join(c["role"] or "" for c in record["contacts"]),
        "; ".join(c["email"] or "" for c in record["contacts"]),
        "; ".join(f"{s['title']} <{s['url']}>" if s["url"] else s["title"] for s in record["sources"]),
        case.version, case.body,
    ]


# Spreadsheets run a cell starting with one of these as a formula (tab and CR too, since
# some strip them first). Every CSV is opened in a spreadsheet sooner or later.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that would start a formula gets a leading ``'``, so it stays text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


@bp.get("/export/cases.csv")
@cached_view()
def export_csv():
    dialect = request.args.get("dialect", "").strip() or "rfc4180"
    if dialect not in ("rfc4180", "excel-sv"):
        abort_with(400, "Parametern dialect ska vara rfc4180 eller excel-sv.")
    excel = dialect == "excel-sv"

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        yield ("\ufeff" if excel else "") + buffer.getvalue()
        for case in _all_published():
            buffer.seek(0)
            buffer.truncate()
            row = _csv_row(case)
            writer.writerow([spreadsheet_safe(v) for v in row])
            yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="kunskapsbanken-exempel.csv"'
    return response


@bp.get("/openapi.json")
@cached_view()
def openapi():
    return jsonify(openapi_document())


@bp.after_app_request
def allow_cross_origin_reads(response: Response) -> Response:
    """CORS for the read-only API: any origin may GET; nothing else is allowed across sites."""
    if request.path.startswith("/api/") and request.method in ("GET", "HEAD", "OPTIONS"):
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
    return response
