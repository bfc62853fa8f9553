"""A form sent while the database is away: the 503 page shows back everything typed (except
secrets), so that nothing is lost even without the case form's draft in the browser."""
from __future__ import annotations

from kb import create_app
from tests.editor.fixtures import form_for
from tests.editor.test_suggest import TIP


def _down_app(tmp_path):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'kb.sqlite3'}",
                       "INDEX_DIR": str(tmp_path / "index"), "SERVER_NAME": "kb.test"})


def test_a_case_saved_while_the_database_is_away_comes_back_on_the_503_page(tmp_path, case_data):
    client = _down_app(tmp_path).test_client()
    with client.session_transaction() as session:  # a signed-in editor
        session["_user_id"] = "1:token"
        session["_fresh"] = True
    form = form_for(case_data(title="Rubriken som inte får försvinna",
                              body="## Bakgrund\n\nText skriven <när> databasen var borta."),
                    version=3, message="Mitt meddelande",
                    contacts=[{"name": "", "role": "Barnrättsstrateg", "email": "barn@exempelby.se"}])
    response = client.post("/redaktion/exempel/7/redigera", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "kan inte nå sin databas" in html
    assert "Det du skrev" in html
    for typed in ("Rubriken som inte får försvinna", "Text skriven &lt;när&gt; databasen var borta.",
                  "Mitt meddelande", "Barnrättsstrateg", "barn@exempelby.se", form["summary"]):
        assert typed in html, typed


def test_the_503_page_shows_back_a_tip_but_never_a_password(tmp_path):
    client = _down_app(tmp_path).test_client()
    tip = client.post("/tipsa", data=TIP)
    html = tip.get_data(as_text=True)
    assert tip.status_code == 503 and TIP["title"] in html and TIP["summary"] in html
    login = client.post("/login", data={"email": "rut@example.se", "password": "hemligt-lösen-42"})
    html = login.get_data(as_text=True)
    assert login.status_code == 503 and "rut@example.se" in html
    assert "hemligt-lösen-42" not in html


def test_a_page_asked_for_while_the_database_is_away_shows_nothing_typed(tmp_path):
    response = _down_app(tmp_path).test_client().get("/exempel?q=barnbudget")
    assert response.status_code == 503 and "Det du skrev" not in response.get_data(as_text=True)
