"""Search engines and data portals: sitemap.xml, robots.txt and the DCAT-AP-SE description."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import rdflib
from rdflib import namespace as ns

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_published_cases_with_lastmod(client, cases):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    urls = {u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in root.iter(SM + "url")}
    assert "http://kb.test/" in urls and "http://kb.test/exempel" in urls
    assert urls["http://kb.test/exempel/bka-budget"].endswith("+00:00")
    assert "http://kb.test/exempel/utkast-sommarlov" not in urls


def test_sitemap_lists_the_index_pages_and_the_tag_and_county_pages(client, cases):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    urls = {u.findtext(SM + "loc") for u in root.iter(SM + "url")}
    assert {"http://kb.test/taggar", "http://kb.test/lan", "http://kb.test/organisationstyper",
            "http://kb.test/personuppgifter"} <= urls
    assert {"http://kb.test/tagg/ungdomsdialog", "http://kb.test/lan/vastmanlands-lan",
            "http://kb.test/organisationstyp/kommun"} <= urls
    # Only pages that list something: the draft's tags and an empty county are left out.
    assert "http://kb.test/lan/gotlands-lan" not in urls


def test_a_big_sitemap_becomes_an_index(app, client, cases):
    app.config["SITEMAP_CHUNK"] = 1
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == SM + "sitemapindex"
    parts = [s.findtext(SM + "loc") for s in root.iter(SM + "sitemap")]
    assert parts == ["http://kb.test/sitemap-1.xml", "http://kb.test/sitemap-2.xml"]
    locs = [u.findtext(SM + "loc") for u in ET.fromstring(client.get("/sitemap-2.xml").data).iter(SM + "url")]
    assert locs == ["http://kb.test/exempel/ungdomsdialog-vasteras"]
    assert client.get("/sitemap-3.xml").status_code == 404


def test_robots_txt(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in text and "Disallow: /redaktion/" in text
    assert "Sitemap: http://kb.test/sitemap.xml" in text


def test_dcat_ap_se_description(client, cases):
    response = client.get("/oppna-data/dcat.rdf")
    assert response.mimetype == "application/rdf+xml"
    graph = rdflib.Graph().parse(data=response.data, format="xml")
    DCAT, DCTERMS, FOAF, RDF = ns.DCAT, ns.DCTERMS, ns.FOAF, ns.RDF  # noqa: N806
    base = "http://kb.test/oppna-data/dcat.rdf#"
    catalog, dataset = rdflib.URIRef(base + "catalog"), rdflib.URIRef(base + "dataset")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert (catalog, DCAT.dataset, dataset) in graph
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.contactPoint):
        assert graph.value(dataset, prop) is not None, prop
    assert graph.value(graph.value(dataset, DCTERMS.publisher), FOAF.name) is not None
    keywords = {str(k) for k in graph.objects(dataset, DCAT.keyword)}
    assert {"barnkonventionen", "ungdomsdialog"} <= keywords
    downloads = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(dataset, DCAT.distribution)}
    assert {"http://kb.test/api/v1/export/cases.csv", "http://kb.test/api/v1/export/cases.json"} <= downloads
    for distribution in graph.objects(dataset, DCAT.distribution):
        assert graph.value(distribution, DCAT.accessURL) is not None
        assert graph.value(distribution, DCTERMS.license) is not None
    service = rdflib.URIRef(base + "api")
    assert str(graph.value(service, DCAT.endpointDescription)) == "http://kb.test/api/v1/openapi.json"


def test_open_data_page_links_everything(client, cases):
    html = client.get("/oppna-data").get_data(as_text=True)
    for href in ("/api/v1/export/cases.csv", "/api/v1/export/cases.json", "/api/v1/openapi.json",
                 "/oppna-data/dcat.rdf", "/flode.atom"):
        assert f'href="{href}' in html
    assert "funktionsbrevlådor" in html
