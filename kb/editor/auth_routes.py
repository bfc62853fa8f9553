"""Signing in and out, and setting a password through a one-time link."""
from __future__ import annotations

import ipaddress
import logging
import math
import time
from functools import partial
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from limits import RateLimitItem
from limits import parse as parse_limit

from kb.after_response import after_response
from kb.auth import safe_next_url
from kb.editor import auth_bp
from kb.editor.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from kb.extensions import db, limiter
from kb.models import User
from kb.services import audit
from kb.services.mail import MailError, send_mail
from kb.services.users import (
    RESET,
    UserError,
    authenticate,
    end_sessions,
    find_user,
    issue_token,
    normalise_email,
    start_session,
    use_token,
    valid_token,
)
from kb.urls import absolute_url

log = logging.getLogger(__name__)
BAD_LOGIN = "Fel e-postadress eller lösenord."


def _account_key() -> str:
    """Rate-limit key for the account named in the form."""
    return "account:" + normalise_email(request.form.get("email"))[:320]


def _client_address() -> str:
    """The client's address; IPv6 by its /64, which one subscriber usually holds whole."""
    address = get_remote_address() or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


def _account_address_key() -> str:
    return f"{_account_key()}|{_client_address()}"


def _seen_limit() -> tuple[RateLimitItem, list[str]]:
    """A counter of this address's failures on this account (the window of the
    per-account-and-address limit), kept beside Flask-Limiter's own counters."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "kb"
    return parse_limit(current_app.config["LOGIN_LIMIT_ACCOUNT"]), [prefix, "login-seen",
                                                                   _account_address_key()]


def _clean_address() -> bool:
    """No failed login on this account from this address: the account-wide limit lets the
    attempt through, so that an attacker elsewhere cannot lock the owner out."""
    item, keys = _seen_limit()
    return limiter.limiter.get_window_stats(item, *keys).remaining >= item.amount


def _count_failure() -> None:
    g.login_failed = True
    item, keys = _seen_limit()
    limiter.limiter.hit(item, *keys)


def _login_failed(response: Response) -> bool:
    return bool(g.get("login_failed"))


def _wait_minutes(limit: RequestLimit) -> int:
    return max(1, math.ceil((limit.reset_at - time.time()) / 60))


def _login_blocked(limit: RequestLimit) -> Response:
    """429 on the login page itself, keeping the e-mail address the user typed."""
    form = LoginForm(formdata=None, data={"email": request.form.get("email", ""),
                                          "next": request.form.get("next", "")})
    message = ("För många misslyckade inloggningsförsök för kontot eller från din adress. "
               f"Av säkerhetsskäl kan du försöka igen om {_wait_minutes(limit)} minuter.")
    return make_response(render_template("auth/login.html", form=form, blocked=message), 429)


def _reset_blocked(limit: RequestLimit) -> Response:
    form = ForgotPasswordForm(formdata=None, data={"email": request.form.get("email", "")})
    message = ("Du har begärt för många återställningslänkar. "
               f"Försök igen om {_wait_minutes(limit)} minuter.")
    return make_response(render_template("auth/forgot_password.html", form=form,
                                         blocked=message), 429)


def _login_limits(view):
    """Failed logins (a wrong password, an unknown account, an invalid form) count three ways,
    in the shared limiter storage (Redis in production), and any breach answers 429:

    - per address (all accounts): one source cannot try many accounts;
    - per account from one address: one source cannot guess one password for long;
    - per account from all addresses (a distributed guess), but only for addresses that have
      already failed on it: the owner, from an address with no failures, still gets in.
    """
    common: dict[str, Any] = {"methods": ["POST"], "deduct_when": _login_failed, "on_breach": _login_blocked}
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT_TOTAL"],
                         key_func=_account_key, scope="login-account", exempt_when=_clean_address,
                         **common)(view)
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
                         key_func=_account_address_key, scope="login-account-address", **common)(view)
    return limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
                         key_func=_client_address, scope="login-address", **common)(view)


def _sign_in(user: User, remember: bool = False) -> None:
    """A new session for ``user``: nothing survives from the anonymous one."""
    session.clear()
    start_session(user)
    login_user(user, remember=remember)
    audit.record("login", user.email, user=user)


@auth_bp.route("/login", methods=["GET", "POST"])
@_login_limits
def login():
    form = LoginForm()
    target = safe_next_url(form.next.data if request.method == "POST" else request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("editor.dashboard"))
    if request.method == "GET":
        form.next.data = target or ""
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit():
        _count_failure()  # invalid forms count like wrong passwords
        return render_template("auth/login.html", form=form), 400
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        _count_failure()
        audit.record("login_failed", normalise_email(form.email.data)[:300])
        db.session.commit()
        return render_template("auth/login.html", form=form, error=BAD_LOGIN), 401
    _sign_in(user, remember=form.remember.data)
    db.session.commit()
    flash(f"Du är inloggad som {user.email}.", "success")
    return redirect(target or url_for("editor.dashboard"))


@auth_bp.route("/logout", methods=["GET", "POST"])
def logout():
    if not current_user.is_authenticated:
        return redirect(url_for("public.index"))
    if request.method == "GET":
        return render_template("auth/logout.html")
    user = current_user._get_current_object()
    end_sessions(user)  # every other session and remember-me cookie of the user ends too
    audit.record("logout", user.email, user=user)
    db.session.commit()
    session.clear()
    logout_user()
    flash("Du är utloggad.", "success")
    return redirect(url_for("public.index"))


@auth_bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"],
               key_func=get_remote_address, scope="reset-address", on_breach=_reset_blocked)
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"],
               key_func=_account_key, scope="reset-account", on_breach=_reset_blocked)
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("auth/forgot_password.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form), 400
    # The same answer, after the same work, whether or not the address has an account: the
    # look-up, the link and the mail happen after the response has gone out (their time
    # told an attacker which addresses have accounts).
    flash("Om adressen har ett konto hos oss har vi skickat en länk för att välja nytt lösenord. "
          f"Länken gäller i {current_app.config['RESET_TOKEN_HOURS']} timmar.", "success")
    after_response(partial(
        reset_after_response, current_app._get_current_object(),  # type: ignore[attr-defined]
        form.email.data, absolute_url("public.index"), request.remote_addr or ""))
    return redirect(url_for("auth.login"))


def reset_after_response(app: Flask, email: str, root_url: str, ip: str) -> None:
    """Issue and mail a reset link if ``email`` has an active account (runs after the response).
    Its own app context: its own database session and ``g``, also when it runs within the
    request (kb/after_response.py)."""
    with app.app_context(), app.test_request_context(base_url=root_url, environ_base={"REMOTE_ADDR": ip}):
        try:
            user = find_user(email)
            if user is None or not user.active:
                return
            raw = issue_token(user, RESET)
            audit.record("password_reset_requested", user.email)
            db.session.commit()
            _send_reset(user, raw)
        except Exception:  # noqa: BLE001 — nobody is waiting for an answer any more
            log.exception("password reset for a requested address failed")


def _send_reset(user: User, raw: str) -> None:
    link = absolute_url("auth.set_password", token=raw)
    body = render_template("auth/mail/reset.txt", user=user, link=link,
                           hours=current_app.config["RESET_TOKEN_HOURS"])
    try:
        send_mail(user.email, "Välj nytt lösenord i Kunskapsbanken", body)
    except MailError:
        log.error("password reset mail to %s failed", user.email)


@auth_bp.route("/losenord/<token>", methods=["GET", "POST"])
def set_password(token: str):
    found = valid_token(token)
    if found is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                user = use_token(found, form.password.data)
            except UserError as exc:
                form.password.errors = [*form.password.errors, exc.message]
            else:
                _sign_in(user)
                db.session.commit()
                flash("Lösenordet är sparat och du är inloggad.", "success")
                return redirect(url_for("editor.dashboard"))
    return render_template("auth/set_password.html", form=form, token=found), status
