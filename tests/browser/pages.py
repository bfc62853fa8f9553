"""Every page type a person can reach, and how to bring a browser to it.

The accessibility audit, the HTML validation and the screenshots all walk this list, so a
new kind of page is added here once and checked in every way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

    from .conftest import LiveServer


@dataclass(frozen=True)
class PageType:
    name: str
    open: Callable[[Page, LiveServer], Response]
    # Who is logged in: None (a reader) or a key of conftest.ACCOUNTS.
    user: str | None = None
    # Also written to screenshots/ for a person to look at.
    screenshot: bool = False


def _check(response: Response | None, status: int, what: str) -> Response:
    assert response is not None, f"no response for {what}"
    assert response.status == status, f"{what}: HTTP {response.status}, expected {status}"
    return response


def _get(path: Callable[[dict], str] | str, status: int = 200):
    def open_(page: Page, server: LiveServer) -> Response:
        url = path(server.sample) if callable(path) else path
        return _check(page.goto(server(url)), status, url)
    return open_


def _submit(path: str, fill: dict[str, str], button: str, status: int):
    """Open a form, type into it, press its submit button: the page a person then sees."""
    def open_(page: Page, server: LiveServer) -> Response:
        _check(page.goto(server(path)), 200, path)
        form = page.locator("main form").filter(has=page.get_by_role("button", name=button)).first
        for selector, value in fill.items():
            form.locator(selector).fill(value)
        with page.expect_navigation() as navigation:
            form.get_by_role("button", name=button).click()
        return _check(navigation.value, status, f"{path} after {button!r}")
    return open_


def _with_draft(path: Callable[[dict], str]):
    """Type into a case form, wait for the browser's draft of it, open the form again: the
    form with the notice offering the draft back (kb/static/js/drafts.js)."""
    def open_(page: Page, server: LiveServer) -> Response:
        url = path(server.sample)
        _check(page.goto(server(url)), 200, url)
        page.locator("#f-summary").fill("En sammanfattning som bara finns i utkastet.")
        key = page.locator("#case-form").get_attribute("data-draft-key")
        page.wait_for_function("key => (localStorage.getItem(key) || '').includes('bara finns i utkastet')",
                               arg=key)
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the changed form?" yes
        response = _check(page.goto(server(url)), 200, f"{url} again")
        page.locator("[data-draft-region] .draft-notice").wait_for()
        return response
    return open_


def _editor_case(suffix: str = "") -> Callable[[dict], str]:
    return lambda s: f"/redaktion/exempel/{s['edited_case_id']}{suffix}"


PAGE_TYPES = [
    # Reading
    PageType("start", _get("/"), screenshot=True),
    PageType("case-list", _get("/exempel"), screenshot=True),
    PageType("case", _get(lambda s: f"/exempel/{s['case_slug']}"), screenshot=True),
    PageType("tag", _get(lambda s: f"/tagg/{s['tag_slug']}")),
    PageType("county", _get(lambda s: f"/lan/{s['county_slug']}")),
    PageType("organisation-type", _get("/organisationstyp/kommun")),
    PageType("tags", _get("/taggar")),
    PageType("counties", _get("/lan")),
    PageType("organisation-types", _get("/organisationstyper")),
    PageType("article", _get(lambda s: f"/artikel/{s['article']}")),
    PageType("articles", _get("/artiklar"), screenshot=True),
    PageType("about", _get("/om")),
    PageType("accessibility", _get("/tillganglighet")),
    PageType("personal-data", _get("/personuppgifter")),
    PageType("not-found", _get("/exempel/finns-inte-alls", status=404), screenshot=True),
    # Search
    PageType("search", _get("/sok?q=samverkan"), screenshot=True),
    PageType("search-filtered", _get(lambda s: f"/sok?q=samverkan&county={s['county_name']}")),
    PageType("search-no-hits", _get("/sok?q=zyxqvw"), screenshot=True),
    # Sharing
    PageType("case-versions", _get(lambda s: f"/exempel/{s['edited_case_slug']}/versioner")),
    PageType("case-version", _get(lambda s: f"/exempel/{s['edited_case_slug']}/version/1")),
    PageType("open-data", _get("/oppna-data")),
    # Samla och jämför
    PageType("reading-list", _get(lambda s: f"/lista?e={s['case_slug']},{s['edited_case_slug']}&titel=Möte"),
             screenshot=True),
    PageType("reading-list-empty", _get("/lista")),
    # Bevakning
    PageType("alert-signup", _get(lambda s: f"/bevaka?typ=tagg&varde={s['tag_slug']}"), screenshot=True),
    PageType("alert-signup-errors", _submit("/bevaka?typ=lan&varde=uppsala-lan", {"#a-epost": "fel"},
                                            "Bevaka", 422)),
    PageType("compare", _get(lambda s: f"/lista/jamfor?e={s['case_slug']},{s['edited_case_slug']}"),
             screenshot=True),
    # Suggestions from the public
    PageType("suggest", _get("/tipsa")),
    PageType("suggest-errors", _submit("/tipsa", {"#s-name": "Tove Tipsare"}, "Skicka tipset", 422),
             screenshot=True),
    # Logging in
    PageType("login", _get("/login"), screenshot=True),
    PageType("login-failed", _submit("/login", {"#email": "nagon@example.se", "#password": "fel"},
                                     "Logga in", 401)),
    # Editors
    PageType("dashboard", _get("/redaktion/"), user="auditor", screenshot=True),
    PageType("editor-cases", _get("/redaktion/exempel"), user="auditor"),
    PageType("editor-case", _get(_editor_case()), user="auditor", screenshot=True),
    PageType("case-form", _get("/redaktion/exempel/nytt"), user="auditor", screenshot=True),
    PageType("case-form-as-editor", _get("/redaktion/exempel/nytt"), user="author"),
    PageType("case-form-errors",
             _submit("/redaktion/exempel/nytt", {"#f-title": "Ett exempel utan resten"}, "Spara", 422),
             user="auditor", screenshot=True),
    PageType("edit-form", _get(_editor_case("/redigera")), user="auditor"),
    PageType("edit-form-draft", _with_draft(_editor_case("/redigera")), user="auditor", screenshot=True),
    PageType("history-diff", _get(_editor_case("/historik")), user="auditor", screenshot=True),
    PageType("revision", _get(_editor_case("/historik/1")), user="auditor"),
    PageType("users", _get("/redaktion/anvandare"), user="auditor"),
    PageType("audit-log", _get("/redaktion/handelser"), user="auditor"),
]
