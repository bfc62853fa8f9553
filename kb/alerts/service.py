"""Signing up, confirming and unsubscribing. Flushes, never commits (the route commits)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import render_template

from kb.alerts.targets import Target
from kb.dates import as_utc, utcnow
from kb.extensions import db
from kb.models import Alert, AlertToken, OutboxMail, Subscriber
from kb.services.outbox import queue_mail
from kb.urls import absolute_url as absolute

RHYTHMS = {"daily": "varje dag", "weekly": "varje vecka"}
CONFIRM_DAYS = 7
MANAGE_DAYS = 400
CONFIRMATION_PAUSE = dt.timedelta(hours=1)
MAX_ALERTS = 50  # per address
SENT_KEEP = dt.timedelta(days=60)  # a sent digest's row keeps its period from being sent again


class AlertError(ValueError):
    """The sign-up cannot be done; the message is for the reader."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(subscriber: Subscriber, purpose: str) -> str:
    """A random link token; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    days = CONFIRM_DAYS if purpose == "confirm" else MANAGE_DAYS
    db.session.add(AlertToken(token_hash=_hash(raw), subscriber_id=subscriber.id, purpose=purpose,
                              expires_at=utcnow() + dt.timedelta(days=days)))
    db.session.flush()
    return raw


def subscriber_for(raw: str, purpose: str) -> Subscriber | None:
    """The address a valid, unexpired token belongs to (None for anything else)."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.get(AlertToken, _hash(raw))
    if token is None or token.purpose != purpose or as_utc(token.expires_at) <= utcnow():
        return None
    return db.session.get(Subscriber, token.subscriber_id)


def subscribe(email: str, target: Target, rhythm: str) -> tuple[Alert, bool]:
    """Add an unconfirmed alert (or find the existing one) and queue a confirmation mail.

    Returns the alert and whether a mail was queued: never twice within an hour to one address.
    """
    if rhythm not in RHYTHMS:
        raise AlertError("Välj hur ofta du vill få e-post.")
    subscriber = db.session.execute(db.select(Subscriber).filter_by(email=email)).scalar_one_or_none()
    if subscriber is None:
        subscriber = Subscriber(email=email)
        db.session.add(subscriber)
        db.session.flush()
    alert = db.session.execute(db.select(Alert).filter_by(
        subscriber_id=subscriber.id, kind=target.kind, value=target.value)).scalar_one_or_none()
    if alert is None:
        if len(subscriber.alerts) >= MAX_ALERTS:
            raise AlertError(f"En adress kan ha högst {MAX_ALERTS} bevakningar.")
        alert = Alert(subscriber=subscriber, kind=target.kind, value=target.value,
                      label=target.label[:300], rhythm=rhythm)
        db.session.add(alert)
    elif alert.confirmed_at is None:
        alert.rhythm = rhythm
    db.session.flush()
    if alert.confirmed_at is not None:
        return alert, False
    last = subscriber.confirmation_sent_at
    if last is not None and utcnow() - as_utc(last) < CONFIRMATION_PAUSE:
        return alert, False
    _queue_confirmation(subscriber)
    return alert, True


def _queue_confirmation(subscriber: Subscriber) -> OutboxMail:
    """The opt-in mail; like every mail it can also unsubscribe (and so erase the address)."""
    subscriber.confirmation_sent_at = utcnow()
    token = issue_token(subscriber, "confirm")
    manage = issue_token(subscriber, "manage")
    unsubscribe = absolute("public.alert_unsubscribe", token=manage)
    pending = [a for a in subscriber.alerts if a.confirmed_at is None]
    body = render_template("alerts/mail/confirm.txt", alerts=pending, rhythms=RHYTHMS, days=CONFIRM_DAYS,
                           link=absolute("public.alert_confirm", token=token),
                           manage=absolute("public.alert_manage", token=manage), unsubscribe=unsubscribe)
    return queue_mail(subscriber.email, "Bekräfta din bevakning i Kunskapsbanken", body,
                      unsubscribe_url=unsubscribe, subscriber_id=subscriber.id)


def confirm(subscriber: Subscriber) -> list[Alert]:
    """Confirm the address's pending alerts; digests cover what changes from now on."""
    now = utcnow()
    confirmed = []
    for alert in subscriber.alerts:
        if alert.confirmed_at is None and now - as_utc(alert.created_at) <= dt.timedelta(days=CONFIRM_DAYS):
            alert.confirmed_at = alert.covered_until = now
            confirmed.append(alert)
    db.session.flush()
    return confirmed


def remove_alert(subscriber: Subscriber, alert_id: int) -> bool:
    """Remove one alert; the address goes too when it has none left. True if it went."""
    alert = next((a for a in subscriber.alerts if a.id == alert_id), None)
    if alert is None:
        return False
    subscriber.alerts.remove(alert)
    db.session.flush()
    if not subscriber.alerts:
        forget(subscriber)
    return True


def forget(subscriber: Subscriber) -> None:
    """Delete the address with its alerts, tokens and mails (explicitly: SQLite may not cascade)."""
    db.session.execute(db.delete(AlertToken).where(AlertToken.subscriber_id == subscriber.id))
    db.session.execute(db.delete(OutboxMail).where(OutboxMail.subscriber_id == subscriber.id,
                                                  OutboxMail.status != "sending"))
    db.session.delete(subscriber)
    db.session.flush()


def prune(now: dt.datetime | None = None) -> None:
    """Expired tokens, sent mails after ``SENT_KEEP``, and alerts never confirmed within the week."""
    now = now or utcnow()
    db.session.execute(db.delete(AlertToken).where(AlertToken.expires_at < now))
    db.session.execute(db.delete(OutboxMail).where(OutboxMail.status.in_(("sent", "failed")),
                                                  OutboxMail.created_at < now - SENT_KEEP))
    cutoff = now - dt.timedelta(days=CONFIRM_DAYS)
    stale = db.session.execute(db.select(Alert).where(Alert.confirmed_at.is_(None),
                                                      Alert.created_at < cutoff)).scalars().all()
    for alert in stale:
        subscriber = alert.subscriber
        subscriber.alerts.remove(alert)
        db.session.flush()
        if not subscriber.alerts:
            forget(subscriber)
    db.session.flush()
