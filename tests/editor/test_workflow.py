"""The workflow draft → review → published → archived, who may take each step, and dashboards."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.extensions import db
from kb.models import AuditEvent, Case, CaseEvent, Revision, Status
from kb.services.cases import case_to_data, save_case
from tests.editor.fixtures import form_for


def _step(client, case, action, comment=""):
    return client.post(f"/redaktion/exempel/{case.id}/status",
                       data={"action": action, "comment": comment})


def _status(case) -> str:
    db.session.expire_all()
    return db.session.get(Case, case.id).status


def _audit(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalars().all()


# (step, status before, role) → HTTP status; the author is users["editor"].
STEPS = [
    ("submit", Status.DRAFT, "editor", 302),
    ("submit", Status.DRAFT, "other_editor", 403),
    ("submit", Status.DRAFT, "reviewer", 302),
    ("withdraw", Status.REVIEW, "editor", 302),
    ("withdraw", Status.REVIEW, "other_editor", 403),
    ("request_changes", Status.REVIEW, "editor", 403),
    ("request_changes", Status.REVIEW, "reviewer", 302),
    ("publish", Status.REVIEW, "editor", 403),
    ("publish", Status.REVIEW, "other_editor", 403),
    ("publish", Status.REVIEW, "reviewer", 302),
    ("publish", Status.REVIEW, "admin", 302),
    ("archive", Status.PUBLISHED, "editor", 403),
    ("archive", Status.PUBLISHED, "reviewer", 302),
    ("reopen", Status.ARCHIVED, "editor", 403),
    ("reopen", Status.ARCHIVED, "reviewer", 302),
    ("publish", Status.DRAFT, "reviewer", 409),   # not from draft: review first
    ("archive", Status.REVIEW, "reviewer", 409),
    ("submit", Status.PUBLISHED, "editor", 409),
    ("fly-away", Status.DRAFT, "admin", 400),
]


@pytest.mark.parametrize(("action", "before", "role", "expected"), STEPS)
def test_who_may_take_which_step(clients, draft, action, before, role, expected):
    data = case_to_data(draft)
    data["status"] = before.value
    save_case(data, case=draft)
    db.session.commit()
    response = _step(clients[role], draft, action, comment="Förtydliga resultatet.")
    assert response.status_code == expected, response.get_data(as_text=True)[:400]
    if expected == 302:
        assert _status(draft) != before
    else:
        assert _status(draft) == before


def test_the_whole_way_to_publication_and_back(clients, draft, users):
    assert _step(clients["editor"], draft, "submit").status_code == 302
    assert _status(draft) == Status.REVIEW
    page = clients["editor"].get(f"/redaktion/exempel/{draft.id}/redigera")
    assert page.status_code == 403  # in review, the editor waits

    response = _step(clients["reviewer"], draft, "request_changes", "Lägg till resultat.")
    assert response.status_code == 302
    assert _status(draft) == Status.DRAFT
    dashboard = clients["editor"].get("/redaktion/").get_data(as_text=True)
    assert "Granskaren begär ändringar:" in dashboard and "Lägg till resultat." in dashboard

    _step(clients["editor"], draft, "submit")
    assert clients["anon"].get(f"/exempel/{draft.slug}").status_code == 404
    _step(clients["reviewer"], draft, "publish")
    case = db.session.get(Case, draft.id)
    assert case.status == Status.PUBLISHED and case.published == dt.date.today()
    assert clients["anon"].get(f"/exempel/{draft.slug}").status_code == 200

    _step(clients["reviewer"], draft, "archive")
    assert clients["anon"].get(f"/exempel/{draft.slug}").status_code == 410  # archived: gone, and says so
    _step(clients["reviewer"], draft, "reopen")
    assert _status(draft) == Status.DRAFT

    # Workflow steps are events in the history, not versions: the content never changed.
    messages = [r.message for r in db.session.execute(
        db.select(Revision).filter_by(case_id=draft.id).order_by(Revision.number)).scalars()]
    assert messages == ["Första utkastet"] and db.session.get(Case, draft.id).version == 1
    events = [(e.action, e.comment) for e in db.session.execute(
        db.select(CaseEvent).filter_by(case_id=draft.id).order_by(CaseEvent.id)).scalars()]
    assert events == [("case_submitted", ""), ("case_changes_requested", "Lägg till resultat."),
                      ("case_submitted", ""), ("case_published", ""), ("case_archived", ""),
                      ("case_reopened", "")]
    history = clients["reviewer"].get(f"/redaktion/exempel/{draft.id}/historik").get_data(as_text=True)
    # The version links ("v1"), not the whole page: its random CSRF token can hold "v2".
    assert ">v1</a>" in history and ">v2</a>" not in history
    for label in ("Skickat till granskning", "Ändringar begärda", "Publicerat", "Arkiverat"):
        assert label in history.split('id="events-heading"')[1]
    assert {e.user_id for e in _audit("case_published")} == {users["reviewer"].id}
    assert _audit("case_archived") and _audit("case_changes_requested")


def test_request_changes_needs_a_comment_and_keeps_the_page(clients, draft):
    _step(clients["editor"], draft, "submit")
    response = _step(clients["reviewer"], draft, "request_changes", "   ")
    assert response.status_code == 422
    assert "Skriv en kommentar" in response.get_data(as_text=True)
    assert _status(draft) == Status.REVIEW


def test_an_invalid_case_cannot_be_published_and_says_why(clients, draft):
    db.session.get(Case, draft.id).status = Status.REVIEW.value
    db.session.execute(db.update(Case).where(Case.id == draft.id).values(year=1066))
    db.session.commit()
    response = _step(clients["reviewer"], draft, "publish")
    assert response.status_code == 422
    assert "Årtalet 1066 är inte rimligt." in response.get_data(as_text=True)


def test_editors_edit_only_their_own_drafts_reviewers_any_case(clients, draft, make_case):
    published = make_case(slug="publicerad")
    assert clients["editor"].get(f"/redaktion/exempel/{draft.id}/redigera").status_code == 200
    assert clients["other_editor"].get(f"/redaktion/exempel/{draft.id}/redigera").status_code == 403
    assert clients["editor"].get(f"/redaktion/exempel/{published.id}/redigera").status_code == 403
    assert clients["reviewer"].get(f"/redaktion/exempel/{published.id}/redigera").status_code == 200
    form = form_for(case_to_data(draft), version=1, title="Kapad")
    assert clients["other_editor"].post(f"/redaktion/exempel/{draft.id}/redigera",
                                        data=form).status_code == 403
    assert db.session.get(Case, draft.id).title == "Utkast om barnbudget"


def test_the_overview_offers_only_the_allowed_steps(clients, draft):
    _step(clients["editor"], draft, "submit")
    editor_page = clients["editor"].get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)
    reviewer_page = clients["reviewer"].get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)
    assert 'value="withdraw"' in editor_page and 'value="publish"' not in editor_page
    assert 'value="publish"' in reviewer_page and 'value="request_changes"' in reviewer_page
    assert "Ta bort exemplet" not in reviewer_page
    assert "Ta bort exemplet" in clients["admin"].get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)


def test_dashboards_show_own_work_and_the_review_queue(clients, draft, case_data, users):
    save_case(case_data(slug="skickat", title="Skickat exempel", status="review"),
              user=users["editor"])
    db.session.commit()
    editor = clients["editor"].get("/redaktion/").get_data(as_text=True)
    assert "Mina utkast" in editor and "Utkast om barnbudget" in editor
    assert "Skickat exempel" in editor
    assert "Granskningskö" not in editor
    reviewer = clients["reviewer"].get("/redaktion/").get_data(as_text=True)
    queue = reviewer.split("Granskningskö")[1].split("Behöver granskas igen")[0]
    assert "Skickat exempel" in queue and "Utkast om barnbudget" not in queue
    assert "Senaste ändringarna" in reviewer


def test_stale_cases_are_listed_oldest_first_and_can_be_marked_reviewed(clients, make_case, users):
    today = dt.date.today()
    make_case(slug="farsk", title="Färskt", reviewed=(today - dt.timedelta(days=30)).isoformat())
    make_case(slug="gammal", title="Gammalt", reviewed=(today - dt.timedelta(days=900)).isoformat())
    aldrig = make_case(slug="aldrig", title="Aldrig granskat", reviewed=None)
    make_case(slug="aldre", title="Äldst granskat", reviewed=(today - dt.timedelta(days=2000)).isoformat())
    page = clients["reviewer"].get("/redaktion/").get_data(as_text=True)
    stale = page.split("Behöver granskas igen")[1].split("Mina utkast")[0]
    assert "Färskt" not in stale
    assert stale.index("Aldrig granskat") < stale.index("Äldst granskat") < stale.index("Gammalt")

    response = clients["reviewer"].post(f"/redaktion/exempel/{aldrig.id}/granskad",
                                        data={"back": "dashboard"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/redaktion/")
    case = db.session.get(Case, aldrig.id)
    assert case.reviewed == today and case.version == 1  # an event, not a version
    event = db.session.execute(db.select(CaseEvent).filter_by(case_id=case.id)).scalar_one()
    assert event.action == "case_reviewed" and event.user_id == users["reviewer"].id
    assert _audit("case_reviewed")
    page = clients["reviewer"].get("/redaktion/").get_data(as_text=True)
    assert "Aldrig granskat" not in page.split("Behöver granskas igen")[1].split("Mina utkast")[0]


def test_editors_cannot_mark_cases_reviewed(clients, make_case):
    case = make_case(slug="x", reviewed=None)
    assert clients["editor"].post(f"/redaktion/exempel/{case.id}/granskad").status_code == 403
    assert db.session.get(Case, case.id).reviewed is None


def test_only_admins_delete_and_it_is_audited(clients, draft):
    assert clients["reviewer"].post(f"/redaktion/exempel/{draft.id}/ta-bort").status_code == 403
    page = clients["admin"].get(f"/redaktion/exempel/{draft.id}/ta-bort")
    assert "Det går inte att ångra" in page.get_data(as_text=True)
    assert clients["admin"].post(f"/redaktion/exempel/{draft.id}/ta-bort").status_code == 302
    assert db.session.get(Case, draft.id) is None
    assert "Utkast om barnbudget" in _audit("case_deleted")[0].target


def test_publishing_is_a_review(clients, draft):
    _step(clients["editor"], draft, "submit")
    _step(clients["reviewer"], draft, "publish")
    case = db.session.get(Case, draft.id)
    assert case.reviewed == dt.date.today()
    page = clients["reviewer"].get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)
    assert "aldrig markerats som granskat" not in page and "dags att granska" not in page
    dashboard = clients["reviewer"].get("/redaktion/").get_data(as_text=True)
    assert "Utkast om barnbudget" not in dashboard.split("Behöver granskas igen")[1].split("Mina utkast")[0]


def _edit_as(client, case, **changes):
    db.session.expire_all()
    current = db.session.get(Case, case.id)
    return client.post(f"/redaktion/exempel/{case.id}/redigera",
                       data=form_for(case_to_data(current), current.version, **changes))


def test_four_eyes_the_last_content_author_may_not_publish(clients, draft, users):
    _step(clients["editor"], draft, "submit")
    edited = _edit_as(clients["reviewer"], draft, summary="Granskaren skrev om sammanfattningen.")
    assert edited.status_code == 302
    response = _step(clients["reviewer"], draft, "publish")
    assert response.status_code == 409 and "fyra ögon" in response.get_data(as_text=True)
    assert _status(draft) == Status.REVIEW
    page = clients["reviewer"].get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)
    assert "Någon annan granskare ska publicera" in page
    # Someone else publishes: fine.
    assert _step(clients["admin"], draft, "publish").status_code == 302
    assert _status(draft) == Status.PUBLISHED


def test_an_admin_may_override_four_eyes_with_a_reason_in_the_audit_log(clients, draft):
    _step(clients["editor"], draft, "submit")
    edited = _edit_as(clients["admin"], draft, summary="Administratören rättade ett stavfel.")
    assert edited.status_code == 302
    response = _step(clients["admin"], draft, "publish")
    assert response.status_code == 422 and "Skriv varför" in response.get_data(as_text=True)
    assert _status(draft) == Status.REVIEW
    response = clients["admin"].post(f"/redaktion/exempel/{draft.id}/status", data={
        "action": "publish", "override": "Bara ett stavfel; ingen annan granskare i tjänst."})
    assert response.status_code == 302 and _status(draft) == Status.PUBLISHED
    (event,) = _audit("case_published")
    assert "Publicerat utan fyra ögon. Skäl: Bara ett stavfel" in event.detail
    log = clients["admin"].get("/redaktion/handelser").get_data(as_text=True)
    assert "Bara ett stavfel; ingen annan granskare i tjänst." in log


def test_four_eyes_can_be_turned_off(app, clients, draft, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEW_FOUR_EYES", False)
    _step(clients["editor"], draft, "submit")
    _edit_as(clients["reviewer"], draft, summary="Granskaren skrev om sammanfattningen.")
    assert _step(clients["reviewer"], draft, "publish").status_code == 302
