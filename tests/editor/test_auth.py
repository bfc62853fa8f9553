"""Signing in and out: sessions, redirects, deactivation, password links."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kb.extensions import db
from kb.models import AuditEvent, User, UserToken
from kb.services.mail import outbox
from kb.services.users import INVITE, RESET, issue_token
from tests.editor.fixtures import PASSWORD


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalars())


def test_login_page_is_swedish_and_has_no_account_needed_for_readers(client):
    html = client.get("/login").get_data(as_text=True)
    assert "E-postadress" in html and "Lösenord" in html and "Kom ihåg mig" in html


def test_login_with_the_right_password_opens_the_dashboard(users, app):
    client = app.test_client()
    response = client.post("/login", data={"email": "Editor@KB.test ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/redaktion/")
    page = client.get("/redaktion/")
    assert page.status_code == 200
    assert "Mina utkast" in page.get_data(as_text=True)
    assert _events("login")[0].target == "editor@kb.test"


def test_a_wrong_password_is_refused_with_a_swedish_message_and_the_email_kept(users, client):
    response = client.post("/login", data={"email": "editor@kb.test", "password": "fel lösenord"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in html
    assert 'value="editor@kb.test"' in html
    assert client.get("/redaktion/").status_code == 302
    assert _events("login_failed")[0].target == "editor@kb.test"


def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(users, client):
    response = client.post("/login", data={"email": "nobody@kb.test", "password": PASSWORD})
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


def test_an_empty_form_names_the_missing_fields(users, client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("Fältet måste fyllas i.") == 2


def test_editor_pages_send_anonymous_visitors_to_the_login_with_next(client):
    response = client.get("/redaktion/exempel")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert "%2Fredaktion%2Fexempel" in response.headers["Location"]


def test_login_follows_next_to_a_page_on_this_site(users, client):
    response = client.post("/login?next=/redaktion/exempel",
                           data={"email": "editor@kb.test", "password": PASSWORD,
                                 "next": "/redaktion/exempel"})
    assert response.headers["Location"].endswith("/redaktion/exempel")


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "http:/evil.example", "javascript:alert(1)", " //evil.example", "/%0d%0aLocation:x",
    "/\x00//evil.example", "https:evil.example",
])
def test_next_never_leads_off_the_site(users, client, target):
    response = client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD,
                                            "next": target})
    location = response.headers["Location"]
    assert location.endswith("/redaktion/") or location.startswith("/%0d"), location
    assert "evil.example" not in location.split("/redaktion/")[0]


def test_nothing_from_the_anonymous_session_survives_login(users, client):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone who handed the victim a session"
    before = client.get_cookie("session", domain="kb.test").value
    client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD})
    assert client.get_cookie("session", domain="kb.test").value != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{users['editor'].id}:")


def test_logout_ends_the_session_even_if_the_old_cookie_is_replayed(users, login, app):
    client = login(users["editor"])
    stolen = client.get_cookie("session", domain="kb.test").value
    assert client.get("/logout").status_code == 200  # a page with a button, not a GET logout
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/redaktion/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="kb.test")
    assert thief.get("/redaktion/").status_code == 302
    assert _events("logout")


def test_logging_in_again_ends_the_older_session(users, login):
    first = login(users["editor"])
    login(users["editor"])
    assert first.get("/redaktion/").status_code == 302


def test_a_deactivated_user_is_logged_out_on_the_next_request(users, login):
    client = login(users["editor"])
    assert client.get("/redaktion/").status_code == 200
    user = db.session.get(User, users["editor"].id)
    user.active = False
    db.session.commit()
    assert client.get("/redaktion/").status_code == 302


def test_a_deactivated_user_cannot_log_in(users, client):
    users["editor"].active = False
    db.session.commit()
    response = client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD})
    assert response.status_code == 401


def test_remember_me_sets_a_bounded_httponly_cookie(users, login, app):
    client = app.test_client()
    response = client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD,
                                            "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    when = dt.datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC)
    days = (when - dt.datetime.now(dt.UTC)).days
    assert 13 <= days <= 14


def test_remember_cookie_keeps_the_user_in_after_the_browser_session_ends(users, app):
    client = app.test_client()
    client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD, "remember": "y"})
    client.delete_cookie("session", domain="kb.test")
    assert client.get("/redaktion/").status_code == 200


def test_without_remember_me_closing_the_browser_logs_out(users, app):
    client = app.test_client()
    client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD})
    assert client.get_cookie("remember_token", domain="kb.test") is None
    client.delete_cookie("session", domain="kb.test")
    assert client.get("/redaktion/").status_code == 302


def _link(message) -> str:
    return re.search(r"https?://\S+/losenord/\S+", message.get_content()).group(0)


def test_password_reset_mails_a_one_time_link(users, app, client):
    response = client.post("/glomt-losenord", data={"email": "editor@kb.test"})
    assert response.status_code == 302
    assert list(outbox(app)) == []  # nothing an attacker could time happens before the answer
    response.close()  # the link is issued and mailed once the answer has gone out
    message = outbox(app)[-1]
    assert message["To"] == "editor@kb.test"
    path = _link(message).split("kb.test", 1)[1]
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "ett nytt långt lösenord", "confirm":
                                       "ett nytt långt lösenord"})
    assert response.status_code == 302
    assert client.get("/redaktion/").status_code == 200  # signed in by setting the password
    again = app.test_client().get(path)
    assert again.status_code == 404
    assert "Länken fungerar inte längre" in again.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": "editor@kb.test", "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": "editor@kb.test",
                                      "password": "ett nytt långt lösenord"}).status_code == 302


def test_password_reset_does_not_reveal_whether_an_account_exists(users, app, client):
    known = client.post("/glomt-losenord", data={"email": "editor@kb.test"}, follow_redirects=True)
    unknown = client.post("/glomt-losenord", data={"email": "nobody@kb.test"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "Om adressen har ett konto" in known.get_data(as_text=True)
    assert "Om adressen har ett konto" in unknown.get_data(as_text=True)
    assert [m["To"] for m in outbox(app)] == ["editor@kb.test"]


def test_an_expired_link_is_refused(users, client):
    raw = issue_token(users["editor"], RESET)
    token = db.session.execute(db.select(UserToken)).scalars().one()
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/losenord/{raw}").status_code == 404


def test_a_new_link_makes_the_older_one_stop_working(users, client):
    first = issue_token(users["editor"], RESET)
    second = issue_token(users["editor"], RESET)
    db.session.commit()
    assert client.get(f"/losenord/{first}").status_code == 404
    assert client.get(f"/losenord/{second}").status_code == 200


def test_a_too_short_or_mismatched_password_is_explained_and_the_link_still_works(users, client):
    raw = issue_token(users["editor"], INVITE)
    db.session.commit()
    response = client.post(f"/losenord/{raw}", data={"password": "kort", "confirm": "kort"})
    assert response.status_code == 422
    assert "minst 10" in response.get_data(as_text=True) or "10–200" in response.get_data(as_text=True)
    response = client.post(f"/losenord/{raw}", data={"password": "ett långt lösenord",
                                                     "confirm": "ett annat lösenord"})
    assert response.status_code == 422
    assert "Lösenorden är inte likadana." in response.get_data(as_text=True)
    assert client.get(f"/losenord/{raw}").status_code == 200


def test_passwords_are_stored_with_a_modern_kdf(app, users):
    from kb.config import Config

    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    assert users["editor"].password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])
    assert PASSWORD not in users["editor"].password_hash
