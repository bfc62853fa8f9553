"""The search page /sok (works without JavaScript) and related cases on the case page."""
from __future__ import annotations

import html
import re
import urllib.parse


def page(client, **params):
    response = client.get("/sok?" + urllib.parse.urlencode(params, doseq=True))
    return response.status_code, response.get_data(as_text=True)


def hit_links(text):
    return re.findall(r'<h3 class="case-card-title"><a href="/exempel/([^"]+)"', text)


def test_results_with_marked_snippets_and_filters(corpus_client):
    code, text = page(corpus_client, q="dialog")
    assert code == 200
    assert set(hit_links(text)) == {"boras-ungdomsdialog-kollektivtrafik", "ostersund-dialogforum-fritid",
                                    "nacka-barnbudget-medborgardialog"}
    assert "<mark>" in text
    assert "3 exempel" in text and "dialog" in text
    assert 'name="county" value="Stockholms län"' in text  # a facet the reader can tick


def test_filters_live_in_the_query_string(corpus_client):
    code, text = page(corpus_client, q="delaktighet", county="Stockholms län")
    assert set(hit_links(text)) == {"nacka-barnbudget-medborgardialog",
                                    "sollentuna-barns-rost-stadsplanering"}
    assert 'value="Stockholms län" checked' in text
    # the chosen filter can be removed with one link that keeps the query
    assert html.escape("/sok?q=delaktighet") in text
    # a new search from the box keeps the filter
    assert '<input type="hidden" name="county" value="Stockholms län">' in text


def test_no_hits_explains_what_to_try(corpus_client):
    code, text = page(corpus_client, q="rymdforskning")
    assert code == 200
    assert "Inga exempel hittades för ”rymdforskning”" in text
    assert "Kontrollera stavningen" in text


def test_did_you_mean_link(corpus_client):
    code, text = page(corpus_client, q="barnkonventionn")
    assert "Menade du" in text and "q=barnkonventionen" in text


def test_any_word_fallback_is_marked(corpus_client):
    code, text = page(corpus_client, q="barnbokslut kollektivtrafiken")
    assert "Inget exempel innehöll alla orden" in text
    assert len(hit_links(text)) == 2


def test_too_long_query_is_400_and_keeps_what_was_typed(corpus_client):
    typed = "barn " * 250
    code, text = page(corpus_client, q=typed)
    assert code == 400
    assert "Sökfrågan är för lång" in text
    assert f'value="{typed}"' in text


def test_bad_page_number_is_clamped(corpus_client):
    code, text = page(corpus_client, q="delaktighet", page="-3")
    assert code == 200 and len(hit_links(text)) == 9


def test_pagination_keeps_query_and_filters(corpus_client):
    code, text = page(corpus_client, tag="delaktighet", per_page=3)
    links = re.findall(r'<a href="(/sok\?[^"]*page=2[^"]*)"', text)
    assert links
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(links[0])).query)
    assert query["tag"] == ["delaktighet"] and query["per_page"] == ["3"]


def test_sort_form_and_date_order(corpus_client):
    code, text = page(corpus_client, q="delaktighet", sort="date")
    assert '<option value="date" selected>' in text
    assert hit_links(text)[0] == "nacka-barnbudget-medborgardialog"


def test_search_box_enhancement_is_progressive(corpus_client):
    code, text = page(corpus_client, q="skola")
    assert 'action="/sok"' in text and 'name="q"' in text
    assert 'data-typeahead="/api/v1/search/typeahead"' in text
    assert "/static/js/typeahead.js" in text
    assert "<script>" not in text  # no inline scripts (CSP)


def test_related_cases_come_from_the_index(corpus_client):
    response = corpus_client.get("/exempel/umea-barnrattsombud-socialtjanst")
    text = response.get_data(as_text=True)
    section = text.split('id="related-heading"', 1)[1]
    related = re.findall(r'<a href="/exempel/([^"]+)"', section)[:4]
    assert related and "umea-barnrattsombud-socialtjanst" not in related
    # the other social-services cases, and the one with a barnrättsstrateg, are most alike
    assert {"orebro-barnets-basta-placeringar", "lulea-barnrattsstrategen"} & set(related[:2])
