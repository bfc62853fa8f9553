"""``/tipsa``: anyone may suggest a case; it lands as a draft in the reviewers' queue."""
from __future__ import annotations

import logging

from flask import (
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from kb.commit import commit_and_index
from kb.emails import is_valid_email
from kb.extensions import db, limiter
from kb.models import ORGANISATION_TYPES, County, Role, Status
from kb.public import bp
from kb.services import audit
from kb.services.cases import CaseValidationError, save_case
from kb.services.mail import MailError, send_mail
from kb.services.users import users_by_role
from kb.services.validation import clean_text, validate_case_data
from kb.urls import absolute_url

log = logging.getLogger(__name__)
# Bots fill in every field; people never see this one (hidden by CSS, skipped by tab and readers).
HONEYPOT = "webbplats"
FIELDS = ("title", "organisation", "organisation_type", "county", "summary", "body", "link",
          "name", "email")


def _values() -> dict[str, str]:
    return {key: request.form.get(key, "") for key in FIELDS}


def _render(values: dict[str, str], errors: dict[str, str] | None = None,
            blocked: str | None = None):
    counties = db.session.execute(db.select(County).order_by(County.name)).scalars().all()
    return render_template("public/suggest.html", values=values, errors=errors or {},
                           blocked=blocked, counties=counties,
                           organisation_types=ORGANISATION_TYPES, honeypot=HONEYPOT)


def _blocked(limit: RequestLimit) -> Response:
    """429 with the form still filled in, so nothing typed is lost."""
    message = ("Vi har tagit emot många tips från din adress den senaste timmen. Vänta en stund "
               "och skicka sedan igen – det du skrivit finns kvar nedan.")
    return make_response(_render(_values(), blocked=message), 429)


def _raw(values: dict[str, str]) -> dict:
    link = values["link"].strip()
    return {
        "title": values["title"], "organisation": values["organisation"],
        "organisation_type": values["organisation_type"], "county": values["county"],
        "summary": values["summary"], "body": values["body"],
        "sources": [{"title": "Länk från tipsaren", "url": link}] if link else [],
        "status": Status.DRAFT.value,
    }


def _contact(values: dict[str, str], errors: dict[str, str]) -> str:
    """Who suggested it, for the reviewers only (never shown on the public page)."""
    name, email = clean_text(values["name"])[:100], clean_text(values["email"])
    if email and (len(email) > 95 or not is_valid_email(email)):
        errors["email"] = "Ange en giltig e-postadress, eller lämna fältet tomt."
    contact = f"{name} <{email}>" if name and email else (name or email)
    return contact or "anonym"


@bp.route("/tipsa", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUGGEST_LIMIT"], methods=["POST"],
               key_func=get_remote_address, scope="suggest", on_breach=_blocked)
def suggest():
    if request.method == "GET":
        return _render(dict.fromkeys(FIELDS, ""))
    values = _values()
    if request.form.get(HONEYPOT):
        log.info("suggestion with the honeypot filled in was dropped")
        return redirect(url_for("public.suggest_thanks"))
    errors: dict[str, str] = {}
    contact = _contact(values, errors)
    raw = _raw(values)
    try:
        validate_case_data(raw)
    except CaseValidationError as exc:
        errors.update(exc.errors)
    if errors:
        if "sources" in errors:
            errors["link"] = errors.pop("sources")
        return _render(values, errors), 422
    case = save_case(raw, message="Tips via formuläret Tipsa om ett exempel")
    case.suggested_by = contact
    audit.record("case_suggested", f"{case.title} ({case.slug})", contact)
    commit_and_index()
    _notify_reviewers(case.id, case.title)
    return redirect(url_for("public.suggest_thanks"))


@bp.get("/tipsa/tack")
def suggest_thanks():
    return render_template("public/suggest_thanks.html")


def _notify_reviewers(case_id: int, title: str) -> None:
    link = absolute_url("editor.case", case_id=case_id)
    body = (f"Ett nytt tips har kommit in via Kunskapsbanken:\n\n{title}\n\n"
            f"Det ligger som utkast i granskningskön:\n{link}\n")
    for reviewer in users_by_role(Role.REVIEWER):
        try:
            send_mail(reviewer.email, f"Nytt tips: {title[:80]}", body)
        except MailError:
            log.error("could not tell %s about suggestion %s", reviewer.email, case_id)
