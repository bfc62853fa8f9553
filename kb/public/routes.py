"""Reading pages. Thin: queries live in :mod:`kb.queries`."""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, redirect, render_template, request, url_for

from kb import search
from kb.caching import cached_view
from kb.extensions import db
from kb.models import ORGANISATION_TYPES, Article, Case, County, Organisation, Status, Tag
from kb.models.tombstone import withdrawn
from kb.public import bp
from kb.queries import (
    all_county_counts,
    article_counts,
    county_counts,
    organisation_type_counts,
    published_cases,
    swedish_sort_key,
    tag_counts,
    visible_case,
)
from kb.slugs import slugify

ORGANISATION_TYPE_BY_SLUG = {slugify(t): t for t in ORGANISATION_TYPES}


def _page() -> int:
    # Capped: a huge number would overflow the database's OFFSET (500 instead of an empty page).
    return min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)


def _paginate(stmt):
    return db.paginate(stmt, page=_page(), per_page=current_app.config["PER_PAGE"],
                       error_out=False, count=True)


@bp.get("/")
def index():
    newest = db.session.execute(published_cases().limit(6)).scalars().all()
    return render_template(
        "public/index.html",
        newest=newest,
        tags=tag_counts(limit=24),
        counties=county_counts(),
        organisation_types=organisation_type_counts(),
        articles=article_counts(),
    )


@bp.get("/exempel")
def cases():
    return render_template("public/case_list.html", page=_paginate(published_cases()),
                           heading="Alla exempel", lead=None)


@bp.get("/exempel/<slug>")
@cached_view(daily=True)  # ETag/304; "daily": the citation shows today's date
def case(slug: str):
    found, moved = visible_case(slug)
    if found is None and slug.isascii() and slug.isdigit() and len(slug) <= 9:  # fits an id column
        found = db.session.get(Case, int(slug))  # short link /exempel/<id>
        moved = found is not None
        if found is not None and not found.is_published:
            found = None
    if found is None:
        abort(410 if withdrawn(slug) else 404)  # a shared link to a withdrawn case says so
    if moved:
        return redirect(url_for("public.case", slug=found.slug), code=301)
    stale = found.review_is_stale(dt.date.today(), current_app.config["REVIEW_MAX_AGE_DAYS"])
    related = search.related_cases(found) if found.is_published else []
    return render_template("public/case.html", case=found, stale=stale, related=related)


@bp.get("/tagg/<slug>")
def tag(slug: str):
    found = db.first_or_404(db.select(Tag).filter_by(slug=slug))
    stmt = published_cases().where(Case.tags.contains(found))
    return render_template("public/case_list.html", page=_paginate(stmt),
                           heading=f"Tagg: {found.name}", lead=None,
                           parent=(url_for("public.tags"), "Alla taggar"),
                           watch={"typ": "tagg", "varde": slug})


@bp.get("/lan/<slug>")
def county(slug: str):
    found = db.first_or_404(db.select(County).filter_by(slug=slug))
    stmt = published_cases().where(Case.county_code == found.code)
    return render_template("public/case_list.html", page=_paginate(stmt),
                           heading=found.name, lead=None,
                           parent=(url_for("public.counties"), "Alla län"),
                           watch={"typ": "lan", "varde": slug})


@bp.get("/organisationstyp/<slug>")
def organisation_type(slug: str):
    name = ORGANISATION_TYPE_BY_SLUG.get(slug)
    if name is None:
        abort(404)
    stmt = published_cases().join(Case.organisation).where(
        Organisation.organisation_type == name
    )
    return render_template("public/case_list.html", page=_paginate(stmt),
                           heading=f"Organisationstyp: {name}", lead=None,
                           parent=(url_for("public.organisation_types"), "Alla organisationstyper"),
                           watch={"typ": "organisationstyp", "varde": slug})


@bp.get("/artikel/<int:number>")
def article(number: int):
    found = db.get_or_404(Article, number)
    stmt = published_cases().where(Case.articles.contains(found))
    return render_template("public/case_list.html", page=_paginate(stmt),
                           heading=found.label, lead=None, watch={"typ": "artikel", "varde": number})


@bp.get("/taggar")
def tags():
    entries = sorted(((tag.name, url_for("public.tag", slug=tag.slug), n) for tag, n in tag_counts()),
                     key=lambda entry: swedish_sort_key(entry[0]))
    return render_template("public/index_list.html", heading="Taggar", entries=entries,
                           lead="Alla taggar som publicerade exempel har, i bokstavsordning.")


@bp.get("/lan")
def counties():
    entries = [(county.name, url_for("public.county", slug=county.slug), n)
               for county, n in all_county_counts()]
    return render_template("public/index_list.html", heading="Län", entries=entries,
                           lead="Sveriges 21 län och hur många publicerade exempel varje län har.")


@bp.get("/organisationstyper")
def organisation_types():
    counts = dict(organisation_type_counts())
    entries = [(name.capitalize(), url_for("public.organisation_type", slug=slugify(name)),
                counts.get(name, 0)) for name in ORGANISATION_TYPES]
    return render_template("public/index_list.html", heading="Typer av organisation", entries=entries,
                           lead="Vilka slags organisationer exemplen kommer från.")


@bp.get("/artiklar")
def articles():
    counts = dict((a.number, n) for a, n in article_counts())
    all_articles = db.session.execute(db.select(Article).order_by(Article.number)).scalars()
    return render_template("public/articles.html", articles=all_articles, counts=counts)


@bp.get("/om")
def about():
    total = db.session.scalar(
        db.select(db.func.count(Case.id)).where(Case.status == Status.PUBLISHED)
    )
    return render_template("public/about.html", total=total)


@bp.get("/tillganglighet")
def accessibility():
    return render_template("public/accessibility.html")


@bp.get("/personuppgifter")
def personal_data():
    return render_template("public/personal_data.html")
