"""BM25 scoring straight from the posting lists, on numpy arrays.

A Swedish word becomes a wide query (its stem, its folded twin and its compound parts, in
five fields); Whoosh's matcher trees for such queries cost tens of milliseconds in pure
Python, and so do dicts of {docnum: score} once common words match most of 100,000 cases.
Here each (field, term) posting list is read once per index commit into arrays, a term's
scores are one vectorised expression, and unions and intersections add into dense arrays
of the index's size. Phrases are checked on the positions of the documents that have all
their words (kb.search.positions) and scored as Whoosh scored them.

Scores are bit-identical to the plain-Python version this replaced: the same float64
operations in the same order (parts added largest first for "any", smallest first for "all").
"""
from __future__ import annotations

import itertools
import math
import pickle
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from kb.search.positions import block_layout, positions, slow_positions

K1 = 1.2
B = 0.75
MAX_CACHED_TERMS = 20_000
_LENGTH = [byte_to_length(i) for i in range(256)]
_LENGTH_ARRAY = np.array(_LENGTH, np.float64)


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


# A posting block is a pickle of (ids, weights, values); in fields with positions the
# values are bytes, pickled as calls of this function. Scoring needs no positions.
_VALUES = b"c_codecs\nencode\n"


def _ids_and_weights(raw: bytes, count: int) -> tuple[tuple, object] | None:
    """(delta-coded ids, weights) of one block, without unpickling its positions (most of
    the cost); None when the block does not look as expected."""
    at = raw.find(_VALUES)
    if at > 0:
        head = raw[:at - 1] if raw[at - 1] == ord("(") else raw[:at]
        try:
            # Our own index files, written by Whoosh (which pickles them): not outside input.
            # The head plus TUPLE2, STOP:
            ids, weights = pickle.loads(head + b"\x86.")  # nosec B301
        except (pickle.UnpicklingError, ValueError, EOFError, IndexError, TypeError):
            return None
    else:
        ids, weights, _ = pickle.loads(raw)  # nosec B301
    ok = isinstance(ids, tuple) and len(ids) == count and (
        weights is None or isinstance(weights, float) or len(weights) == count)
    return (ids, weights) if ok else None


def _w3_blocks(matcher) -> tuple[np.ndarray, np.ndarray] | None:
    """Doc numbers and frequencies of a whole W3 posting list, block by block, decoded
    with numpy (Whoosh's own reader spends most of its time on positions we don't use).
    None if the list is not in the format this expects."""
    layout = None if matcher._byteids else block_layout(matcher)
    if layout is None:
        return None
    buf, blocks = layout
    deltas: list[tuple] = []
    weights: list[np.ndarray] = []
    for count, compressed, start, end in blocks:
        raw = buf[start:end]
        block = _ids_and_weights(zlib.decompress(raw) if compressed else raw, count)
        if block is None:
            return None
        deltas.append(block[0])
        w = block[1]
        constant = w is None or isinstance(w, float)  # all 1.0, or all the same
        weights.append(np.full(count, 1.0 if w is None else w, np.float32) if constant
                       else np.array(w, np.float32))
    counts = np.array([len(d) for d in deltas])
    running = np.cumsum(np.fromiter(itertools.chain.from_iterable(deltas), np.int64, int(counts.sum())))
    # ids are delta-coded within each block: subtract the running sum before the block
    before = np.concatenate(([0], running[np.cumsum(counts)[:-1] - 1]))
    return (running - np.repeat(before, counts)).astype(np.int32), np.concatenate(weights)


def _leaf_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Doc numbers and term frequencies of one segment (deleted documents included)."""
    if (field, text) not in reader:
        return NO_MATCHES.ids, np.empty(0, np.float32)
    matcher = reader.postings(field, text)
    while hasattr(matcher, "child"):  # the filter that hides deleted documents
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        found = _w3_blocks(matcher)
        if found is not None:
            return found
    matcher.reset()  # the filter may have moved it past leading deleted documents
    ids, weights = array("i"), array("f")
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.frombuffer(ids, np.int32), np.frombuffer(weights, np.float32)


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


def segment_key(reader) -> str | None:
    """The id of a leaf reader's segment (None for an empty index)."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def _segment(shared: dict[str, Segment], reader) -> Segment:
    key = segment_key(reader)
    if key is None:
        return Segment(reader.doc_count_all())
    found = shared.get(key)
    if found is None or found.size != reader.doc_count_all():
        found = shared[key] = Segment(reader.doc_count_all())
    return found


def _numeric_column(column, count: int) -> np.ndarray:
    """A Whoosh numeric column as an array, read in one go (not value by value)."""
    if isinstance(column, NumericColumn.Reader) and column._typecode in "bBhHiIlLqQ":
        width = column._fixedlen
        raw = column._dbfile.get(column._basepos, column._count * width)
        values = np.frombuffer(raw, np.dtype(">" + column._typecode)).astype(np.int64)
        if len(values) < count:  # documents after the last value written have the default
            values = np.concatenate((values, np.full(count - len(values), column._default, np.int64)))
        return values[:count]
    return np.fromiter(column, np.int64, count)


