"""Phrases checked on decoded positions match Whoosh's Phrase query (through Whoosh's public
API, scored with the same weighting), and what is read from a segment is reused by later
commits."""
from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.writing import CLEAR

from kb.search import fastpath
from kb.search import scoring as sc
from kb.search.schema import build_schema

WORDS = ("barn", "unga", "skola", "rätt", "konvention", "dialog", "ombud", "elevråd", "trygghet",
         "fritid", "hälsa", "kommun", "region", "bästa", "barnets", "delaktighet")
STOP = ("och", "om", "att", "i", "för")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS + STOP) for _ in range(words))


def _document(rng: random.Random, n: int) -> dict[str, str]:
    body = _text(rng, rng.choice((3, 20, 150, 400)))
    if n % 23 == 0:
        body += " barn" * 140  # a count written as two UTF-8 bytes (128–255)
    if n % 41 == 0:
        body += " unga unga" * 150  # 256 or more: Whoosh's reader decodes it
    if n % 7 == 0:
        body += " barnkonventionen om barnets rättigheter och konventionen om barnets rättigheter"
    return {"id": str(n), "doctype": "case", "title": _text(rng, 6), "summary": _text(rng, 25),
            "body": body, "place": "Åmål . Västra Götalands län"}


@pytest.fixture
def index(tmp_path):
    """An index in three segments (none merged), with deleted documents in two of them."""
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    rng = random.Random(7)
    n = 0
    for size in (300, 120, 40):
        writer = ix.writer()
        for _ in range(size):
            writer.add_document(**_document(rng, n))
            n += 1
        writer.commit(merge=False)
    writer = ix.writer()
    for doc in (3, 7, 14, 310, 311):
        writer.delete_by_term("id", str(doc))
    writer.commit(merge=False)
    assert len(ix.searcher().reader().leaf_readers()) == 3
    return ix


PHRASES = [
    ("body", ("konvention", "barn", "rätt")),  # stop word in between in the text
    ("body", ("barn", "barn")),  # a repeated word
    ("body", ("ung", "ung", "ung")),
    ("body", ("barn", "bäst")),
    ("body", ("dialog", "ombud", "elevråd")),
    ("body", ("rätt", "barn")),
    ("body", ("trygg", "konvention", "kommun", "fritid")),
    ("summary", ("barn", "ung")),
    ("summary", ("skol", "rätt", "hälsa")),
    ("title", ("kommun", "region")),
    ("place", ("västr", "götaland", "län")),
    ("place", ("åmål", "västr")),
    ("body", ("nowhere", "barn")),
]


@pytest.mark.parametrize("boost", [1.0, 0.8, 2.5])
def test_phrases_match_whoosh_exactly(index, boost):
    searcher = index.searcher()
    scorer, whoosh_scorer = sc.Scorer(searcher, {}), sc.WhooshScorer(searcher, {})
    matched = 0
    for field, texts in PHRASES:
        query = sc.Phrase(field, texts, boost)
        ours, whoosh = scorer.evaluate(query), whoosh_scorer.evaluate(query)
        assert ours.ids.tolist() == whoosh.ids.tolist(), (field, texts)
        assert ours.scores.tolist() == whoosh.scores.tolist(), (field, texts)  # bit for bit
        matched += len(ours)
    assert matched > 100


def test_random_phrases_match_whoosh_exactly(index):
    searcher = index.searcher()
    scorer, whoosh_scorer = sc.Scorer(searcher, {}), sc.WhooshScorer(searcher, {})
    rng = random.Random(3)
    stems = ["barn", "ung", "skol", "rätt", "konvention", "dialog", "kommun", "bäst", "trygg"]
    for _ in range(60):
        texts = tuple(rng.choice(stems) for _ in range(rng.choice((2, 2, 3, 4, 5))))
        query = sc.Phrase(rng.choice(("body", "summary", "title")), texts)
        ours, whoosh = scorer.evaluate(query), whoosh_scorer.evaluate(query)
        assert ours.ids.tolist() == whoosh.ids.tolist(), texts
        assert ours.scores.tolist() == whoosh.scores.tolist(), texts


def test_positions_are_decoded_from_blocks_as_whoosh_reads_them(index):
    reader, _ = index.searcher().reader().leaf_readers()[0]
    for text in ("barn", "ung", "rätt"):
        ids = sc._leaf_postings(reader, "body", text, True)[0]
        assert ids.tolist() == sc._leaf_postings(reader, "body", text, False)[0].tolist()
        wanted = np.arange(len(ids)) % 3 != 1
        fast = fastpath.positions(reader, "body", text, ids, wanted)
        slow = sc._leaf_positions(reader, "body", text, set(ids[wanted].tolist()))
        if text == "ung":  # a document with it 300 times: left to Whoosh's reader
            assert fast is None
            continue
        assert fast is not None
        assert fast[0].tolist() == slow[0].tolist()
        assert fast[1].tolist() == slow[1].tolist()
        assert fast[1].max() > 255  # two-byte deltas (M) were read too


