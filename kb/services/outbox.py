"""Mails queued in the database, sent by ``kb mail send`` with retries and back-off.

A mail is a row written in the same transaction as what caused it, so a rolled-back sign-up
never mails anyone and a committed one is never forgotten. Sending claims a row
(``queued`` → ``sending``, a conditional UPDATE, so two runs never send the same row), hands it
to SMTP, and marks it ``sent`` in its own commit as soon as the server accepted it.

The window: a run that dies between the server's "250 OK" and that commit leaves the row in
``sending``. After ``CLAIM_LEASE`` a later run sends it again (at least once rather than at
most once: the window is a few milliseconds, while a crash before the server accepted — while
connecting, or during a long DATA — is the likelier one, and losing that mail would be worse).
The resent copy carries the same Message-ID, so mail clients show it once.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, update

from kb.dates import utcnow
from kb.extensions import db
from kb.models import OutboxMail
from kb.services import mail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=6)
CLAIM_LEASE = dt.timedelta(minutes=10)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def queue_mail(recipient: str, subject: str, body: str, *, unsubscribe_url: str | None = None,
               dedupe_key: str | None = None, subscriber_id: int | None = None) -> OutboxMail:
    """Queue one plain-text mail in the current transaction; flushes, never commits."""
    row = OutboxMail(recipient=recipient, subject=subject[:300], body=body,
                     unsubscribe_url=unsubscribe_url, dedupe_key=dedupe_key,
                     subscriber_id=subscriber_id, message_id=make_msgid(domain="kunskapsbanken"),
                     status="queued", attempts=0, next_attempt_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def message_for(row: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    if row.unsubscribe_url:  # RFC 8058: one click, as a POST to this URL
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body)
    return message


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most ``MAX_DELAY``."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _claim(row_id: int, now: dt.datetime) -> bool:
    result = db.session.execute(
        update(OutboxMail).where(OutboxMail.id == row_id, OutboxMail.status == "queued")
        .values(status="sending", claimed_at=now, attempts=OutboxMail.attempts + 1)
    )
    db.session.commit()
    return cast(CursorResult[Any], result).rowcount == 1


def _release_stale(now: dt.datetime) -> None:
    """Rows a crashed run left in ``sending`` go back to the queue after the lease."""
    db.session.execute(
        update(OutboxMail).where(OutboxMail.status == "sending", OutboxMail.claimed_at < now - CLAIM_LEASE)
        .values(status="queued", next_attempt_at=now)
    )
    db.session.commit()


def deliver_due(now: dt.datetime | None = None, limit: int = 500, only_id: int | None = None) -> SendReport:
    """Send queued mails whose time has come; commits after every mail."""
    now = now or utcnow()
    _release_stale(now)
    stmt = (db.select(OutboxMail.id).where(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id).limit(limit))
    if only_id is not None:
        stmt = stmt.where(OutboxMail.id == only_id)
    report = SendReport()
    with mail.Connection() as connection:
        for row_id in db.session.execute(stmt).scalars().all():
            if not _claim(row_id, now):
                continue  # another run has it
            row = db.session.get_one(OutboxMail, row_id)
            try:
                connection.send(message_for(row))
            except (OSError, smtplib.SMTPException) as exc:
                _failed(row, exc, now, report)
                if not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code == 421:
                    break  # the server is down or closing: the rest waits for the next run
                continue
            row.status, row.sent_at, row.body, row.last_error = "sent", utcnow(), "", None
            db.session.commit()
            report.sent += 1
    return report


def _failed(row: OutboxMail, exc: Exception, now: dt.datetime, report: SendReport) -> None:
    row.last_error = str(exc)[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        report.failed += 1
        log.error("giving up on mail %s to %s after %d attempts: %s", row.id, row.recipient,
                  row.attempts, exc)
    else:
        row.status = "queued"
        row.next_attempt_at = now + backoff(row.attempts)
        report.retrying += 1
        log.warning("mail %s to %s not sent (attempt %d), retrying at %s: %s", row.id, row.recipient,
                    row.attempts, row.next_attempt_at.isoformat(timespec="seconds"), exc)
    db.session.commit()
