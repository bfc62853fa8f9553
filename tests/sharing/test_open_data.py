"""Open data: the paginated, filterable cases API, tags and reference lists, exports, CORS,
and the personal-data rule."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from kb.extensions import db
from kb.sharing.privacy import is_functional_mailbox, public_contacts


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
    return response.get_json()


def test_cases_are_paginated_with_links(client, cases):
    body = get(client, "/api/v1/cases?per_page=1")
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (2, 1, 1, 2)
    assert [c["slug"] for c in body["results"]] == ["ungdomsdialog-vasteras"]
    assert body["links"]["next"] == "http://kb.test/api/v1/cases?per_page=1&page=2"
    assert body["links"]["prev"] is None
    page2 = get(client, "/api/v1/cases?per_page=1&page=2")
    assert [c["slug"] for c in page2["results"]] == ["bka-budget"]
    assert get(client, "/api/v1/cases?page=9")["results"] == []


def test_a_case_record_is_complete_and_has_a_version_permalink(client, cases):
    first = cases[0]
    record = next(c for c in get(client, "/api/v1/cases")["results"] if c["slug"] == "bka-budget")
    assert record["id"] == first.id and record["version"] == first.version
    assert record["version_url"] == f"http://kb.test/exempel/bka-budget/version/{first.version}"
    assert record["body"].startswith("## Bakgrund") and "<h2>" in record["body_html"]
    assert record["articles"] == [{"number": 3, "title": record["articles"][0]["title"]},
                                  {"number": 12, "title": record["articles"][1]["title"]}]
    assert record["updated"].endswith("+00:00")


@pytest.mark.parametrize("query, slugs", [
    ("tag=ungdomsdialog", ["ungdomsdialog-vasteras"]),
    ("tag=delaktighet&tag=ungdomsdialog", ["ungdomsdialog-vasteras"]),
    ("tag=delaktighet&tag=styrning", []),
    ("county=Uppsala+l%C3%A4n", ["bka-budget"]),
    ("county=Uppsala+l%C3%A4n&county=V%C3%A4stmanlands+l%C3%A4n", ["ungdomsdialog-vasteras", "bka-budget"]),
    ("organisation_type=kommun", ["ungdomsdialog-vasteras", "bka-budget"]),
    ("organisation_type=region", []),
    ("article=3", ["bka-budget"]),
    ("year_from=2020", ["bka-budget"]),
    ("year_to=2020", ["ungdomsdialog-vasteras"]),
])
def test_filters_like_search(client, cases, query, slugs):
    assert [c["slug"] for c in get(client, "/api/v1/cases?" + query)["results"]] == slugs


def test_updated_since_for_harvesting(client, cases):
    first, second, _ = cases
    from kb.models import Case

    db.session.get(Case, first.id).updated_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    body = get(client, "/api/v1/cases?updated_since=2021-01-01&sort=updated_asc")
    assert [c["slug"] for c in body["results"]] == ["ungdomsdialog-vasteras"]
    body = get(client, "/api/v1/cases?updated_since=2019-12-31T23:00:00Z&sort=updated_asc")
    assert [c["slug"] for c in body["results"]] == ["bka-budget", "ungdomsdialog-vasteras"]
    body = get(client, "/api/v1/cases?updated_since=2020-01-01T02:00:00%2B02:00")
    assert {c["slug"] for c in body["results"]} == {"bka-budget", "ungdomsdialog-vasteras"}


@pytest.mark.parametrize("query, word", [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=500", "per_page"),
    ("article=99", "article"), ("organisation_type=skola", "organisationstyp"),
    ("updated_since=igår", "updated_since"), ("sort=random", "sort"), ("year_from=19", "year_from"),
])
def test_bad_parameters_are_400_with_a_swedish_message(client, cases, query, word):
    body = get(client, "/api/v1/cases?" + query, status=400)
    assert word in body["error"]["message"]


def test_drafts_are_never_open_data(client, cases):
    body = json.dumps(get(client, "/api/v1/cases"))
    assert "utkast-sommarlov" not in body
    export = client.get("/api/v1/export/cases.json").get_data(as_text=True)
    assert "utkast-sommarlov" not in export


def test_tags_counties_and_articles(client, cases):
    tags = {t["name"]: t for t in get(client, "/api/v1/tags")["tags"]}
    assert tags["delaktighet"]["count"] == 1 and tags["styrning"]["count"] == 1
    assert tags["ungdomsdialog"]["url"] == "http://kb.test/tagg/ungdomsdialog"
    assert tags["ungdomsdialog"]["feed"] == "http://kb.test/tagg/ungdomsdialog/flode.atom"
    counties = {c["name"]: c["count"] for c in get(client, "/api/v1/counties")["counties"]}
    assert len(counties) == 21 and counties["Uppsala län"] == 1 and counties["Skåne län"] == 0
    articles = get(client, "/api/v1/articles")["articles"]
    assert len(articles) == 54 and articles[11]["count"] == 2


def test_json_export_has_every_published_case(client, cases):
    response = client.get("/api/v1/export/cases.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert body["count"] == 2 and body["license"].startswith("https://creativecommons.org/")
    assert sorted(c["slug"] for c in body["cases"]) == ["bka-budget", "ungdomsdialog-vasteras"]


def test_csv_export(client, cases):
    response = client.get("/api/v1/export/cases.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    row = next(r for r in rows if r["slug"] == "bka-budget")
    assert row["tags"] == "barnkonsekvensanalys; styrning"
    assert row["articles"] == "3; 12"
    assert row["contact_roles"] == "Barnrättsstrateg; Kommunens kontaktcenter"
    assert row["contact_emails"] == "; kontaktcenter@exempelby.se"
    assert row["sources"] == "Kommunens budget 2023 <https://exempelby.se/budget>"


def test_csv_for_swedish_excel_is_safe_to_open(client, make_case):
    make_case(title="=HYPERLINK(\"http://evil\")", slug="formel")
    text = client.get("/api/v1/export/cases.csv?dialect=excel-sv").get_data(as_text=True)
    assert text.startswith("\ufeffid;slug;")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0]["title"] == "'=HYPERLINK(\"http://evil\")"
    assert client.get("/api/v1/export/cases.csv?dialect=lotus").status_code == 400


def test_personal_contacts_never_reach_the_api_or_exports(client, cases):
    for path in ("/api/v1/cases", "/api/v1/cases/bka-budget", "/api/v1/export/cases.json",
                 "/api/v1/export/cases.csv"):
        text = client.get(path).get_data(as_text=True)
        if not path.endswith(".csv"):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        assert "Anna Svensson" not in text and "anna.svensson@" not in text, path
        assert "kontaktcenter@exempelby.se" in text and "Barnrättsstrateg" in text, path
    record = get(client, "/api/v1/cases/bka-budget")
    assert record["contacts"] == [
        {"name": None, "role": "Barnrättsstrateg", "email": None},
        {"name": None, "role": "Kommunens kontaktcenter", "email": "kontaktcenter@exempelby.se"}]


@pytest.mark.parametrize("email, functional", [
    ("barnratt@uppsala.se", True),
    ("registrator@lansstyrelsen.se", True),
    ("barn.och.unga@kommun.se", True),
    ("kommunstyrelsen@amal.se", True),
    ("Info+webb@kommun.se", True),
    ("anna.svensson@uppsala.se", False),   # förnamn.efternamn
    ("annsve@uppsala.se", False),          # parts of first and last name (the review's case)
    ("asvensson@uppsala.se", False),       # initial and surname (the review's case)
    ("as@uppsala.se", False),              # initials
    ("a.s@uppsala.se", False),
    ("Åsa.Öberg@region.se", False),        # accents folded, still a name
    ("per@kommun.se", False),
    ("barn.anna@kommun.se", False),        # one part is not a function
    ("inte-en-adress", False),
    (None, False),
])
def test_functional_mailbox_rule(email, functional):
    assert is_functional_mailbox(email) is functional


def test_contacts_without_role_or_functional_mailbox_are_dropped():
    assert public_contacts([{"name": "Per Ek", "role": "", "email": "per.ek@x.se"}]) == []


def test_cors_for_read_only_requests(client, cases):
    response = client.get("/api/v1/cases", headers={"Origin": "https://annan.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/cases", headers={
        "Origin": "https://annan.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in client.get("/exempel").headers


def test_unknown_case_is_a_json_404_with_cors(client):
    response = client.get("/api/v1/cases/finns-inte")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
