"""For search engines: ``sitemap.xml`` (split into an index past ``SITEMAP_CHUNK`` URLs) and
``robots.txt``."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from kb.dates import as_utc
from kb.extensions import db
from kb.models import Case, Status
from kb.queries import county_counts, organisation_type_counts, tag_counts
from kb.slugs import slugify
from kb.urls import absolute_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
STATIC_PAGES = ("public.index", "public.cases", "public.tags", "public.counties",
                "public.organisation_types", "public.articles", "public.about",
                "public.accessibility", "public.personal_data", "sharing.open_data")
PRIVATE_PATHS = ("/redaktion/", "/login", "/logout", "/api/", "/sok")


def case_count() -> int:
    return db.session.scalar(db.select(db.func.count(Case.id)).where(Case.status == Status.PUBLISHED))


def _urlset(urls: list[tuple[str, dt.datetime | None]]) -> bytes:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for loc, lastmod in urls:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = loc
        if lastmod is not None:
            ET.SubElement(url, "lastmod").text = as_utc(lastmod).isoformat(timespec="seconds")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def sitemap_chunk(number: int, chunk: int) -> bytes:
    """Part ``number`` (from 1) of the sitemap: the site's pages first, then cases by id."""
    urls: list[tuple[str, dt.datetime | None]] = []
    if number == 1:
        urls = [(absolute_url(endpoint), None) for endpoint in STATIC_PAGES]
        urls += [(url, None) for url in _listing_pages()]
    rows = db.session.execute(
        db.select(Case.slug, Case.updated_at).where(Case.status == Status.PUBLISHED)
        .order_by(Case.id).offset((number - 1) * chunk).limit(chunk)
    )
    urls += [(absolute_url("public.case", slug=slug), updated) for slug, updated in rows]
    return _urlset(urls)


def _listing_pages() -> list[str]:
    """The tag, county and organisation-type pages that list at least one published case."""
    urls = [absolute_url("public.tag", slug=tag.slug) for tag, _ in tag_counts()]
    urls += [absolute_url("public.county", slug=county.slug) for county, _ in county_counts()]
    urls += [absolute_url("public.organisation_type", slug=slugify(name))
             for name, _ in organisation_type_counts()]
    return urls


def sitemap_index(parts: int, lastmod: dt.datetime) -> bytes:
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for number in range(1, parts + 1):
        entry = ET.SubElement(root, "sitemap")
        ET.SubElement(entry, "loc").text = absolute_url("sharing.sitemap_part", number=number)
        ET.SubElement(entry, "lastmod").text = as_utc(lastmod).isoformat(timespec="seconds")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def robots_txt() -> str:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in PRIVATE_PATHS]
    lines += ["", f"Sitemap: {absolute_url('sharing.sitemap')}", ""]
    return "\n".join(lines)
