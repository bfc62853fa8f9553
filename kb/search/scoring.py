"""BM25 scoring straight from the posting lists, on numpy arrays; or through Whoosh's public API.

A Swedish word becomes a wide query (its stem, its folded twin and its compound parts, in
five fields); Whoosh's matcher trees for such queries cost tens of milliseconds in pure
Python, and so do dicts of {docnum: score} once common words match most of 100,000 cases.
:class:`Scorer` reads each (field, term) posting list once per index commit into arrays
(through :mod:`kb.search.fastpath` when it can, else Whoosh's public matchers), a term's
scores are one vectorised expression, and unions and intersections add into dense arrays
of the index's size. Phrases are checked on the positions of the documents that have all
their words.

:class:`WhooshScorer` answers the same queries with Whoosh's own Searcher, Query objects and
:class:`Weighting` (the fallback when the fast path is off or fails): slower, same results.
Both score a term in a document with BM25 as ``whoosh.scoring.bm25`` computes it, with one
idf for terms and phrases alike, ``log(1 + (N - df + 0.5) / (df + 0.5))`` (N: live documents,
df: documents with the term), and the average field length over the live documents. A phrase
scores the sum of its words' scores, times its boost, as Whoosh's Phrase does.
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any as AnyType

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F, WeightLengthScorer, bm25
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from kb.search import fastpath

K1 = 1.2
B = 0.75
MAX_CACHED_TERMS = 20_000
_LENGTH = [byte_to_length(i) for i in range(256)]


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    texts: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Any:
    """Documents matching any part; scores add up."""

    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class All:
    """Documents matching every part; scores add up."""

    parts: tuple[Query, ...]
    boost: float = 1.0


Query = Term | Phrase | Any | All
NOTHING = Any(())


def any_of(parts: Iterable[Query], boost: float = 1.0) -> Query:
    kept = tuple(p for p in parts if p != NOTHING)
    if not kept:
        return NOTHING
    return kept[0] if len(kept) == 1 and boost == 1.0 else Any(kept, boost)


def all_of(parts: Iterable[Query], boost: float = 1.0) -> Query:
    parts = tuple(parts)
    if not parts or NOTHING in parts:
        return NOTHING
    return parts[0] if len(parts) == 1 and boost == 1.0 else All(parts, boost)


@dataclass(frozen=True, slots=True)
class Matches:
    """Matching documents (ascending doc numbers) and their scores."""

    ids: np.ndarray  # int32
    scores: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.ids)


NO_MATCHES = Matches(np.empty(0, np.int32), np.empty(0, np.float64))


def _leaf_postings(reader: AnyType, field: str, text: str, fast: bool) -> tuple[np.ndarray, np.ndarray]:
    """Doc numbers and term frequencies of one segment (deleted documents included)."""
    if (field, text) not in reader:
        return NO_MATCHES.ids, np.empty(0, np.float32)
    if fast:
        found = fastpath.postings(reader, field, text)
        if found is not None:
            return found
    matcher = fastpath.leaf_matcher(reader, field, text)
    matcher.reset()  # the filter may have moved it past leading deleted documents
    ids, weights = array("i"), array("f")
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.frombuffer(ids, np.int32), np.frombuffer(weights, np.float32)


def _leaf_positions(reader: AnyType, field: str, text: str,
                    wanted: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """(doc number, position) of every occurrence of ``text`` in the ``wanted`` documents,
    in posting order, through Whoosh's matcher."""
    matcher = fastpath.leaf_matcher(reader, field, text)
    matcher.reset()
    docs: list[int] = []
    pos: list[int] = []
    while matcher.is_active():
        docnum = matcher.id()
        if docnum in wanted:
            found = matcher.value_as("positions")
            docs += [docnum] * len(found)
            pos += found
        matcher.next()
    return np.array(docs, np.int64), np.array(pos, np.int64)


