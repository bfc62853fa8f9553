"""The dataset described in DCAT-AP-SE (RDF/XML), the profile Sweden's data portal harvests.

One ``dcat:Catalog`` with one ``dcat:Dataset`` (all published cases) in four distributions
(CSV, JSON, the REST API and the Atom feed) and the API as a ``dcat:DataService``.
Publisher, contact and licence come from configuration (``KB_PUBLISHER_NAME`` …).
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from flask import current_app

from kb.caching import DataStamp
from kb.urls import absolute_url

NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
KEYWORDS = ("barnets rättigheter", "barnkonventionen", "mänskliga rättigheter", "goda exempel",
            "kommuner", "regioner", "länsstyrelser")


class _Graph:
    """Builds RDF/XML with prefixed names (``dcat:Dataset``); the prefixes are declared once
    on the root, which keeps the output readable and free of ``ns0:`` names."""

    def __init__(self) -> None:
        self.root = ET.Element("rdf:RDF", {f"xmlns:{p}": uri for p, uri in NAMESPACES.items()})

    def node(self, kind: str, about: str) -> ET.Element:
        return ET.SubElement(self.root, kind, {"rdf:about": about})

    @staticmethod
    def literal(parent: ET.Element, prop: str, text: str, lang: str | None = "sv",
                datatype: str | None = None) -> None:
        attrs = {"xml:lang": lang} if lang and not datatype else {}
        if datatype:
            attrs["rdf:datatype"] = datatype
        ET.SubElement(parent, prop, attrs).text = text

    @staticmethod
    def ref(parent: ET.Element, prop: str, uri: str) -> None:
        ET.SubElement(parent, prop, {"rdf:resource": uri})


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def dcat_document(stamp: DataStamp, keywords: list[str]) -> bytes:
    """The DCAT-AP-SE description; ``stamp.updated`` is the dataset's last modification."""
    config = current_app.config
    here = absolute_url("sharing.dcat")
    home = absolute_url("public.index")
    licence = config["DATA_LICENSE"]
    graph = _Graph()

    catalog = graph.node("dcat:Catalog", here + "#catalog")
    graph.literal(catalog, "dcterms:title", config["SITE_NAME"])
    graph.literal(catalog, "dcterms:description",
                  f"Katalog över öppna data från {config['SITE_NAME']}: goda exempel om barnets "
                  "rättigheter och mänskliga rättigheter från kommuner, regioner och länsstyrelser.")
    graph.ref(catalog, "dcterms:publisher", here + "#publisher")
    graph.ref(catalog, "foaf:homepage", home)
    graph.ref(catalog, "dcterms:language", EU + "language/SWE")
    graph.ref(catalog, "dcterms:license", "http://creativecommons.org/publicdomain/zero/1.0/")
    graph.ref(catalog, "dcat:themeTaxonomy", EU + "data-theme")
    graph.literal(catalog, "dcterms:modified", _when(stamp.updated), datatype=XSD_DATETIME)
    graph.ref(catalog, "dcat:dataset", here + "#dataset")
    graph.ref(catalog, "dcat:service", here + "#api")

    publisher = graph.node("foaf:Agent", here + "#publisher")
    graph.literal(publisher, "foaf:name", config["PUBLISHER_NAME"] or config["SITE_NAME"])
    graph.ref(publisher, "dcterms:type", "http://purl.org/adms/publishertype/" + config["PUBLISHER_TYPE"])
    graph.ref(publisher, "foaf:homepage", home)

    dataset = graph.node("dcat:Dataset", here + "#dataset")
    graph.literal(dataset, "dcterms:title", f"Goda exempel från {config['SITE_NAME']}")
    graph.literal(dataset, "dcterms:description",
                  "Alla publicerade exempel: titel, sammanfattning, brödtext, organisation, län, "
                  "kommuner, taggar, barnkonventionens artiklar, källor och kontaktvägar. "
                  "Personliga kontaktuppgifter ingår inte; bara roller och funktionsbrevlådor.")
    graph.ref(dataset, "dcterms:publisher", here + "#publisher")
    graph.ref(dataset, "dcat:contactPoint", here + "#contact")
    for word in dict.fromkeys([*KEYWORDS, *keywords]):
        graph.literal(dataset, "dcat:keyword", word)
    for theme in ("SOCI", "GOVE", "EDUC"):
        graph.ref(dataset, "dcat:theme", EU + "data-theme/" + theme)
    graph.ref(dataset, "dcterms:accessRights", EU + "access-right/PUBLIC")
    graph.ref(dataset, "dcterms:spatial", EU + "country/SWE")
    graph.ref(dataset, "dcterms:language", EU + "language/SWE")
    graph.ref(dataset, "dcterms:accrualPeriodicity", EU + "frequency/IRREG")
    graph.ref(dataset, "dcat:landingPage", absolute_url("sharing.open_data"))
    graph.literal(dataset, "dcterms:modified", _when(stamp.updated), datatype=XSD_DATETIME)
    for name in ("csv", "json", "api", "atom"):
        graph.ref(dataset, "dcat:distribution", here + "#" + name)

    contact = graph.node("vcard:Organization", here + "#contact")
    graph.literal(contact, "vcard:fn", config["PUBLISHER_NAME"] or config["SITE_NAME"], lang=None)
    if config["CONTACT_EMAIL"]:
        graph.ref(contact, "vcard:hasEmail", "mailto:" + config["CONTACT_EMAIL"])
    graph.ref(contact, "vcard:hasURL", absolute_url("public.about"))

    distributions = [
        ("csv", "CSV-fil med alla publicerade exempel", absolute_url("api.export_csv"),
         "CSV", "text/csv"),
        ("json", "JSON-fil med alla publicerade exempel", absolute_url("api.export_json"),
         "JSON", "application/json"),
        ("api", "REST-API (OpenAPI 3) med sidindelning, filter och updated_since",
         absolute_url("api.cases"), "JSON", "application/json"),
        ("atom", "Atom-flöde med nya och uppdaterade exempel", absolute_url("sharing.feed"),
         "ATOM", "application/atom+xml"),
    ]
    for name, title, url, file_type, media_type in distributions:
        dist = graph.node("dcat:Distribution", here + "#" + name)
        graph.literal(dist, "dcterms:title", title)
        graph.ref(dist, "dcat:accessURL", url)
        if name in ("csv", "json"):
            graph.ref(dist, "dcat:downloadURL", url)
        if name == "api":
            graph.ref(dist, "dcat:accessService", here + "#api")
        graph.ref(dist, "dcterms:format", EU + "file-type/" + file_type)
        graph.ref(dist, "dcat:mediaType", IANA + media_type)
        graph.ref(dist, "dcterms:license", licence)
        graph.literal(dist, "dcterms:modified", _when(stamp.updated), datatype=XSD_DATETIME)

    service = graph.node("dcat:DataService", here + "#api")
    graph.literal(service, "dcterms:title", f"{config['SITE_NAME']}s öppna API")
    graph.ref(service, "dcat:endpointURL", absolute_url("api.cases").rsplit("/", 1)[0] + "/")
    graph.ref(service, "dcat:endpointDescription", absolute_url("api.openapi"))
    graph.ref(service, "dcat:servesDataset", here + "#dataset")
    graph.ref(service, "dcterms:publisher", here + "#publisher")
    graph.ref(service, "dcterms:license", licence)
    graph.ref(service, "dcterms:accessRights", EU + "access-right/PUBLIC")
    return ET.tostring(graph.root, encoding="utf-8", xml_declaration=True)
