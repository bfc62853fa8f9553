"""The editorial workflow: draft → review → published → archived, and who may do what.

Every permission question the editor pages ask is answered here, so the rules live in one
place. Functions flush, never commit.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app

from kb.models import Case, Revision, Role, Status, User
from kb.services import audit
from kb.services.cases import (
    FIELDS,
    case_to_data,
    delete_case,
    last_content_author_id,
    record_event,
    save_case,
    set_status,
)

# What a restore brings back: the content. Workflow state and the URL stay as they are now.
KEPT_ON_RESTORE = ("status", "slug", "published", "reviewed")


class WorkflowError(Exception):
    """A refused workflow step, with a Swedish message and the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclasses.dataclass(frozen=True)
class Transition:
    name: str
    source: Status
    target: Status
    label: str
    done: str
    audit_action: str
    # Editors may take the step on their own cases; otherwise it needs a reviewer.
    author_may: bool = False
    comment_required: bool = False


TRANSITIONS = {t.name: t for t in (
    Transition("submit", Status.DRAFT, Status.REVIEW, "Skicka till granskning",
               "Exemplet är skickat till granskning.", "case_submitted", author_may=True),
    Transition("withdraw", Status.REVIEW, Status.DRAFT, "Dra tillbaka till utkast",
               "Exemplet är tillbaka som utkast.", "case_withdrawn", author_may=True),
    Transition("request_changes", Status.REVIEW, Status.DRAFT, "Begär ändringar",
               "Exemplet är skickat tillbaka till redaktören med din kommentar.",
               "case_changes_requested", comment_required=True),
    Transition("publish", Status.REVIEW, Status.PUBLISHED, "Publicera",
               "Exemplet är publicerat.", "case_published"),
    Transition("archive", Status.PUBLISHED, Status.ARCHIVED, "Arkivera",
               "Exemplet är arkiverat och syns inte längre för läsarna.", "case_archived"),
    Transition("reopen", Status.ARCHIVED, Status.DRAFT, "Återuppta som utkast",
               "Exemplet är ett utkast igen.", "case_reopened"),
)}


FOUR_EYES_MESSAGE = ("Någon annan än den som senast ändrade innehållet ska publicera exemplet "
                     "(fyra ögon). Be en annan granskare publicera det.")


def four_eyes_blocks(user: User, case: Case) -> bool:
    """True when ``user`` wrote the last content change and so may not publish it alone
    (``KB_REVIEW_FOUR_EYES``, on by default; an admin may override with a reason)."""
    if not current_app.config["REVIEW_FOUR_EYES"]:
        return False
    return user.is_authenticated and last_content_author_id(case) == user.id


def is_reviewer(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.REVIEWER)


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def is_author(user: User, case: Case) -> bool:
    return user.is_authenticated and case.created_by_id is not None and case.created_by_id == user.id


def can_edit(user: User, case: Case) -> bool:
    """Reviewers edit any case; editors their own drafts."""
    if is_reviewer(user):
        return True
    return is_author(user, case) and case.status == Status.DRAFT


def may_take(user: User, case: Case, transition: Transition) -> bool:
    if case.status != transition.source:
        return False
    if transition.name == "withdraw":  # the author's own step; reviewers request changes
        return is_author(user, case)
    return is_reviewer(user) or (transition.author_may and is_author(user, case))


def allowed_transitions(user: User, case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may_take(user, case, t)]


def can_mark_reviewed(user: User, case: Case) -> bool:
    return is_reviewer(user) and case.status == Status.PUBLISHED


def can_restore(user: User) -> bool:
    return is_reviewer(user)


def can_delete(user: User) -> bool:
    return is_admin(user)


def transition(case: Case, name: str, user: User, comment: str = "", override: str = "") -> Transition:
    """Take the named workflow step; raises :class:`WorkflowError` when it is not allowed.

    ``override``: an admin's reason for publishing their own change (four eyes)."""
    step = TRANSITIONS.get(name)
    if step is None:
        raise WorkflowError("Okänt steg i arbetsflödet.", 400)
    if case.status != step.source:
        raise WorkflowError(
            f"Det går inte att ”{step.label.lower()}” när exemplet har status "
            f"{case.status_label.lower()}. Ladda om sidan och se aktuell status.", 409)
    if not may_take(user, case, step):
        raise WorkflowError("Du har inte behörighet att göra det med det här exemplet.", 403)
    comment = (comment or "").strip()
    if step.comment_required and not comment:
        raise WorkflowError("Skriv en kommentar om vad som behöver ändras.", 422)
    override = (override or "").strip()
    detail = comment
    if step.name == "publish" and four_eyes_blocks(user, case):
        if not is_admin(user):
            raise WorkflowError(FOUR_EYES_MESSAGE, 409)
        if not override:
            raise WorkflowError("Du ändrade innehållet senast. Skriv varför du publicerar utan "
                                "att någon annan granskat (fyra ögon), eller be en granskare.", 422)
        detail = f"Publicerat utan fyra ögon. Skäl: {override}"
        detail += f" Kommentar: {comment}" if comment else ""
    set_status(case, step.target, user, step.audit_action, detail)
    audit.record(step.audit_action, _target(case), detail, user=user)
    return step


def mark_reviewed(case: Case, user: User, today: dt.date | None = None) -> bool:
    """Record that a reviewer checked the case today; False when it already was."""
    if not is_reviewer(user):
        raise WorkflowError("Bara granskare och administratörer kan markera exempel som granskade.", 403)
    if case.status != Status.PUBLISHED:
        raise WorkflowError("Bara publicerade exempel kan markeras som granskade.", 409)
    today = today or dt.date.today()
    if case.reviewed == today:
        return False
    case.reviewed = today
    record_event(case, user, "case_reviewed")
    audit.record("case_reviewed", _target(case), user=user)
    return True


def restore(case: Case, revision: Revision, user: User) -> bool:
    """Bring back the content of an earlier revision as a new revision; False if identical."""
    if not can_restore(user):
        raise WorkflowError("Bara granskare och administratörer kan återställa versioner.", 403)
    if revision.case_id != case.id:
        raise WorkflowError("Versionen hör inte till det här exemplet.", 404)
    data = {k: v for k, v in revision.data.items() if k in FIELDS or k == "body"}
    current = case_to_data(case)
    for key in KEPT_ON_RESTORE:
        data[key] = current[key]
    before = case.version
    save_case(data, case=case, user=user, message=f"Återställd från version {revision.number}")
    if case.version == before:
        return False
    audit.record("case_restored", _target(case), f"version {revision.number}", user=user)
    return True


def delete(case: Case, user: User) -> None:
    if not can_delete(user):
        raise WorkflowError("Bara administratörer kan ta bort exempel.", 403)
    audit.record("case_deleted", _target(case), f"status: {case.status_label}", user=user)
    delete_case(case)


def _target(case: Case) -> str:
    return f"{case.title} ({case.slug})"