def test_segments_are_reused_by_later_commits(index):
    shared: dict[str, sc.Segment] = {}
    before = sc.Scorer(index.searcher(), shared)
    query = sc.All((sc.Term("body", "barn"), sc.Phrase("body", ("konvention", "barn", "rätt"), 0.8)))
    first = before.evaluate(query)
    big = before.segments[0]
    barn = big.postings[("body", "barn")]
    phrase = big.phrases[("body", ("konvention", "barn", "rätt"))]

    writer = index.writer()
    writer.delete_by_term("id", str(int(index.searcher().stored_fields(int(first.ids[0]))["id"])))
    writer.add_document(**_document(random.Random(1), 7000))  # has the phrase (7000 % 7 == 0)
    writer.commit(merge=False)
    searcher = index.searcher()
    after = sc.Scorer(searcher, shared)
    found = after.evaluate(query)

    assert after.segments[0] is big
    assert big.postings[("body", "barn")] is barn
    assert big.phrases[("body", ("konvention", "barn", "rätt"))] is phrase
    fresh = sc.Scorer(searcher, {}).evaluate(query)
    assert found.ids.tolist() == fresh.ids.tolist() and found.scores.tolist() == fresh.scores.tolist()
    assert first.ids[0] not in found.ids  # the deleted document is gone
    newest = searcher.document_number(id="7000")
    assert newest in found.ids.tolist()
    phrase_only = after.evaluate(sc.Phrase("body", ("konvention", "barn", "rätt"), 0.8))
    assert phrase_only.scores.tolist() == sc.WhooshScorer(searcher, {}).evaluate(
        sc.Phrase("body", ("konvention", "barn", "rätt"), 0.8)).scores.tolist()


def test_store_forgets_merged_segments(tmp_path):
    from kb.search.store import IndexStore

    store = IndexStore(tmp_path)
    name, ix = store.create_generation()
    store.swap(name)
    rng = random.Random(5)
    for start in (0, 50):
        with ix.writer() as writer:
            writer.merge = False
            for n in range(start, start + 50):
                writer.add_document(**_document(rng, n))
    sc.Scorer(store.searcher(), store.segments).docs("body", "barn")
    assert len(store.segments) == 2
    old = set(store.segments)
    writer = ix.writer()
    writer.add_document(**_document(rng, 999))
    writer.commit(mergetype=CLEAR)  # everything rewritten into one new segment
    sc.Scorer(store.searcher(), store.segments).docs("body", "barn")
    assert len(store.segments) == 1 and not old & set(store.segments)


def test_store_reuses_open_segments_with_new_deletions(tmp_path):
    """A new commit's searcher shares the unchanged segments' open files (Whoosh would read
    them into memory again) and sees that commit's deletions, as Whoosh's own searcher does."""
    from kb.search.store import IndexStore

    store = IndexStore(tmp_path)
    name, ix = store.create_generation()
    store.swap(name)
    rng = random.Random(9)
    with ix.writer() as writer:
        for n in range(60):
            writer.add_document(**_document(rng, n))
    big = store.searcher().reader()
    for i in range(5):
        writer = ix.writer()
        writer.update_document(id="__meta__", meta=str(i))
        writer.delete_by_term("id", str(i * 3))
        writer.update_document(**_document(rng, 100 + i))
        writer.commit(merge=False)
        ours, whoosh = store.searcher(), ix.searcher()
        assert ours.document(id="__meta__") == whoosh.document(id="__meta__")
        assert ours.document(id="__meta__") == {"id": "__meta__", "meta": str(i)}
        assert ours.doc_count() == whoosh.doc_count()
        assert list(ours.all_stored_fields()) == list(whoosh.all_stored_fields())
        query = wq.Term("body", "barn")
        assert list(ours.search(query, limit=None).items()) == list(whoosh.search(query, limit=None).items())
        first = ours.reader().leaf_readers()[0][0]
        assert first.segment().segment_id() == big.segment().segment_id()
        assert first._terms is big._terms  # not opened (copied into memory) again



def test_posting_blocks_are_decoded_as_whoosh_reads_them(index):
    """The numpy reader of whole posting lists is taken (not Whoosh's reader) and agrees."""
    reader, _ = index.searcher().reader().leaf_readers()[0]
    for text in ("barn", "rätt"):
        fast = fastpath.postings(reader, "body", text)
        assert fast is not None, text
        slow = sc._leaf_postings(reader, "body", text, False)  # deleted documents included
        assert fast[0].tolist() == slow[0].tolist() and fast[1].tolist() == slow[1].tolist()
        assert len(slow[0]) > 200
