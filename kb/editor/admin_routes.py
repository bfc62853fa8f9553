"""For admins: users (invite, role, deactivate, new link) and the audit log."""
from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import Field

from kb.auth import role_required
from kb.editor import bp
from kb.editor.forms import InviteForm, UserForm
from kb.errors import abort_with
from kb.extensions import db
from kb.models import Role, User
from kb.routing import int_arg
from kb.services import audit
from kb.services.mail import MailError, send_mail
from kb.services.users import (
    INVITE,
    RESET,
    UserError,
    activate,
    create_user,
    deactivate,
    issue_token,
    rename,
    set_role,
)
from kb.urls import absolute_url

log = logging.getLogger(__name__)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort_with(404, "Användaren finns inte.")
    return user


def _send_link(user: User, purpose: str) -> bool:
    """Mail a fresh one-time link (invitation or reset); True when the mail went out."""
    raw = issue_token(user, purpose)
    db.session.commit()
    hours = current_app.config["INVITE_TOKEN_HOURS" if purpose == INVITE else "RESET_TOKEN_HOURS"]
    link = absolute_url("auth.set_password", token=raw)
    template = "auth/mail/invite.txt" if purpose == INVITE else "auth/mail/reset.txt"
    subject = ("Du är inbjuden till Kunskapsbanken" if purpose == INVITE
               else "Välj nytt lösenord i Kunskapsbanken")
    body = render_template(template, user=user, link=link, hours=hours,
                           inviter=current_user.name or current_user.email)
    try:
        send_mail(user.email, subject, body)
    except MailError:
        flash("Länken skapades men e-postmeddelandet kunde inte skickas. Kontrollera "
              "e-postinställningarna (KB_MAIL_SERVER) och skicka en ny länk.", "error")
        return False
    return True


@bp.get("/anvandare")
@role_required(Role.ADMIN)
def users():
    found = db.session.execute(db.select(User).order_by(User.active.desc(), User.email)).scalars()
    return render_template("editor/users.html", users=list(found))


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite_user():
    form = InviteForm()
    if request.method == "GET":
        return render_template("editor/user_invite.html", form=form)
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.role.data, name=form.name.data,
                               actor=current_user._get_current_object(), invited=True)
        except UserError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.email).errors.append(exc.message)
        else:
            if _send_link(user, INVITE):
                flash(f"En inbjudan är skickad till {user.email}. Länken gäller i "
                      f"{current_app.config['INVITE_TOKEN_HOURS'] // 24} dagar.", "success")
            return redirect(url_for("editor.user", user_id=user.id))
    return render_template("editor/user_invite.html", form=form), 422


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user(user_id: int):
    found = _user_or_404(user_id)
    form = UserForm(obj=found)
    if request.method == "GET":
        return render_template("editor/user.html", user=found, form=form)
    if not form.validate_on_submit():
        return render_template("editor/user.html", user=found, form=form), 422
    actor = current_user._get_current_object()
    try:
        rename(found, form.name.data)
        set_role(found, form.role.data, actor=actor)
        if form.active.data:
            activate(found, actor=actor)
        else:
            deactivate(found, actor=actor)
    except UserError as exc:
        db.session.rollback()
        found = _user_or_404(user_id)
        field: Field = getattr(form, exc.field, form.role)
        field.errors.append(exc.message)
        return render_template("editor/user.html", user=found, form=form), 409
    db.session.commit()
    flash(f"Uppgifterna för {found.email} är sparade.", "success")
    return redirect(url_for("editor.user", user_id=found.id))


@bp.post("/anvandare/<int:user_id>/lank")
@role_required(Role.ADMIN)
def send_link(user_id: int):
    found = _user_or_404(user_id)
    if not found.active:
        abort_with(409, "Kontot är inaktiverat. Aktivera det först.")
    purpose = RESET if found.password_hash else INVITE
    if _send_link(found, purpose):
        flash(f"En ny länk är skickad till {found.email}.", "success")
    return redirect(url_for("editor.user", user_id=found.id))


@bp.get("/handelser")
@role_required(Role.ADMIN)
def audit_log():
    action = request.args.get("action") or None
    if action not in audit.ACTION_LABELS:
        action = None
    text = (request.args.get("q") or "").strip()[:200]
    page = db.paginate(audit.events(action, text),
                       page=int_arg("page", 1, low=1), per_page=50,
                       error_out=False)
    return render_template("editor/audit.html", page=page, action=action, q=text,
                           labels=audit.ACTION_LABELS)
