"""Sharing routes: feeds, version permalinks, citations, preview cards, sitemap, robots, DCAT.

Thin: the work is in the sibling modules; every public GET here is validated and cached by
:func:`kb.caching.cached_view`.
"""
from __future__ import annotations

from dataclasses import replace

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import Select

from kb import search
from kb.caching import cached_view, data_stamp, is_editor
from kb.errors import abort_with
from kb.extensions import db
from kb.filters import FilterError
from kb.models import ORGANISATION_TYPES, Article, Case, County, Organisation, Status, Tag
from kb.queries import published_cases, tag_counts, visible_case
from kb.routing import int_arg, query_args
from kb.sharing import bp, feeds, preview_image, seo
from kb.sharing import dcat as dcat_doc
from kb.sharing.citation import case_citation
from kb.sharing.revisions import published_revisions, published_version
from kb.slugs import slugify
from kb.urls import absolute_url, request_url

ATOM = "application/atom+xml; charset=utf-8"
ORGANISATION_TYPE_BY_SLUG = {slugify(t): t for t in ORGANISATION_TYPES}
# A search feed takes this many newest matches (by publication) and orders them by last change.
SEARCH_FEED_POOL = 100


# Feeds ---------------------------------------------------------------------------------

def _feed(stmt: Select | None, title: str, subtitle: str, html_url: str) -> Response:
    info = feeds.FeedInfo(
        title=f"{title} – {current_app.config['SITE_NAME']}", subtitle=subtitle,
        self_url=request_url(), html_url=html_url,
    )
    return Response(feeds.atom_feed(info, feeds.newest_changes(stmt)), content_type=ATOM)


@bp.get("/flode.atom")
@cached_view()
def feed():
    return _feed(None, "Nya och uppdaterade exempel",
                 "Goda exempel om barnets rättigheter och mänskliga rättigheter.",
                 absolute_url("public.cases"))


@bp.get("/tagg/<slug>/flode.atom")
@cached_view()
def tag_feed(slug: str):
    tag = db.first_or_404(db.select(Tag).filter_by(slug=slug))
    return _feed(published_cases().where(Case.tags.contains(tag)), f"Tagg: {tag.name}",
                 f"Nya och uppdaterade exempel med taggen {tag.name}.",
                 absolute_url("public.tag", slug=slug))


@bp.get("/lan/<slug>/flode.atom")
@cached_view()
def county_feed(slug: str):
    county = db.first_or_404(db.select(County).filter_by(slug=slug))
    return _feed(published_cases().where(Case.county_code == county.code), county.name,
                 f"Nya och uppdaterade exempel från {county.name}.",
                 absolute_url("public.county", slug=slug))


@bp.get("/artikel/<int:number>/flode.atom")
@cached_view()
def article_feed(number: int):
    article = db.get_or_404(Article, number)
    return _feed(published_cases().where(Case.articles.contains(article)), article.label,
                 f"Nya och uppdaterade exempel om barnkonventionens artikel {number}.",
                 absolute_url("public.article", number=number))


@bp.get("/organisationstyp/<slug>/flode.atom")
@cached_view()
def organisation_type_feed(slug: str):
    name = ORGANISATION_TYPE_BY_SLUG.get(slug)
    if name is None:
        abort(404)
    stmt = published_cases().join(Case.organisation).where(Organisation.organisation_type == name)
    return _feed(stmt, f"Organisationstyp: {name}",
                 f"Nya och uppdaterade exempel från organisationstypen {name}.",
                 absolute_url("public.organisation_type", slug=slug))


@bp.get("/sok/flode.atom")
@cached_view()
def search_feed():
    """Any search as a feed: the newest matches (by publication) ordered by last change."""
    try:
        params = search.parse_params(request.args)
    except FilterError as exc:
        abort_with(400, exc.message)
    found = search.search(replace(params, sort="date", page=1, per_page=SEARCH_FEED_POOL))
    size = int(current_app.config["FEED_SIZE"])
    matches = sorted((hit.case for hit in found.hits), key=lambda c: (c.updated_at, c.id), reverse=True)
    chosen = params.filters
    described = "; ".join([f"”{params.q}”"] * bool(params.q) + [
        *chosen.tags, *chosen.counties, *chosen.organisation_types,
        *(f"artikel {n}" for n in chosen.articles),
        *([f"startår {chosen.year_from or ''}–{chosen.year_to or ''}"]
          if chosen.year_from or chosen.year_to else []),
    ]) or "alla exempel"
    args = query_args(exclude=("page", "per_page"))
    info = feeds.FeedInfo(
        title=f"Sökning: {described} – {current_app.config['SITE_NAME']}",
        subtitle=f"Nya och uppdaterade exempel som matchar {described}.",
        self_url=request_url(), html_url=absolute_url("public.search", **args),
    )
    return Response(feeds.atom_feed(info, matches[:size]), content_type=ATOM)


