"""Smaller findings of the security review: query names, huge integers, CSV formulas, slugs."""
from __future__ import annotations

import csv
import io

import pytest

from kb.extensions import db
from kb.services.validation import CaseValidationError, validate_case_data
from kb.slugs import slugify

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("path", [
    "/api/v1/cases?endpoint=x", "/api/v1/cases?_external=1", "/api/v1/cases?_anchor=x&page=1",
    "/api/v1/cases?values=x", "/sok?q=barn&_anchor=x", "/sok?q=barn&endpoint=x",
    "/sok?q=barn&_scheme=javascript", "/sok?q=barn&_method=POST", "/sok/flode.atom?q=barn&endpoint=x",
    "/sok/flode.atom?q=barn&_external=0", "/?endpoint=x&page=2", "/tagg/styrning?slug=x&page=2",
])
def test_no_query_string_name_reaches_url_for(client, make_case, path):
    make_case(slug="barnbudget")
    response = client.get(path)
    assert response.status_code in (200, 400), path
    body = response.get_data(as_text=True)
    assert "Något gick fel" not in body and "x#x" not in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_built_links_keep_ordinary_filters_only(client, make_case):
    make_case(slug="barnbudget")
    response = client.get("/api/v1/cases?per_page=1&endpoint=x&_anchor=y&tag=styrning")
    links = response.json["links"]
    assert "tag=styrning" in links["self"] and "endpoint" not in links["self"] and "#" not in links["self"]


def test_the_error_page_never_fails_itself(client, app, monkeypatch):
    """If the error template cannot be rendered, a plain Swedish page still goes out, with headers."""
    import kb.errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(kb.errors, "render_template", broken)
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", [
    f"/artikel/{HUGE}", f"/artikel/{HUGE}/flode.atom", f"/exempel/barnbudget/version/{HUGE}",
    f"/exempel/{HUGE}", f"/sitemap-{HUGE}.xml", "/artikel/2147483648",
])
def test_out_of_range_integers_in_paths_are_404(client, make_case, path):
    make_case(slug="barnbudget")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    f"/exempel/barnbudget/citera.ris?version={HUGE}", f"/exempel/barnbudget/citera.bib?version={HUGE}",
    f"/sok?q=barn&page={HUGE}", f"/api/v1/cases?page={HUGE}", f"/?page={HUGE}",
    f"/sok?q=barn&year_from={HUGE}",
])
def test_out_of_range_integers_in_query_strings_never_fail(client, make_case, path):
    make_case(slug="barnbudget")
    assert client.get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize("path", [
    f"/redaktion/exempel/{HUGE}", f"/redaktion/exempel/{HUGE}/historik",
    f"/redaktion/anvandare/{HUGE}",
])
def test_out_of_range_integers_in_editor_paths_are_404(clients, path):
    assert clients["admin"].get(path).status_code == 404


def test_editor_lists_take_huge_page_numbers(clients):
    assert clients["editor"].get(f"/redaktion/exempel?page={HUGE}").status_code == 200
    assert clients["admin"].get(f"/redaktion/handelser?page={HUGE}").status_code in (200, 404)


@pytest.mark.parametrize("digits", ["²", "⁰⁴⁵", "₀₁₂"])  # digits to str.isdigit(), not to int()
def test_page_numbers_in_other_digits_are_ignored_not_a_crash(clients, client, make_case, digits):
    """Found by `make stress` (Big List of Naughty Strings): 500 on the editors' case list."""
    make_case(slug="barnbudget")
    assert clients["editor"].get(f"/redaktion/exempel?page={digits}").status_code == 200
    for path in (f"/sok?q=barn&page={digits}", f"/?page={digits}", f"/exempel?page={digits}"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/api/v1/cases?page={digits}").status_code == 400  # the API says what is wrong
    assert client.get(f"/bevaka?typ=artikel&varde={digits}").status_code == 404


def _csv_rows(response, delimiter=","):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("dialect, delimiter", [("rfc4180", ","), ("excel-sv", ";")])
def test_csv_cells_that_start_a_formula_are_neutralised(client, make_case, dialect, delimiter):
    make_case(slug="formel", title='=HYPERLINK("http://evil.example","klicka")',
              organisation="+Evil kommun", summary="-1+1", body="@SUM(A1)",
              sources=[{"title": "\tTab", "url": ""}, {"title": "\rCR", "url": ""}])
    rows = _csv_rows(client.get(f"/api/v1/export/cases.csv?dialect={dialect}"), delimiter)
    header, row = rows[0], rows[1]
    cell = dict(zip(header, row, strict=True))
    for value in row:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert cell["title"].startswith("'=HYPERLINK")


@pytest.mark.parametrize("slug", ["2", "123", "000"])
def test_all_digit_slugs_are_refused_in_swedish(case_data, app, slug):
    with pytest.raises(CaseValidationError) as refused:
        validate_case_data(case_data(slug=slug))
    assert "siffror" in refused.value.errors["slug"]


def test_a_title_of_digits_gets_a_slug_that_is_not(case_data, app):
    assert validate_case_data(case_data(title="2024", slug=""))["slug"] == "exempel-2024"
    assert slugify("2024") == "2024"


def test_the_editor_form_refuses_an_all_digit_slug_and_keeps_the_text(clients, draft):
    from kb.services.cases import case_to_data
    from tests.editor.fixtures import form_for

    form = form_for(case_to_data(draft), version=draft.version, slug="2", title="Min nya rubrik")
    response = clients["editor"].post(f"/redaktion/exempel/{draft.id}/redigera", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "siffror" in html and "Min nya rubrik" in html


def test_kb_import_refuses_an_all_digit_slug(runner, tmp_path):
    (tmp_path / "a.md").write_text(
        "---\ntitle: Tvåan\nslug: 2\nsummary: S.\norganisation: O\norganisation_type: kommun\n---\nx\n",
        encoding="utf-8")
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code != 0 and "siffror" in result.output


def test_password_reset_does_the_same_work_in_the_request_for_any_address(users, app, monkeypatch):
    """Whether the address has an account is looked at only after the answer has gone out, so
    the answer's timing cannot tell (tested by the work done, not by a clock)."""
    from kb.editor import auth_routes
    from kb.models import AuditEvent, UserToken
    from kb.services.mail import outbox

    deferred, looked_up = [], []
    monkeypatch.setattr(auth_routes, "find_user", lambda email: looked_up.append(email))
    answers = []
    for address in ("editor@kb.test", "nobody@kb.test"):
        client = app.test_client()
        response = client.post("/glomt-losenord", data={"email": address})
        answers.append((response.status_code, response.location,
                        client.get("/login").get_data(as_text=True).count("Om adressen har ett konto")))
        deferred.append(response)
    assert answers[0] == answers[1] == (302, "/login", 1)
    # Nothing that depends on the account happened while the request was answered ...
    assert looked_up == [] and not outbox(app)
    assert db.session.scalar(db.select(db.func.count()).select_from(UserToken)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "password_reset_requested")) == 0
    # ... it happens once the response is closed (sent), for both addresses alike.
    monkeypatch.undo()
    for response in deferred:
        response.close()
    assert [m["To"] for m in outbox(app)] == ["editor@kb.test"]
