"""The audit log: logins, role changes, publishing and deletions. Flushes, never commits."""
from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import Select

from kb.extensions import db
from kb.models import AuditEvent, User

log = logging.getLogger(__name__)

ACTION_LABELS = {
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "logout": "Utloggning",
    "user_created": "Användare skapad",
    "user_invited": "Användare inbjuden",
    "role_changed": "Roll ändrad",
    "user_deactivated": "Konto inaktiverat",
    "user_activated": "Konto aktiverat",
    "password_set": "Lösenord satt",
    "password_reset_requested": "Återställning begärd",
    "case_submitted": "Skickat till granskning",
    "case_withdrawn": "Tillbakadraget från granskning",
    "case_changes_requested": "Ändringar begärda",
    "case_published": "Publicerat",
    "case_archived": "Arkiverat",
    "case_reopened": "Återupptaget som utkast",
    "case_reviewed": "Markerat som granskat",
    "case_restored": "Version återställd",
    "case_deleted": "Borttaget",
    "case_suggested": "Tips från allmänheten",
    "alert_subscriber_deleted": "Bevakningsadress raderad",
}


def record(action: str, target: str = "", detail: str = "", user: User | None = None) -> AuditEvent:
    """Add an audit event; the caller's commit stores it with the change it describes."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    ip = (request.remote_addr or "") if has_request_context() else ""
    event = AuditEvent(action=action, target=target[:300], detail=detail, ip=ip[:64],
                       user_id=user.id if user is not None else None)
    db.session.add(event)
    log.info("audit %s target=%s user=%s ip=%s", action, target, user.email if user else "-", ip)
    return event


def events(action: str | None = None, query: str | None = None) -> Select:
    """Newest first, optionally one action and a text to find in the target or detail."""
    stmt = db.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(AuditEvent.target.ilike(like) | AuditEvent.detail.ilike(like))
    return stmt
