"""An editor never loses what she typed (issue 17): the case form keeps a draft in the browser
(kb/static/js/drafts.js), so a save that fails – the server pulled away, a 409 conflict, an
expired login – costs nothing, and only a successful save removes the draft."""
from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from kb import search
from kb.extensions import db

from .conftest import LiveServer, serve_site
from .helpers import expect, log_in

# Accounts of their own: these tests log in and out, and a login ends the account's other
# sessions (the page audits keep theirs).
DRAFTER = {"email": "utkast@example.se", "password": "Utkast-losen-2026", "name": "Ulla Utkast",
           "role": "editor"}
COLLEAGUE = {"email": "kollega@example.se", "password": "Kollega-losen-2026",
             "name": "Kalle Kollega", "role": "reviewer"}
NOTICE_HEADING = "Det finns ett utkast som inte är sparat"


class PluggableServer:
    """The live server's app on a port of its own, which a test can pull out and put back
    (the same port, so the browser's storage for the origin is the same)."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = 0
        self._server = None
        self._thread: threading.Thread | None = None
        self._connections: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # One request at a time, as a gunicorn sync worker serves: the app is not made for
        # threads (kb/serving.py refuses threaded workers).
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=False)
        self.port = self._server.server_port
        accept = self._server.get_request

        def get_request():  # remembered, so that stop() also ends kept-alive connections
            connection, address = accept()
            self._connections.append(connection)
            return connection, address
        self._server.get_request = get_request
        self._thread = threading.Thread(target=self._server.serve_forever, name="pluggable-server",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Nothing listens on the port any more: connections are refused, as when the
        server or the network is gone."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=30)
        self._server = None
        # The browser would otherwise send the next request over a connection kept alive.
        for connection in self._connections:
            with contextlib.suppress(OSError):  # already closed
                connection.shutdown(socket.SHUT_RDWR)
        self._connections.clear()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, migrated_db) -> Iterator[LiveServer]:
    """A site of this module's own: these tests take its server away and put it back, change
    cases behind the editor's back and write to its index from two servers; the other
    browser tests' site (and its search index) is left as they expect it. Sharing it, a case
    published later in tests/browser/test_editor_flow.py was missing from the search in 3 of
    10 single-process runs of the browser tests."""
    with serve_site(tmp_path_factory.mktemp("drafts-live"), migrated_db) as site:
        yield site


@pytest.fixture(scope="module")
def cases(live_server) -> dict[str, int]:
    """The two accounts, and drafts by the drafter (one per test that edits a case)."""
    from kb.services.cases import save_case
    from kb.services.users import create_user

    with live_server.app.app_context():
        users = {key: create_user(a["email"], a["role"], name=a["name"], password=a["password"])
                 for key, a in (("drafter", DRAFTER), ("colleague", COLLEAGUE))}
        made = {}
        for key in ("first", "second", "conflict", "login"):
            made[key] = save_case(_case(f"Utkast {key} om barnets bästa i fritidsverksamheten"),
                                  user=users["drafter"], message="Första utkastet")
        db.session.commit()
        search.sync_index()
        ids = {key: case.id for key, case in made.items()}
        db.session.remove()
    return ids


def _case(title: str) -> dict:
    return {
        "title": title, "summary": "Sammanfattningen som är sparad i kunskapsbanken.",
        "organisation": "Exempelby kommun", "organisation_type": "kommun",
        "county": "Uppsala län", "municipalities": ["Uppsala"], "tags": ["fritid"],
        "articles": [3], "status": "draft",
        "body": "## Bakgrund\n\nTexten som är sparad i kunskapsbanken.\n",
    }


@pytest.fixture
def pluggable_server(live_server) -> Iterator[PluggableServer]:
    server = PluggableServer(live_server.app)
    server.start()
    yield server
    server.stop()


def _new_page(browser, base_url: str):
    page = browser.new_context(base_url=base_url).new_page()
    # Leaving a form with unsaved changes asks first (editor.js); the editor says yes.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _draft_key(page) -> str:
    return page.locator("#case-form").get_attribute("data-draft-key")


def _draft(page, key: str) -> dict | None:
    return page.evaluate("key => JSON.parse(localStorage.getItem(key))", key)


def _wait_for_draft(page, key: str, name: str, value: str) -> None:
    """Until the draft in the browser holds ``value`` for the field ``name``."""
    page.wait_for_function(
        """([key, name, value]) => {
             const draft = JSON.parse(localStorage.getItem(key) || "null");
             return Boolean(draft && (draft.fields[name] || []).includes(value));
           }""", arg=[key, name, value])


def _region(page):
    """The status region above the form, where the draft notice and its outcome appear."""
    return page.get_by_role("status").and_(page.locator("[data-draft-region]"))


def _notice(page):
    return _region(page).filter(has_text=NOTICE_HEADING)


def _save(page) -> None:
    page.locator("#case-form").get_by_role("button", name="Spara", exact=True).click()


TYPED = {
    "#f-title": "Fritidsgårdar som barnen själva styr i Tierp",
    "#f-summary": "Barn och unga i Tierp bestämmer över öppettider och aktiviteter.",
    "#f-body": "## Bakgrund\n\nUngdomsrådet ville ha **mer att säga till om**.\n\n"
               "## Genomförande\n\n- Stormöten varje termin\n- En egen budget\n",
    "#f-organisation": "Tierps kommun",
    "#f-year": "2024",
    "#f-tags": "fritid, delaktighet",
    "#contacts-0-role": "Fritidsledare",
    "#contacts-0-email": "fritid@tierp.example.se",
    "#sources-0-title": "Utvärdering av ungdomsrådet",
    "#sources-0-url": "https://tierp.example.se/utvardering",
    "#f-message": "Första versionen",
}


def test_a_save_while_the_server_is_away_loses_nothing(browser, pluggable_server, cases):
    page = _new_page(browser, pluggable_server.url)
    log_in(page, DRAFTER)
    page.goto("/redaktion/exempel/nytt")
    key = _draft_key(page)
    for selector, text in TYPED.items():
        page.locator(selector).fill(text)
    page.locator("#f-organisation_type").select_option("kommun")
    page.locator("#f-county").select_option("Uppsala län")
    page.locator("#f-municipalities").select_option(["Tierp", "Uppsala"])
    page.locator("#article-12").check()
    page.locator("#article-31").check()
    # A third contact row, added with the form's button: it has to come back too.
    page.get_by_role("button", name="Lägg till kontakt").click()
    page.locator("#contacts-2-role").fill("Ungdomsrådets ordförande")
    _wait_for_draft(page, key, "contacts-2-role", "Ungdomsrådets ordförande")
    expect(page.locator("[data-draft-status]")).to_contain_text("Utkastet sparades i webbläsaren")

    # The server is pulled away while she works; her save fails.
    pluggable_server.stop()
    with page.expect_event("requestfailed",
                           predicate=lambda request: request.url.endswith("/exempel/nytt")) as failed:
        _save(page)
    assert failed.value.method == "POST"

    # The server is back. She opens the form again: a notice, and nothing replaced unasked.
    pluggable_server.start()
    # She opens the form in a new tab: the old one shows Chromium's error page for the failed
    # post, which reloads itself once the server answers (a navigation racing any goto).
    context = page.context
    page.close()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/redaktion/exempel/nytt")
    notice = _notice(page)
    expect(notice).to_be_visible()
    expect(notice.locator("time")).to_have_text(re.compile(r"kl\. \d\d\.\d\d$"))
    expect(notice.locator("[data-draft-stale]")).to_be_hidden()  # a new case has no versions
    expect(page.locator("#f-title")).to_have_value("")

    notice.get_by_role("button", name="Återställ utkastet").click()
    expect(_region(page)).to_contain_text("Utkastet är återställt")
    for selector, text in TYPED.items():
        expect(page.locator(selector)).to_have_value(text)
    expect(page.locator("#f-organisation_type")).to_have_value("kommun")
    expect(page.locator("#f-county")).to_have_value("Uppsala län")
    assert sorted(page.locator("#f-municipalities").evaluate(
        "el => [...el.selectedOptions].map(o => o.value)")) == ["Tierp", "Uppsala"]
    expect(page.locator("#article-12")).to_be_checked()
    expect(page.locator("#article-31")).to_be_checked()
    expect(page.locator("#article-3")).not_to_be_checked()
    expect(page.locator("#contacts-2-role")).to_have_value("Ungdomsrådets ordförande")
    # The preview follows the restored text.
    expect(page.locator("[data-preview-output] strong")).to_have_text("mer att säga till om")

    # Now the save goes through, and the draft is gone.
    _save(page)
    expect(page.get_by_role("status").filter(has_text="sparat som utkast")).to_be_visible()
    expect(page.locator("h1")).to_have_text(TYPED["#f-title"])
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    page.goto("/redaktion/exempel/nytt")  # returns after the page's scripts have run
    expect(page.locator(".draft-notice")).to_have_count(0)
    expect(page.locator("#f-title")).to_have_value("")
    page.context.close()


def test_drafts_of_two_cases_or_two_editors_never_mix_and_can_be_thrown_away(browser, live_server,
                                                                             cases):
    page = _new_page(browser, live_server.url)
    log_in(page, DRAFTER)
    first, second = (f"/redaktion/exempel/{cases[k]}/redigera" for k in ("first", "second"))
    page.goto(first)
    first_key = _draft_key(page)
    page.locator("#f-summary").fill("Sammanfattningen i det första utkastet.")
    _wait_for_draft(page, first_key, "summary", "Sammanfattningen i det första utkastet.")
    page.goto(second)
    second_key = _draft_key(page)
    assert second_key != first_key
    expect(page.locator(".draft-notice")).to_have_count(0)  # the first case's draft is not offered
    page.locator("#f-body").fill("## Bakgrund\n\nTexten i det andra utkastet.")
    _wait_for_draft(page, second_key, "body", "## Bakgrund\n\nTexten i det andra utkastet.")

    page.goto(first)
    _notice(page).get_by_role("button", name="Återställ utkastet").click()
    expect(page.locator("#f-summary")).to_have_value("Sammanfattningen i det första utkastet.")
    expect(page.locator("#f-body")).to_have_value("## Bakgrund\n\nTexten som är sparad i kunskapsbanken.")

    # "Släng utkastet": the saved text stays, the draft goes for good.
    page.goto(second)
    _notice(page).get_by_role("button", name="Släng utkastet").click()
    expect(_region(page)).to_contain_text("Utkastet är slängt")
    expect(page.locator("#f-body")).to_have_value("## Bakgrund\n\nTexten som är sparad i kunskapsbanken.")
    assert _draft(page, second_key) is None
    page.reload()
    expect(page.locator(".draft-notice")).to_have_count(0)

    # A colleague on the same computer never sees (or disturbs) the drafter's draft.
    page.goto("/redaktion/")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status").filter(has_text="Du är utloggad")).to_be_visible()
    log_in(page, COLLEAGUE)
    page.goto(first)
    assert _draft_key(page) != first_key
    expect(page.locator(".draft-notice")).to_have_count(0)
    expect(page.locator("#f-summary")).to_have_value("Sammanfattningen som är sparad i kunskapsbanken.")
    assert _draft(page, first_key)["fields"]["summary"] == ["Sammanfattningen i det första utkastet."]
    page.context.close()


def test_a_conflict_keeps_the_draft_and_restoring_it_later_shows_the_conflict_again(
        browser, live_server, cases):
    from kb.models import Case
    from kb.services.cases import case_to_data, save_case
    from kb.services.users import find_user

    page = _new_page(browser, live_server.url)
    log_in(page, DRAFTER)
    url = f"/redaktion/exempel/{cases['conflict']}/redigera"
    page.goto(url)
    key = _draft_key(page)
    page.locator("#f-title").fill("Drafterns nya rubrik")
    _wait_for_draft(page, key, "title", "Drafterns nya rubrik")

    # Meanwhile a colleague saves the same case.
    with live_server.app.app_context():
        case = db.session.get(Case, cases["conflict"])
        data = case_to_data(case)
        data["summary"] = "Kollegans sammanfattning."
        save_case(data, case=case, user=find_user(COLLEAGUE["email"]), message="Kollegans ändring")
        db.session.commit()
        search.sync_index()
        db.session.remove()

    _save(page)
    expect(page.locator("#conflict")).to_contain_text("Någon annan har sparat exemplet")
    kept = _draft(page, key)
    assert kept["fields"]["title"] == ["Drafterns nya rubrik"] and kept["version"] == "1"

    # She leaves, and opens the form another day: it shows the colleague's version, and the
    # notice says the case changed since her draft.
    page.goto(f"/redaktion/exempel/{cases['conflict']}")
    page.goto(url)
    notice = _notice(page)
    expect(notice.locator("[data-draft-stale]")).to_be_visible()
    expect(notice).to_contain_text("Exemplet har ändrats sedan utkastet sparades")
    expect(notice.locator("[data-draft-from]")).to_have_text("1")
    expect(notice.locator("[data-draft-now]")).to_have_text("2")
    expect(page.locator("#f-summary")).to_have_value("Kollegans sammanfattning.")
    notice.get_by_role("button", name="Återställ utkastet").click()
    expect(page.locator("#f-title")).to_have_value("Drafterns nya rubrik")

    # Saving the restored draft does not overwrite the colleague's change unseen.
    _save(page)
    expect(page.locator("#conflict")).to_contain_text("Kollegans sammanfattning.")
    page.get_by_role("button", name="Spara min version ändå").click()
    expect(page.get_by_role("status").filter(has_text="Ändringarna är sparade")).to_be_visible()
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    page.goto(url)
    expect(page.locator(".draft-notice")).to_have_count(0)
    expect(page.locator("#f-title")).to_have_value("Drafterns nya rubrik")
    page.context.close()


def test_an_expired_login_loses_nothing(browser, live_server, cases):
    page = _new_page(browser, live_server.url)
    log_in(page, DRAFTER)
    url = f"/redaktion/exempel/{cases['login']}/redigera"
    page.goto(url)
    key = _draft_key(page)
    body = "## Bakgrund\n\nSkrivet medan inloggningen gick ut."
    page.locator("#f-body").fill(body)
    _wait_for_draft(page, key, "body", body)

    page.context.clear_cookies()  # the login has expired while she wrote
    _save(page)
    expect(page.locator("h1")).to_have_text("Formuläret är för gammalt")
    assert _draft(page, key)["fields"]["body"] == [body]

    page.get_by_role("link", name="Ladda om formuläret").click()
    page.wait_for_url("**/login**")
    page.get_by_label("E-postadress").fill(DRAFTER["email"])
    page.get_by_label("Lösenord").fill(DRAFTER["password"])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"**{url}")
    _notice(page).get_by_role("button", name="Återställ utkastet").click()
    expect(page.locator("#f-body")).to_have_value(body)
    _save(page)
    expect(page.get_by_role("status").filter(has_text="Ändringarna är sparade")).to_be_visible()
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    page.context.close()
