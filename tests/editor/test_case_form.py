"""Writing a case: the form, validation that keeps every value, optimistic locking, preview."""
from __future__ import annotations

import pytest

from kb import search
from kb.extensions import db
from kb.markup import render_markdown
from kb.models import Case, IndexChange, Revision, Status
from kb.services.cases import case_to_data, save_case
from tests.editor.fixtures import form_for


@pytest.fixture
def index_syncs(monkeypatch):
    """Count the calls to kb.search.sync_index made after commits."""
    calls = []
    real = search.sync_index
    monkeypatch.setattr(search, "sync_index", lambda **kwargs: calls.append(kwargs) or real(**kwargs))
    return calls


def test_the_form_offers_every_field_with_reference_pickers(clients):
    html = clients["editor"].get("/redaktion/exempel/nytt").get_data(as_text=True)
    for name in ("title", "slug", "summary", "body", "organisation", "organisation_type",
                 "county", "municipalities", "year", "published", "evidence_level", "tags",
                 "articles", "contacts-0-name", "contacts-0-role", "contacts-0-email",
                 "sources-0-title", "sources-0-url", "message"):
        assert f'name="{name}"' in html, name
    assert '<option value="Uppsala län"' in html
    assert '<optgroup label="Uppsala län"' in html and '<option value="Enköping"' in html
    assert 'id="article-12"' in html and "Rätten att uttrycka sina åsikter" in html
    assert 'data-preview-url="/redaktion/forhandsvisning"' in html
    assert 'data-tags-url="/redaktion/taggar"' in html
    assert '<script src="/static/js/editor.js' in html


def test_an_editor_creates_a_draft_with_a_revision_and_an_index_change(clients, users, index_syncs,
                                                                       case_data):
    form = form_for(case_data(title="Ungdomsråd i Exempelby", status=None, published=None),
                    message="Nytt exempel")
    response = clients["editor"].post("/redaktion/exempel/nytt", data=form)
    assert response.status_code == 302
    case = db.session.execute(db.select(Case).filter_by(title="Ungdomsråd i Exempelby")).scalar_one()
    assert case.status == Status.DRAFT
    assert case.created_by_id == users["editor"].id
    assert case.municipalities[0].name == "Uppsala"
    assert [a.number for a in case.articles] == [3, 12]
    revision = db.session.execute(db.select(Revision).filter_by(case_id=case.id)).scalar_one()
    assert revision.user_id == users["editor"].id and revision.message == "Nytt exempel"
    assert db.session.execute(db.select(IndexChange).filter_by(case_id=case.id)).first()
    assert response.headers["Location"].endswith(f"/redaktion/exempel/{case.id}")
    assert not index_syncs, "the editor must not wait for the search index"
    response.close()  # the answer has gone out (a WSGI server closes every response)
    assert index_syncs == [{"wait": False}], "the index must catch up after the commit"


def test_a_draft_is_not_public_but_editors_can_read_it(clients, draft):
    assert clients["anon"].get(f"/exempel/{draft.slug}").status_code == 404
    page = clients["other_editor"].get(f"/exempel/{draft.slug}")
    assert page.status_code == 200 and "inte publicerat" in page.get_data(as_text=True)


def test_validation_errors_keep_everything_typed(clients, case_data):
    form = form_for(case_data(title="", year="tjugohundra", county="Atlantis län",
                              body="## Bakgrund\n\nMycket text som inte får försvinna.",
                              contacts=[{"name": "Anna", "role": "Strateg", "email": "inte-en-adress"}],
                              sources=[{"title": "Rapport", "url": "ftp://x"}]),
                    message="mitt meddelande")
    response = clients["editor"].post("/redaktion/exempel/nytt", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Exemplet sparades inte" in html
    assert "Fältet måste fyllas i." in html
    assert "Ogiltigt årtal" in html and "Okänt län" in html
    assert "Ogiltig e-postadress" in html and "måste börja med http" in html
    for typed in ("tjugohundra", "Mycket text som inte får försvinna.", "Anna", "Strateg",
                  "inte-en-adress", "ftp://x", "mitt meddelande", "barnkonsekvensanalys, styrning",
                  form["summary"], form["organisation"]):
        assert typed in html, typed
    assert 'value="Uppsala" selected' in html
    assert 'id="article-12" name="articles" value="12" checked' in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_the_editor_edits_an_own_draft(clients, draft):
    form = form_for(case_to_data(draft), version=draft.version, summary="En ny sammanfattning.")
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.summary == "En ny sammanfattning." and draft.version == 2
    assert draft.status == Status.DRAFT


def test_saving_without_changes_makes_no_new_version(clients, draft):
    form = form_for(case_to_data(draft), version=draft.version)
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form,
                                      follow_redirects=True)
    assert "Inga ändringar att spara." in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.version == 1


