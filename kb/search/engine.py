"""Running a search: hits, facet counts, snippets, "Menade du …?", related cases, typeahead."""
from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import query as wq
from whoosh.searching import Searcher

from kb.extensions import db
from kb.filters import Filters
from kb.models import Article, Case, Status
from kb.search import query as sq
from kb.search import scoring as sc
from kb.search.analysis import FOLD_MARK, WORD_PATTERN, fold
from kb.search.fastpath import FastPathFailed
from kb.search.highlight import SNIPPET_CHARS, case_snippet
from kb.search.params import SearchParams
from kb.search.schema import FACET_FIELDS, TEXT_FIELDS, plain_text
from kb.search.scoring import Matches, Scorer, WhooshScorer
from kb.search.spelling import suggestion
from kb.search.store import IndexStore
from kb.search.synonyms import expression_stems

T = TypeVar("T")
# Facets where several chosen values mean "any of them"; their counts ignore their own filter.
ANY_OF = ("county", "organisation_type", "year")


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
    translated: str | None = None  # an English query's Swedish words ("Visar resultat för …")
    corrected: str | None = None  # nothing matched what was typed; these results are for this
    # "all": every word matched; "any": nothing had them all, so any word; "none": the
    # query had no searchable words; "filters": no query, just filters.
    match: str = "all"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.params.per_page))


@dataclass(frozen=True)
class Facet:
    """One facet field in one commit: its values and every (document, value) pair."""

    values: list[str]  # lexicon order; only values that some live document has
    docs: np.ndarray  # document of each pair
    vals: np.ndarray  # index into ``values`` of each pair
    totals: np.ndarray  # live documents per value

    def having(self, size: int, chosen: Iterable[str]) -> np.ndarray:
        """Mask of the documents with any of the ``chosen`` values."""
        chosen = set(chosen)
        wanted = [i for i, value in enumerate(self.values) if value in chosen]
        mask = np.zeros(size, bool)
        mask[self.docs[np.isin(self.vals, wanted)]] = True
        return mask

    def counts(self, base: np.ndarray) -> list[tuple[str, int]]:
        """(value, documents of ``base`` that have it), for values with any."""
        counts = np.bincount(self.vals[base[self.docs]], minlength=len(self.values))
        return [(self.values[i], int(counts[i])) for i in np.flatnonzero(counts)]


@dataclass(frozen=True)
class Table:
    cases: np.ndarray  # mask of the live case documents
    facets: dict[str, Facet]


def _facet(scorer: Scorer, reader, name: str, live: np.ndarray) -> Facet:
    values, docs, totals = [], [], []
    for raw in reader.lexicon(name):
        value = raw.decode("utf-8")
        ids = scorer.docs(name, value)
        ids = ids[live[ids]]
        if len(ids):
            values.append(value)
            docs.append(ids)
            totals.append(len(ids))
    vals = [np.full(len(ids), i, np.int32) for i, ids in enumerate(docs)]
    return Facet(values, np.concatenate(docs) if docs else np.empty(0, np.int32),
                 np.concatenate(vals) if vals else np.empty(0, np.int32), np.array(totals, np.int64))


def _facet_table(store: IndexStore, searcher: Searcher) -> Table:
    """Per commit: the live cases and every facet's (document, value) pairs."""
    key = ("facets", searcher)
    table = store.cache.get(key)
    if table is None:
        scorer = _scorer(store, searcher)
        reader = searcher.reader()
        live = scorer.live()
        cases = np.zeros(scorer.size, bool)
        cases[scorer.docs("doctype", "case")] = True
        table = store.cache[key] = Table(cases & live, {
            name: _facet(scorer, reader, name, live) for name in FACET_FIELDS})
    return table


def _filters(table: Table, chosen: Filters) -> dict[str, np.ndarray]:
    """Each active facet filter as the mask of documents it lets through."""
    size = len(table.cases)
    facets = table.facets
    out: dict[str, np.ndarray] = {}
    if chosen.tags:
        out["tag"] = _intersect(np.ones(size, bool), (facets["tag"].having(size, [t]) for t in chosen.tags))
    if chosen.articles:
        out["article"] = _intersect(np.ones(size, bool),
                                    (facets["article"].having(size, [str(a)]) for a in chosen.articles))
    for name, values in (("county", chosen.counties), ("organisation_type", chosen.organisation_types)):
        if values:
            out[name] = facets[name].having(size, values)
    if chosen.year_from or chosen.year_to:
        low, high = chosen.year_from or 0, chosen.year_to or 9999
        out["year"] = facets["year"].having(
            size, [year for year in facets["year"].values if low <= int(year) <= high])
    return out


