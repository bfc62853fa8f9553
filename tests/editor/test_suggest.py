"""The public form "Tipsa om ett exempel": a draft in the review queue, honeypot, rate limit."""
from __future__ import annotations

from kb.extensions import db
from kb.models import Case, Status
from kb.services.mail import outbox

TIP = {
    "title": "Barnens egen budget i Exempelby",
    "organisation": "Exempelby kommun",
    "organisation_type": "kommun",
    "county": "Uppsala län",
    "summary": "Barn får bestämma över en del av fritidsbudgeten.",
    "body": "De började 2022.",
    "link": "https://exempelby.se/barnbudget",
    "name": "Kim Tipsare",
    "email": "kim@example.se",
}


def _only_case() -> Case:
    return db.session.execute(db.select(Case)).scalar_one()


def test_anyone_can_open_the_form_from_the_footer(client):
    assert 'href="/tipsa"' in client.get("/").get_data(as_text=True)
    html = client.get("/tipsa").get_data(as_text=True)
    assert "Tipsa om ett exempel" in html and 'name="webbplats"' in html
    assert "visas aldrig publikt" in html


def test_a_tip_becomes_a_draft_in_the_review_queue(client, clients, app):
    response = client.post("/tipsa", data=TIP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/tipsa/tack")
    case = _only_case()
    assert case.status == Status.DRAFT and case.created_by_id is None
    assert case.suggested_by == "Kim Tipsare <kim@example.se>"
    assert case.sources[0].url == "https://exempelby.se/barnbudget"
    assert case.contacts == []  # the tipster's address is never a public contact
    queue = clients["reviewer"].get("/redaktion/").get_data(as_text=True).split("Granskningskö")[1]
    assert "Barnens egen budget i Exempelby" in queue and "Tips" in queue
    assert client.get(f"/exempel/{case.slug}").status_code == 404
    # Reviewers (and admins) hear about it.
    assert {m["To"] for m in outbox(app)} == {"reviewer@kb.test", "admin@kb.test"}


def test_the_tipsters_address_stays_private_after_publication(client, clients):
    client.post("/tipsa", data=TIP)
    case = _only_case()
    for action in ("submit", "publish"):
        clients["reviewer"].post(f"/redaktion/exempel/{case.id}/status", data={"action": action})
    page = client.get(f"/exempel/{case.slug}").get_data(as_text=True)
    assert "Barnens egen budget i Exempelby" in page
    assert "kim@example.se" not in page and "Kim Tipsare" not in page
    assert "kim@example.se" not in client.get(f"/api/v1/cases/{case.slug}").get_data(as_text=True)


def test_mistakes_are_explained_and_nothing_typed_is_lost(client):
    response = client.post("/tipsa", data={**TIP, "title": "", "organisation_type": "",
                                           "email": "inte-en-adress", "link": "ftp://nej"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Fältet måste fyllas i.") >= 2
    assert "Ange en giltig e-postadress" in html and "måste börja med http" in html
    for typed in ("Exempelby kommun", "Barn får bestämma", "De började 2022.", "ftp://nej",
                  "Kim Tipsare", "inte-en-adress"):
        assert typed in html, typed
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_bots_filling_the_honeypot_are_thanked_but_nothing_is_saved(client):
    response = client.post("/tipsa", data={**TIP, "webbplats": "http://spam.example"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_too_many_tips_from_one_address_are_refused_with_the_text_kept(client, app):
    app.config["SUGGEST_LIMIT"] = "2 per hour"
    for n in range(2):
        assert client.post("/tipsa", data={**TIP, "title": f"Tips {n}"}).status_code == 302
    response = client.post("/tipsa", data={**TIP, "title": "Ett tredje tips"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Vänta en stund" in html and "Ett tredje tips" in html
    assert response.headers.get("Retry-After")
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 2
    other = app.test_client()
    assert other.post("/tipsa", data={**TIP, "title": "Från annan adress"},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_only_reviewers_and_admins_see_who_sent_a_tip(client, clients):
    client.post("/tipsa", data=TIP)
    case = _only_case()
    for role in ("reviewer", "admin"):
        page = clients[role].get(f"/redaktion/exempel/{case.id}").get_data(as_text=True)
        assert "kim@example.se" in page and "Kim Tipsare" in page, role
    for path in (f"/redaktion/exempel/{case.id}", "/redaktion/", "/redaktion/exempel",
                 f"/redaktion/exempel/{case.id}/redigera", f"/redaktion/exempel/{case.id}/historik"):
        page = clients["editor"].get(path).get_data(as_text=True)
        assert "kim@example.se" not in page and "Kim Tipsare" not in page, path
