"""The published cases of a reading list, in the reader's order."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.lists.params import ReadingList
from kb.models import Case, SlugRedirect, Status
from kb.sharing.privacy import public_contacts


@dataclass(frozen=True)
class LoadedList:
    cases: list[Case]
    missing: list[str]  # slugs that name no published case (withdrawn, mistyped)
    renamed: bool  # an old slug was followed: the canonical list differs from the request

    def canonical(self, reading_list: ReadingList) -> ReadingList:
        return reading_list.with_slugs([case.slug for case in self.cases])


def load(reading_list: ReadingList) -> LoadedList:
    """One query for the current slugs, one for old ones; unpublished cases count as missing."""
    slugs = list(reading_list.slugs)
    if not slugs:
        return LoadedList([], [], False)
    options = (selectinload(Case.tags), selectinload(Case.articles), selectinload(Case.contacts))
    found = {case.slug: case for case in db.session.execute(
        db.select(Case).where(Case.slug.in_(slugs), Case.status == Status.PUBLISHED).options(*options)
    ).scalars()}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        for redirect in db.session.execute(
            db.select(SlugRedirect).where(SlugRedirect.old_slug.in_(unknown))
        ).scalars():
            if redirect.case.is_published:
                found[redirect.old_slug] = redirect.case
    cases: list[Case] = []
    missing: list[str] = []
    for slug in slugs:
        case = found.get(slug)
        if case is None:
            missing.append(slug)
        elif case not in cases:
            cases.append(case)
    renamed = any(case.slug != slug for slug, case in found.items())
    return LoadedList(cases, missing, renamed)


def public_contact_lines(case: Case) -> list[str]:
    """Contact data as the public privacy rule allows (kb/sharing/privacy.py)."""
    return [" · ".join(part for part in (c["name"], c["role"], c["email"]) if part)
            for c in public_contacts(case.contacts)]
