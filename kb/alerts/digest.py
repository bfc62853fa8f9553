"""Daily and weekly digests: the cases published or substantially changed since the last one.

One mail per address and rhythm per period (a day, or an ISO week), grouped by alert. The
outbox row's ``dedupe_key`` (``digest:<address>:<rhythm>:<period>``) is unique, so however often
``kb mail send`` runs, a period gets at most one digest. No mail when nothing is new.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from flask import render_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kb.alerts import targets
from kb.alerts.service import RHYTHMS, issue_token
from kb.dates import as_utc, utcnow
from kb.extensions import db
from kb.models import Alert, Case, CaseEvent, OutboxMail, Revision, Status, Subscriber
from kb.services.outbox import queue_mail
from kb.urls import absolute_url as absolute

log = logging.getLogger(__name__)

# A digest is due when this long has passed since the last one (a timer a little early is fine).
MIN_GAP = {"daily": dt.timedelta(hours=20), "weekly": dt.timedelta(days=6, hours=20)}
CONTENT_KEYS = ("title", "summary", "body")
MAX_CASES_PER_ALERT = 30


def period_key(rhythm: str, now: dt.datetime) -> str:
    if rhythm == "daily":
        return now.date().isoformat()
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def changed_since(since: dt.datetime) -> list[Case]:
    """Published cases that are new, or whose title, summary or text changed, after ``since``.

    New: published after ``since`` (a publishing event), or created and published since then
    (an import). A fix of a tag or a date alone is not news.
    """
    candidates = db.session.execute(
        db.select(Case).where(Case.status == Status.PUBLISHED, Case.updated_at > since)
        .options(selectinload(Case.tags), selectinload(Case.articles))
        .order_by(Case.updated_at.desc())
    ).scalars().all()
    published_now = set(db.session.execute(
        db.select(CaseEvent.case_id).where(CaseEvent.action == "case_published", CaseEvent.at > since)
    ).scalars())
    changed = []
    for case in candidates:
        before = db.session.execute(
            db.select(Revision).where(Revision.case_id == case.id, Revision.created_at <= since)
            .order_by(Revision.number.desc()).limit(1)
        ).scalar_one_or_none()
        if (before is None or case.id in published_now
                or any(before.data.get(key) != getattr(case, key) for key in CONTENT_KEYS)):
            changed.append(case)
    return changed


def queue_due_digests(now: dt.datetime | None = None) -> int:
    """Queue every due digest; commits once per address. Returns how many were queued."""
    now = now or utcnow()
    queued = 0
    by_since: dict[dt.datetime, list[Case]] = {}
    for rhythm in RHYTHMS:
        period = period_key(rhythm, now)
        due = db.session.execute(
            db.select(Alert).where(Alert.rhythm == rhythm, Alert.confirmed_at.is_not(None),
                                   Alert.covered_until <= now - MIN_GAP[rhythm])
            .order_by(Alert.subscriber_id, Alert.id)
        ).scalars().all()
        per_subscriber: dict[int, list[Alert]] = defaultdict(list)
        for alert in due:
            per_subscriber[alert.subscriber_id].append(alert)
        for subscriber_id, alerts in per_subscriber.items():
            key = f"digest:{subscriber_id}:{rhythm}:{period}"
            if db.session.execute(db.select(OutboxMail.id).filter_by(dedupe_key=key)).first():
                continue
            sections = []
            for alert in alerts:
                if alert.covered_until is None:  # not confirmed yet (the query leaves those out)
                    continue
                since = as_utc(alert.covered_until)
                if since not in by_since:
                    by_since[since] = changed_since(since)
                target = targets.Target(alert.kind, alert.value, alert.label)
                found = targets.matching(target, by_since[since])
                if found:
                    sections.append((alert, found[:MAX_CASES_PER_ALERT]))
            if not sections:
                continue  # nothing new: no mail, and the next run looks again
            try:
                _queue_digest(db.session.get_one(Subscriber, subscriber_id), rhythm, key, sections)
                for alert in alerts:
                    alert.covered_until = now
                db.session.commit()
                queued += 1
            except IntegrityError:  # another run queued this period's digest first
                db.session.rollback()
    return queued


def _queue_digest(subscriber: Subscriber, rhythm: str, key: str,
                  sections: list[tuple[Alert, list[Case]]]) -> OutboxMail:
    token = issue_token(subscriber, "manage")
    manage = absolute("public.alert_manage", token=token)
    unsubscribe = absolute("public.alert_unsubscribe", token=token)
    count = sum(len(found) for _, found in sections)
    body = render_template("alerts/mail/digest.txt", sections=sections, rhythm=RHYTHMS[rhythm],
                           manage=manage, unsubscribe=unsubscribe, count=count, absolute=absolute)
    subject = f"Kunskapsbanken: {count} nya eller uppdaterade exempel"
    return queue_mail(subscriber.email, subject, body, unsubscribe_url=unsubscribe, dedupe_key=key,
                      subscriber_id=subscriber.id)
