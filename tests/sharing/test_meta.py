"""Link previews: Open Graph, Twitter card and JSON-LD, read back with extruct."""
from __future__ import annotations

import extruct
import pytest


def metadata(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = extruct.extract(html, base_url="http://kb.test" + path, syntaxes=["opengraph", "json-ld"])
    assert len(data["opengraph"]) == 1
    og: dict = {}
    for key, value in data["opengraph"][0]["properties"]:
        og.setdefault(key, value)
        og.setdefault(key + "[]", []).append(value)
    return html, og, data["json-ld"]


def test_case_page_has_a_full_card(client, cases):
    first, _second, _draft = cases
    html, og, json_ld = metadata(client, "/exempel/bka-budget")
    assert og["og:title"] == first.title
    assert og["og:description"] == first.summary
    assert og["og:site_name"] == "Kunskapsbanken"
    assert og["og:locale"] == "sv_SE"
    assert og["og:type"] == "article"
    assert og["og:url"] == "http://kb.test/exempel/bka-budget"
    assert og["og:image"] == f"http://kb.test/exempel/bka-budget/bild.png?v={first.version}"
    assert og["article:tag[]"] == ["barnkonsekvensanalys", "styrning"]
    assert og["og:image:width"] == "1200" and og["og:image:height"] == "630"
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta name="twitter:title" content="{first.title}">' in html
    article = next(item for item in json_ld if item["@type"] == "Article")
    assert article["headline"] == first.title
    assert article["author"] == {"@type": "GovernmentOrganization", "name": "Exempelby kommun"}
    assert article["publisher"]["name"] == "Kunskapsbanken"
    assert article["datePublished"] == "2023-05-02"
    assert article["dateModified"].endswith("+00:00")
    assert article["inLanguage"] == "sv-SE"
    assert article["url"] == "http://kb.test/exempel/bka-budget"
    crumbs = next(item for item in json_ld if item["@type"] == "BreadcrumbList")
    assert [c["name"] for c in crumbs["itemListElement"]][-1] == first.title
    assert '<meta name="citation_title" content="Barnkonsekvensanalys i budgetarbetet">' in html


@pytest.mark.parametrize("path, title", [
    ("/exempel", "Alla exempel"),
    ("/tagg/ungdomsdialog", "Tagg: ungdomsdialog"),
    ("/lan/vastmanlands-lan", "Västmanlands län"),
    ("/artikel/12", None),
])
def test_list_pages_have_a_card_and_list_their_cases(client, cases, path, title):
    _html, og, json_ld = metadata(client, path)
    assert og["og:site_name"] == "Kunskapsbanken" and og["og:locale"] == "sv_SE"
    assert og["og:image"] == "http://kb.test/static/img/og-default.png"
    assert og["og:url"] == "http://kb.test" + path
    if title:
        assert og["og:title"] == title
    page = json_ld[0]
    assert page["@type"] == "CollectionPage"
    listed = [item["url"] for item in page["mainEntity"]["itemListElement"]]
    assert "http://kb.test/exempel/ungdomsdialog-vasteras" in listed


def test_start_page_describes_the_site_and_its_search(client, cases):
    _html, og, json_ld = metadata(client, "/")
    assert og["og:title"] == "Kunskapsbanken"
    site = next(item for item in json_ld if item["@type"] == "WebSite")
    assert site["potentialAction"]["target"]["urlTemplate"] == "http://kb.test/sok?q={search_term_string}"


def test_shared_urls_keep_filters_and_drop_tracking(client, cases):
    _html, og, _ = metadata(client, "/sok?q=budget&county=Uppsala+l%C3%A4n&utm_source=nyhetsbrev")
    assert og["og:url"] == "http://kb.test/sok?q=budget&county=Uppsala+l%C3%A4n"


def test_markup_in_a_title_cannot_escape_the_metadata(client, make_case):
    make_case(title='Dialog </script><script>alert(1)</script> "citat"', slug="elak-titel")
    html, og, json_ld = metadata(client, "/exempel/elak-titel")
    assert "<script>alert(1)" not in html
    assert og["og:title"] == 'Dialog </script><script>alert(1)</script> "citat"'
    assert json_ld[0]["headline"].startswith("Dialog </script>")


def test_a_preview_image_is_a_real_png_of_the_right_size(client, cases):
    from io import BytesIO

    from PIL import Image

    response = client.get("/exempel/bka-budget/bild.png?v=1")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(BytesIO(response.data)).size == (1200, 630)
    assert response.cache_control.max_age == 86400
    again = client.get("/exempel/bka-budget/bild.png?v=1",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_no_font_means_the_site_image(app, client, cases):
    app.extensions["kb_preview_fonts"] = None
    _html, og, _ = metadata(client, "/exempel/bka-budget")
    assert og["og:image"] == "http://kb.test/static/img/og-default.png"
    response = client.get("/exempel/bka-budget/bild.png")
    assert response.status_code == 302 and response.location.endswith("/static/img/og-default.png")


def test_drafts_have_no_preview_image_for_readers(client, cases):
    assert client.get("/exempel/utkast-sommarlov/bild.png").status_code == 404
