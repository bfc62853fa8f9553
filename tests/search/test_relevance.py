"""Relevance: Swedish queries over the corpus in tests/search/corpus, with recall@10 and MRR.

Targets (issue 3): every relevant case in the top 10 for ≥ 95 % of queries, the first hit
relevant for ≥ 95 %, and no false friend ("vald" → "valdeltagande") in the top 10.
"""
from __future__ import annotations

from kb import search
from tests.search.relevance import evaluate, load_queries

TARGET_FULL_RECALL = 0.95
TARGET_FIRST_RELEVANT = 0.95
TARGET_MRR = 0.95


def _search(q: str) -> tuple[list[str], int]:
    result = search.search(search.SearchParams(q=q, per_page=100))
    return [hit.case.slug for hit in result.hits], result.total


def test_relevance_meets_targets(corpus_app, capsys):
    queries = load_queries()
    assert len(queries) >= 40
    with corpus_app.app_context():
        report = evaluate(_search, queries)
    with capsys.disabled():
        print("\n" + report.line(f"relevance ({report.queries} queries)"))
    details = "\n".join(report.failures)
    assert report.full_recall >= TARGET_FULL_RECALL, details
    assert report.first_relevant >= TARGET_FIRST_RELEVANT, details
    assert report.mrr >= TARGET_MRR, details
    assert report.false_friends == 0, details
