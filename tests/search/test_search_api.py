"""GET /api/v1/search and the typeahead, over the relevance corpus."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.search.relevance import load_cases

KEYS = {"slug", "title", "url", "summary", "snippet", "tags", "county", "organisation",
        "organisation_type", "year", "score"}


def get(client, **params):
    response = client.get("/api/v1/search?" + urllib.parse.urlencode(params, doseq=True))
    return response.status_code, response.get_json()


def slugs(body):
    return [r["slug"] for r in body["results"]]


def test_result_shape_and_ranking(corpus_client):
    code, body = get(corpus_client, q="tandvården")
    assert code == 200
    assert {"query", "total", "page", "per_page", "results", "facets", "suggestion"} <= set(body)
    assert slugs(body) == ["region-skane-tandvardsradda-barn"]
    assert set(body["results"][0]) >= KEYS
    assert body["results"][0]["url"].endswith("/exempel/region-skane-tandvardsradda-barn")
    assert set(body["facets"]) == {"tag", "county", "organisation_type", "article", "year"}


def test_snippet_marks_the_matched_words_and_escapes_the_rest(app, client, make_case):
    from kb import search

    make_case(title="Stöd <b>fet</b> & tydligt", slug="fet",
              summary="Barnombuden ser till att <script>alert(1)</script> barn får veta.")
    search.sync_index()
    code, body = get(client, q="ombud")
    snippet = body["results"][0]["snippet"]
    assert "<mark>Barnombuden</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_title_weighs_more_than_body(corpus_client):
    # "fritid" is in Östersund's title and tag, in Växjö's tags, and only in the body elsewhere.
    code, body = get(corpus_client, q="dialogforum")
    assert slugs(body)[0] == "ostersund-dialogforum-fritid"
    code, body = get(corpus_client, q="fritidsgårdar")
    assert slugs(body)[0] == "norrkoping-hbtq-fritidsgardar"


def test_quoted_phrase_is_a_phrase(corpus_client):
    """The phrase in the text, or as the title of an article the case is linked to (art. 3)."""
    code, phrase = get(corpus_client, q='"barnets bästa"')
    code, words = get(corpus_client, q="barnets bästa")
    in_text = {"umea-barnrattsombud-socialtjanst", "orebro-barnets-basta-placeringar"}
    linked = {c["slug"] for c in load_cases() if 3 in c.get("articles", [])}
    assert set(slugs(phrase)) == in_text | linked
    assert set(slugs(phrase)[:2]) == in_text  # the phrase in the text outranks the link alone
    code, other = get(corpus_client, q='"bästa barnets"')
    assert not set(slugs(other)) & linked - in_text
    assert phrase["total"] <= words["total"]


def test_all_words_then_any_word_clearly_marked(corpus_client):
    code, body = get(corpus_client, q="barnbokslut gävle")
    assert body["match"] == "all" and slugs(body) == ["gavle-barnbokslut"]
    code, body = get(corpus_client, q="barnbokslut kollektivtrafiken")
    assert body["match"] == "any"
    assert set(slugs(body)) == {"gavle-barnbokslut", "boras-ungdomsdialog-kollektivtrafik"}


def test_synonyms_and_abbreviations(corpus_client):
    assert slugs(get(corpus_client, q="BKA")[1]) == ["lund-bka-skolstruktur"]
    assert slugs(get(corpus_client, q="bup")[1]) == ["region-uppsala-bup-vantetider"]
    assert slugs(get(corpus_client, q="barn- och ungdomspsykiatri")[1]) == ["region-uppsala-bup-vantetider"]
    assert "lansstyrelsen-stockholm-mr-natverk" in slugs(get(corpus_client, q="mr")[1])


def test_accent_folding_prefers_exact_forms(corpus_client):
    assert slugs(get(corpus_client, q="vaxjo fritidskort")[1]) == ["vaxjo-fritidskort-barnfattigdom"]
    code, body = get(corpus_client, q="vald")
    assert "jonkoping-valdeltagande-unga" not in slugs(body)
    code, body = get(corpus_client, q="val")
    assert slugs(body)[0] == "jonkoping-valdeltagande-unga"


def test_did_you_mean(corpus_client):
    code, body = get(corpus_client, q="barnkonventionn")
    assert body["suggestion"] == "barnkonventionen"
    code, body = get(corpus_client, q="famijecentral")  # nothing as typed: the correction's results
    assert body["suggestion"] == body["corrected"] == "familjecentral"
    assert slugs(body) == ["vanersborg-familjecentralen"]
    assert get(corpus_client, q="barnkonventionen")[1]["suggestion"] is None


def test_facet_counts_reflect_the_other_filters(corpus_client):
    code, body = get(corpus_client, q="delaktighet")
    assert body["total"] == 9
    assert body["facets"]["county"]["Stockholms län"] == 2
    code, body = get(corpus_client, q="delaktighet", county="Stockholms län")
    assert body["total"] == 2
    assert set(slugs(body)) == {"nacka-barnbudget-medborgardialog", "sollentuna-barns-rost-stadsplanering"}
    # county counts ignore the county filter itself (so the reader can widen the choice) …
    assert body["facets"]["county"]["Östergötlands län"] == 1
    # … while the other facets count within the chosen county.
    assert body["facets"]["tag"]["delaktighet"] == 2
    assert body["facets"]["organisation_type"] == {"kommun": 2}


def test_combined_filters_and_year_range(corpus_client):
    code, body = get(corpus_client, q="", tag="skola", year_from=2021, year_to=2021)
    assert set(slugs(body)) == {"linkoping-skolgardar", "trollhattan-npf-skola"}
    code, body = get(corpus_client, q="", county=["Skåne län", "Gotlands län"], organisation_type="region")
    assert set(slugs(body)) == {"region-skane-tandvardsradda-barn", "gotland-ungdomsradet"}
    code, body = get(corpus_client, q="", article=[12, 31], tag="fritid")
    assert set(slugs(body)) == {"ostersund-dialogforum-fritid"}


def test_empty_query_lists_newest_first_and_paginates(corpus_client):
    code, first = get(corpus_client, q="", per_page=5)
    code, second = get(corpus_client, q="", per_page=5, page=2)
    assert first["total"] == 35 and first["sort"] == "date"
    assert slugs(first)[0] == "uddevalla-krankande-behandling"  # published 2024-02-05
    assert not set(slugs(first)) & set(slugs(second))
    code, beyond = get(corpus_client, q="", page=99)
    assert code == 200 and beyond["results"] == [] and beyond["total"] == 35


def test_sort_by_date(corpus_client):
    code, body = get(corpus_client, q="delaktighet", sort="date")
    published = [r["published"] for r in body["results"]]
    assert published == sorted(published, reverse=True)


@pytest.mark.parametrize("q", ['"unbalanced', "((", "AND OR NOT", "*", "title:", "x" * 999, "\x00\x1f",
                               "ä" * 300, "fält:värde OR (a AND", "🙂 barn", "\u202e", "a" * 40 + " " * 500])
def test_odd_queries_never_fail(corpus_client, q):
    code, body = get(corpus_client, q=q)
    assert code == 200 and isinstance(body["results"], list)


@pytest.mark.parametrize("params", [{"q": "x" * 5000}, {"page": -1}, {"page": "abc"}, {"per_page": 1000},
                                    {"sort": "bogus"}, {"article": 99}, {"year_from": "nittio"},
                                    {"year_from": 2022, "year_to": 2020}])
def test_bad_parameters_are_400_with_a_swedish_message(corpus_client, params):
    code, body = get(corpus_client, **params)
    assert code == 400
    assert body["error"]["status"] == 400 and body["error"]["message"]


def test_typeahead(corpus_client):
    response = corpus_client.get("/api/v1/search/typeahead?q=barnbok")
    items = response.get_json()["suggestions"]
    assert {"type": "case", "label": "Barnbokslutet visar hur det går för Gävles barn",
            "url": "/exempel/gavle-barnbokslut"} in items
    assert any(i["type"] == "tag" and i["label"] == "barnbokslut" for i in items)
    items = corpus_client.get("/api/v1/search/typeahead?q=vaxjo").get_json()["suggestions"]
    assert items == []  # titles only; "Växjö" is not in a title
    items = corpus_client.get("/api/v1/search/typeahead?q=ostersund").get_json()["suggestions"]
    assert items == []
    items = corpus_client.get("/api/v1/search/typeahead?q=ungdomsradet").get_json()["suggestions"]
    assert [i["url"] for i in items if i["type"] == "case"] == ["/exempel/gotland-ungdomsradet"]
