"""Model rules: validation, slugs, rendering at save time, revisions, visibility."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.extensions import db
from kb.models import IndexChange, Revision, SlugRedirect
from kb.services.cases import VersionConflict, case_to_data, save_case
from kb.services.validation import CaseValidationError
from kb.slugs import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Åmåls brobyggare", "amals-brobyggare"),
        ("Barnrättsstrateg i varje kommun", "barnrattsstrateg-i-varje-kommun"),
        ("Café för unga – Örebro", "cafe-for-unga-orebro"),
        ("  BKA!!  i   Umeå ", "bka-i-umea"),
    ],
)
def test_slug_is_url_safe_ascii(title, slug):
    assert slugify(title) == slug


def test_slug_is_derived_from_title_and_made_unique(make_case):
    first = make_case(title="Ungdomsdialog i Åmål")
    second = make_case(title="Ungdomsdialog i Åmål")
    assert first.slug == "ungdomsdialog-i-amal"
    assert second.slug == "ungdomsdialog-i-amal-2"


def test_body_is_rendered_and_sanitised_once_at_save(make_case):
    case = make_case(body="## Bakgrund\n\nText <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<h2>Bakgrund</h2>" in case.body_html
    assert "<script" not in case.body_html
    assert "javascript:" not in case.body_html
    assert case.body.startswith("## Bakgrund")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "måste fyllas i"),
        ("summary", "  ", "måste fyllas i"),
        ("organisation_type", "bolag", "Okänt värde"),
        ("county", "Norrlands län", "Okänt län"),
        ("municipalities", ["Atlantis"], "Okänd kommun"),
        ("articles", [55], "mellan 1 och 54"),
        ("year", "förra året", "Ogiltigt årtal"),
        ("published", "2023-13-45", "Ogiltigt datum"),
        ("evidence_level", "bevisat", "Okänt värde"),
        ("status", "hemlig", "Okänt värde"),
        ("slug", "Åmål med mellanslag", "a–z"),
        ("contacts", [{"name": "A", "email": "inte-en-adress"}], "Ogiltig e-postadress"),
        ("sources", [{"title": "Källa", "url": "javascript:alert(1)"}], "http"),
    ],
)
def test_invalid_fields_are_refused_with_a_swedish_message(case_data, app, field, value, message):
    with pytest.raises(CaseValidationError) as exc:
        save_case(case_data(**{field: value}))
    assert message in exc.value.errors[field]


def test_unknown_keys_are_an_error(case_data, app):
    with pytest.raises(CaseValidationError) as exc:
        save_case(case_data(colour="blå"))
    assert "colour" in exc.value.errors["_unknown"]


def test_municipality_names_accept_the_word_kommun_and_tags_are_normalised(make_case):
    case = make_case(municipalities=["Åmål kommun"], tags=["  Barnkonsekvensanalys ", "BKA"])
    assert [m.name for m in case.municipalities] == ["Åmål"]
    assert [t.name for t in case.tags] == ["barnkonsekvensanalys", "bka"]
    assert all(t.slug.isascii() for t in case.tags)


def test_every_change_records_a_revision_and_an_index_change(make_case, case_data):
    case = make_case()
    save_case(case_data(slug=case.slug, summary="Ny sammanfattning."), case=case)
    db.session.commit()
    revisions = db.session.execute(
        db.select(Revision).filter_by(case_id=case.id).order_by(Revision.number)
    ).scalars().all()
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[-1].data["summary"] == "Ny sammanfattning."
    changes = db.session.execute(db.select(IndexChange).filter_by(case_id=case.id)).scalars().all()
    assert len(changes) == 2


def test_saving_unchanged_data_creates_no_new_version(make_case):
    case = make_case()
    save_case(case_to_data(case), case=case)
    db.session.commit()
    assert case.version == 1


def test_stale_version_is_a_conflict(make_case, case_data):
    case = make_case()
    with pytest.raises(VersionConflict):
        save_case(case_data(slug=case.slug, title="Annan titel"), case=case, expected_version=0)


def test_renaming_keeps_the_old_slug_as_a_redirect(make_case, case_data, client):
    case = make_case(title="Gammal titel")
    save_case(case_data(title="Ny titel", slug="ny-titel"), case=case)
    db.session.commit()
    assert db.session.get(SlugRedirect, "gammal-titel").case_id == case.id
    response = client.get("/exempel/gammal-titel")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/exempel/ny-titel")


def test_slug_taken_by_another_case_is_refused(make_case, case_data):
    make_case(title="Första")
    other = make_case(title="Andra")
    with pytest.raises(CaseValidationError) as exc:
        save_case(case_data(title="Andra", slug="forsta"), case=other)
    assert "används redan" in exc.value.errors["slug"]


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_unpublished_cases_are_hidden_from_readers(make_case, client, status):
    case = make_case(status=status)
    assert client.get(f"/exempel/{case.slug}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.slug}").status_code == 404
    assert case.title not in client.get("/exempel").get_data(as_text=True)
    assert case.title not in client.get("/").get_data(as_text=True)


def test_review_is_stale_after_two_years(make_case, client):
    fresh = make_case(title="Färsk", reviewed="2026-01-01")
    old = make_case(title="Gammal", reviewed="2020-01-01")
    today = dt.date(2026, 11, 23)
    assert not fresh.review_is_stale(today)
    assert old.review_is_stale(today)
    page = client.get(f"/exempel/{old.slug}").get_data(as_text=True)
    assert "Granskad 1 januari 2020" in page
    assert "för mer än två år sedan" in page

