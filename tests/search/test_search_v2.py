"""Search v2: what strategists mean, not only the words the cases use (issue 15)."""
from __future__ import annotations

import re

import pytest

from kb.search import query as sq
from kb.search.synonyms import Related, load_related
from tests.search.relevance import by_kind, evaluate, load_cases, load_queries
from tests.search.test_search_api import get, slugs
from tests.search.test_search_page import page


def linked(number: int) -> set[str]:
    return {c["slug"] for c in load_cases() if number in c.get("articles", [])}


@pytest.mark.parametrize("q", ["artikel 24", "art 24", "art. 24", "barnkonventionen artikel 24", "ART 24"])
def test_articles_by_number(corpus_client, q):
    code, body = get(corpus_client, q=q)
    assert set(slugs(body)) == linked(24)


def test_an_article_and_a_word_ranks_linked_cases_with_the_word_first(corpus_client):
    code, body = get(corpus_client, q="artikel 12 skola")
    top = slugs(body)[:3]
    assert set(top) == {"lund-bka-skolstruktur", "linkoping-skolgardar", "falun-elevraden"}
    assert all(slug in linked(12) for slug in top)


def test_an_article_out_of_range_is_just_text(corpus_client):
    code, body = get(corpus_client, q="artikel 99")
    assert code == 200 and not set(slugs(body)) & linked(12)


def test_an_article_title_finds_the_cases_linked_to_it(corpus_client):
    code, body = get(corpus_client, q="rätt till utbildning")
    assert linked(28) <= set(slugs(body)[:len(linked(28))])


def test_english_is_translated_and_said_so(corpus_client):
    code, text = page(corpus_client, q="bridge builders")
    assert "Visar resultat för ”brobyggare”" in text
    assert re.search(r'href="/exempel/amal-brobyggare"', text)
    code, body = get(corpus_client, q="child rights strategist")
    assert body["translated"] == "barnrättsstrateg"
    assert slugs(body)[0] == "lulea-barnrattsstrategen"


def test_english_words_join_into_a_swedish_compound(corpus_client):
    code, body = get(corpus_client, q="school yards")
    assert body["translated"] == "skolgård" and slugs(body)[0] == "linkoping-skolgardar"


def test_swedish_queries_are_never_translated(corpus_client):
    code, body = get(corpus_client, q="skola barn")
    assert body["translated"] is None


def test_misspelt_compound_shows_results_for_the_correction(corpus_client):
    code, text = page(corpus_client, q="barnkonsekvensanalis")
    assert "Visar resultat för ”barnkonsekvensanalys”" in text
    assert re.search(r'href="/exempel/lund-bka-skolstruktur"', text)
    code, body = get(corpus_client, q="barnrattsstrateegen")  # a missing å and a typo in two parts
    assert body["corrected"] == "barnrättsstrategen"


def test_capital_operators_are_operators_not_words(corpus_client):
    code, body = get(corpus_client, q="AND OR NOT")
    assert body["total"] == 0  # never "ändå"
    code, either = get(corpus_client, q="barnbokslut OR feriearbete")
    assert set(slugs(either)) == {"gavle-barnbokslut", "sundsvall-feriearbete"}
    code, body = get(corpus_client, q="delaktighet NOT skola")
    code, minus = get(corpus_client, q="delaktighet -skola")
    assert slugs(body) == slugs(minus)
    code, all_of = get(corpus_client, q="delaktighet", per_page=50)
    code, school = get(corpus_client, q="skola", per_page=50)
    assert set(slugs(body)) == set(slugs(all_of)) - set(slugs(school)) != set()


def test_only_what_matched_the_meaning_is_marked(corpus_client):
    """"barn" is the word and the head of a compound, never the first part of one."""
    code, body = get(corpus_client, q="barnets bästa skola")
    marked = {m.lower() for r in body["results"] for m in re.findall(r"<mark>([^<]+)</mark>", r["snippet"])}
    assert not {w for w in marked if w.startswith("barn") and w not in ("barn", "barns", "barnets")}
    code, body = get(corpus_client, q="ombud")
    snippets = " ".join(r["snippet"] for r in body["results"]).lower()
    assert "<mark>barnrättsombud" in snippets  # the compound ends with the word: it is an ombud


def test_a_compound_it_begins_ranks_below_the_word_itself(corpus_client):
    code, body = get(corpus_client, q="dialog")
    ranked = slugs(body)
    assert ranked.index("ostersund-dialogforum-fritid") > ranked.index("nacka-barnbudget-medborgardialog")


def test_everyday_words_raise_recall_without_flooding(corpus_app, monkeypatch):
    """The thesaurus and the editors' everyday words find what the cases call otherwise, and
    never widen a query whose own word the cases use."""
    from tests.search.test_relevance import _search

    queries = by_kind(load_queries())
    with corpus_app.app_context():
        with_table = evaluate(_search, queries["everyday"])
        base = evaluate(_search, queries["own words"])
        monkeypatch.setattr(sq, "load_related", lambda: Related({}, {}))
        without = evaluate(_search, queries["everyday"])
        base_without = evaluate(_search, queries["own words"])
    assert with_table.mean_recall == 1.0 and without.mean_recall < 0.7
    assert base.set_precision == base_without.set_precision  # not one result more on the base set
    assert load_related().derived  # the derived thesaurus is shipped and read
