"""What an alert follows: a search, a tag, a county, an article or an organisation type."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import MultiDict

from kb.extensions import db
from kb.filters import FilterError
from kb.models import ORGANISATION_TYPES, Article, Case, County, Tag
from kb.search.params import MAX_PER_PAGE, parse_params
from kb.slugs import slugify

KINDS = ("search", "tag", "county", "article", "organisation_type")
SEARCH_KEYS = ("q", "tag", "county", "organisation_type", "article", "year_from", "year_to")
MAX_VALUE = 600
SEARCH_PAGES = 10  # a search alert looks at the best 1,000 hits


@dataclass(frozen=True)
class Target:
    kind: str
    value: str
    label: str


def resolve(kind: str, value: str) -> Target | None:
    """The target, checked against the database (None when it does not exist)."""
    if kind not in KINDS or not value or len(value) > MAX_VALUE:
        return None
    if kind == "search":
        return _search_target(value)
    if kind == "tag":
        tag = db.session.execute(db.select(Tag).filter_by(slug=value)).scalar_one_or_none()
        return Target(kind, value, f"Taggen {tag.name}") if tag else None
    if kind == "county":
        county = db.session.execute(db.select(County).filter_by(slug=value)).scalar_one_or_none()
        return Target(kind, value, county.name) if county else None
    if kind == "article":
        number = value.isascii() and value.isdigit() and len(value) <= 2  # not "²": int() refuses it
        article = db.session.get(Article, int(value)) if number else None
        return Target(kind, value, article.label) if article else None
    names = {slugify(t): t for t in ORGANISATION_TYPES}
    return Target(kind, value, f"Organisationstyp: {names[value]}") if value in names else None


def _search_target(raw: str) -> Target | None:
    pairs = [(k, v) for k, v in parse_qsl(raw, max_num_fields=40) if k in SEARCH_KEYS and v.strip()]
    if not pairs:
        return None
    try:
        params = parse_params(MultiDict(pairs))
    except FilterError:
        return None
    chosen = params.filters
    words = [f"”{params.q}”"] if params.q else []
    words += [*chosen.tags, *chosen.counties, *chosen.organisation_types]
    words += [f"artikel {n}" for n in chosen.articles]
    if chosen.year_from or chosen.year_to:
        words.append(f"år {chosen.year_from or ''}–{chosen.year_to or ''}")
    return Target("search", urlencode(sorted(pairs)), "Sökning: " + ", ".join(words))


def search_args(value: str) -> dict[str, Any]:
    """A search alert's arguments for ``url_for('public.search', …)``."""
    args: dict[str, list[str]] = {}
    for key, item in parse_qsl(value, max_num_fields=40):
        args.setdefault(key, []).append(item)
    return args


def matching(target: Target, cases: list[Case]) -> list[Case]:
    """The cases among ``cases`` (published, changed) that the target covers, in that order."""
    if target.kind == "search":
        return _search_matches(target, cases)
    if target.kind == "tag":
        return [c for c in cases if any(t.slug == target.value for t in c.tags)]
    if target.kind == "county":
        return [c for c in cases if c.county is not None and c.county.slug == target.value]
    if target.kind == "article":
        return [c for c in cases if any(a.number == int(target.value) for a in c.articles)]
    return [c for c in cases if slugify(c.organisation.organisation_type) == target.value]


def _search_matches(target: Target, cases: list[Case]) -> list[Case]:
    from kb import search

    wanted = {c.id for c in cases}
    found: set[int] = set()
    params = replace(parse_params(MultiDict(parse_qsl(target.value))), per_page=MAX_PER_PAGE)
    for page in range(1, SEARCH_PAGES + 1):
        result = search.search(replace(params, page=page))
        found |= {hit.case.id for hit in result.hits} & wanted
        if found == wanted or page * MAX_PER_PAGE >= result.total:
            break
    return [c for c in cases if c.id in found]