def _intersect(base: np.ndarray, masks: Iterable[np.ndarray]) -> np.ndarray:
    for mask in masks:
        base = base & mask
    return base


def _facet_counts(table: Table, matched: np.ndarray, filters: dict[str, np.ndarray]):
    counts: dict[str, list[tuple[str, int]]] = {}
    bases: dict[tuple[str, ...], np.ndarray] = {}  # most facets share the same filters
    for name in FACET_FIELDS:
        others = tuple(dim for dim in filters if not (dim == name and name in ANY_OF))
        if others not in bases:
            bases[others] = _intersect(matched, (filters[dim] for dim in others))
        values = table.facets[name].counts(bases[others])
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


class IndexWords:
    """What query parsing asks of the index: how common a term is, whether a word occurs."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._titles: dict[sq.Expression, int] | None = None

    def article_titles(self) -> dict[sq.Expression, int]:
        """Each convention article's title (as stems) → its number, from the database."""
        if self._titles is None:
            rows = db.session.execute(select(Article.number, Article.title)).all()
            self._titles = {stems: number for number, title in rows if (stems := expression_stems(title))}
        return self._titles

    def frequency(self, term: str) -> int:
        return max(self.searcher.doc_frequency(name, term) for name in TEXT_FIELDS)

    def has_word(self, word: str) -> bool:
        return self.searcher.doc_frequency("words", word) > 0


def _scorer(store: IndexStore, searcher: Searcher) -> Scorer:
    key = ("scorer", searcher, store.fast.on)
    scorer = store.cache.get(key)
    if scorer is None:
        scorer = store.cache[key] = (Scorer(searcher, store.segments) if store.fast.on
                                     else WhooshScorer(searcher, store.segments))
    return scorer


def _fenced(action: Callable[..., T]) -> Callable[..., T]:
    """Run ``action(store, …)`` on the fast path; if that fails because Whoosh's internals
    are not what kb.search.fastpath expects, switch to the public API for good and rerun."""
    @functools.wraps(action)
    def run(store: IndexStore, *args: Any, **kwargs: Any) -> T:
        if store.fast.on:
            try:
                return action(store, *args, **kwargs)
            except FastPathFailed as exc:
                store.fast.disable(str(exc))
        return action(store, *args, **kwargs)
    return run


def _ranked(scorer: Scorer, query: sc.Query, cases: np.ndarray) -> Matches:
    """Every matching case and its score (facets need all matches anyway)."""
    found = scorer.evaluate(query)
    keep = cases[found.ids]
    return Matches(found.ids[keep], found.scores[keep])


