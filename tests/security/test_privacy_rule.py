"""One rule decides which contact data is public, everywhere: names only with consent."""
from __future__ import annotations

import json

import pytest

from kb.extensions import db
from kb.models import Case
from kb.services.exporter import case_to_markdown
from kb.services.importer import import_paths

CONTACTS = [
    {"name": "Diana Lugero", "role": "Kontaktperson", "email": "diana.lugero@lansstyrelsen.se",
     "public": True},
    {"name": "Anna Svensson", "role": "Barnrättsstrateg", "email": "annsve@uppsala.se"},
    {"name": "Anna Svensson", "role": "", "email": "asvensson@uppsala.se"},
    {"name": "Bo Ek", "role": "Registrator", "email": "registrator@uppsala.se"},
]
HIDDEN = ("Anna Svensson", "annsve@", "asvensson@", "Bo Ek")
SHOWN = ("Diana Lugero", "diana.lugero@lansstyrelsen.se", "Barnrättsstrateg", "registrator@uppsala.se")


@pytest.fixture
def case(make_case):
    return make_case(slug="kontakter", contacts=CONTACTS)


@pytest.mark.parametrize("path", [
    "/exempel/kontakter", "/exempel/kontakter/version/1", "/api/v1/cases/kontakter",
    "/api/v1/cases", "/api/v1/export/cases.json", "/api/v1/export/cases.csv",
    "/api/v1/export/cases.csv?dialect=excel-sv", "/flode.atom", "/lista?exempel=kontakter",
])
def test_every_page_and_export_follows_the_same_rule(client, case, path):
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    if "json" in response.content_type:
        text = json.dumps(response.json, ensure_ascii=False)
    for hidden in HIDDEN:
        assert hidden not in text, (path, hidden)
    if path.startswith(("/exempel/", "/api/")):
        for shown in SHOWN:
            assert shown in text, (path, shown)


def test_the_api_names_only_the_consenting_person(client, case):
    contacts = client.get("/api/v1/cases/kontakter").json["contacts"]
    assert contacts == [
        {"name": "Diana Lugero", "role": "Kontaktperson", "email": "diana.lugero@lansstyrelsen.se"},
        {"name": None, "role": "Barnrättsstrateg", "email": None},
        {"name": None, "role": "Registrator", "email": "registrator@uppsala.se"},
    ]


def test_consent_survives_export_and_import(case, tmp_path):
    text = case_to_markdown(db.session.get(Case, case.id))
    assert text.count("public: true") == 1
    (tmp_path / "kontakter.md").write_text(text, encoding="utf-8")
    result = import_paths([tmp_path])
    db.session.commit()
    assert result.unchanged == ["kontakter"]
    stored = db.session.get(Case, case.id).contacts
    assert [c.public for c in stored] == [True, False, False, False]


def test_public_must_be_a_yes_or_no_in_the_file(case_data, app):
    from kb.services.validation import validate_case_data

    out = validate_case_data(case_data(contacts=[{"name": "X", "role": "R", "email": "", "public": "ja"}]))
    assert out["contacts"][0]["public"] is True
    out = validate_case_data(case_data(contacts=[{"name": "X", "role": "R", "email": ""}]))
    assert out["contacts"][0]["public"] is False


def test_the_editor_form_records_consent(clients, draft):
    from kb.services.cases import case_to_data
    from tests.editor.fixtures import form_for

    form = form_for(case_to_data(draft), version=draft.version,
                    contacts=[{"name": "Diana Lugero", "role": "Kontakt", "email": "d@kb.test"},
                              {"name": "Anna Svensson", "role": "Strateg", "email": "annsve@kb.test"}])
    form["contacts-0-public"] = "ja"
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    assert response.status_code == 302
    assert [(c.name, c.public) for c in db.session.get(Case, draft.id).contacts] == [
        ("Diana Lugero", True), ("Anna Svensson", False)]
    page = clients["editor"].get(f"/redaktion/exempel/{draft.id}/redigera").get_data(as_text=True)
    assert 'name="contacts-0-public" type="checkbox" value="ja" checked' in page
