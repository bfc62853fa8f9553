"""Link-preview metadata: Open Graph, Twitter cards and schema.org JSON-LD, and feed links.

Exposed to templates as globals (see :func:`kb.sharing.init_app`); the markup itself is in
``templates/_macros/meta.html``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for

from kb.dates import iso_utc
from kb.models import Case
from kb.routing import query_args
from kb.urls import absolute_url, request_url

PREVIEW_SIZE = (1200, 630)
GOVERNMENT_TYPES = frozenset({"kommun", "region", "länsstyrelse", "myndighet", "kommunförbund"})
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_")
# Public list pages and the feed that follows each, keyed by endpoint.
LIST_FEEDS = {
    "public.tag": ("sharing.tag_feed", "slug"),
    "public.county": ("sharing.county_feed", "slug"),
    "public.article": ("sharing.article_feed", "number"),
    "public.organisation_type": ("sharing.organisation_type_feed", "slug"),
}


def page_url() -> str:
    """This page's own absolute URL, as shared: filters kept, tracking parameters dropped."""
    args = [(k, v) for k, vs in request.args.lists() for v in vs
            if not k.startswith(TRACKING_PARAMS)]
    return request_url(with_query=False) + ("?" + urlencode(args) if args else "")


def default_image() -> dict[str, Any]:
    return {"url": absolute_url("static", filename="img/og-default.png"),
            "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1],
            "alt": f"{current_app.config['SITE_NAME']} – goda exempel om barnets rättigheter"}


def case_image(case: Case) -> dict[str, Any]:
    """The case's generated preview card; ``v`` makes the URL change with each version.
    Without a font to draw Swedish letters with, the site's own image."""
    if current_app.extensions.get("kb_preview_fonts") is None:
        return default_image()
    return {"url": absolute_url("sharing.preview_image", slug=case.slug, v=case.version),
            "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1],
            "alt": f"{case.title} – {case.organisation.name}"}


def _publisher() -> dict[str, Any]:
    return {"@type": "Organization", "name": current_app.config["SITE_NAME"],
            "url": absolute_url("public.index"),
            "logo": {"@type": "ImageObject",
                     "url": absolute_url("static", filename="img/og-default.png")}}


def _website() -> dict[str, Any]:
    return {"@type": "WebSite", "name": current_app.config["SITE_NAME"],
            "url": absolute_url("public.index"), "inLanguage": "sv-SE"}


def website_json_ld() -> dict[str, Any]:
    """The start page: the site and its search box."""
    site = _website()
    site["@context"] = "https://schema.org"
    site["publisher"] = _publisher()
    site["potentialAction"] = {
        "@type": "SearchAction",
        "target": {"@type": "EntryPoint", "urlTemplate": absolute_url("public.index")
                   + "sok?q={search_term_string}"},
        "query-input": "required name=search_term_string",
    }
    return site


def list_json_ld(name: str, cases: list[Case] | None = None) -> dict[str, Any]:
    """A list page: a CollectionPage whose main entity lists the cases shown."""
    page: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "CollectionPage", "name": name,
        "url": page_url(), "inLanguage": "sv-SE", "isPartOf": _website(),
    }
    if cases is not None:
        page["mainEntity"] = {
            "@type": "ItemList", "numberOfItems": len(cases),
            "itemListElement": [
                {"@type": "ListItem", "position": i,
                 "url": absolute_url("public.case", slug=c.slug), "name": c.title}
                for i, c in enumerate(cases, start=1)
            ],
        }
    return page


def case_json_ld(case: Case) -> list[dict[str, Any]]:
    """A case: an Article by its organisation, published by Kunskapsbanken, plus breadcrumbs."""
    url = absolute_url("public.case", slug=case.slug)
    org_type = "GovernmentOrganization" if case.organisation.organisation_type in GOVERNMENT_TYPES \
        else "Organization"
    article: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Article", "@id": url + "#exempel",
        "headline": case.title[:110], "name": case.title, "description": case.summary,
        "url": url, "mainEntityOfPage": url, "inLanguage": "sv-SE",
        "dateModified": iso_utc(case.updated_at),
        "author": {"@type": org_type, "name": case.organisation.name},
        "publisher": _publisher(), "isPartOf": _website(),
        "image": case_image(case)["url"], "isAccessibleForFree": True,
        "version": str(case.version),
        "keywords": ", ".join(t.name for t in case.tags),
    }
    if case.articles:
        article["about"] = [{"@type": "Thing", "name": f"Barnkonventionen, {a.label.lower()}"}
                            for a in case.articles]
    if case.published:
        article["datePublished"] = case.published.isoformat()
    if case.county:
        article["spatialCoverage"] = {"@type": "AdministrativeArea", "name": case.county.name}
    crumbs = {
        "@context": "https://schema.org", "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Startsida",
             "item": absolute_url("public.index")},
            {"@type": "ListItem", "position": 2, "name": "Alla exempel",
             "item": absolute_url("public.cases")},
            {"@type": "ListItem", "position": 3, "name": case.title, "item": url},
        ],
    }
    return [article, crumbs]


def feed_links() -> list[dict[str, str]]:
    """``<link rel="alternate">`` feeds for this page: its own (a tag, a county, a search …)
    first, then the feed of everything."""
    links = []
    endpoint, view_args = request.endpoint or "", request.view_args or {}
    if endpoint in LIST_FEEDS:
        feed_endpoint, arg = LIST_FEEDS[endpoint]
        if arg in view_args:
            links.append({"title": "Nya och uppdaterade exempel i den här listan",
                          "href": url_for(feed_endpoint, **{arg: view_args[arg]})})
    elif request.path.rstrip("/") == "/sok":
        args = {k: v for k, v in query_args().items()
                if k not in ("page", "sort", "per_page") and any(x.strip() for x in v)}
        if args:
            links.append({"title": "Nya och uppdaterade exempel för den här sökningen",
                          "href": url_for("sharing.search_feed", **args)})
    links.append({"title": "Alla nya och uppdaterade exempel", "href": url_for("sharing.feed")})
    return links