def _concatenate(parts: list[np.ndarray], empty: np.ndarray) -> np.ndarray:
    if not parts:
        return empty
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _tree_sum(scores: list[np.ndarray]) -> np.ndarray:
    """Added as whoosh.util.make_binary_tree nests IntersectionMatchers (a + (b + c))."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


def _segment(shared: dict[str, Segment], reader: AnyType) -> Segment:
    key = fastpath.segment_key(reader)
    if key is None:
        return Segment(reader.doc_count_all())
    found = shared.get(key)
    if found is None or found.size != reader.doc_count_all():
        found = shared[key] = Segment(reader.doc_count_all())
    return found


class Segment:
    """What one index segment gives, read once: Whoosh segments never change (only which of
    their documents are deleted, which is per commit), so this outlives commits and a new
    commit with one more small segment reads only that one. Methods take the commit's reader
    of this segment and whether to use the fast path; doc numbers are the segment's own."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.phrases: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self.published: np.ndarray | None = None

    def term(self, reader: AnyType, field: str, text: str, fast: bool) -> tuple[np.ndarray, np.ndarray]:
        key = (field, text)
        found = self.postings.get(key)
        if found is None:
            if len(self.postings) >= MAX_CACHED_TERMS:
                self.postings.clear()
            found = self.postings[key] = _leaf_postings(reader, field, text, fast)
        return found

    def length_codes(self, reader: AnyType, field: str, fast: bool) -> np.ndarray:
        found = self.lengths.get(field)
        if found is None:
            found = fastpath.length_codes(reader, field, self.size) if fast else None
            if found is None:
                found = np.array([length_to_byte(reader.doc_field_length(d, field, 0) or 0)
                                  for d in range(self.size)], np.uint8)
            self.lengths[field] = found
        return found

    def published_days(self, reader: AnyType, fast: bool) -> np.ndarray:
        if self.published is None:  # a segment with only the meta document has no column
            days = None
            if reader.has_column("published"):
                column = reader.column_reader("published", translate=False)
                days = fastpath.numeric_column(column, self.size) if fast else None
                if days is None:
                    days = np.fromiter(column, np.int64, self.size)
            self.published = np.zeros(self.size, np.int64) if days is None else days
        return self.published

    def phrase(self, reader: AnyType, field: str, texts: tuple[str, ...], fast: bool) -> np.ndarray:
        """Documents (deleted ones included) where the words occur one right after the
        other, as Whoosh's Phrase (SpanNear2, slop 1, ordered) matches them."""
        key = (field, texts)
        found = self.phrases.get(key)
        if found is None:
            if len(self.phrases) >= MAX_CACHED_TERMS:
                self.phrases.clear()
            found = self.phrases[key] = self._phrase(reader, field, texts, fast)
        return found

    def _phrase(self, reader: AnyType, field: str, texts: tuple[str, ...], fast: bool) -> np.ndarray:
        postings = {text: self.term(reader, field, text, fast)[0] for text in texts}
        if any(not len(ids) for ids in postings.values()):
            return NO_MATCHES.ids
        common = min(postings.values(), key=len)
        for ids in postings.values():
            common = common[_contains(ids, common)]
        if not len(common):
            return NO_MATCHES.ids
        keys = {}
        for text, ids in postings.items():  # a repeated word is decoded once
            decoded = fastpath.positions(reader, field, text, ids, _contains(common, ids)) if fast else None
            if decoded is None:
                decoded = _leaf_positions(reader, field, text, set(common.tolist()))
            docs, pos = decoded
            found = docs.astype(np.int64) << 32 | pos
            if len(found) > 1 and np.any(found[1:] < found[:-1]):
                found = np.sort(found)
            keys[text] = found
        starts = keys[texts[0]]
        ok = np.ones(len(starts), bool)
        for offset, text in enumerate(texts[1:], 1):
            ok &= _contains(keys[text], starts + offset)
        return np.unique(starts[ok] >> 32).astype(np.int32)


