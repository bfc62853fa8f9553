"""Known XSS filter-evasion payloads in every field must never become markup on any page."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import escape

from kb.extensions import db
from kb.markup import render_markdown
from kb.models import Case
from kb.services.cases import case_to_data, save_case

CORPUS = Path(__file__).with_name("xss_payloads.txt")
PAYLOADS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("# ")]
# Elements none of our pages use; an injected one is an attack however harmless it looks.
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "bgsound", "isindex",
         "keygen", "marquee", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "dynsrc", "lowsrc", "poster", "srcdoc", "srcset", "ping"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg", "livescript:")
_SPACE_AND_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _Scanner(HTMLParser):
    """What a browser would execute: scripts, handlers, script URLs, injected elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag in NEVER:
            self.found.append(f"<{tag}> element")
        if tag == "script" and not values.get("src", "").startswith("/static/") and \
                values.get("type") not in ("application/ld+json", "application/json"):
            self.found.append(f"<script {values}>")
        if tag == "meta" and "http-equiv" in values:
            self.found.append("<meta http-equiv>")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f"<{tag} style>")
            squeezed = _SPACE_AND_CONTROL.sub("", value).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(BAD_SCHEMES):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")


def scan(html: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


def _email(payload: str, i: int) -> str:
    # What a valid address keeps of the payload: the characters RFC 5322 allows unquoted.
    local = re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]", "", payload)[:60] or "x"
    return f"{local}{i}@example.se"


def _case_from(payload: str, i: int, case_data) -> dict:
    squeezed = re.sub(r"\s", "", payload)
    return case_data(
        slug=f"xss-{i}", title=f"XSS {i} {payload}"[:200], summary=payload[:1000],
        organisation=f"Org {i} {payload}"[:200], tags=[f"xss {i} {payload}"[:80]],
        body=f"{payload}\n\n[länk]({payload})\n\n> {payload}\n\n- {payload}",
        contacts=[{"name": payload[:200], "role": payload[:200], "email": _email(payload, i)}],
        sources=[{"title": payload[:300], "url": "https://example.se/?q=" + squeezed[:1900]}],
        status="published",
    )


@pytest.fixture
def stored(app, users, case_data):
    """One published case per payload, saved twice so the history has a diff to show."""
    cases = []
    for i, payload in enumerate(PAYLOADS):
        case = save_case(_case_from(payload, i, case_data), user=users["editor"])
        data = case_to_data(case)
        data["title"] = (data["title"] + " 2")[:200]
        data["body"] += "\n\nÄndrad."
        save_case(data, case=case, user=users["reviewer"], message=payload[:300])
        cases.append(case)
    db.session.commit()
    return cases


def _check(client, url: str, problems: list[str], must_contain: str | None = None) -> str:
    response = client.get(url)
    assert response.status_code < 500, url
    html = response.get_data(as_text=True)
    problems += [f"{url}: {p}" for p in scan(html)]
    if must_contain is not None and must_contain not in html:
        problems.append(f"{url}: the escaped text is missing, so the page was not tested")
    return html


def test_the_scanner_catches_the_corpus_when_it_is_not_escaped():
    caught = [p for p in PAYLOADS if scan(p)]
    # Payloads that are only dangerous in Markdown or as a URL are checked through the pages.
    assert len(caught) >= 90, len(caught)
    assert scan('<a href="&#1;javascript:alert(1)">x</a>') and scan("<svg/onload=alert(1)>")
    assert not scan('<a href="https://example.org">ok</a><script src="/static/js/editor.js"></script>')


@pytest.mark.slow  # every payload on every page: seconds
def test_stored_payloads_are_harmless_on_every_page(stored, clients):
    problems: list[str] = []
    anon, admin = clients["anon"], clients["admin"]
    for case in stored:
        title = str(escape(case.title))
        _check(anon, f"/exempel/{case.slug}", problems, title)
        _check(anon, f"/tagg/{case.tags[0].slug}", problems, title)
        _check(anon, f"/exempel/{case.slug}/versioner", problems)
        _check(admin, f"/redaktion/exempel/{case.id}", problems, title)
        _check(admin, f"/redaktion/exempel/{case.id}/redigera", problems, title)
        _check(admin, f"/redaktion/exempel/{case.id}/historik", problems, title)
        _check(admin, f"/redaktion/exempel/{case.id}/historik/1", problems)
        api = anon.get(f"/api/v1/cases/{case.slug}")
        assert api.mimetype == "application/json"
        problems += [f"API body_html of {case.slug}: {p}" for p in scan(api.get_json()["body_html"])]
    for page in range(1, len(stored) // 20 + 2):
        _check(anon, f"/exempel?page={page}", problems)
        _check(admin, f"/redaktion/exempel?page={page}", problems)
    for url in ("/", "/redaktion/", "/redaktion/handelser", "/sitemap.xml"):
        _check(admin if url.startswith("/redaktion") else anon, url, problems)
    assert not problems, "\n".join(problems[:50])


@pytest.fixture
def once(db_backend):
    """Escaping does not depend on the database: run these in the SQLite pass only."""
    if db_backend != "sqlite":
        pytest.skip("backend-independent; runs in the SQLite pass")


@pytest.mark.backend_independent
def test_the_markdown_renderer_neutralises_every_payload(once):
    problems = [f"{p!r}: {scan(render_markdown(p))}" for p in PAYLOADS if scan(render_markdown(p))]
    problems += [f"link {p!r}" for p in PAYLOADS if scan(render_markdown(f"[x]({p})"))]
    assert not problems, "\n".join(problems)


@pytest.mark.slow  # every payload on every page: seconds
@pytest.mark.backend_independent
def test_payloads_echoed_back_in_forms_and_messages_are_escaped(once, clients, app):
    """Validation errors show what was typed (e.g. 'Okänt län ”…”'): it must stay text."""
    app.config["SUGGEST_LIMIT"] = "100000 per hour"
    problems: list[str] = []
    for payload in PAYLOADS:
        form = {key: payload for key in (
            "title", "slug", "summary", "body", "organisation", "organisation_type", "county",
            "year", "published", "evidence_level", "reviewed", "tags", "message",
            "contacts-0-name", "contacts-0-role", "contacts-0-email", "sources-0-title",
            "sources-0-url")}
        form.update(municipalities=[payload], articles=[payload])
        response = clients["admin"].post("/redaktion/exempel/nytt", data=form)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, payload
        problems += [f"editor form {payload!r}: {p}" for p in scan(html)]

        tip = {key: payload for key in ("title", "organisation", "organisation_type", "county",
                                        "summary", "body", "link", "name", "email")}
        response = clients["anon"].post("/tipsa", data=tip)
        problems += [f"suggestion form {payload!r}: {p}" for p in scan(response.get_data(as_text=True))]

        for url in (f"/sok?q={quote(payload)}", f"/login?next={quote('/' + payload)}",
                    f"/redaktion/exempel?q={quote(payload)}",
                    f"/redaktion/handelser?q={quote(payload)}"):
            client = clients["admin"] if url.startswith("/redaktion") else clients["anon"]
            _check(client, url, problems)
        response = clients["anon"].post("/login", data={"email": payload, "password": payload,
                                                        "next": "/" + payload})
        problems += [f"login {payload!r}: {p}" for p in scan(response.get_data(as_text=True))]
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
    assert not problems, "\n".join(problems[:50])
