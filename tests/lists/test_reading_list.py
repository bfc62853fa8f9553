"""/lista and /lista/jamfor: the reader's list in the URL, without JavaScript."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kb.lists.params import MAX_CASES, MAX_TITLE


@pytest.fixture
def three(make_case):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", organisation="Umeå kommun",
              county="Västerbottens län", municipalities=["Umeå"],
              contacts=[{"name": "Anna Svensson", "role": "Barnrättsstrateg",
                         "email": "anna.svensson@umea.se"},
                        {"role": "Kontaktcenter", "email": "kontaktcenter@umea.se"}])
    make_case(title="Ungdomsråd i Västerås", slug="ungdomsrad-vasteras", organisation="Västerås stad",
              county="Västmanlands län", municipalities=["Västerås"], year=2019, evidence_level="utvärderat")
    make_case(title="Barnrättsombud i skolan", slug="barnrattsombud-skolan")
    make_case(title="Hemligt utkast", slug="hemligt-utkast", status="draft")


def titles(html: str) -> list[str]:
    return re.findall(r'class="list-item-title"><a href="[^"]+">([^<]+)</a>', html)


def test_list_shows_the_cases_in_the_readers_order_with_its_title(client, three):
    response = client.get("/lista?e=ungdomsrad-vasteras,barnbokslut-umea&titel=Underlag till nämnden")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Ungdomsråd i Västerås", "Barnbokslut i Umeå"]
    assert "<h1 id=\"list-heading\">Underlag till nämnden</h1>" in html
    assert response.headers["Cache-Control"] == "private, no-store"


def test_drafts_and_unknown_slugs_are_not_shown_and_are_named(client, three):
    html = client.get("/lista?e=hemligt-utkast,finns-inte,barnbokslut-umea").get_data(as_text=True)
    assert titles(html) == ["Barnbokslut i Umeå"]
    assert "Hemligt utkast" not in html
    assert "2 exempel i länken finns inte längre" in html


def test_a_renamed_case_is_found_by_its_old_slug(client, app, three):
    from kb.extensions import db
    from kb.services.cases import case_to_data, find_case, save_case

    case = find_case("barnbokslut-umea")
    save_case({**case_to_data(case), "slug": "barnbokslut-i-umea"}, case=case)
    db.session.commit()
    html = client.get("/lista?e=barnbokslut-umea").get_data(as_text=True)
    assert titles(html) == ["Barnbokslut i Umeå"]
    assert 'value="barnbokslut-i-umea"' in html  # the list's own links use the current slug


def test_adding_without_javascript_appends_to_the_remembered_list(client, three):
    first = client.get("/lista?lagg=barnbokslut-umea")
    assert first.status_code == 303
    assert urlsplit(first.location).query == "e=barnbokslut-umea"
    second = client.get("/lista?lagg=ungdomsrad-vasteras")  # the cookie remembers the first
    assert parse_qs(urlsplit(second.location).query)["e"] == ["barnbokslut-umea,ungdomsrad-vasteras"]
    again = client.get("/lista?lagg=ungdomsrad-vasteras")  # adding twice keeps one
    assert parse_qs(urlsplit(again.location).query)["e"] == ["barnbokslut-umea,ungdomsrad-vasteras"]
    bare = client.get("/lista")
    assert bare.status_code == 303 and "ungdomsrad-vasteras" in unquote(bare.location)


def test_reorder_and_remove_links_without_javascript(client, three):
    html = client.get("/lista?e=barnbokslut-umea,ungdomsrad-vasteras,barnrattsombud-skolan&titel=Möte")
    html = html.get_data(as_text=True)
    links = {m.group(1): m.group(2).replace("&amp;", "&") for m in re.finditer(
        r'data-list-action="(\w+)" href="([^"]+)"', html)}  # the last of each kind: the third case
    assert parse_qs(urlsplit(links["up"]).query) == {
        "e": ["barnbokslut-umea,barnrattsombud-skolan,ungdomsrad-vasteras"], "titel": ["Möte"]}
    assert parse_qs(urlsplit(links["remove"]).query)["e"] == ["barnbokslut-umea,ungdomsrad-vasteras"]
    moved = client.get(links["up"]).get_data(as_text=True)
    assert titles(moved) == ["Barnbokslut i Umeå", "Barnrättsombud i skolan", "Ungdomsråd i Västerås"]


def test_share_link_and_mail_use_the_configured_origin(client, three):
    html = client.get("/lista?e=barnbokslut-umea&titel=Möte").get_data(as_text=True)
    assert 'value="http://kb.test/lista?e=barnbokslut-umea&amp;titel=M%C3%B6te"' in html
    mail = re.search(r'id="list-mail" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    body = parse_qs(urlsplit(mail).query)["body"][0]
    assert "http://kb.test/lista?e=barnbokslut-umea" in body and "– Barnbokslut i Umeå" in body


def test_the_list_is_bounded_before_it_is_parsed(client, three):
    too_many = ",".join(f"exempel-{n}" for n in range(MAX_CASES + 1))
    response = client.get(f"/lista?e={too_many}")
    assert response.status_code == 400
    assert "högst 50 exempel" in response.get_data(as_text=True)
    assert client.get("/lista?e=" + "a" * 100_000).status_code == 400
    assert client.get("/lista/jamfor?e=barnbokslut-umea&titel=" + "x" * (MAX_TITLE + 1)).status_code == 400
    assert client.get(f"/lista?e=barnbokslut-umea&titel={'x' * MAX_TITLE}").status_code == 200


def test_compare_shows_facts_side_by_side_and_only_public_contact_data(client, three):
    response = client.get("/lista/jamfor?e=barnbokslut-umea,ungdomsrad-vasteras")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    headings = re.findall(r'<th scope="col"><a href="[^"]+">([^<]+)</a></th>', html)
    assert headings == ["Barnbokslut i Umeå", "Ungdomsråd i Västerås"]
    for label in ("Organisation", "Län", "Startår", "Kunskapsläge", "Barnkonventionen", "Kontakt"):
        assert f'<th scope="row">{label}' in html
    assert "Utvärderat" in html and "Västmanlands län" in html
    assert "kontaktcenter@umea.se" in html
    assert "anna.svensson@umea.se" not in html and "Anna Svensson" not in html


def test_every_case_card_and_case_page_can_be_added_to_a_list(client, three):
    for path in ("/", "/exempel", "/exempel/barnbokslut-umea"):
        html = client.get(path).get_data(as_text=True)
        assert 'name="lagg" value="barnbokslut-umea"' in html, path
