"""The fast path: the one module that reads Whoosh's private on-disk format and internals.

Everything else in kb.search uses Whoosh's public API only. What this module relies on, all
of it as whoosh-reloaded 2.7.5 writes and reads it with its default codec (W3):

- Posting lists (``whoosh.codec.whoosh3``): ``W3LeafMatcher``'s ``_postfile``,
  ``_startoffset``, ``_length`` and ``_byteids``; a list starts with ``WHOOSH3_HEADER_MAGIC``,
  then blocks of a signed 4-byte length (negative for the last), a pickled info tuple
  ``(count, _, _, compression, _, _)`` and a (zlib-compressed) pickle of
  ``(delta-coded ids, weights, values)``; values in fields with positions are
  ``pack_uint(count) + pickle.dumps(position_deltas, 2)`` pickled as ``_codecs.encode``
  calls (see :func:`positions`). Pickles are read from our own index files only.
- Field lengths: ``SegmentReader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)``,
  one byte per document (``whoosh.util.numeric.byte_to_length`` decodes it).
- Numeric columns: ``NumericColumn.Reader``'s ``_typecode``, ``_fixedlen``, ``_dbfile``,
  ``_basepos``, ``_count`` and ``_default`` (fixed-width big-endian values).
- Searchers: a new commit's ``SegmentReader`` for an unchanged segment is built from the
  previous one's ``_storage``, ``_codec``, ``_terms`` and a copy of ``_perdoc`` with the new
  ``_segment`` (Whoosh would otherwise read every postings file into memory again), and
  ``Index._read_toc()`` lists the commit's segments.
- Writing: ``SegmentWriter.per_document_reader()`` is wrapped so that field lengths are read
  one column per field instead of one seek per posting. A segment built by another process
  (:func:`build_segment`: a ``SegmentWriter`` with ``_lk=False`` finished by
  ``_finalize_segment()``, as ``whoosh.multiproc`` does) joins the writer's commit, which
  does what ``SegmentWriter.commit`` does with ``_merge_segments``, ``_finalize_segment``,
  ``_close_segment``, ``_commit_toc`` and ``_finish``.

At start-up :func:`incompatibility` checks the installed version and codec. Code here returns
None when a file is not laid out as expected (the caller then uses the public API), and
raises :class:`FastPathFailed` on ``AttributeError``/``TypeError`` (Whoosh's internals have
changed): the caller switches to the public API for good (:class:`Switch`, logged once).
"""
from __future__ import annotations

import copy
import functools
import io
import itertools
import logging
import pickle
import struct
import threading
import zlib
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import whoosh
from whoosh import codec as whoosh_codec
from whoosh import index as whoosh_index
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

try:
    from whoosh.codec.whoosh3 import (
        LENGTHS_COLUMN,
        WHOOSH3_HEADER_MAGIC,
        W3Codec,
        W3LeafMatcher,
        W3PerDocReader,
        _lenfield,
    )
    from whoosh.columns import NumericColumn
except ImportError:  # pragma: no cover - another Whoosh: incompatibility() says so
    W3Codec = None

log = logging.getLogger(__name__)
SUPPORTED_VERSION = (2, 7, 5)
P = ParamSpec("P")
R = TypeVar("R")


class FastPathFailed(Exception):
    """Whoosh's internals are not what this module expects."""


def incompatibility() -> str | None:
    """Why the fast path cannot be used with the installed Whoosh, or None if it can."""
    version = tuple(getattr(whoosh, "__version__", ()))
    if version != SUPPORTED_VERSION:
        return f"Whoosh {'.'.join(map(str, version)) or '?'} is installed, the fast path reads 2.7.5's format"
    if W3Codec is None or type(whoosh_codec.default_codec()) is not W3Codec:
        return "Whoosh's default codec is not W3"
    needed = ((W3PerDocReader, "_cached_reader"), (SegmentWriter, "per_document_reader"),
              *((SegmentWriter, name) for name in ("_merge_segments", "_finalize_segment",
                                                   "_close_segment", "_commit_toc", "_finish")),
              (whoosh_index.FileIndex, "_read_toc"), (NumericColumn, "Reader"))
    missing = [f"{owner.__name__}.{name}" for owner, name in needed if not hasattr(owner, name)]
    return f"Whoosh lacks {', '.join(missing)}" if missing else None


