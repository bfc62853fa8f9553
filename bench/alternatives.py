"""Relevance of the alternatives on the relevance corpus (tests/search/corpus).

Each alternative indexes the same fields with the same weights and answers the same way
(all words, else any word); only the analysis differs. SQLite FTS5 is the reference.
"""
from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Callable

from whoosh import fields, index, qparser, scoring
from whoosh.analysis import NgramWordAnalyzer, StandardAnalyzer, StemmingAnalyzer
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.swedish import SwedishStemmer

from tests.search.relevance import Report, evaluate, load_cases, load_queries

WEIGHTS = {"title": 3.0, "summary": 2.0, "tags": 2.5, "place": 1.5, "body": 1.0}


def _text(case: dict) -> dict[str, str]:
    return {"title": case["title"], "summary": case["summary"], "tags": " . ".join(case["tags"]),
            "place": " ".join([case["organisation"], case.get("county") or "", *case["municipalities"]]),
            "body": re.sub(r"[#*_]", " ", case["body"])}


def whoosh_alternative(analyzer) -> Callable[[str], tuple[list[str], int]]:
    """A plain Whoosh index of the corpus with ``analyzer`` and Whoosh's query parser."""
    schema = fields.Schema(slug=fields.ID(stored=True),
                           **{name: fields.TEXT(analyzer=analyzer) for name in WEIGHTS})
    ix = index.create_in(tempfile.mkdtemp(prefix="kb-alt-"), schema)
    with ix.writer() as writer:
        for case in load_cases():
            writer.add_document(slug=case["slug"], **_text(case))
    searcher = ix.searcher(weighting=scoring.BM25F())
    parsers = [qparser.MultifieldParser(list(WEIGHTS), schema, fieldboosts=WEIGHTS, group=group)
               for group in (qparser.AndGroup, qparser.OrGroup)]

    def search(q: str) -> tuple[list[str], int]:
        text = q.replace('"', " ") if q.count('"') % 2 else q
        for parser in parsers:
            hits = searcher.search(parser.parse(text), limit=100)
            if len(hits):
                return [h["slug"] for h in hits], len(hits)
        return [], 0
    return search


def fts5_alternative(prefix: bool = False) -> Callable[[str], tuple[list[str], int]]:
    """SQLite FTS5 (unicode61, diacritics removed), bm25 with the same column weights."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(slug UNINDEXED, title, summary, tags, place, body, "
                "tokenize='unicode61 remove_diacritics 2')")
    for case in load_cases():
        t = _text(case)
        con.execute("INSERT INTO f VALUES (?,?,?,?,?,?)",
                    (case["slug"], t["title"], t["summary"], t["tags"], t["place"], t["body"]))
    weights = ", ".join(str(w) for w in WEIGHTS.values())

    def search(q: str) -> tuple[list[str], int]:
        phrases = re.findall(r'"([^"]+)"', q)
        words = re.findall(r"\w+", re.sub(r'"[^"]+"', " ", q))
        terms = [f'"{p}"' for p in phrases] + [f'"{w}"' + ("*" if prefix else "") for w in words]
        for joiner in (" AND ", " OR "):
            if not terms:
                return [], 0
            rows = con.execute(f"SELECT slug FROM f WHERE f MATCH ? ORDER BY bm25(f, 0, {weights})",
                               (joiner.join(terms),)).fetchall()
            if rows:
                return [r[0] for r in rows], len(rows)
        return [], 0
    return search


def app_search(app) -> Callable[[str], tuple[list[str], int]]:
    from kb import search as kb_search

    def search(q: str) -> tuple[list[str], int]:
        with app.app_context():
            result = kb_search.search(kb_search.SearchParams(q=q, per_page=100))
            return [hit.case.slug for hit in result.hits], result.total
    return search


def _identity(text: str) -> str:
    return text


def _no_split(word: str, folded: bool = False) -> tuple:
    return ()


def ablations() -> list[tuple[str, list]]:
    """Our analysis with one piece taken out: (name, [(module, attribute, replacement)])."""
    from functools import lru_cache

    from kb.search import analysis, query, synonyms

    plain = lru_cache(maxsize=None)(analysis._SNOWBALL.stem)
    return [
        ("  without compound splitting", [(analysis, "split_compound", _no_split)]),
        ("  without the Snowball fixes", [(analysis, "stem", plain), (query, "stem", plain),
                                          (synonyms, "stem", plain)]),
        ("  without accent folding", [(analysis, "fold", _identity)]),
        ("  without synonyms", [(query, "load_synonyms", dict)]),
    ]


def ablated(build_app, patches) -> Callable[[str], tuple[list[str], int]]:
    """Build the corpus index with ``patches`` applied, and search it with them applied."""
    from kb.search import analysis

    cached = (analysis.word_terms, analysis.split_compound, analysis._split)

    def clear():
        for fn in cached:
            fn.cache_clear()

    with _patched(patches):
        clear()
        inner = app_search(build_app())
    clear()

    def search(q: str) -> tuple[list[str], int]:
        with _patched(patches):
            clear()
            try:
                return inner(q)
            finally:
                clear()
    return search


class _patched:
    def __init__(self, patches) -> None:
        self.patches = patches
        self.saved: list = []

    def __enter__(self):
        self.saved = [(module, name, getattr(module, name)) for module, name, _ in self.patches]
        for module, name, value in self.patches:
            setattr(module, name, value)

    def __exit__(self, *exc) -> None:
        for module, name, value in self.saved:
            setattr(module, name, value)


def compare(app, build_app=None) -> list[tuple[str, Report]]:
    """Every alternative on the relevance corpus; ``app`` holds the corpus in our index;
    ``build_app()`` makes another such app (for the ablations)."""
    stemmer = SwedishStemmer()
    swedish_stops = frozenset(stopwords_for_language("sv"))
    alternatives = [
        ("SQLite FTS5 (unicode61)", fts5_alternative()),
        ("SQLite FTS5, prefix queries", fts5_alternative(prefix=True)),
        ("Whoosh default (English)", whoosh_alternative(StandardAnalyzer())),
        ("Whoosh + Snowball Swedish", whoosh_alternative(
            StemmingAnalyzer(stemfn=stemmer.stem, stoplist=swedish_stops))),
        ("Whoosh n-grams (3-6)", whoosh_alternative(NgramWordAnalyzer(minsize=3, maxsize=6))),
        ("Kunskapsbanken (this index)", app_search(app)),
    ]
    queries = load_queries()
    reports = [(name, evaluate(fn, queries)) for name, fn in alternatives]
    if build_app is not None:
        reports += [(name, evaluate(ablated(build_app, patches), queries)) for name, patches in ablations()]
    return reports
