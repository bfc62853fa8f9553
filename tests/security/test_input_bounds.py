"""No input costs more than it is worth: bounded fields, linear e-mail checks, YAML aliases,
request sizes, and a rate-limited preview."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from kb.emails import is_valid_email
from kb.markup import MAX_SOURCE_LENGTH, render_markdown
from kb.services.importer import ImportFailed, parse_case_file

# The address that took the old regex 31 s (quadratic backtracking).
SLOW_ADDRESS = "a@" + "." * 60000 + "@"


@pytest.mark.parametrize("address", [
    SLOW_ADDRESS, "a@" + "b." * 30000 + "se", "x" * 60000 + "@kb.test", "@" * 60000,
])
def test_email_checks_are_linear_and_refuse_long_input(address):
    start = time.process_time()
    assert not is_valid_email(address)
    assert time.process_time() - start < 0.1


@pytest.mark.parametrize("address, valid", [
    ("anna.svensson@uppsala.se", True), ("barnratt@kommun.se", True), ("a@kb.test", True),
    ("a@b", False), ("a b@x.se", False), ("<a@x.se>", False), ("a@x.se.", False), ("", False),
])
def test_email_check_accepts_real_addresses_only(address, valid):
    assert is_valid_email(address) is valid


@pytest.mark.parametrize("path", ["/login", "/glomt-losenord"])
def test_the_slow_address_gets_a_swedish_answer_at_once(client, path):
    start = time.process_time()
    response = client.post(path, data={"email": SLOW_ADDRESS, "password": "x"})
    assert time.process_time() - start < 1.0
    assert response.status_code in (400, 401, 422)
    assert "Högst 254 tecken" in response.get_data(as_text=True)


def test_a_tip_with_a_slow_address_and_an_oversized_body_keeps_what_was_typed(client, app):
    app.config["SUGGEST_LIMIT"] = "100 per hour"
    form = {"title": "Barnbudget i Exempelby", "organisation": "Exempelby kommun",
            "organisation_type": "kommun", "county": "", "summary": "En sammanfattning.",
            "body": "[" * 14000 + "x" * 2000, "link": "", "name": "Anna", "email": SLOW_ADDRESS[:2000]}
    start = time.process_time()
    response = client.post("/tipsa", data=form)
    assert time.process_time() - start < 1.0
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ange en giltig e-postadress" in html
    assert f"Högst {MAX_SOURCE_LENGTH} tecken (nu 16000)" in html
    assert "Barnbudget i Exempelby" in html and "x" * 2000 in html


def test_a_tip_with_a_bracket_bomb_inside_the_limit_is_refused_with_a_reason(client, app):
    app.config["SUGGEST_LIMIT"] = "100 per hour"
    form = {"title": "Titel", "organisation": "Org", "organisation_type": "kommun", "county": "",
            "summary": "Kort.", "body": "[" * 14000, "link": "", "name": "", "email": ""}
    start = time.process_time()
    response = client.post("/tipsa", data=form)
    assert time.process_time() - start < 1.0
    assert response.status_code == 422
    assert "hakparenteser" in response.get_data(as_text=True)


def test_request_bodies_over_the_limit_get_413_in_swedish(client, app):
    response = client.post("/tipsa", data={"body": "a" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)


def test_forms_with_too_many_parts_are_refused(client, app):
    response = client.post("/tipsa", data={f"f{i}": "x" for i in range(app.config["MAX_FORM_PARTS"] + 10)},
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_preview_refuses_bombs_and_oversized_text_as_json(clients):
    editor = clients["editor"]
    response = editor.post("/redaktion/forhandsvisning", data={"body": "[" * 14000})
    assert response.status_code == 422 and "hakparenteser" in response.json["error"]
    response = editor.post("/redaktion/forhandsvisning", data={"body": "a" * (MAX_SOURCE_LENGTH + 1)})
    assert response.status_code == 413 and "för lång" in response.json["error"]


def test_preview_is_rate_limited_per_user(clients, app):
    app.config["PREVIEW_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert clients["editor"].post("/redaktion/forhandsvisning", data={"body": "*a*"}).status_code == 200
    response = clients["editor"].post("/redaktion/forhandsvisning", data={"body": "*a*"})
    assert response.status_code == 429 and "för ofta" in response.json["error"]
    # Another editor is not affected.
    assert clients["other_editor"].post("/redaktion/forhandsvisning", data={"body": "a"}).status_code == 200


ALIAS_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
title: [*h]
---
x
"""


def test_a_yaml_alias_bomb_fails_fast_with_a_clear_error(tmp_path: Path):
    path = tmp_path / "bomb.md"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB.encode()) < 400
    start = time.process_time()
    with pytest.raises(ImportFailed) as failed:
        parse_case_file(path)
    assert time.process_time() - start < 0.5
    assert "alias" in failed.value.problems[0] and "bomb.md" in failed.value.problems[0]


def test_a_single_alias_is_refused_too(tmp_path: Path):
    path = tmp_path / "alias.md"
    path.write_text("---\ntitle: &t Barnbudget\nsummary: *t\n---\nx\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="alias"):
        parse_case_file(path)


def test_oversized_import_files_are_refused(tmp_path: Path):
    path = tmp_path / "big.md"
    path.write_text("---\ntitle: x\n---\n" + "a" * 300_000, encoding="utf-8")
    with pytest.raises(ImportFailed, match="för stor"):
        parse_case_file(path)


@pytest.mark.parametrize("text", [
    "data://x.se/a", "ftp://x.se/a", "ssh://host.se", "feed://x.se/flode", "feed:x.se",
    "javascript://x.se/%0aalert(1)", "[x](data:text/html,a)", "[x](ftp://x.se)",
    "[x](javascript:alert(1))", "[x](feed:x.se)",
])
def test_links_only_for_http_https_and_mailto(text):
    assert "href" not in render_markdown(text)


@pytest.mark.parametrize("text", [
    "https://x.se", "www.x.se", "[x](https://x.se)", "[x](//evil.example)", "[x](HTTP://X.SE)",
])
def test_external_links_get_noopener_noreferrer(text):
    assert 'rel="noopener noreferrer"' in render_markdown(text)


def test_mailto_and_local_links_stay_links_without_rel():
    html = render_markdown("[skriv](mailto:a@kb.test) och [sök](/sok?q=barn)")
    assert '<a href="mailto:a@kb.test">' in html and '<a href="/sok?q=barn">' in html


def test_plain_prose_goes_through_the_cleaner_too(monkeypatch):
    """No shortcut: every rendering is sanitized, even when it looks clean."""
    from kb import markup

    cleaned = []
    real = markup._renderer.cleaner.clean
    monkeypatch.setattr(markup._renderer.cleaner, "clean", lambda html: cleaned.append(html) or real(html))
    render_markdown("## Bakgrund\n\nVanlig text utan något särskilt.")
    assert len(cleaned) == 1


def test_the_body_fields_tell_the_browser_their_limit(client, clients, draft):
    assert f'maxlength="{MAX_SOURCE_LENGTH}"' in client.get("/tipsa").get_data(as_text=True)
    page = clients["editor"].get(f"/redaktion/exempel/{draft.id}/redigera").get_data(as_text=True)
    assert f'maxlength="{MAX_SOURCE_LENGTH}"' in page
