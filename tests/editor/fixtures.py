"""Accounts and logged-in clients for the editor and security tests."""
from __future__ import annotations

import pytest
from flask import g

from kb.extensions import db
from kb.models import Status
from kb.services.cases import save_case
from kb.services.users import create_user

PASSWORD = "ett långt lösenord 42"
ROLES = {"editor": "editor", "other_editor": "editor", "reviewer": "reviewer", "admin": "admin"}


@pytest.fixture
def fresh_login_state(app):
    """Give every test request an empty ``g``, as in production.

    Test requests reuse the fixture's app context, so ``g`` would carry Flask-Login's cached
    user and Flask-WTF's CSRF token from one request (and one client) to the next.
    """
    def _empty_g() -> None:
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, _empty_g)


@pytest.fixture
def users(app, fresh_login_state):
    """One active account per role (and a second editor), all with :data:`PASSWORD`."""
    made = {key: create_user(f"{key}@kb.test", role, name=key.replace("_", " ").title(),
                             password=PASSWORD)
            for key, role in ROLES.items()}
    db.session.commit()
    return made


@pytest.fixture
def login(app):
    """``login(user)`` → a test client signed in as ``user`` through the real form."""
    def sign_in(user, password: str = PASSWORD, client=None, remember: bool = False):
        client = client or app.test_client()
        response = client.post("/login", data={"email": user.email, "password": password,
                                               "remember": "y" if remember else ""})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return sign_in


@pytest.fixture
def clients(users, login, app):
    """A client per role, plus ``anon``."""
    made = {key: login(user) for key, user in users.items()}
    made["anon"] = app.test_client()
    return made


@pytest.fixture
def draft(app, case_data, users):
    """A draft written by ``users["editor"]``."""
    case = save_case(case_data(title="Utkast om barnbudget", status=Status.DRAFT.value,
                               published=None), user=users["editor"], message="Första utkastet")
    db.session.commit()
    return case


def form_for(case_dict: dict, version: int | None = None, **changes) -> dict:
    """The editor form's fields for an import-format dict (what a browser would post)."""
    data = {**case_dict, **changes}
    form = {key: "" if data.get(key) is None else str(data[key]) for key in (
        "title", "slug", "summary", "organisation", "organisation_type", "county", "year",
        "published", "evidence_level", "reviewed", "body")}
    tags = data.get("tags") or []
    form["tags"] = tags if isinstance(tags, str) else ", ".join(tags)
    form["municipalities"] = list(data.get("municipalities") or [])
    form["articles"] = [str(a) for a in data.get("articles") or []]
    for i, row in enumerate(data.get("contacts") or []):
        for key, value in row.items():
            form[f"contacts-{i}-{key}"] = value or ""
    for i, row in enumerate(data.get("sources") or []):
        for key, value in row.items():
            form[f"sources-{i}-{key}"] = value or ""
    if version is not None:
        form["version"] = str(version)
    if "message" in data:
        form["message"] = data["message"]
    return form
