"""Revisions: who, when, what; a readable diff between any two; restore by a reviewer."""
from __future__ import annotations

from kb.editor.diff import diff_data
from kb.extensions import db
from kb.models import AuditEvent, Case, Revision, Status
from kb.services.cases import case_to_data, save_case


def _versions(draft, users):
    """v1 (fixture), v2 new summary by the editor, v3 new body by the reviewer."""
    data = case_to_data(draft)
    data["summary"] = "Andra sammanfattningen."
    save_case(data, case=draft, user=users["editor"], message="Ny sammanfattning")
    data = case_to_data(draft)
    data["body"] = ("## Bakgrund\n\nPolitikerna ville se barnen i budgeten.\n\n"
                    "## Resultat\n\nFler lekplatser.\n")
    data["tags"] = ["barnbudget"]
    save_case(data, case=draft, user=users["reviewer"], message="Resultat tillagt")
    db.session.commit()


def test_history_lists_every_revision_with_who_and_why(clients, draft, users):
    _versions(draft, users)
    html = clients["editor"].get(f"/redaktion/exempel/{draft.id}/historik").get_data(as_text=True)
    for text in ("v1", "v2", "v3", "Första utkastet", "Ny sammanfattning", "Resultat tillagt",
                 "Editor", "Reviewer"):
        assert text in html, text
    # By default the newest two are compared.
    assert "Skillnader mellan version 2 och 3" in html
    assert "Fler lekplatser." in html and 'class="diff-add"' in html


def test_any_two_revisions_can_be_compared_in_either_order(clients, draft, users):
    _versions(draft, users)
    html = clients["editor"].get(f"/redaktion/exempel/{draft.id}/historik?a=3&b=1").get_data(as_text=True)
    assert "Skillnader mellan version 1 och 3" in html
    assert "Andra sammanfattningen." in html and "Kommunen gör en barnkonsekvensanalys" in html
    assert "<del>barnkonsekvensanalys, styrning</del>" in html and "<ins>barnbudget</ins>" in html


def test_the_diff_is_field_by_field_and_line_by_line():
    old = {"title": "A", "body": "ett\ntvå\ntre\nfyra\nfem\nsex\nsju", "tags": ["x"]}
    new = {"title": "A", "body": "ett\ntvå\ntre\nFYRA\nfem\nsex\nsju", "tags": ["x", "y"]}
    changes = {c.key: c for c in diff_data(old, new)}
    assert set(changes) == {"body", "tags"}
    assert changes["tags"].before == "x" and changes["tags"].after == "x, y"
    assert ("del", "fyra") in changes["body"].lines and ("add", "FYRA") in changes["body"].lines
    assert ("ctx", "ett") not in changes["body"].lines  # only two lines of context


def test_one_revision_can_be_read_in_full(clients, draft, users):
    _versions(draft, users)
    html = clients["editor"].get(f"/redaktion/exempel/{draft.id}/historik/2").get_data(as_text=True)
    assert "Version 2" in html and "Andra sammanfattningen." in html and "Sammanfattning" in html
    assert clients["editor"].get(f"/redaktion/exempel/{draft.id}/historik/9").status_code == 404


def test_a_reviewer_restores_an_earlier_revision_as_a_new_one(clients, draft, users):
    _versions(draft, users)
    data = case_to_data(draft)
    data["status"] = Status.REVIEW.value
    save_case(data, case=draft, user=users["editor"], message="Till granskning")
    db.session.commit()
    response = clients["reviewer"].post(f"/redaktion/exempel/{draft.id}/historik/1/aterstall")
    assert response.status_code == 302
    case = db.session.get(Case, draft.id)
    assert case.version == 5
    assert case.summary == "Kommunen gör en barnkonsekvensanalys inför varje budgetbeslut."
    assert "Fler lekplatser." not in case.body and [t.name for t in case.tags] == [
        "barnkonsekvensanalys", "styrning"]
    assert case.status == Status.REVIEW  # workflow state is not rolled back
    newest = db.session.execute(db.select(Revision).filter_by(case_id=case.id, number=5)).scalar_one()
    assert newest.message == "Återställd från version 1" and newest.user_id == users["reviewer"].id
    assert db.session.execute(db.select(AuditEvent).filter_by(action="case_restored")).first()
    assert db.session.scalar(db.select(db.func.count(Revision.id)).filter_by(case_id=case.id)) == 5


def test_restoring_the_current_content_changes_nothing(clients, draft, users):
    response = clients["reviewer"].post(f"/redaktion/exempel/{draft.id}/historik/1/aterstall",
                                        follow_redirects=True)
    assert "samma innehåll" in response.get_data(as_text=True)
    assert db.session.get(Case, draft.id).version == 1


def test_editors_cannot_restore(clients, draft, users):
    _versions(draft, users)
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/historik/1/aterstall")
    assert response.status_code == 403
    assert db.session.get(Case, draft.id).version == 3
    page = clients["editor"].get(f"/redaktion/exempel/{draft.id}/historik").get_data(as_text=True)
    assert "Återställ" not in page


def test_the_diff_speaks_swedish():
    from kb.editor.diff import diff_data

    old = {"status": "review", "published": None, "reviewed": "2025-01-10", "year": 2020, "title": "A"}
    new = {"status": "published", "published": "2026-03-02", "reviewed": "2026-03-02", "year": None,
           "title": "A"}
    changes = {c.key: (c.label, c.before, c.after) for c in diff_data(old, new)}
    assert changes["status"] == ("Status", "Granskas", "Publicerad")
    assert changes["published"] == ("Publicerad", "", "2 mars 2026")
    assert changes["reviewed"] == ("Senast granskad", "10 januari 2025", "2 mars 2026")
    assert changes["year"] == ("Startår", "2020", "")
    assert "title" not in changes