class Switch:
    """Whether this index store uses the fast path; turned off for good on the first failure."""

    def __init__(self, wanted: bool) -> None:
        self._lock = threading.Lock()
        self.reason: str | None = None if wanted else "switched off (SEARCH_FAST_PATH)"
        if wanted and (problem := incompatibility()) is not None:
            self.disable(problem)

    @property
    def on(self) -> bool:
        return self.reason is None

    def disable(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
                log.warning("search: using Whoosh's public API (slower, same results): %s", reason)


def _guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """AttributeError/TypeError inside ``fn`` mean Whoosh changed: FastPathFailed."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (AttributeError, TypeError) as exc:
            raise FastPathFailed(f"{fn.__name__}: {type(exc).__name__}: {exc}") from exc
    return wrapper


# -- posting lists ---------------------------------------------------------------------
_BLOCK_LENGTH = struct.Struct("!i")
# A posting block is a pickle of (ids, weights, values); in fields with positions the
# values are bytes, pickled as calls of this function. Scoring needs no positions.
_VALUES = b"c_codecs\nencode\n"


def leaf_matcher(reader: Any, field: str, text: str) -> Any:
    """The term's matcher in one segment, deleted documents included (segments outlive
    commits; deletions are applied per commit). Also the public-API path's (kb.search.scoring)."""
    matcher = reader.postings(field, text)
    while hasattr(matcher, "child"):  # the filter that hides deleted documents
        matcher = matcher.child
    return matcher


