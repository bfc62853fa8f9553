"""Every reading page: status and what a reader sees."""
from __future__ import annotations

import pytest

from kb.extensions import db
from kb.services.importer import import_paths
from tests.conftest import CONTRACT_CASES, SEED_CASES


@pytest.fixture
def seeded(app):
    import_paths([SEED_CASES, CONTRACT_CASES])
    db.session.commit()


def text(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_start_page_shows_search_newest_and_browse(client, seeded):
    html = text(client, "/")
    assert '<html lang="sv">' in html
    assert 'href="#main"' in html  # skip link
    assert 'action="/sok"' in html
    assert "Senaste exemplen" in html
    assert "Barnbudget – att se barnen i kommunens budget" in html
    assert "Sommarlovsentreprenörer" not in html  # a draft
    for heading in ("Taggar", "Län", "Typ av organisation", "Barnkonventionens artiklar"):
        assert f"<h3>{heading}</h3>" in html
    assert 'href="/lan/vastra-gotalands-lan"' in html
    assert 'href="/organisationstyp/lansstyrelse"' in html


def test_case_page_shows_facts_body_contacts_sources(client, seeded):
    html = text(client, "/exempel/region-dalarna-barnombud-tandvarden")
    assert "<h1 id=\"case-title\">Barnombud i folktandvården</h1>" in html
    assert '<link rel="canonical" href="http://kb.test/exempel/region-dalarna-barnombud-tandvarden">' in html
    assert "Artikel 12 – Rätten att uttrycka sina åsikter" in html
    assert "Dalarnas län" in html and "Region" in html
    assert "<h2>Bakgrund</h2>" in html
    # The contact's role; not her name or personal address (no consent in the file).
    assert "Barnrättsstrateg" in html
    assert "exempel@example.org" not in html and "Exempel Exempelsson" not in html
    assert 'href="https://example.org/barnombud"' in html
    assert "Senast uppdaterad" in html


def test_seed_case_pages_open(client, seeded):
    for path in SEED_CASES.glob("*.md"):
        html = text(client, f"/exempel/{path.stem}")
        assert "Källor" in html


def test_index_pages_list_every_tag_county_and_organisation_type_with_counts(client, seeded):
    html = text(client, "/taggar")
    assert '<a href="/tagg/halso-och-sjukvard">hälso- och sjukvård</a> <span class="count">(' in html
    tags = [line.split(">", 2)[2].split("<", 1)[0] for line in html.splitlines()
            if line.strip().startswith('<li><a href="/tagg/')]
    swedish = str.maketrans("åäö", "{|}")  # å, ä, ö after z
    assert tags and tags == sorted(tags, key=lambda t: t.translate(swedish))
    html = text(client, "/lan")
    assert html.count('<li><a href="/lan/') == 21  # every county, even one without cases
    assert '<a href="/lan/gotlands-lan">Gotlands län</a> <span class="count">(0 exempel)</span>' in html
    assert html.index("Västra Götalands län") < html.index("Örebro län")  # å, ä, ö last
    html = text(client, "/organisationstyper")
    assert '<a href="/organisationstyp/region">Region</a> <span class="count">(' in html
    assert "Idéburen organisation" in html
    # The lists lead back to their index page, and the start page links to all three.
    assert 'href="/taggar"' in text(client, "/tagg/halso-och-sjukvard")
    assert 'href="/lan"' in text(client, "/lan/vastra-gotalands-lan")
    start = text(client, "/")
    assert all(f'href="{path}"' in start for path in ("/taggar", "/lan", "/organisationstyper"))


def test_the_footer_names_the_publisher_contact_and_the_privacy_pages(app, client, seeded, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLISHER_NAME", "Länsstyrelsen i Exempellän")
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "kunskapsbanken@example.se")
    html = text(client, "/om")
    footer = html[html.index('<footer'):]
    assert "Utgivare: Länsstyrelsen i Exempellän" in footer
    assert 'href="mailto:kunskapsbanken@example.se"' in footer
    assert 'href="/tillganglighet"' in footer and 'href="/personuppgifter"' in footer
    page = text(client, "/personuppgifter")
    for heading in ("Redaktörer", "tipsar", "Kontaktpersoner", "Frågor"):
        assert heading in page
    assert "Personuppgiftsansvarig är Länsstyrelsen i Exempellän" in page


def test_a_search_field_in_the_header_of_reading_pages(client, seeded):
    for path in ("/exempel/region-dalarna-barnombud-tandvarden", "/tagg/halso-och-sjukvard",
                 "/lan/vastra-gotalands-lan", "/taggar", "/om"):
        header = text(client, path).split("</header>", 1)[0]
        assert 'role="search"' in header and 'name="q"' in header, path
    # The start page and /sok have the search form as their main content: not twice.
    for path in ("/", "/sok?q=barn"):
        assert 'name="q"' not in text(client, path).split("</header>", 1)[0]


def test_list_pages(client, seeded):
    assert "Barnombud i folktandvården" in text(client, "/tagg/halso-och-sjukvard")
    html = text(client, "/lan/vastra-gotalands-lan")
    assert "Barnbudget" in html and "Barnombud" not in html
    assert "Barnombud i folktandvården" in text(client, "/organisationstyp/region")
    assert "Artikel 24" in text(client, "/artikel/24")
    assert "Barnbudget" in text(client, "/exempel")
    assert "Artikel 54" in text(client, "/artiklar")


def test_all_cases_are_paginated(client, app, make_case):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        make_case(title=f"Exempel nummer {n}")
    first = text(client, "/exempel")
    assert "5 exempel, sida 1 av 3" in first
    assert 'rel="next"' in first
    assert "sida 3 av 3" in text(client, "/exempel?page=3")
    assert "sida 1 av 3" in text(client, "/exempel?page=-4")


@pytest.mark.parametrize(
    "url",
    ["/exempel/finns-inte", "/tagg/finns-inte", "/lan/finns-inte", "/organisationstyp/bolag",
     "/artikel/99", "/ingen/sida"],
)
def test_unknown_pages_are_a_swedish_404(client, seeded, url):
    html = text(client, url, 404)
    assert "Sidan finns inte" in html and '<html lang="sv">' in html


@pytest.mark.own_app
def test_unexpected_error_is_a_swedish_500(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    html = text(client, "/boom", 500)
    assert "Något gick fel" in html


def test_about_and_accessibility_statement(client):
    assert "Om kunskapsbanken" in text(client, "/om")
    html = text(client, "/tillganglighet")
    assert "Tillgänglighetsredogörelse" in html
    assert "mailto:" in html  # a way to report problems
    assert "Digg" in html


def test_short_link_by_id_redirects_to_canonical_url(client, make_case):
    case = make_case(title="Kort länk")
    response = client.get(f"/exempel/{case.id}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/exempel/kort-lank")


def test_case_json(client, seeded):
    response = client.get("/api/v1/cases/region-dalarna-barnombud-tandvarden")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Barnombud i folktandvården"
    assert body["county"] == "Dalarnas län"
    assert body["tags"] == ["barnets röst", "hälso- och sjukvård"]
    assert body["url"] == "http://kb.test/exempel/region-dalarna-barnombud-tandvarden"
    assert "<h2>" in body["body_html"]


def test_case_json_404_for_drafts_is_json(client, seeded):
    response = client.get("/api/v1/cases/pitea-sommarlovsentreprenorer")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_no_external_assets(client, seeded):
    html = text(client, "/exempel/region-dalarna-barnombud-tandvarden")
    for marker in ('src="http', "href=\"//", "fonts.googleapis", "cdn."):
        assert marker not in html
    assert client.get("/static/css/site.css").status_code == 200
