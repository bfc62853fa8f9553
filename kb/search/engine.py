"""Running a search: hits, facet counts, snippets, "Menade du …?", related cases, typeahead."""
from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import query as wq
from whoosh.searching import Searcher

from kb.extensions import db
from kb.models import Case, Status
from kb.search import query as sq
from kb.search import scoring as sc
from kb.search.analysis import FOLD_MARK, WORD_PATTERN, fold
from kb.search.highlight import SNIPPET_CHARS, case_snippet
from kb.search.params import SearchParams
from kb.search.schema import FACET_FIELDS, plain_text
from kb.search.scoring import Scorer
from kb.search.spelling import suggestion
from kb.search.store import IndexStore

# Facets where several chosen values mean "any of them"; their counts ignore their own filter.
ANY_OF = ("county", "organisation_type", "year")
ALL = "_all"


@dataclass
class Hit:
    case: Case
    score: float | None
    snippet: Markup


@dataclass
class SearchResult:
    params: SearchParams
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    # "all": every word matched; "any": nothing had them all, so any word; "none": the
    # query had no searchable words; "filters": no query, just filters.
    match: str = "all"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.params.per_page))


def _facet_table(store: IndexStore, searcher: Searcher) -> dict[str, dict[str, frozenset[int]]]:
    """Per commit: every facet value → the (live) documents that have it."""
    key = ("facets", searcher)
    table = store.cache.get(key)
    if table is None:
        scorer = _scorer(store, searcher)
        reader = searcher.reader()
        live = frozenset(reader.all_doc_ids())
        table = {ALL: {"": scorer.docs("doctype", "case") & live}}
        for name in FACET_FIELDS:
            table[name] = {value: docs for value, docs in (
                (raw.decode("utf-8"), scorer.docs(name, raw.decode("utf-8")) & live)
                for raw in reader.lexicon(name)) if docs}
        store.cache[key] = table
    return table


def _filters(table: dict[str, dict[str, frozenset[int]]], params: SearchParams) -> dict[str, frozenset[int]]:
    """Each active facet filter as the set of documents it lets through."""
    empty: frozenset[int] = frozenset()
    out: dict[str, frozenset[int]] = {}
    if params.tags:
        out["tag"] = frozenset.intersection(*(table["tag"].get(t, empty) for t in params.tags))
    if params.articles:
        out["article"] = frozenset.intersection(
            *(table["article"].get(str(a), empty) for a in params.articles))
    for name, chosen in (("county", params.counties), ("organisation_type", params.organisation_types)):
        if chosen:
            out[name] = frozenset().union(*(table[name].get(v, empty) for v in chosen))
    if params.year_from or params.year_to:
        low, high = params.year_from or 0, params.year_to or 9999
        out["year"] = frozenset().union(
            *(docs for year, docs in table["year"].items() if low <= int(year) <= high))
    return out


def _intersect(base: frozenset[int], sets: Iterable[frozenset[int]]) -> frozenset[int]:
    for docs in sets:
        base = base & docs
    return base


def _facet_counts(table, matched: frozenset[int], filters: dict[str, frozenset[int]]):
    counts: dict[str, list[tuple[str, int]]] = {}
    for name in FACET_FIELDS:
        others = [docs for dim, docs in filters.items() if not (dim == name and name in ANY_OF)]
        base = _intersect(matched, others)
        values = [(value, len(base & docs)) for value, docs in table[name].items()]
        values = [(v, n) for v, n in values if n]
        if name == "year":
            values.sort(key=lambda item: item[0], reverse=True)
        else:
            values.sort(key=lambda item: (-item[1], item[0]))
        counts[name] = values
    return counts


def load_published(ids: list[int]) -> dict[int, Case]:
    """Published cases by id (never a draft, even if a stale index still lists it)."""
    if not ids:
        return {}
    stmt = (select(Case).where(Case.id.in_(ids), Case.status == Status.PUBLISHED)
            .options(selectinload(Case.tags)))
    return {c.id: c for c in db.session.scalars(stmt)}


def _scorer(store: IndexStore, searcher: Searcher) -> Scorer:
    key = ("scorer", searcher)
    scorer = store.cache.get(key)
    if scorer is None:
        scorer = store.cache[key] = Scorer(searcher)
    return scorer


def _ranked(scorer: Scorer, query: sc.Query, cases: frozenset[int]) -> dict[int, float]:
    """Every matching case → its score (facets need all matches anyway)."""
    return {d: score for d, score in scorer.evaluate(query).items() if d in cases}


