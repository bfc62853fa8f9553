"""Read-side queries shared by the public pages, the API and the feeds."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import Select, func

from kb.extensions import db
from kb.models import (
    Article,
    Case,
    County,
    Organisation,
    SlugRedirect,
    Status,
    Tag,
    case_articles,
    case_tags,
)


def published_cases() -> Select:
    """Published cases, newest first (by publication date, then last change)."""
    return (
        db.select(Case)
        .where(Case.status == Status.PUBLISHED)
        .order_by(Case.published.desc().nulls_last(), Case.updated_at.desc(), Case.id.desc())
    )


def can_see_unpublished() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


def visible_case(slug: str) -> tuple[Case | None, bool]:
    """The case at ``slug`` if the current user may see it, and whether ``slug`` is old."""
    case = db.session.execute(db.select(Case).filter_by(slug=slug)).scalar_one_or_none()
    moved = False
    if case is None:
        redirect = db.session.get(SlugRedirect, slug)
        case, moved = (redirect.case, True) if redirect else (None, False)
    if case is not None and not case.is_published and not can_see_unpublished():
        return None, False
    return case, moved


def tag_counts(limit: int | None = None) -> list[tuple[Tag, int]]:
    count = func.count(Case.id)
    stmt = (
        db.select(Tag, count)
        .join(case_tags, case_tags.c.tag_id == Tag.id)
        .join(Case, Case.id == case_tags.c.case_id)
        .where(Case.status == Status.PUBLISHED)
        .group_by(Tag.id)
        .order_by(count.desc(), Tag.name)
    )
    if limit:
        stmt = stmt.limit(limit)
    return [(tag, n) for tag, n in db.session.execute(stmt)]


def county_counts() -> list[tuple[County, int]]:
    count = func.count(Case.id)
    stmt = (
        db.select(County, count)
        .join(Case, Case.county_code == County.code)
        .where(Case.status == Status.PUBLISHED)
        .group_by(County.code)
        .order_by(County.name)
    )
    return [(county, n) for county, n in db.session.execute(stmt)]


def organisation_type_counts() -> list[tuple[str, int]]:
    count = func.count(Case.id)
    stmt = (
        db.select(Organisation.organisation_type, count)
        .join(Case, Case.organisation_id == Organisation.id)
        .where(Case.status == Status.PUBLISHED)
        .group_by(Organisation.organisation_type)
        .order_by(Organisation.organisation_type)
    )
    return [(name, n) for name, n in db.session.execute(stmt)]


def article_counts() -> list[tuple[Article, int]]:
    count = func.count(Case.id)
    stmt = (
        db.select(Article, count)
        .join(case_articles, case_articles.c.article_number == Article.number)
        .join(Case, Case.id == case_articles.c.case_id)
        .where(Case.status == Status.PUBLISHED)
        .group_by(Article.number)
        .order_by(Article.number)
    )
    return [(article, n) for article, n in db.session.execute(stmt)]


_SWEDISH_ORDER = {"å": "{", "ä": "|", "ö": "}"}  # after z, in the Swedish alphabet's order


def swedish_sort_key(text: str) -> str:
    """``"Örebro"`` after ``"Västra Götaland"``: å, ä, ö come last, as in a Swedish index."""
    return "".join(_SWEDISH_ORDER.get(ch, ch) for ch in text.lower())


def all_county_counts() -> list[tuple[County, int]]:
    """Every county, with its number of published cases (0 included)."""
    counts = {county.code: n for county, n in county_counts()}
    counties = db.session.execute(db.select(County)).scalars().all()
    return sorted(((c, counts.get(c.code, 0)) for c in counties),
                  key=lambda pair: swedish_sort_key(pair[0].name))
