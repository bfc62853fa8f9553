"""Relevance: Swedish queries over the corpus in tests/search/corpus, with recall@10 and MRR.

Targets (issue 3): every relevant case in the top 10 for ≥ 95 % of queries, the first hit
relevant for ≥ 95 %, and no false friend ("vald" → "valdeltagande") in the top 10.
"""
from __future__ import annotations

from kb import search
from tests.search.relevance import by_kind, evaluate, load_queries

TARGET_FULL_RECALL = 0.95
TARGET_FIRST_RELEVANT = 0.95
TARGET_MRR = 0.95
TARGET_R_PRECISION = 0.90
TARGET_KIND_RECALL = 0.85  # each kind of query on its own (articles, English, …)


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
    assert report.r_precision >= TARGET_R_PRECISION, details


def test_each_kind_of_query_finds_its_cases(corpus_app, capsys):
    """Articles by number, everyday words, English and misspelt compounds (search v2)."""
    with corpus_app.app_context():
        reports = {kind: evaluate(_search, items) for kind, items in by_kind(load_queries()).items()}
    with capsys.disabled():
        print("\n" + "\n".join(report.line(f"  {kind} ({report.queries})")
                                for kind, report in reports.items()))
    for kind, report in reports.items():
        assert report.queries >= 6, kind
        assert report.mean_recall >= TARGET_KIND_RECALL, (kind, report.failures)
        assert report.r_precision >= TARGET_R_PRECISION - 0.1, (kind, report.failures)