class Segment:
    """What one index segment gives, read once: Whoosh segments never change (only which of
    their documents are deleted, which is per commit), so this outlives commits and a new
    commit with one more small segment reads only that one. Methods take the commit's reader
    of this segment; doc numbers are the segment's own."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.phrases: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self.published: np.ndarray | None = None

    def term(self, reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, text)
        found = self.postings.get(key)
        if found is None:
            if len(self.postings) >= MAX_CACHED_TERMS:
                self.postings.clear()
            found = self.postings[key] = _leaf_postings(reader, field, text)
        return found

    def length_codes(self, reader, field: str) -> np.ndarray:
        found = self.lengths.get(field)
        if found is None:
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) \
                if hasattr(reader, "_perdoc") else None
            found = self.lengths[field] = (np.zeros(self.size, np.uint8) if column is None
                                           else _numeric_column(column, self.size).astype(np.uint8))
        return found

    def published_days(self, reader) -> np.ndarray:
        if self.published is None:  # a segment with only the meta document has no column
            self.published = (_numeric_column(reader.column_reader("published", translate=False), self.size)
                              if reader.has_column("published") else np.zeros(self.size, np.int64))
        return self.published

    def phrase(self, reader, field: str, texts: tuple[str, ...]) -> np.ndarray:
        """Documents (deleted ones included) where the words occur one right after the
        other, as Whoosh's Phrase (SpanNear2, slop 1, ordered) matches them."""
        key = (field, texts)
        found = self.phrases.get(key)
        if found is None:
            if len(self.phrases) >= MAX_CACHED_TERMS:
                self.phrases.clear()
            found = self.phrases[key] = self._phrase(reader, field, texts)
        return found

    def _phrase(self, reader, field: str, texts: tuple[str, ...]) -> np.ndarray:
        postings = {text: self.term(reader, field, text)[0] for text in texts}
        if any(not len(ids) for ids in postings.values()):
            return NO_MATCHES.ids
        common = min(postings.values(), key=len)
        for ids in postings.values():
            common = common[_contains(ids, common)]
        if not len(common):
            return NO_MATCHES.ids
        keys = {}
        for text, ids in postings.items():  # a repeated word is decoded once
            decoded = positions(reader, field, text, ids, _contains(common, ids))
            if decoded is None:
                decoded = slow_positions(reader, field, text, set(common.tolist()))
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


class Scorer:
    """Scores queries against one searcher's commit; holds its per-commit caches.

    ``segments`` (segment id → :class:`Segment`) is shared between commits so that what
    was read from an unchanged segment is reused."""

    def __init__(self, searcher: Searcher, segments: dict[str, Segment] | None = None) -> None:
        self.searcher = searcher
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
                leaf_ids, leaf_weights = segment.term(reader, field, text)
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
            days = [segment.published_days(reader) for reader, _, segment in self._parts()]
            self._published = _concatenate(days, np.zeros(0, np.int64))
        return self._published

    def lengths(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """Encoded field length of every document (one byte each), and the BM25 length
        normalisation of each of the 256 codes."""
        found = self._lengths.get(field)
        if found is None:
            parts, total_length = [], 0
            for reader, _, segment in self._parts():
                parts.append(segment.length_codes(reader, field))
                total_length += reader.field_length(field)
            average = total_length / self.total or 1.0
            norm = np.array([K1 * (1 - B + B * length / average) for length in _LENGTH])
            found = self._lengths[field] = (_concatenate(parts, np.zeros(0, np.uint8)), norm)
        return found

    def evaluate(self, query: Query) -> Matches:
        """Matching documents and their scores."""
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
            for r in results:  # largest first, as the dict version added them
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
        return Matches(ids, boost * scores if boost != 1.0 else scores)

    def _phrase(self, query: Phrase) -> Matches:
        """Scored exactly as Whoosh scores its Phrase query (which this replaced): Whoosh's
        BM25F of each word (its idf and average length over all documents, deleted ones
        included), added as its binary tree of matchers adds them, times the boost."""
        found = self._phrases.get(query)
        if found is None:
            ids = _concatenate([segment.phrase(reader, query.field, query.texts) + np.int32(offset)
                                for reader, offset, segment in self._parts()], NO_MATCHES.ids)
            ids = ids[self.live()[ids]]
            found = NO_MATCHES
            if len(ids):
                weighting = self.searcher.weighting
                if type(weighting) is not BM25F or weighting._field_B:
                    found = self._whoosh_phrase(query)
                else:
                    found = Matches(ids, self._whoosh_bm25(query, ids, weighting.B, weighting.K1))
            if len(self._phrases) >= MAX_CACHED_TERMS:
                self._phrases.clear()
            self._phrases[query] = found
        return found

    def _whoosh_bm25(self, query: Phrase, ids: np.ndarray, b: float, k1: float) -> np.ndarray:
        codes = self.lengths(query.field)[0][ids]
        length = np.where(codes == 0, 1.0, _LENGTH_ARRAY[codes])  # Whoosh's default without lengths
        average = self.searcher.avg_field_length(query.field) or 1
        scores = []
        for text in query.texts:
            term_ids, weights = self.postings(query.field, text)
            tf = weights[np.searchsorted(term_ids, ids)].astype(np.float64)
            idf = self.searcher.idf(query.field, text)
            # whoosh.scoring.bm25, operation for operation
            scores.append(idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / average))))
        total = _tree_sum(scores)
        return total * query.boost if query.boost != 1.0 else total

    def _whoosh_phrase(self, query: Phrase) -> Matches:
        """Whoosh's own phrase search (slow: Python per candidate document)."""
        hits = self.searcher.search(wq.Phrase(query.field, list(query.texts), boost=query.boost),
                                    limit=None, terms=False)
        pairs = sorted((docnum, score) for score, docnum in hits.top_n)
        if not pairs:
            return NO_MATCHES
        return Matches(np.array([d for d, _ in pairs], np.int32), np.array([s for _, s in pairs], np.float64))

    def _term(self, query: Term) -> Matches:
        ids, weights = self.postings(query.field, query.text)
        if not len(ids):
            return NO_MATCHES
        encoded, norm = self.lengths(query.field)
        idf = math.log(1 + (self.total - len(ids) + 0.5) / (len(ids) + 0.5))
        factor = query.boost * idf * (K1 + 1)
        tf = weights.astype(np.float64)
        return Matches(ids, factor * tf / (tf + norm[encoded[ids]]))
