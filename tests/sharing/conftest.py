"""Fixtures for the sharing tests: a few published cases, a draft, and an editor session."""
from __future__ import annotations

import pytest
from flask import g

from kb.extensions import db


@pytest.fixture
def cases(make_case):
    """Two published cases (one with personal and functional contacts) and a draft."""
    first = make_case(
        title="Barnkonsekvensanalys i budgetarbetet", slug="bka-budget",
        contacts=[
            {"name": "Anna Svensson", "role": "Barnrättsstrateg", "email": "anna.svensson@exempelby.se"},
            {"name": "", "role": "Kommunens kontaktcenter", "email": "kontaktcenter@exempelby.se"},
        ],
        sources=[{"title": "Kommunens budget 2023", "url": "https://exempelby.se/budget"}],
        body="## Bakgrund\n\nPolitikerna ville se barnen i [budgeten](https://exempelby.se/budget).\n",
    )
    second = make_case(
        title="Ungdomsdialog i Västerås", slug="ungdomsdialog-vasteras",
        organisation="Västerås stad", county="Västmanlands län", municipalities=["Västerås"],
        tags=["ungdomsdialog", "delaktighet"], articles=[12], year=2019, published="2024-02-01",
        summary="Unga i Västerås möter politiker fyra gånger om året.",
    )
    draft = make_case(title="Hemligt utkast om sommarlov", slug="utkast-sommarlov", status="draft",
                      summary="Ett utkast som inte får synas för läsare.")
    return first, second, draft


@pytest.fixture
def login(app, client):
    """Log ``client`` in as an editor (as Flask-Login's session would after a real login)."""
    from kb.models import User

    def log_in(role: str = "editor"):
        user = User(email=f"{role}@exempel.se", name="Redaktör", role=role, session_token="t0k3n")
        db.session.add(user)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        g.pop("_login_user", None)  # the test app context outlives requests; forget the reader
        return user
    return log_in