def test_an_editor_cannot_set_the_reviewed_date_but_a_reviewer_can(clients, draft):
    form = form_for(case_to_data(draft), version=1, reviewed="2020-01-01")
    clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    db.session.refresh(draft)
    assert draft.reviewed is None
    clients["reviewer"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    db.session.refresh(draft)
    assert draft.reviewed.isoformat() == "2020-01-01"


def test_a_second_save_from_an_old_version_is_a_conflict_showing_the_diff(clients, draft):
    opened = case_to_data(draft)
    reviewer_form = form_for(opened, version=1, summary="Granskarens sammanfattning.")
    assert clients["reviewer"].post(f"/redaktion/exempel/{draft.id}/redigera",
                                    data=reviewer_form).status_code == 302
    mine = form_for(opened, version=1, title="Redaktörens nya rubrik",
                    body="Min text som inte får försvinna.")
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Någon annan har sparat exemplet medan du skrev" in html
    assert "Reviewer" in html  # who saved in between
    assert "Granskarens sammanfattning." in html  # their change, in the diff
    assert "Min text som inte får försvinna." in html and "Redaktörens nya rubrik" in html
    assert 'name="version" value="2"' in html
    db.session.refresh(draft)
    assert draft.title == "Utkast om barnbudget" and draft.summary == "Granskarens sammanfattning."
    # Having seen the diff, saving again (now naming version 2) is a deliberate overwrite.
    again = form_for(opened, version=2, title="Redaktörens nya rubrik")
    assert clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera",
                                  data=again).status_code == 302
    db.session.refresh(draft)
    assert draft.title == "Redaktörens nya rubrik" and draft.version == 3


def test_a_form_without_a_version_is_refused_without_losing_text(clients, draft):
    form = form_for(case_to_data(draft), body="Viktig text.")
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    assert response.status_code == 400
    assert "Viktig text." in response.get_data(as_text=True)


def test_renaming_the_slug_keeps_old_links_working(clients, draft, users, app):
    form = form_for(case_to_data(draft), version=1, slug="nytt-kortnamn")
    clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    response = clients["editor"].get("/exempel/utkast-om-barnbudget")
    assert response.status_code == 301 and response.headers["Location"].endswith("/exempel/nytt-kortnamn")


def test_a_slug_already_taken_is_a_field_error(clients, draft, make_case):
    make_case(slug="upptaget")
    form = form_for(case_to_data(draft), version=1, slug="upptaget")
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    assert response.status_code == 422
    assert "används redan" in response.get_data(as_text=True)


def test_preview_uses_the_published_renderer(clients):
    body = "## Rubrik\n\n[länk](https://example.org) <script>alert(1)</script> [x](javascript:alert(1))"
    response = clients["editor"].post("/redaktion/forhandsvisning", data={"body": body})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert html == render_markdown(body)
    assert "<h2>Rubrik</h2>" in html and "<script" not in html and "javascript:" not in html
    assert 'rel="noopener noreferrer"' in html


def test_preview_refuses_huge_bodies_with_a_swedish_message(clients):
    response = clients["editor"].post("/redaktion/forhandsvisning", data={"body": "x" * 100_001})
    assert response.status_code == 413
    assert "för lång" in response.get_json()["error"]


def test_tag_suggestions_start_with_what_was_typed_most_used_first(clients, make_case):
    make_case(slug="a", tags=["barnkonsekvensanalys", "barnbudget"])
    make_case(slug="b", tags=["barnbudget", "delaktighet"])
    response = clients["editor"].get("/redaktion/taggar?q=Barn")
    assert response.get_json() == {"tags": ["barnbudget", "barnkonsekvensanalys"]}
    assert clients["editor"].get("/redaktion/taggar?q=aktig").get_json() == {"tags": ["delaktighet"]}
    assert clients["editor"].get("/redaktion/taggar?q=").get_json() == {"tags": []}


def test_case_list_filters_by_status_and_text(clients, draft, make_case):
    make_case(title="Publicerat exempel om lek", slug="lek")
    page = clients["editor"].get("/redaktion/exempel?status=draft").get_data(as_text=True)
    assert "Utkast om barnbudget" in page and "Publicerat exempel om lek" not in page
    page = clients["editor"].get("/redaktion/exempel?q=lek").get_data(as_text=True)
    assert "Publicerat exempel om lek" in page and "Utkast om barnbudget" not in page


def test_a_missing_case_is_a_swedish_404(clients):
    response = clients["editor"].get("/redaktion/exempel/9999")
    assert response.status_code == 404
    assert "Exemplet finns inte" in response.get_data(as_text=True)


def test_saving_through_the_service_matches_the_form(draft):
    # The route is thin: the same save_case the importer uses.
    save_case(case_to_data(draft), case=draft)
    assert draft.version == 1