def _mask(size: int, ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(size, bool)
    mask[ids] = True
    return mask


def _newest(published: np.ndarray, ids: np.ndarray, last: int) -> np.ndarray:
    """The ``last`` newest of ``ids`` in order (equal days: the later document first)."""
    days = published[ids]
    if len(ids) > last:  # only what can be on the page or before it gets sorted
        keep = days >= np.partition(days, len(days) - last)[len(days) - last]
        ids, days = ids[keep], days[keep]
    return ids[np.lexsort((-ids.astype(np.int64), -days))][:last]


def _best(published: np.ndarray, found: Matches, last: int) -> tuple[np.ndarray, list[float]]:
    """The ``last`` best of ``found`` in order, scores rounded to 6 places; equal scores
    (also across the page boundary) are ordered by date, then the later document."""
    scores = found.scores
    kth = np.partition(scores, len(scores) - min(last, len(scores)))[len(scores) - min(last, len(scores))]
    boundary = round(float(kth), 6)
    keep = scores >= boundary - 1e-6
    ids = found.ids[keep]
    rounded = np.array([round(s, 6) for s in scores[keep].tolist()])  # Python's exact rounding
    order = np.lexsort((-ids.astype(np.int64), -published[ids], -rounded))[:last]
    return ids[order], rounded[order].tolist()


def _page(scorer: Scorer, found: Matches | None, final: np.ndarray, params: SearchParams,
          first: int) -> list[tuple[int, float | None]]:
    """(docnum, score) of the requested page; recency breaks ties in relevance."""
    last = first + params.per_page
    published = scorer.published()
    if params.effective_sort == "date" or found is None:
        newest = _newest(published, np.flatnonzero(final), last)[first:]
        if found is None:
            return [(int(d), None) for d in newest]
        at = np.searchsorted(found.ids, newest)  # every page document is in ``found``
        return [(int(d), float(s)) for d, s in zip(newest, found.scores[at], strict=True)]
    keep = final[found.ids]
    if not keep.any():
        return []
    ids, scores = _best(published, Matches(found.ids[keep], found.scores[keep]), last)
    return list(zip(ids[first:].tolist(), scores[first:], strict=True))


@_fenced
def run_search(store: IndexStore, params: SearchParams) -> SearchResult:
    """Search the live index; only published cases are ever returned."""
    searcher = store.searcher()
    table = _facet_table(store, searcher)
    result = SearchResult(params)
    words = IndexWords(searcher)
    parsed = sq.parse(params.q, index=words) if params.q else sq.ParsedQuery()
    result.translated = parsed.translated
    found: Matches | None = None
    if not params.q:
        result.match = "filters"
        matched = table.cases
    elif parsed.empty:
        result.match = "none"
        result.facets = {name: [] for name in FACET_FIELDS}
        return result
    else:
        reader = searcher.reader()

        def has(field: str, term: str) -> bool:
            return (field, term) in reader

        scorer = _scorer(store, searcher)
        allowed = table.cases
        if parsed.excluded:
            allowed = allowed & ~_mask(len(allowed), scorer.evaluate(sq.excluded(parsed, has)).ids)
        found = _ranked(scorer, sq.build(parsed, True, has), allowed)
        if not len(found) and len(parsed.units) > 1:
            result.match = "any"
            found = _ranked(scorer, sq.build(parsed, False, has), allowed)
        result.suggestion = suggestion(searcher, parsed, params.q, found_nothing=not len(found))
        if not len(found) and result.suggestion:  # "barnkonsekvensanalis": show the results
            corrected = sq.parse(result.suggestion, index=words)
            found = _ranked(scorer, sq.build(corrected, True, has), allowed)
            if len(found):
                result.corrected, parsed, result.match = result.suggestion, corrected, "all"
        matched = _mask(len(table.cases), found.ids)
    filters = _filters(table, params.filters)
    final = _intersect(matched, filters.values())
    result.total = int(np.count_nonzero(final))
    result.facets = _facet_counts(table, matched, filters)
    first = (params.page - 1) * params.per_page
    if first >= result.total:
        return result
    page = _page(_scorer(store, searcher), found, final, params, first)
    ids = {docnum: int(searcher.stored_fields(docnum)["id"]) for docnum, _ in page}
    cases = load_published(list(ids.values()))
    terms = sq.highlight_terms(parsed) if params.q else frozenset()
    for docnum, score in page:
        case = cases.get(ids[docnum])
        if case is not None:
            snip = case_snippet(case, terms) if terms else escape(case.summary[:SNIPPET_CHARS])
            result.hits.append(Hit(case, score, snip))
    return result


def _key_terms(searcher: Searcher, case: Case) -> list[str]:
    """The terms that characterise ``case`` (analysing its text: most of a case page's
    time, hence kept per case version by the store)."""
    text = " ".join((case.title, case.title, case.summary, plain_text(case.body)))
    terms: list[str] = []
    for name, count in (("body", 12), ("title", 6), ("summary", 6)):
        terms += [t for t, _ in searcher.key_terms_from_text(name, text, numterms=count)
                  if not t.startswith(FOLD_MARK) and t not in terms]
    return terms


@_fenced
def related(store: IndexStore, case: Case, limit: int) -> list[Case]:
    """Cases most like ``case``: its key terms and tags (more-like-this)."""
    searcher = store.searcher()
    terms = store.key_terms(case.id, case.version, lambda: _key_terms(searcher, case))
    query = sc.any_of([*(sq.fields_query(t) for t in terms),
                       *(sc.Term("tag", tag.name, 4.0) for tag in case.tags)])
    others = _facet_table(store, searcher).cases.copy()
    me = searcher.document_number(id=str(case.id))
    if me is not None:
        others[me] = False
    found = _ranked(_scorer(store, searcher), query, others)
    best = found.ids[np.argsort(-found.scores, kind="stable")[:limit + 2]]  # ties: lower docnum
    ids = [int(searcher.stored_fields(int(d))["id"]) for d in best]
    cases = load_published(ids)
    return [cases[i] for i in ids if i in cases][:limit]


@_fenced
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
    tag = _facet_table(store, searcher).facets["tag"]
    tags = sorted(((name, int(total)) for name, total in zip(tag.values, tag.totals, strict=True)
                   if needle in fold(name.lower())), key=lambda item: -item[1])
    out += [{"type": "tag", "label": name} for name, _ in tags[:3]]
    return out
