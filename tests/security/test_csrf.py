"""CSRF: every state-changing request needs the token (tests turn CSRF off; these turn it on)."""
from __future__ import annotations

import re

import pytest

from kb.extensions import db
from kb.models import Case, User
from tests.editor.fixtures import PASSWORD, form_for


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _refused(response) -> None:
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "säkerhetsnyckeln saknas eller är för gammal" in html and "Ladda om sidan" in html


def test_login_without_a_token_is_refused(users, app, csrf_on):
    client = app.test_client()
    _refused(client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD}))
    assert client.get("/redaktion/").status_code == 302
    token = _token(client, "/login")
    response = client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302 and client.get("/redaktion/").status_code == 200


def test_a_forged_case_form_changes_nothing(users, login, app, draft, csrf_on):
    client = app.test_client()
    client.post("/login", data={"email": "reviewer@kb.test", "password": PASSWORD,
                                "csrf_token": _token(client, "/login")})
    from kb.services.cases import case_to_data

    form = form_for(case_to_data(draft), version=1, title="Förfalskad rubrik")
    _refused(client.post(f"/redaktion/exempel/{draft.id}/redigera", data=form))
    _refused(client.post(f"/redaktion/exempel/{draft.id}/redigera",
                         data={**form, "csrf_token": "inte-rätt-nyckel"}))
    _refused(client.post(f"/redaktion/exempel/{draft.id}/status", data={"action": "submit"}))
    _refused(client.post(f"/redaktion/exempel/{draft.id}/ta-bort"))
    db.session.expire_all()
    case = db.session.get(Case, draft.id)
    assert case.title == "Utkast om barnbudget" and case.status == "draft"

    token = _token(client, f"/redaktion/exempel/{draft.id}/redigera")
    response = client.post(f"/redaktion/exempel/{draft.id}/redigera", data={**form, "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, draft.id).title == "Förfalskad rubrik"


def test_admin_actions_and_logout_need_the_token(users, app, csrf_on):
    client = app.test_client()
    client.post("/login", data={"email": "admin@kb.test", "password": PASSWORD,
                                "csrf_token": _token(client, "/login")})
    editor = users["editor"]
    _refused(client.post(f"/redaktion/anvandare/{editor.id}", data={"role": "admin", "active": "y"}))
    _refused(client.post("/logout"))
    db.session.expire_all()
    assert db.session.get(User, editor.id).role == "editor"
    assert client.get("/redaktion/").status_code == 200


def test_the_preview_needs_the_token_in_a_header(users, app, csrf_on):
    client = app.test_client()
    client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD,
                                "csrf_token": _token(client, "/login")})
    _refused(client.post("/redaktion/forhandsvisning", data={"body": "*hej*"}))
    html = client.get("/redaktion/exempel/nytt").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/redaktion/forhandsvisning", data={"body": "*hej*"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["html"] == "<p><em>hej</em></p>"


def test_the_public_suggestion_form_needs_the_token(client, csrf_on):
    _refused(client.post("/tipsa", data={"title": "x", "organisation": "y",
                                         "organisation_type": "kommun", "summary": "z"}))
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
