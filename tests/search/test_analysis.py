"""Swedish analysis: stemming gaps closed, compounds split (and not over-split), folding."""
from __future__ import annotations

import pytest

from kb.search.analysis import MOD_MARK, fold, query_word_terms, split_compound, stem, word_terms
from kb.search.query import parse


@pytest.mark.parametrize("forms", [
    ("skola", "skolan", "skolor", "skolorna", "skolans"),
    ("barn", "barnet", "barnets", "barnen"),
    ("arbete", "arbetet", "arbeten"),
    ("analys", "analyser", "analysen", "analyserna"),
    ("kvalitet", "kvaliteten", "kvaliteter"),
    ("elevhälsa", "elevhälsan"),
])
def test_inflected_forms_share_a_stem(forms):
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


@pytest.mark.parametrize("word,parts", [
    ("barnrättsombuden", ["barn", "rätts", "ombuden"]),
    ("ungdomsdialogen", ["ungdoms", "dialogen"]),
    ("dialogforum", ["dialog", "forum"]),
    ("folktandvården", ["folk", "tand", "vården"]),
    ("valdeltagande", ["val", "deltagande"]),
])
def test_compounds_split_with_linking_s(word, parts):
    assert [p.surface for p in split_compound(word)[0]] == parts


@pytest.mark.parametrize("word", ["myndigheter", "tillsammans", "beskriver", "kommunen", "utbildning"])
def test_ordinary_words_are_not_split(word):
    assert split_compound(word) == ()


def test_part_and_whole_meet_in_the_index():
    """The part a compound ends with is the word itself; a first part is marked as such."""
    assert stem("ombud") in word_terms("barnrättsombuden").index_terms
    assert stem("bokslut") in word_terms("barnbokslutet").index_terms
    assert stem("utbildning") in word_terms("barnrättsutbildning").index_terms
    assert MOD_MARK + stem("tandvården") in word_terms("folktandvårdsklinik").index_terms
    assert stem("tandvården") in word_terms("folktandvården").index_terms


def test_a_first_part_is_not_the_word_itself():
    """A barnbokslut is a kind of bokslut, not a kind of barn."""
    terms = word_terms("barnbokslutet").index_terms
    assert stem("barn") not in terms and MOD_MARK + stem("barn") in terms


def test_false_friend_vald_is_not_in_valdeltagande():
    terms = word_terms("valdeltagande").index_terms
    assert stem("vald") not in terms and "°" + stem("vald") not in terms


def test_folding_for_words_typed_without_diacritics():
    assert fold("Åmål Västerås") == "Amal Vasteras"
    assert "°" + stem(fold("åmål")) in word_terms("åmål").index_terms
    # a folded query word can still be split on the dictionary's folded forms
    assert query_word_terms("valdsforebyggande").parts


def test_query_parsing_is_forgiving():
    assert [u.words for u in parse('"barnets bästa" i skolan').units] == [["barnets", "bästa"], ["skolan"]]
    assert [u.words for u in parse('"ofullständig fras').units] == [["ofullständig"], ["fras"]]
    assert parse("title:barn AND (x OR y)").units[0].words == ["title"]
    assert parse("och i för").empty
    bka = parse("BKA").units[0]
    assert ("barnkonsekvensanaly",) in bka.synonyms


def test_snippets_skip_only_words_that_cannot_match():
    """highlight.may_match lets a word through whenever one of its index terms is asked for:
    over a seventh of the word list, the bench generator's words and compounds, and the
    relevance corpus (a word wrongly skipped would lose its <mark> in a snippet)."""
    from bench.generate import generate
    from kb.search.analysis import lexicon, words_with_offsets
    from kb.search.highlight import cores, may_match
    from tests.search.relevance import load_cases

    texts = [" ".join((c["title"], c["summary"], c["body"])) for c in [*generate(150), *load_cases()]]
    words = {w for text in texts for w, _, _ in words_with_offsets(text)}
    words |= set(sorted(lexicon().words)[::7])
    missed = [(word, term) for word in sorted(words) for term in word_terms(word).index_terms
              if not may_match(word, cores(frozenset([term])))]
    assert len(words) > 20_000
    assert missed == []
    assert not may_match("skolgård", cores(frozenset(["barn", "°amal"])))
