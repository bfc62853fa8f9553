"""Search parameters from a query string (shared by the search page and the API)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from kb.search.query import MAX_QUERY_CHARS, clean

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
YEARS = (1900, 2100)


class SearchParamError(ValueError):
    """A parameter the user can fix; ``message`` is Swedish."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    tags: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    organisation_types: tuple[str, ...] = ()
    articles: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str | None = None  # None: relevance with a query, newest first without
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q.strip() else "date")

    @property
    def has_filters(self) -> bool:
        return bool(self.tags or self.counties or self.organisation_types or self.articles
                    or self.year_from or self.year_to)

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)


def _int(args: Mapping[str, Any], name: str, low: int, high: int, message: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SearchParamError(name, message) from None
    if not low <= value <= high:
        raise SearchParamError(name, message)
    return value


def _list(args: Any, name: str) -> tuple[str, ...]:
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    return tuple(dict.fromkeys(clean(v) for v in values if v and clean(v)))


def parse_params(args: Any, default_per_page: int = 20, clamp_page: bool = False) -> SearchParams:
    """Read and check ``q``, the filters, ``sort``, ``page`` and ``per_page``.

    Raises :class:`SearchParamError`; with ``clamp_page`` a bad page number becomes 1.
    """
    q = args.get("q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchParamError("q", f"Sökfrågan är för lång. Skriv högst {MAX_QUERY_CHARS} tecken.")
    sort = (args.get("sort") or "").strip() or None
    if sort is not None and sort not in SORTS:
        raise SearchParamError("sort", "Sortera på ”relevance” (bäst träff) eller ”date” (nyast).")
    try:
        page = _int(args, "page", 1, MAX_PAGE, f"Sidnumret ska vara ett heltal från 1 till {MAX_PAGE}.") or 1
    except SearchParamError:
        if not clamp_page:
            raise
        page = 1
    per_page = _int(args, "per_page", 1, MAX_PER_PAGE,
                    f"Antal per sida ska vara ett heltal från 1 till {MAX_PER_PAGE}.") or default_per_page
    articles = []
    for raw in _list(args, "article"):
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if not 1 <= number <= 54:
            raise SearchParamError("article", "Artikel ska vara ett nummer från 1 till 54.")
        articles.append(number)
    year_message = f"Årtal ska vara ett heltal från {YEARS[0]} till {YEARS[1]}."
    year_from = _int(args, "year_from", *YEARS, year_message)
    year_to = _int(args, "year_to", *YEARS, year_message)
    if year_from and year_to and year_from > year_to:
        raise SearchParamError("year_to", "Slutåret kan inte vara före startåret.")
    return SearchParams(
        q=clean(q), tags=_list(args, "tag"), counties=_list(args, "county"),
        organisation_types=_list(args, "organisation_type"), articles=tuple(articles),
        year_from=year_from, year_to=year_to, sort=sort, page=page, per_page=per_page,
    )
