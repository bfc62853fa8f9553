"""Word positions of chosen documents, decoded from Whoosh's posting blocks with numpy.

Whoosh checks a phrase document by document in Python (tens of microseconds each, seconds
when every word is common). Here the positions of only the candidate documents are cut out
of a term's posting blocks and decoded in bulk, so :mod:`kb.search.scoring` can check
phrases with array operations.

A W3 block is a protocol-2 pickle of (ids, weights, values). Each value is
``pack_uint(count) + pickle.dumps(position_deltas, 2)``, pickled in turn as
``_codecs.encode(<the value as a latin-1 str>, "latin1")``: the str is stored as UTF-8
(``X`` + length + bytes), and every one starts with the inner pickle's header
``\\x80\\x02]q\\x00``, which UTF-8 turns into the signature below. Anything not exactly as
expected returns None and the caller falls back to Whoosh's own reader.
"""
from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher

_BLOCK_LENGTH = struct.Struct("!i")
_SIGNATURE = b"\xc2\x80\x02]q\x00"  # PROTO 2, EMPTY_LIST, BINPUT 0 as UTF-8
_K, _M, _J = ord("K"), ord("M"), ord("J")
_WIDTH = np.zeros(256, np.int64)
_WIDTH[[_K, _M, _J]] = (2, 3, 5)


def _leaf_matcher(reader, field: str, text: str):
    matcher = reader.postings(field, text)
    while hasattr(matcher, "child"):  # the filter that hides deleted documents
        matcher = matcher.child
    return matcher


def positions(reader, field: str, text: str, ids: np.ndarray, wanted: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """For the postings of ``text`` whose (segment) doc numbers ``ids`` are flagged in
    ``wanted``: (doc number, position) of every occurrence, in posting order. ``ids`` are
    the term's postings in this segment, deleted documents included. None if the
    postings are not W3 blocks as expected."""
    matcher = _leaf_matcher(reader, field, text)
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


def slow_positions(reader, field: str, text: str, wanted: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """The same as :func:`positions` through Whoosh's reader (inlined or unusual lists)."""
    matcher = _leaf_matcher(reader, field, text)
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


def block_layout(matcher: W3LeafMatcher) -> tuple[bytes, list[tuple[int, bool, int, int]]] | None:
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


def _raw_blocks(matcher, wanted: np.ndarray) -> tuple[bytes, np.ndarray, np.ndarray] | None:
    """The decompressed data of the blocks holding any ``wanted`` posting, joined; their
    posting counts; and the mask of the postings in them."""
    layout = block_layout(matcher)
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
