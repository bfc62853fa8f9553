"""Search parameters from a query string: the shared filters (:mod:`kb.filters`) plus the
words, the order and the page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.filters import FilterError, Filters, clean, integer, parse_filters
from kb.search.query import MAX_QUERY_CHARS

SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    filters: Filters = Filters()
    sort: str | None = None  # None: relevance with a query, newest first without
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q.strip() else "date")


def parse_params(args: Any, default_per_page: int = 20, clamp_page: bool = False) -> SearchParams:
    """Read and check ``q``, the filters, ``sort``, ``page`` and ``per_page``.

    Raises :class:`kb.filters.FilterError`; with ``clamp_page`` a bad page number becomes 1.
    """
    q = args.get("q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise FilterError("q", f"Sökfrågan är för lång. Skriv högst {MAX_QUERY_CHARS} tecken.")
    sort = (args.get("sort") or "").strip() or None
    if sort is not None and sort not in SORTS:
        raise FilterError("sort", "Sortera på ”relevance” (bäst träff) eller ”date” (nyast).")
    try:
        page = integer(args, "page", 1, MAX_PAGE,
                       f"Sidnumret ska vara ett heltal från 1 till {MAX_PAGE}.") or 1
    except FilterError:
        if not clamp_page:
            raise
        page = 1
    per_page = integer(args, "per_page", 1, MAX_PER_PAGE,
                       f"Antal per sida ska vara ett heltal från 1 till {MAX_PER_PAGE}.") or default_per_page
    return SearchParams(q=clean(q), filters=parse_filters(args), sort=sort, page=page, per_page=per_page)
