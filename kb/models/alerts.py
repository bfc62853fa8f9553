"""E-mail alerts ("Bevakning") and the mail outbox that sends them.

A *subscriber* is an e-mail address with one or more *alerts* (a search, tag, county,
article or organisation type, daily or weekly). Each alert is confirmed by a link before
anything is sent to it. Links carry random tokens; only their SHA-256 is stored
(:class:`AlertToken`). Mails are rows in :class:`OutboxMail`, written in the same transaction
as what caused them and sent by ``kb mail send``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dates import utcnow
from kb.extensions import Model


class Subscriber(Model):
    __tablename__ = "alert_subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the last confirmation mail was queued: never two within an hour.
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    alerts: Mapped[list[Alert]] = relationship(back_populates="subscriber", cascade="all, delete-orphan",
                                               order_by="Alert.id")


class Alert(Model):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("subscriber_id", "kind", "value", name="uq_alerts_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscribers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # search, tag, county, article, organisation_type
    value: Mapped[str] = mapped_column(String(600))  # a slug, a number, or a search's query string
    label: Mapped[str] = mapped_column(String(300))
    rhythm: Mapped[str] = mapped_column(String(10))  # daily, weekly
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Cases changed after this moment go into the next digest.
    covered_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    subscriber: Mapped[Subscriber] = relationship(back_populates="alerts")


class AlertToken(Model):
    """A link in a mail: confirm (7 days) or manage/unsubscribe (long-lived); hash only."""

    __tablename__ = "alert_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscribers.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # confirm, manage
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutboxMail(Model):
    """A mail waiting for ``kb mail send``; ``dedupe_key`` makes a digest period unique."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscribers.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # emptied once sent: it holds link tokens
    unsubscribe_url: Mapped[str | None] = mapped_column(String(600))
    message_id: Mapped[str] = mapped_column(String(200))
    # queued → sending → sent; back to queued after a failure, failed after MAX_ATTEMPTS
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