def _block_layout(matcher: Any) -> tuple[bytes, list[tuple[int, bool, int, int]]] | None:
    """A W3 posting list's bytes and, per block, its posting count, whether it is
    zlib-compressed, and where its data starts and ends; None if not in that format."""
    length = matcher._length[0] if isinstance(matcher._length, tuple) else matcher._length
    buf = matcher._postfile.get(matcher._startoffset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        return None
    info = io.BytesIO(buf)
    blocks: list[tuple[int, bool, int, int]] = []
    pos = 4
    while True:
        (size,) = _BLOCK_LENGTH.unpack_from(buf, pos)
        end = pos + 4 + abs(size)
        info.seek(pos + 4)
        # Block info as Whoosh pickles it in our own index files.
        count, _, _, compression, _, _ = pickle.load(info)  # nosec B301
        blocks.append((count, bool(compression), info.tell(), end))
        if size < 0:  # the last block
            return buf, blocks
        pos = end


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


@_guarded
def postings(reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Doc numbers (int32) and frequencies (float32) of a term in one segment, deleted
    documents included, decoded block by block with numpy (Whoosh's own reader spends most
    of its time on positions we don't use). None if not a W3 list as expected."""
    matcher = leaf_matcher(reader, field, text)
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return None
    layout = _block_layout(matcher)
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


# -- per-document columns --------------------------------------------------------------
@_guarded
def length_codes(reader: Any, field: str, size: int) -> np.ndarray | None:
    """The one-byte encoded length of ``field`` in each of a segment's ``size`` documents
    (decode with ``byte_to_length``); None if the reader is not a W3 segment reader."""
    if type(reader) is not SegmentReader or type(reader._perdoc) is not W3PerDocReader:
        return None
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(size, np.uint8)
    values = numeric_column(column, size)
    return None if values is None else values.astype(np.uint8)


@_guarded
def numeric_column(column: Any, count: int) -> np.ndarray | None:
    """A fixed-width numeric column as an array, read in one go (not value by value);
    None if it is not one."""
    if not isinstance(column, NumericColumn.Reader) or column._typecode not in "bBhHiIlLqQ":
        return None
    width = column._fixedlen
    raw = column._dbfile.get(column._basepos, column._count * width)
    values = np.frombuffer(raw, np.dtype(">" + column._typecode)).astype(np.int64)
    if len(values) < count:  # documents after the last value written have the default
        values = np.concatenate((values, np.full(count - len(values), column._default, np.int64)))
    return values[:count]


# -- positions -------------------------------------------------------------------------
# Whoosh checks a phrase document by document in Python (tens of microseconds each, seconds
# when every word is common). Here the positions of only the candidate documents are cut out
# of a term's posting blocks and decoded in bulk. Each value is pickled as
# ``_codecs.encode(<the value as a latin-1 str>, "latin1")``: the str is stored as UTF-8
# (``X`` + length + bytes), and every one starts with the inner pickle's header
# ``\x80\x02]q\x00``, which UTF-8 turns into the signature below.
_SIGNATURE = b"\xc2\x80\x02]q\x00"  # PROTO 2, EMPTY_LIST, BINPUT 0 as UTF-8
_K, _M, _J = ord("K"), ord("M"), ord("J")
_WIDTH = np.zeros(256, np.int64)
_WIDTH[[_K, _M, _J]] = (2, 3, 5)


@_guarded
def positions(reader: Any, field: str, text: str, ids: np.ndarray, wanted: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """For the postings of ``text`` whose (segment) doc numbers ``ids`` are flagged in
    ``wanted``: (doc number, position) of every occurrence, in posting order. ``ids`` are
    the term's postings in this segment, deleted documents included. None if the
    postings are not W3 blocks as expected."""
    matcher = leaf_matcher(reader, field, text)
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return None
    raw = _raw_blocks(matcher, wanted)
    if raw is None:
        return None
    buf, counts, read = raw
    strings = _value_strings(buf, counts)
    if strings is None or len(read) != len(ids):
        return None
    ids, wanted = ids[read], wanted[read]
    starts, lengths = strings[0][wanted], strings[1][wanted]
    decoded = _decode(buf, starts, lengths)
    if decoded is None:
        return None
    occurrences, pos = decoded
    return np.repeat(ids[wanted], occurrences), pos


def _raw_blocks(matcher: Any, wanted: np.ndarray) -> tuple[bytes, np.ndarray, np.ndarray] | None:
    """The decompressed data of the blocks holding any ``wanted`` posting, joined; their
    posting counts; and the mask of the postings in them."""
    layout = _block_layout(matcher)
    if layout is None:
        return None
    buf, blocks = layout
    counts = [count for count, _, _, _ in blocks]
    sizes = np.array(counts, np.int64)
    if sizes.sum() != len(wanted) or np.any(sizes < 1):
        return None
    needed = np.add.reduceat(wanted.astype(np.int64), np.cumsum(sizes) - sizes) > 0
    parts = [zlib.decompress(buf[start:end]) if compressed else buf[start:end]
             for (_, compressed, start, end), need in zip(blocks, needed.tolist(), strict=True) if need]
    return b"".join(parts), sizes[needed], np.repeat(needed, sizes)


def _value_strings(buf: bytes, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and UTF-8 length of every posting's value string in ``buf``."""
    data = np.frombuffer(buf, np.uint8)
    if len(data) < 16:
        return None
    sig = np.frombuffer(_SIGNATURE, np.uint8)
    at = np.flatnonzero(data[:-len(sig)] == sig[0])
    for i in range(1, len(sig)):
        at = at[data[at + i] == sig[i]]
    if len(at) != counts.sum() or not len(at) or at[0] < 10:
        return None
    # Before the signature: the value's 4-byte count, big-endian, the last byte as UTF-8.
    two = data[at - 2] >= 0xC0
    starts = at - 4 - two
    if np.any(data[starts] | data[starts + 1] | data[starts + 2]) or np.any(data[at - 2][~two]):
        return None  # a count of 256 or more: not worth the bother
    if np.any(data[starts - 5] != ord("X")):
        return None
    lengths = (data[starts - 4].astype(np.int64) | data[starts - 3].astype(np.int64) << 8
               | data[starts - 2].astype(np.int64) << 16 | data[starts - 1].astype(np.int64) << 24)
    return starts, lengths


def _decode(buf: bytes, starts: np.ndarray, lengths: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """Occurrences per value and all positions, from the values' UTF-8 strings."""
    if not len(starts):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    data = np.frombuffer(buf, np.uint8)
    inside = np.zeros(len(data) + 1, np.int8)
    inside[starts] = 1
    inside[starts + lengths] -= 1
    utf8 = data[np.cumsum(inside[:-1], dtype=np.int8).view(bool)]
    try:
        values = np.frombuffer(utf8.tobytes().decode("utf-8").encode("latin-1"), np.uint8)
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    # each lead byte (two-byte character) makes its value one byte shorter
    ends = np.cumsum(lengths)
    leads = np.add.reduceat((utf8 >= 0xC0).view(np.uint8), ends - lengths, dtype=np.int64)
    sizes = lengths - leads
    offsets = np.cumsum(sizes) - sizes
    if len(values) != sizes.sum() or np.any(sizes < 11):
        return None
    counts = (values[offsets].astype(np.int64) << 24 | values[offsets + 1].astype(np.int64) << 16
              | values[offsets + 2].astype(np.int64) << 8 | values[offsets + 3])
    several = counts > 1
    if np.any(counts < 1) or np.any(values[offsets + 4] != 0x80) \
            or np.any(values[offsets + 9][several] != ord("(")):
        return None
    cursor = offsets + 9 + several
    ends = offsets + sizes - 2  # APPENDS ("e") after several items, APPEND ("a") after one; then STOP
    if np.any(values[ends] != np.where(several, ord("e"), ord("a"))):
        return None
    deltas = _deltas(values, cursor, counts, ends)
    if deltas is None:
        return None
    first = np.cumsum(counts) - counts
    running = np.cumsum(deltas)
    return counts, running - np.repeat(running[first] - deltas[first], counts)


def _deltas(values: np.ndarray, cursor: np.ndarray, counts: np.ndarray,
            ends: np.ndarray) -> np.ndarray | None:
    """Every value's items (position deltas), in order. Most values hold only one-byte
    items (``K`` n), read in one go; the others item by item."""
    first = np.cumsum(counts) - counts
    short = ends - cursor == 2 * counts
    item = np.arange(int(counts.sum())) - np.repeat(first, counts)
    at = np.repeat(cursor, counts) + 2 * item
    keep = np.repeat(short, counts)
    if np.any(values[at[keep]] != _K):
        return None
    deltas = np.zeros(len(at), np.int64)
    deltas[keep] = values[at[keep] + 1]
    others = np.flatnonzero(~short)
    if len(others):
        found = _mixed_items(values.astype(np.int64), cursor[others], counts[others], ends[others])
        if found is None:
            return None
        deltas[~keep] = found
    return deltas


def _mixed_items(v: np.ndarray, cursor: np.ndarray, counts: np.ndarray,
                 ends: np.ndarray) -> np.ndarray | None:
    """Items of values with ``M`` (two-byte) or ``J`` (four-byte) ones, read item by item
    across all values at once (longest lists first, so the active ones are a prefix)."""
    order = np.argsort(-counts, kind="stable")
    cursor, sorted_counts = cursor[order].copy(), counts[order]
    first = np.cumsum(counts) - counts  # where each value's items go
    out_first = first[order]
    deltas = np.empty(int(counts.sum()), np.int64)
    active = len(order)
    for k in range(int(sorted_counts[0])):
        while active and sorted_counts[active - 1] <= k:
            active -= 1
        at = cursor[:active]
        op = v[at]
        width = _WIDTH[op]
        if not width.all():
            return None
        value = v[at + 1]
        m = op == _M
        value[m] |= v[at[m] + 2] << 8
        j = op == _J
        if j.any():
            jat = at[j]
            value[j] = (v[jat + 1] | v[jat + 2] << 8 | v[jat + 3] << 16 | v[jat + 4] << 24).astype(np.int32)
        deltas[out_first[:active] + k] = value
        cursor[:active] = at + width
    return deltas if np.array_equal(cursor, ends[order]) else None


# -- searchers -------------------------------------------------------------------------
def segment_key(reader: Any) -> str | None:
    """The id of a leaf reader's segment (None for an empty index). Public API."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


@_guarded
def open_searcher(ix: whoosh_index.Index, previous: Searcher | None,
                  damage: tuple[type[BaseException], ...]) -> Searcher | None:
    """A searcher on ``ix``'s newest commit that reuses what ``previous`` opened of the
    segments both have; None to let the caller open one Whoosh's way.

    Whoosh copies each segment's whole postings file into memory when it opens it (0.2 s and
    ~200 MB at 100,000 cases), on every commit; segments never change, so their open files
    are shared with the previous reader and only the deletions (part of this commit's segment
    objects) are new."""
    old = {} if previous is None else {
        segment_key(r): r for r, _ in previous.reader().leaf_readers()
        if type(r) is SegmentReader and type(r._perdoc) is W3PerDocReader}
    if not old:
        return None
    try:
        toc = ix._read_toc()
        readers = [_reopened(old[s.segment_id()], s, toc.generation, toc.schema) if s.segment_id() in old
                   else SegmentReader(ix.storage, toc.schema, s, generation=toc.generation)
                   for s in toc.segments]
    except damage:  # e.g. a merge removed a segment's files meanwhile
        return None
    if not readers:
        return None
    reader = readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=ix)


def _reopened(reader: SegmentReader, segment: Any, generation: int, schema: Any) -> SegmentReader:
    """``reader``'s open terms and postings files with ``segment``'s deletions: the state
    SegmentReader.__init__ sets, without anything cached from the old deletions."""
    fresh = SegmentReader.__new__(SegmentReader)
    fresh.schema, fresh.is_closed = schema, False
    fresh._segment, fresh._segid, fresh._gen = segment, segment.segment_id(), generation
    fresh._storage, fresh._codec, fresh._terms = reader._storage, reader._codec, reader._terms
    fresh._perdoc = copy.copy(reader._perdoc)  # columns and stored fields: shared caches
    fresh._perdoc._segment = segment  # its deletions are read from the segment
    return fresh


# -- writing ---------------------------------------------------------------------------
class _Lengths:
    """The new segment's per-document reader, its field lengths loaded once per field.

    Whoosh looks up the document's field length for every posting it writes, each a
    seek and read in the lengths file: a third of the commit when indexing thousands of
    cases. Same values, read in one pass per field; Whoosh's own look-up if that fails.
    """

    def __init__(self, reader: Any, switch: Switch) -> None:
        self._reader = reader
        self._switch = switch
        self._lengths: dict[str, Any] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if not self._switch.on:
            return self._reader.doc_field_length(docnum, fieldname, default)
        try:
            if fieldname not in self._lengths:
                column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                self._lengths[fieldname] = column.load() if column is not None else None
        except (AttributeError, TypeError) as exc:
            self._switch.disable(f"field lengths at commit: {type(exc).__name__}: {exc}")
            return self._reader.doc_field_length(docnum, fieldname, default)
        lengths = self._lengths[fieldname]
        if lengths is None:
            return default
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None  # as Whoosh's reader answers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class _SegmentWriter(SegmentWriter):
    def __init__(self, ix: whoosh_index.Index, switch: Switch, **kwargs: Any) -> None:
        self._kb_switch = switch
        self._kb_built_elsewhere: list[Callable[[], Any]] = []
        super().__init__(ix, **kwargs)

    def per_document_reader(self) -> Any:
        return _Lengths(super().per_document_reader(), self._kb_switch)

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        """``SegmentWriter.commit``, with the segments built elsewhere placed before this
        writer's own: their documents were added before this writer's, so document numbers
        follow the order of adding, as in one writer."""
        if not self._kb_built_elsewhere:
            return super().commit(mergetype, optimize, merge)
        self._check_state()
        try:
            segments = self._merge_segments(mergetype, optimize, merge)
            own = [self._finalize_segment()] if self._added else []
            if not self._added:
                self._close_segment()
            elsewhere = [segment for built in self._kb_built_elsewhere if (segment := built()) is not None]
            self._commit_toc([*segments, *elsewhere, *own])
        except BaseException:
            self.cancel()  # releases the lock; the new segments' files go at the next commit
            raise
        self._finish()
        return None


def can_join(writer: SegmentWriter) -> bool:
    """Whether segments built by :func:`build_segment` can join ``writer``'s commit."""
    return isinstance(writer, _SegmentWriter) and writer._kb_switch.on


def join(writer: SegmentWriter, segment: Callable[[], Any]) -> None:
    """Commit the segment that ``segment()`` returns (built by :func:`build_segment` on the
    same index) with ``writer``, as if its documents had been added before ``writer``'s.
    It is asked for once ``writer``'s own segment is written, so both are written at once."""
    if not can_join(writer):  # callers ask can_join() first; this is a bug, not bad input
        raise TypeError(f"a segment cannot join a {type(writer).__name__}")
    writer._kb_built_elsewhere.append(segment)


@_guarded
def build_segment(ix: whoosh_index.Index, docs: Iterable[dict[str, Any]], **kwargs: Any) -> Any:
    """In another process, while the caller holds ``ix``'s writer lock: a new segment of
    ``ix`` with ``docs`` (None if there are none), for :func:`join`.
    Its files are left for the next commit to clean up if it is never joined."""
    writer = _SegmentWriter(ix, Switch(True), _lk=False, **kwargs)
    try:
        for doc in docs:
            writer.add_document(**doc)
        if not writer._added:
            writer._close_segment()
            return None
        return writer._finalize_segment()  # the temporary folder is the caller's writer's
    except BaseException:
        writer._close_segment()
        raise


def writer(ix: whoosh_index.Index, switch: Switch, **kwargs: Any) -> SegmentWriter:
    """A writer on ``ix``: with cheaper field-length look-ups at commit when the fast path
    is on, else Whoosh's own."""
    if switch.on:
        return _SegmentWriter(ix, switch, **kwargs)
    return SegmentWriter(ix, **kwargs)
