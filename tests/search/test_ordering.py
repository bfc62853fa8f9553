"""Result order and counts: pages tile the full ranking, ties go to the newest, and facet
counts agree with the totals the same filters give."""
from __future__ import annotations

import urllib.parse

import numpy as np
import pytest

from kb.search.engine import _best, _newest
from kb.search.scoring import Matches


def get(client, **params):
    response = client.get("/api/v1/search?" + urllib.parse.urlencode(params, doseq=True))
    assert response.status_code == 200
    return response.get_json()


def slugs(body):
    return [r["slug"] for r in body["results"]]


@pytest.mark.parametrize("params", [{"q": "barn"}, {"q": "barn", "sort": "date"}, {"q": ""},
                                    {"q": "delaktighet unga"}, {"q": "skola", "tag": "skola"}])
def test_pages_tile_the_whole_ranking(corpus_client, params):
    whole = get(corpus_client, **params, per_page=100)
    assert whole["total"] == len(whole["results"]) > 3
    paged = []
    for page in range(1, whole["total"] // 3 + 2):
        paged += slugs(get(corpus_client, **params, per_page=3, page=page))
    assert paged == slugs(whole)


def test_equal_scores_newest_first(corpus_client):
    body = get(corpus_client, q="barn", per_page=100)
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    for before, after in zip(body["results"], body["results"][1:], strict=False):
        if before["score"] == after["score"]:
            assert before["published"] >= after["published"]


@pytest.mark.parametrize("facet,param", [("tag", "tag"), ("county", "county"), ("year", None),
                                         ("organisation_type", "organisation_type"), ("article", "article")])
def test_facet_counts_are_the_totals_of_their_filters(corpus_client, facet, param):
    body = get(corpus_client, q="barn")
    assert body["facets"][facet]
    for value, count in body["facets"][facet].items():
        narrowed = {"year_from": value, "year_to": value} if param is None else {param: value}
        assert get(corpus_client, q="barn", **narrowed)["total"] == count


def _reference_best(ids, scores, published, last):
    """The ordering rule written plainly: score (6 places) down, then newest, then later doc."""
    rows = sorted(zip(ids, scores, strict=True), key=lambda r: (-round(r[1], 6), -published[r[0]], -r[0]))
    return [d for d, _ in rows[:last]]


@pytest.mark.parametrize("seed", range(20))
def test_top_k_matches_a_full_sort(seed):
    rng = np.random.default_rng(seed)
    size = 500
    published = rng.integers(730_000, 730_010, size)  # few distinct days: many ties
    ids = np.sort(rng.choice(size, rng.integers(1, size), replace=False)).astype(np.int32)
    scores = rng.choice([1.5, 2.25, 2.2500000001, 3.0, 0.1 + 0.2], len(ids))  # many equal scores
    for last in (1, 5, 20, len(ids) + 3):
        got, _ = _best(published, Matches(ids, scores), last)
        assert got.tolist() == _reference_best(ids.tolist(), scores.tolist(), published, last)
        newest = _newest(published, ids.astype(np.int64), last)
        assert newest.tolist() == sorted(ids.tolist(), key=lambda d: (-published[d], -d))[:last]
