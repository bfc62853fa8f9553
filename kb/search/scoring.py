"""BM25 scoring straight from the posting lists.

A Swedish word becomes a wide query (its stem, its folded twin and its compound parts, in
five fields); Whoosh's matcher trees for such queries cost tens of milliseconds in pure
Python. Here each (field, term) posting list is read once per index commit, block by block,
and queries are unions and intersections of small dicts. Phrases still go through Whoosh,
which has the positions.
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

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


def _leaf_postings(reader, field: str, text: str) -> tuple[array, array]:
    """Doc numbers and term frequencies of one segment (deleted documents included)."""
    ids, weights = array("i"), array("f")
    if (field, text) not in reader:
        return ids, weights
    matcher = reader.postings(field, text)
    while hasattr(matcher, "child"):  # the filter that hides deleted documents
        matcher = matcher.child
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():  # whole blocks at a time (W3LeafMatcher)
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


class Scorer:
    """Scores queries against one searcher's commit; holds its per-commit caches."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.leaves = searcher.reader().leaf_readers()
        self.total = max(1, searcher.doc_count())
        self._postings: dict[tuple[str, str], tuple[array, array]] = {}
        self._lengths: dict[str, tuple[bytes, float]] = {}
        self._phrases: dict[Phrase, dict[int, float]] = {}
        self._published: list[int] | None = None

    def postings(self, field: str, text: str) -> tuple[array, array]:
        key = (field, text)
        found = self._postings.get(key)
        if found is None:
            ids, weights = array("i"), array("f")
            for reader, offset in self.leaves:
                leaf_ids, leaf_weights = _leaf_postings(reader, field, text)
                ids.extend(i + offset for i in leaf_ids) if offset else ids.extend(leaf_ids)
                weights.extend(leaf_weights)
            if len(self._postings) >= MAX_CACHED_TERMS:
                self._postings.clear()
            found = self._postings[key] = (ids, weights)
        return found

    def docs(self, field: str, text: str) -> frozenset[int]:
        return frozenset(self.postings(field, text)[0])

    def published(self) -> list[int]:
        """Publication day (ordinal) of every document, for sorting by date."""
        if self._published is None:
            self._published = []
            for reader, _ in self.leaves:  # a segment with only the meta document has no column
                if reader.has_column("published"):
                    self._published.extend(reader.column_reader("published"))
                else:
                    self._published.extend([0] * reader.doc_count_all())
        return self._published

    def lengths(self, field: str) -> tuple[bytes, float]:
        """Encoded field length of every document (one byte each), and the average length."""
        found = self._lengths.get(field)
        if found is None:
            parts, total_length = [], 0
            for reader, _ in self.leaves:
                count = reader.doc_count_all()
                column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) \
                    if hasattr(reader, "_perdoc") else None
                if column is None:
                    parts.append(bytes(count))
                else:
                    parts.append(bytes(column.load()))
                total_length += reader.field_length(field)
            found = self._lengths[field] = (b"".join(parts), total_length / self.total or 1.0)
        return found

    def evaluate(self, query: Query) -> dict[int, float]:
        """Matching doc numbers → score."""
        if isinstance(query, Term):
            return self._term(query)
        if isinstance(query, Phrase):
            return self._phrase(query)
        results = [self.evaluate(part) for part in query.parts]
        if not results:
            return {}
        if isinstance(query, All):
            results.sort(key=len)
            keys = set(results[0]).intersection(*results[1:])
            return {d: query.boost * sum(r[d] for r in results) for d in keys}
        results.sort(key=len, reverse=True)
        merged = dict(results[0])  # copy the largest at C speed, add the others to it
        for result in results[1:]:
            get = merged.get
            for d, score in result.items():
                merged[d] = get(d, 0.0) + score
        if query.boost != 1.0:
            merged = {d: s * query.boost for d, s in merged.items()}
        return merged

    def _phrase(self, query: Phrase) -> dict[int, float]:
        """Whoosh checks the positions, only where every word occurs; cached per commit."""
        found = self._phrases.get(query)
        if found is None:
            postings = sorted((self.postings(query.field, t)[0] for t in query.texts), key=len)
            if not postings[0] or not set(postings[0]).intersection(*postings[1:]):
                found = {}
            else:
                hits = self.searcher.search(wq.Phrase(query.field, list(query.texts), boost=query.boost),
                                            limit=None, terms=False)
                found = {docnum: score for score, docnum in hits.top_n}
            if len(self._phrases) >= MAX_CACHED_TERMS:
                self._phrases.clear()
            self._phrases[query] = found
        return found

    def _term(self, query: Term) -> dict[int, float]:
        ids, weights = self.postings(query.field, query.text)
        if not ids:
            return {}
        encoded, average = self.lengths(query.field)
        idf = math.log(1 + (self.total - len(ids) + 0.5) / (len(ids) + 0.5))
        factor = query.boost * idf * (K1 + 1)
        norm = [K1 * (1 - B + B * length / average) for length in _LENGTH]
        return {d: factor * tf / (tf + norm[encoded[d]]) for d, tf in zip(ids, weights, strict=True)}
