"""One parser of list and search filters (kb/filters.py): the search page, the search API and
the case list API refuse the same values with the same Swedish message."""
from __future__ import annotations

import html
import urllib.parse

import pytest
from werkzeug.datastructures import MultiDict

from kb.filters import FilterError, Filters, parse_filters

BAD = [
    ({"article": "99"}, "article", "Artikel (article) ska vara ett nummer från 1 till 54."),
    ({"article": "tre"}, "article", "Artikel (article) ska vara ett nummer från 1 till 54."),
    ({"year_from": "19"}, "year_from", "Startåret (year_from) ska vara ett årtal från 1900 till 2100."),
    ({"year_from": "2022", "year_to": "2020"}, "year_to",
     "Slutåret (year_to) kan inte vara före startåret (year_from)."),
    ({"organisation_type": "skola"}, "organisation_type", "Okänd organisationstyp ”skola”"),
]


@pytest.mark.parametrize("args, name, message", BAD)
def test_every_endpoint_refuses_a_bad_filter_alike(client, args, name, message):
    query = urllib.parse.urlencode(args)
    page = client.get("/sok?" + query)
    assert page.status_code == 400
    assert html.escape(message, quote=False) in page.get_data(as_text=True)
    for path in ("/api/v1/search", "/api/v1/cases"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert message in response.get_json()["error"]["message"], path


def test_values_are_cleaned_once_each():
    args = MultiDict([("tag", " skola\u200b "), ("tag", "skola"), ("county", "\x00"), ("article", "3"),
                      ("article", "03"), ("organisation_type", "kommun")])
    assert parse_filters(args) == Filters(tags=("skola",), articles=(3,), organisation_types=("kommun",))
    assert not parse_filters(MultiDict()).any


def test_the_error_names_the_parameter():
    with pytest.raises(FilterError) as caught:
        parse_filters(MultiDict({"year_to": "x"}))
    assert caught.value.name == "year_to"