# Versions and citations --------------------------------------------------------------------

def _readable_case(slug: str) -> Case:
    """The case at ``slug`` for this reader; 410 when it has been withdrawn, else 404."""
    case, _moved = visible_case(slug)
    if case is not None:
        return case
    hidden = db.session.execute(db.select(Case).filter_by(slug=slug)).scalar_one_or_none()
    if hidden is not None and hidden.status == Status.ARCHIVED:
        abort_with(410, "Exemplet har avpublicerats och visas inte längre.")
    abort(404)


@bp.get("/exempel/<slug>/version/<int:number>")
@cached_view(daily=True)
def revision(slug: str, number: int):
    case = _readable_case(slug)
    if case.slug != slug:
        return redirect(url_for("sharing.revision", slug=case.slug, number=number), code=301)
    version = published_version(case, number)
    if version is None:
        abort_with(404, f"Exemplet har ingen publicerad version {number}. "
                        "Se listan över versioner eller läs den senaste.")
    citation = case_citation(case, number, version.saved, version.data)
    return render_template("sharing/revision.html", case=case, version=version, citation=citation,
                           is_current=number == case.version)


@bp.get("/exempel/<slug>/versioner")
@cached_view()
def versions(slug: str):
    case = _readable_case(slug)
    if case.slug != slug:
        return redirect(url_for("sharing.versions", slug=case.slug), code=301)
    return render_template("sharing/versions.html", case=case, revisions=published_revisions(case))


def _citation_download(slug: str, kind: str) -> Response:
    case = _readable_case(slug)
    number = int_arg("version", low=1) or case.version
    version = published_version(case, number)
    if version is None and not (is_editor() and number == case.version):
        abort_with(404, f"Exemplet har ingen publicerad version {number}.")
    citation = case_citation(case, number, version.saved if version else None,
                             version.data if version else None)
    if kind == "ris":
        body, mimetype = citation.ris(), "application/x-research-info-systems"
    else:
        body, mimetype = citation.bibtex(f"{case.slug}-v{number}"), "application/x-bibtex"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{case.slug}-v{number}.{kind}"'
    return response


@bp.get("/exempel/<slug>/citera.ris")
@cached_view(daily=True)
def citation_ris(slug: str):
    return _citation_download(slug, "ris")


@bp.get("/exempel/<slug>/citera.bib")
@cached_view(daily=True)
def citation_bibtex(slug: str):
    return _citation_download(slug, "bib")


# Preview cards ----------------------------------------------------------------------------

@bp.get("/exempel/<slug>/bild.png")
def preview_image_route(slug: str):
    case = _readable_case(slug)
    fonts = current_app.extensions.get("kb_preview_fonts")
    if fonts is None:
        return redirect(url_for("static", filename="img/og-default.png"))
    byline = case.organisation.name + (f" · {case.county.name}" if case.county else "")
    path = preview_image.cached_card(current_app.config["PREVIEW_DIR"], case.id, case.version,
                                     case.title, byline, current_app.config["SITE_NAME"], fonts)
    # The URL carries ?v=<version>, so a shared cache may keep a card for a day.
    versioned = request.args.get("v") == str(case.version)
    return send_file(path, mimetype="image/png", conditional=True, etag=True,
                     max_age=86400 if versioned else current_app.config["PUBLIC_MAX_AGE"])


bp.add_url_rule("/exempel/<slug>/bild.png", "preview_image", preview_image_route)


# Search engines and open-data catalogues ----------------------------------------------------

@bp.get("/sitemap.xml")
@cached_view()
def sitemap():
    chunk = int(current_app.config["SITEMAP_CHUNK"])
    parts = max(1, -(-seo.case_count() // chunk))
    body = seo.sitemap_chunk(1, chunk) if parts == 1 else seo.sitemap_index(parts, data_stamp().updated)
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap-<int:number>.xml")
@cached_view()
def sitemap_part(number: int):
    chunk = int(current_app.config["SITEMAP_CHUNK"])
    if number < 1 or (number - 1) * chunk >= max(seo.case_count(), 1):
        abort(404)
    return Response(seo.sitemap_chunk(number, chunk), mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    return Response(seo.robots_txt(), mimetype="text/plain")


@bp.get("/oppna-data")
@cached_view()
def open_data():
    return render_template("sharing/open_data.html", total=seo.case_count(),
                           licence=current_app.config["DATA_LICENSE"])


@bp.get("/oppna-data/dcat.rdf")
@cached_view()
def dcat():
    keywords = [tag.name for tag, _count in tag_counts(limit=30)]
    return Response(dcat_doc.dcat_document(data_stamp(), keywords),
                    mimetype="application/rdf+xml")