def _page(scorer: Scorer, scores: dict[int, float], docs: frozenset[int], params: SearchParams,
          first: int) -> list[tuple[int, float | None]]:
    """(docnum, score) of the requested page; recency breaks ties in relevance."""
    last = first + params.per_page
    published = scorer.published()
    if params.effective_sort == "date" or not params.q:
        newest = heapq.nsmallest(last, docs, key=lambda d: (-published[d], -d))
        return [(d, scores.get(d)) for d in newest[first:]]
    top = heapq.nlargest(last, ((s, d) for d, s in scores.items() if d in docs))
    if not top:
        return []
    # Equal scores across the page boundary are ordered by date as well.
    boundary = round(top[-1][0], 6)
    ranked = [(round(s, 6), d) for d, s in scores.items() if s >= boundary - 1e-6 and d in docs]
    ranked.sort(key=lambda item: (-item[0], -published[item[1]], -item[1]))
    return [(d, score) for score, d in ranked[first:last]]


def run_search(store: IndexStore, params: SearchParams) -> SearchResult:
    """Search the live index; only published cases are ever returned."""
    searcher = store.searcher()
    table = _facet_table(store, searcher)
    result = SearchResult(params)
    parsed = sq.parse(params.q)
    all_cases = table[ALL][""]
    scores: dict[int, float] = {}
    if not params.q:
        result.match = "filters"
        matched = all_cases
    elif parsed.empty:
        result.match = "none"
        result.facets = _facet_counts(table, frozenset(), {})
        return result
    else:
        reader = searcher.reader()

        def has(field: str, term: str) -> bool:
            return (field, term) in reader

        scorer = _scorer(store, searcher)
        scores = _ranked(scorer, sq.build(parsed, True, has), all_cases)
        if not scores and len(parsed.units) > 1:
            result.match = "any"
            scores = _ranked(scorer, sq.build(parsed, False, has), all_cases)
        matched = frozenset(scores)
        result.suggestion = suggestion(searcher, parsed, params.q)
    filters = _filters(table, params)
    final = _intersect(matched, filters.values())
    result.total = len(final)
    result.facets = _facet_counts(table, matched, filters)
    first = (params.page - 1) * params.per_page
    if first >= result.total:
        return result
    page = _page(_scorer(store, searcher), scores, final, params, first)
    ids = {docnum: int(searcher.stored_fields(docnum)["id"]) for docnum, _ in page}
    cases = load_published(list(ids.values()))
    terms = sq.highlight_terms(parsed) if params.q else frozenset()
    for docnum, score in page:
        case = cases.get(ids[docnum])
        if case is not None:
            snip = case_snippet(case, terms) if terms else escape(case.summary[:SNIPPET_CHARS])
            result.hits.append(Hit(case, score, snip))
    return result


def related(store: IndexStore, case: Case, limit: int) -> list[Case]:
    """Cases most like ``case``: its key terms and tags (more-like-this)."""
    searcher = store.searcher()
    text = " ".join((case.title, case.title, case.summary, plain_text(case.body)))
    terms: list[str] = []
    for name, count in (("body", 12), ("title", 6), ("summary", 6)):
        terms += [t for t, _ in searcher.key_terms_from_text(name, text, numterms=count)
                  if not t.startswith(FOLD_MARK) and t not in terms]
    query = sc.any_of([*(sq.fields_query(t) for t in terms),
                       *(sc.Term("tag", tag.name, 4.0) for tag in case.tags)])
    table = _facet_table(store, searcher)
    me = searcher.document_number(id=str(case.id))
    scores = _ranked(_scorer(store, searcher), query, table[ALL][""] - {me})
    best = sorted(scores, key=lambda d: -scores[d])[:limit + 2]
    ids = [int(searcher.stored_fields(d)["id"]) for d in best]
    cases = load_published(ids)
    return [cases[i] for i in ids if i in cases][:limit]


def typeahead(store: IndexStore, text: str, limit: int = 8) -> list[dict[str, str]]:
    """Titles (and tags) that start with what was typed, for the search box."""
    words = re.findall(WORD_PATTERN, sq.clean(text).lower())
    if not words or len(words[-1]) < 2:
        return []
    searcher = store.searcher()
    clauses = [wq.Term("title_words", fold(w)) for w in words[:-1]]
    clauses.append(wq.Prefix("title_words", fold(words[-1])))
    hits = searcher.search(wq.And(clauses), limit=limit, filter=wq.Term("doctype", "case"))
    out = [{"type": "case", "label": hit["title_stored"], "slug": hit["slug"]} for hit in hits]
    needle = fold(" ".join(words))
    table = _facet_table(store, searcher)
    tags = sorted(((name, len(docs)) for name, docs in table["tag"].items()
                   if docs and needle in fold(name.lower())), key=lambda item: -item[1])
    out += [{"type": "tag", "label": name} for name, _ in tags[:3]]
    return out
