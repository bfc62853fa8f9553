"""Bevakning: sign up (double opt-in), confirm, manage and unsubscribe, without an account.

Pages under /bevak* carry link tokens: they are never cached and send no Referer.
The one-click unsubscribe (RFC 8058) is a POST without a CSRF token, authenticated by the
link's token instead.
"""
from __future__ import annotations

import logging

from flask import Response, current_app, make_response, redirect, render_template, request, url_for
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from kb.alerts import service, targets
from kb.emails import MAX_EMAIL_LENGTH, is_valid_email
from kb.errors import abort_with
from kb.extensions import csrf, db, limiter
from kb.public import bp
from kb.services.outbox import deliver_due

log = logging.getLogger(__name__)

MAX_EMAIL = MAX_EMAIL_LENGTH
# Query-string names on the sign-up page → the alert's kind.
KIND_BY_ARG = {"sok": "search", "tagg": "tag", "lan": "county", "artikel": "article",
               "organisationstyp": "organisation_type"}


def _target_from_request() -> targets.Target:
    source = request.form if request.method == "POST" else request.args
    kind = KIND_BY_ARG.get(source.get("typ", ""))
    value = source.get("varde", "")
    target = targets.resolve(kind, value) if kind else None
    if target is None:
        abort_with(404, "Det du vill bevaka finns inte. Gå tillbaka och välj ”Bevaka” på sidan igen.")
    return target


def _email_key() -> str:
    """Rate-limit key: the address typed, normalised (bounded before anything else)."""
    return "alert-email:" + request.form.get("epost", "")[:MAX_EMAIL].strip().lower()


def _blocked(limit: RequestLimit) -> Response:
    message = ("Vi har tagit emot många anmälningar på kort tid. Vänta en stund och försök igen – "
               "det du skrev finns kvar nedan.")
    return make_response(_form(_target_from_request(), blocked=message), 429)


def _form(target: targets.Target, errors: dict[str, str] | None = None, blocked: str | None = None):
    kind_arg = {v: k for k, v in KIND_BY_ARG.items()}[target.kind]
    return render_template("alerts/signup.html", target=target, kind_arg=kind_arg,
                           email=request.form.get("epost", "")[:MAX_EMAIL],
                           rhythm=request.form.get("rytm", "weekly"), rhythms=service.RHYTHMS,
                           errors=errors or {}, blocked=blocked, back=_back_url(target))


def _back_url(target: targets.Target) -> str:
    if target.kind == "search":
        return url_for("public.search", **targets.search_args(target.value))
    endpoint = {"tag": "public.tag", "county": "public.county",
                "organisation_type": "public.organisation_type"}.get(target.kind)
    if endpoint:
        return url_for(endpoint, slug=target.value)
    return url_for("public.article", number=int(target.value))


def _checked_email(raw: str) -> str | None:
    raw = raw.strip()
    return raw.lower() if is_valid_email(raw) else None


@bp.route("/bevaka", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ALERT_LIMIT_ADDRESS"], methods=["POST"],
               key_func=get_remote_address, scope="alert-address", on_breach=_blocked)
@limiter.limit(lambda: current_app.config["ALERT_LIMIT_EMAIL"], methods=["POST"],
               key_func=_email_key, scope="alert-email", on_breach=_blocked)
def alert_signup():
    target = _target_from_request()
    if request.method == "GET":
        return _form(target)
    email = _checked_email(request.form.get("epost", "")[:MAX_EMAIL + 1])
    errors = {}
    if email is None:
        errors["epost"] = "Ange en giltig e-postadress, till exempel namn@kommun.se."
    if request.form.get("rytm") not in service.RHYTHMS:
        errors["rytm"] = "Välj hur ofta du vill få e-post."
    if errors or email is None:
        return _form(target, errors), 422
    try:
        alert, mailed = service.subscribe(email, target, request.form["rytm"])
    except service.AlertError as exc:
        return _form(target, {"epost": str(exc)}), 422
    db.session.commit()
    if mailed and not current_app.config["MAIL_SERVER"]:
        deliver_due()  # development: the confirmation goes to the log at once
    return render_template("alerts/check_mail.html", target=target, email=email,
                           confirmed=alert.confirmed_at is not None, mailed=mailed)


@bp.route("/bevakning/bekrafta/<token>", methods=["GET", "POST"])
def alert_confirm(token: str):
    subscriber = service.subscriber_for(token, "confirm")
    if subscriber is None:
        return render_template("alerts/link_invalid.html"), 404
    pending = [a for a in subscriber.alerts if a.confirmed_at is None]
    if request.method == "GET":  # a link scanner's GET changes nothing; a person presses the button
        return render_template("alerts/confirm.html", token=token, pending=pending, rhythms=service.RHYTHMS)
    confirmed = service.confirm(subscriber)
    manage = service.issue_token(subscriber, "manage")
    db.session.commit()
    log.info("alert subscriber %s confirmed %d alert(s)", subscriber.id, len(confirmed))
    return redirect(url_for("public.alert_manage", token=manage, bekraftad=len(confirmed)), code=303)


@bp.get("/bevakning/<token>")
def alert_manage(token: str):
    subscriber = service.subscriber_for(token, "manage")
    if subscriber is None:
        return render_template("alerts/link_invalid.html"), 404
    return render_template("alerts/manage.html", subscriber=subscriber, token=token,
                           rhythms=service.RHYTHMS,
                           just_confirmed=request.args.get("bekraftad", type=int) or 0)


@bp.post("/bevakning/<token>/ta-bort/<int:alert_id>")
def alert_remove(token: str, alert_id: int):
    subscriber = service.subscriber_for(token, "manage")
    if subscriber is None:
        return render_template("alerts/link_invalid.html"), 404
    service.remove_alert(subscriber, alert_id)
    db.session.commit()
    if db.session.get(type(subscriber), subscriber.id) is None:
        return render_template("alerts/unsubscribed.html")
    return redirect(url_for("public.alert_manage", token=token), code=303)


@bp.route("/bevakning/avsluta/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail providers POST here without our form; the token authenticates
def alert_unsubscribe(token: str):
    subscriber = service.subscriber_for(token, "manage")
    if request.method == "GET":
        if subscriber is None:
            return render_template("alerts/link_invalid.html"), 404
        return render_template("alerts/unsubscribe.html", token=token, subscriber=subscriber)
    if subscriber is not None:
        service.forget(subscriber)
        db.session.commit()
        log.info("alert subscriber unsubscribed with one click")
    # Also when the address is already gone: unsubscribing twice is not an error.
    return render_template("alerts/unsubscribed.html")