def _contains(sorted_values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Mask of ``wanted`` values that occur in ``sorted_values`` (ascending)."""
    if not len(sorted_values):
        return np.zeros(len(wanted), bool)
    at = np.searchsorted(sorted_values, wanted)
    return sorted_values[np.minimum(at, len(sorted_values) - 1)] == wanted


def idf(total: int, df: int) -> float:
    """The one idf of terms and phrase words: ``total`` live documents, ``df`` with the term."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


class Scorer:
    """Scores queries against one searcher's commit; holds its per-commit caches.

    ``segments`` (segment id → :class:`Segment`) is shared between commits so that what
    was read from an unchanged segment is reused. With ``fast`` the posting lists, columns
    and positions are read through :mod:`kb.search.fastpath` (which may raise
    :class:`~kb.search.fastpath.FastPathFailed`), else through Whoosh's public API."""

    def __init__(self, searcher: Searcher, segments: dict[str, Segment] | None = None,
                 fast: bool = True) -> None:
        self.searcher = searcher
        self.fast = fast
        self.leaves = searcher.reader().leaf_readers()
        self.total = max(1, searcher.doc_count())
        self.size = searcher.reader().doc_count_all()  # doc numbers are below this
        shared = {} if segments is None else segments
        self.segments = [_segment(shared, reader) for reader, _ in self.leaves]
        self._postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._lengths: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._phrases: dict[Phrase, Matches] = {}
        self._published: np.ndarray | None = None
        self._live: np.ndarray | None = None

    def _parts(self):
        return ((reader, offset, segment)
                for (reader, offset), segment in zip(self.leaves, self.segments, strict=True))

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Doc numbers (int32, ascending) and term frequencies (float32) of a term."""
        key = (field, text)
        found = self._postings.get(key)
        if found is None:
            ids, weights = [], []
            for reader, offset, segment in self._parts():
                leaf_ids, leaf_weights = segment.term(reader, field, text, self.fast)
                ids.append(leaf_ids + np.int32(offset) if offset else leaf_ids)
                weights.append(leaf_weights)
            if len(self._postings) >= MAX_CACHED_TERMS:
                self._postings.clear()
            found = self._postings[key] = (
                _concatenate(ids, NO_MATCHES.ids), _concatenate(weights, np.empty(0, np.float32)))
        return found

    def docs(self, field: str, text: str) -> np.ndarray:
        return self.postings(field, text)[0]

    def live(self) -> np.ndarray:
        """Mask of the documents not deleted in this commit."""
        if self._live is None:
            live = np.ones(self.size, bool)
            for reader, offset, _ in self._parts():
                if reader.has_deletions():
                    deleted = np.fromiter(reader.segment().deleted_docs(), np.int64)
                    live[deleted + offset] = False
            self._live = live
        return self._live

    def published(self) -> np.ndarray:
        """Publication day (ordinal) of every document, for sorting by date."""
        if self._published is None:
            days = [segment.published_days(reader, self.fast) for reader, _, segment in self._parts()]
            self._published = _concatenate(days, np.zeros(0, np.int64))
        return self._published

    def lengths(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """Encoded field length of every document (one byte each), and the BM25 length
        normalisation of each of the 256 codes (as ``whoosh.scoring.bm25`` computes it)."""
        found = self._lengths.get(field)
        if found is None:
            parts, total_length = [], 0
            for reader, _, segment in self._parts():
                parts.append(segment.length_codes(reader, field, self.fast))
                total_length += reader.field_length(field)
            average = total_length / self.total or 1.0
            norm = np.array([K1 * ((1 - B) + B * length / average) for length in _LENGTH])
            found = self._lengths[field] = (_concatenate(parts, np.zeros(0, np.uint8)), norm)
        return found

    def evaluate(self, query: Query) -> Matches:
        """Matching documents and their scores (deleted documents may be among them)."""
        if isinstance(query, Term):
            return self._term(query)
        if isinstance(query, Phrase):
            return self._phrase(query)
        results = [self.evaluate(part) for part in query.parts]
        if not results:
            return NO_MATCHES
        if isinstance(query, All):
            return self._all(results, query.boost)
        return self._any(results, query.boost)

    def _any(self, results: list[Matches], boost: float) -> Matches:
        results = [r for r in sorted(results, key=len, reverse=True) if len(r)]
        if not results:
            return NO_MATCHES
        if len(results) == 1:
            ids, scores = results[0].ids, results[0].scores
        else:
            total, hit = np.zeros(self.size), np.zeros(self.size, bool)
            for r in results:  # largest first
                total[r.ids] += r.scores  # doc numbers are unique within a result
                hit[r.ids] = True
            ids = np.flatnonzero(hit).astype(np.int32)
            scores = total[ids]
        return Matches(ids, scores * boost if boost != 1.0 else scores)

    def _all(self, results: list[Matches], boost: float) -> Matches:
        results.sort(key=len)
        if not len(results[0]):
            return NO_MATCHES
        if len(results) == 1:
            ids, scores = results[0].ids, results[0].scores
        else:
            total, count = np.zeros(self.size), np.zeros(self.size, np.int32)
            for r in results:  # smallest first
                total[r.ids] += r.scores
                count[r.ids] += 1
            ids = np.flatnonzero(count == len(results)).astype(np.int32)
            scores = total[ids]
        return Matches(ids, scores * boost if boost != 1.0 else scores)

    def _bm25(self, field: str, text: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """The term's score in documents ``ids`` with frequencies ``tf`` (float64):
        ``whoosh.scoring.bm25`` operation for operation."""
        codes, norm = self.lengths(field)
        weight = idf(self.total, len(self.postings(field, text)[0]))
        return weight * ((tf * (K1 + 1)) / (tf + norm[codes[ids]]))

    def _term(self, query: Term) -> Matches:
        ids, weights = self.postings(query.field, query.text)
        if not len(ids):
            return NO_MATCHES
        scores = self._bm25(query.field, query.text, ids, weights.astype(np.float64))
        return Matches(ids, scores * query.boost if query.boost != 1.0 else scores)

    def _phrase(self, query: Phrase) -> Matches:
        """Documents with the words one right after the other; the words' scores added (as
        Whoosh's binary tree of matchers adds them), times the boost."""
        found = self._phrases.get(query)
        if found is None:
            ids = _concatenate([segment.phrase(reader, query.field, query.texts, self.fast) + np.int32(offset)
                                for reader, offset, segment in self._parts()], NO_MATCHES.ids)
            ids = ids[self.live()[ids]]
            found = NO_MATCHES
            if len(ids):
                scores = []
                for text in query.texts:
                    term_ids, weights = self.postings(query.field, text)
                    tf = weights[np.searchsorted(term_ids, ids)].astype(np.float64)
                    scores.append(self._bm25(query.field, text, ids, tf))
                total = _tree_sum(scores)
                found = Matches(ids, total * query.boost if query.boost != 1.0 else total)
            if len(self._phrases) >= MAX_CACHED_TERMS:
                self._phrases.clear()
            self._phrases[query] = found
        return found


class _TermScorer(WeightLengthScorer):
    """BM25 of one term, with the idf and average length :class:`Scorer` uses."""

    def __init__(self, searcher: Searcher, fieldname: str, text: str) -> None:
        parent = searcher.get_parent()  # statistics of the whole index, not one segment
        total = max(1, parent.doc_count())
        self.idf = idf(total, parent.doc_frequency(fieldname, text))
        self.avgfl = parent.field_length(fieldname) / total or 1.0
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        return bm25(self.idf, weight, length, self.avgfl, B, K1)

    def supports_block_quality(self) -> bool:
        return False


class Weighting(BM25F):
    """Whoosh's BM25F, with the one idf (:func:`idf`) and the average field length over the
    live documents: the scores :class:`Scorer` computes."""

    def __init__(self) -> None:
        super().__init__(B=B, K1=K1)

    def supports_block_quality(self) -> bool:
        return False

    def scorer(self, searcher: Searcher, fieldname: str, text: str, qf: int = 1) -> _TermScorer:
        return _TermScorer(searcher, fieldname, text)


def whoosh_query(query: Query) -> wq.Query:
    """The same query as Whoosh Query objects. (Not ``Or``: on small indexes it may choose
    PreloadedOr, whose ArrayUnionMatcher misses documents of later segments.)"""
    if isinstance(query, Term):
        return wq.Term(query.field, query.text, boost=query.boost)
    if isinstance(query, Phrase):
        return wq.Phrase(query.field, list(query.texts), boost=query.boost)
    if not query.parts:
        return wq.NullQuery
    parts = [whoosh_query(part) for part in query.parts]
    if isinstance(query, All):
        return wq.And(parts, boost=query.boost)
    return wq.DefaultOr(parts, boost=query.boost)


class WhooshScorer(Scorer):
    """:class:`Scorer` through Whoosh's public API only: queries run by Whoosh's Searcher
    with :class:`Weighting` (slower, same results)."""

    def __init__(self, searcher: Searcher, segments: dict[str, Segment] | None = None) -> None:
        super().__init__(searcher, segments, fast=False)
        self.whoosh = Searcher(searcher.reader(), weighting=Weighting(), closereader=False)

    def evaluate(self, query: Query) -> Matches:
        hits = self.whoosh.search(whoosh_query(query), limit=None)
        pairs = sorted((hits.docnum(i), hits.score(i)) for i in range(hits.scored_length()))
        if not pairs:
            return NO_MATCHES
        return Matches(np.array([d for d, _ in pairs], np.int32), np.array([s for _, s in pairs], np.float64))
