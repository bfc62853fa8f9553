"""Admins: inviting users, roles, deactivation, one-time links, the audit log."""
from __future__ import annotations

import re

from kb.extensions import db
from kb.models import AuditEvent, User
from kb.services.mail import outbox


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()


def test_an_admin_invites_a_user_who_sets_a_password_through_the_link(clients, app):
    response = clients["admin"].post("/redaktion/anvandare/ny", data={
        "email": "Ny.Redaktor@Region.se", "name": "Ny Redaktör", "role": "reviewer"})
    assert response.status_code == 302
    user = _user("ny.redaktor@region.se")
    assert user.role == "reviewer" and user.password_hash is None
    message = outbox(app)[-1]
    assert message["To"] == "ny.redaktor@region.se"
    assert "granskare" in message.get_content() and "7 dagar" in message.get_content()
    path = re.search(r"https?://kb\.test(/losenord/\S+)", message.get_content()).group(1)

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert "Välkommen till Kunskapsbanken" in page.get_data(as_text=True)
    newcomer.post(path, data={"password": "mitt eget lösenord", "confirm": "mitt eget lösenord"})
    assert newcomer.get("/redaktion/").status_code == 200
    assert newcomer.get(path).status_code == 404
    invited = db.session.execute(db.select(AuditEvent).filter_by(action="user_invited")).scalar_one()
    assert invited.target == "ny.redaktor@region.se" and invited.user.email == "admin@kb.test"


def test_inviting_an_existing_or_bad_address_explains_and_keeps_the_form(clients):
    response = clients["admin"].post("/redaktion/anvandare/ny", data={
        "email": "editor@kb.test", "name": "Dubblett", "role": "editor"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns redan ett konto för editor@kb.test." in html and 'value="Dubblett"' in html
    response = clients["admin"].post("/redaktion/anvandare/ny", data={
        "email": "inte en adress", "name": "", "role": "superuser"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ange en giltig e-postadress" in html and "Välj ett av alternativen" in html


def test_a_role_change_takes_effect_at_once_and_is_audited(clients, users):
    assert clients["editor"].get("/redaktion/anvandare").status_code == 403
    response = clients["admin"].post(f"/redaktion/anvandare/{users['editor'].id}", data={
        "name": "Editor", "role": "admin", "active": "y"})
    assert response.status_code == 302
    assert clients["editor"].get("/redaktion/anvandare").status_code == 200
    event = db.session.execute(db.select(AuditEvent).filter_by(action="role_changed")).scalar_one()
    assert event.detail == "Redaktör → Administratör" and event.target == "editor@kb.test"


def test_deactivating_logs_the_user_out(clients, users):
    assert clients["editor"].get("/redaktion/").status_code == 200
    clients["admin"].post(f"/redaktion/anvandare/{users['editor'].id}", data={
        "name": "Editor", "role": "editor"})
    assert _user("editor@kb.test").active is False
    assert clients["editor"].get("/redaktion/").status_code == 302
    assert db.session.execute(db.select(AuditEvent).filter_by(action="user_deactivated")).first()


def test_the_last_admin_cannot_be_demoted_or_deactivated(clients, users):
    admin = users["admin"]
    response = clients["admin"].post(f"/redaktion/anvandare/{admin.id}", data={
        "name": "Admin", "role": "editor", "active": "y"})
    assert response.status_code == 409
    assert "minst en aktiv administratör" in response.get_data(as_text=True)
    assert _user("admin@kb.test").role == "admin"
    response = clients["admin"].post(f"/redaktion/anvandare/{admin.id}", data={
        "name": "Admin", "role": "admin"})
    assert response.status_code == 409 and _user("admin@kb.test").active


def test_a_new_link_is_a_reset_for_users_with_a_password(clients, users, app):
    response = clients["admin"].post(f"/redaktion/anvandare/{users['editor'].id}/lank")
    assert response.status_code == 302
    assert "Välj nytt lösenord" in outbox(app)[-1]["Subject"]


def test_a_failing_mail_server_is_reported_to_the_admin(clients, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    response = clients["admin"].post("/redaktion/anvandare/ny", data={
        "email": "ny@kb.test", "name": "", "role": "editor"}, follow_redirects=True)
    assert "e-postmeddelandet kunde inte skickas" in response.get_data(as_text=True)
    assert _user("ny@kb.test")  # the account exists; a new link can be sent later


def test_the_audit_log_lists_logins_and_can_be_filtered(clients, users):
    page = clients["admin"].get("/redaktion/handelser").get_data(as_text=True)
    assert "Inloggning" in page and "reviewer@kb.test" in page
    page = clients["admin"].get("/redaktion/handelser?action=user_created&q=reviewer").get_data(as_text=True)
    assert "reviewer@kb.test" in page and "editor@kb.test</td>" not in page
    assert clients["reviewer"].get("/redaktion/handelser").status_code == 403
