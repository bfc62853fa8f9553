"""Cases as JSON."""
from __future__ import annotations

from typing import Any

from kb.dates import as_utc
from kb.models import Case
from kb.sharing.privacy import public_contacts
from kb.urls import absolute_url


def case_url(case: Case) -> str:
    return absolute_url("public.case", slug=case.slug)


def case_json(case: Case) -> dict[str, Any]:
    """The full public record of a case (``GET /api/v1/cases/<slug>``)."""
    return {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "body_html": case.body_html,
        "organisation": case.organisation.name,
        "organisation_type": case.organisation.organisation_type,
        "county": case.county.name if case.county else None,
        "municipalities": [m.name for m in case.municipalities],
        "year": case.year,
        "published": case.published.isoformat() if case.published else None,
        "updated": as_utc(case.updated_at).isoformat(),  # SQLite drops the zone; it is UTC
        "reviewed": case.reviewed.isoformat() if case.reviewed else None,
        "evidence_level": case.evidence_level,
        "status": case.status,
        "tags": [t.name for t in case.tags],
        "articles": [{"number": a.number, "title": a.title} for a in case.articles],
        "contacts": public_contacts(case.contacts),  # the one privacy rule
        "sources": [{"title": s.title, "url": s.url} for s in case.sources],
        "url": case_url(case),
    }
