"""The editorial round trip in a real browser: an editor writes a case with the live preview
(keyboard only) and submits it; a reviewer publishes it; a reader then finds it by search."""
from __future__ import annotations

from .conftest import ACCOUNTS
from .helpers import expect, log_in, tab_to

TITLE = "Lekplatsråd där barnen själva planerar parkerna i Gävle"
SUMMARY = ("Gävle kommun låter ett lekplatsråd med barn från varje stadsdel prioritera och "
           "utforma nya lekplatser.")
BODY = ("## Bakgrund\n\nBarnen i **lekplatsrådet** ville ha fler platser att mötas på.\n\n"
        "## Genomförande\n\n- Workshoppar i skolorna\n- Gemensamma vandringar i parkerna\n")


def _type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def _choose(page, selector: str, label: str) -> None:
    """Pick an option in a closed <select> with the arrow keys, as a keyboard user does."""
    tab_to(page, selector)
    page.keyboard.press("Home")
    for _ in range(60):
        if page.locator(selector).evaluate("el => el.selectedOptions[0].label") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} is not an option of {selector}")


def test_editor_writes_reviewer_publishes_reader_finds(browser, live_server):
    editor = browser.new_context(base_url=live_server.url).new_page()

    # The editor logs in and fills in the form with the keyboard alone.
    editor.goto("/login")
    _type_into(editor, "#email", ACCOUNTS["editor"]["email"])
    _type_into(editor, "#password", ACCOUNTS["editor"]["password"])
    editor.keyboard.press("Enter")
    expect(editor.get_by_role("status").filter(has_text="Du är inloggad")).to_be_visible()

    editor_nav = editor.get_by_role("navigation", name="Redaktionen")
    tab_to(editor, editor_nav.get_by_role("link", name="Nytt exempel"))
    editor.keyboard.press("Enter")
    expect(editor.locator("h1")).to_have_text("Nytt exempel")
    _type_into(editor, "#f-title", TITLE)
    _type_into(editor, "#f-summary", SUMMARY)
    _type_into(editor, "#f-body", BODY)

    preview = editor.locator("[data-preview-output]")
    expect(preview.locator("h2").first).to_have_text("Bakgrund")
    expect(preview.locator("strong")).to_have_text("lekplatsrådet")
    expect(preview.locator("li")).to_have_count(2)

    _type_into(editor, "#f-organisation", "Gävle kommun")
    _choose(editor, "#f-organisation_type", "Kommun")
    expect(editor.locator("#f-organisation_type")).to_have_value("kommun")
    _choose(editor, "#f-county", "Gävleborgs län")
    expect(editor.locator("#f-county")).to_have_value("Gävleborgs län")
    _type_into(editor, "#f-tags", "lekplatser, delaktighet")
    editor.keyboard.press("Escape")  # closes the tag suggestions, if any are open
    tab_to(editor, "#article-12")
    editor.keyboard.press("Space")
    expect(editor.locator("#article-12")).to_be_checked()
    tab_to(editor, editor.locator("#case-form").get_by_role("button", name="Spara", exact=True))
    editor.keyboard.press("Enter")

    expect(editor.get_by_role("status").filter(has_text="sparat som utkast")).to_be_visible()
    expect(editor.locator("h1")).to_have_text(TITLE)
    tab_to(editor, editor.get_by_role("button", name="Skicka till granskning"))
    editor.keyboard.press("Enter")
    expect(editor.get_by_role("status").filter(has_text="skickat till granskning")).to_be_visible()

    # Not public yet: a reader's search does not find it.
    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto("/sok?q=lekplatsråd")
    expect(reader.locator(".no-hits")).to_be_visible()

    # The reviewer finds it in the review queue and publishes it.
    reviewer = browser.new_context(base_url=live_server.url).new_page()
    log_in(reviewer, ACCOUNTS["reviewer"])
    reviewer.get_by_role("link", name=TITLE).first.click()
    reviewer.get_by_role("button", name="Publicera").click()
    expect(reviewer.get_by_role("status").filter(has_text="Exemplet är publicerat")).to_be_visible()
    # Publishing is a review, and a step in the history rather than a new version.
    expect(reviewer.locator("main")).not_to_contain_text("aldrig markerats som granskat")
    expect(reviewer.locator(".case-status-line")).to_contain_text("version 1")
    reviewer.get_by_role("link", name="Versionshistorik").click()
    events = reviewer.locator("#events-heading + ol")
    expect(events).to_contain_text("Publicerat")
    expect(events).to_contain_text("Skickat till granskning")

    # A reader comes by (a new visit: pages may be cached for a minute in a browser) and
    # searches from the start page.
    reader.context.close()
    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto("/")
    reader.get_by_label("Vad vill du veta hur andra har gjort?").fill("lekplatsråd")
    reader.keyboard.press("Enter")
    first_hit = reader.locator(".search-hits > li").first
    expect(first_hit.locator("h3")).to_have_text(TITLE)
    first_hit.get_by_role("link", name=TITLE).click()
    expect(reader.locator("h1")).to_have_text(TITLE)
    expect(reader.locator(".case-body h2").first).to_have_text("Bakgrund")
    expect(reader.locator(".facts")).to_contain_text("Gävleborgs län")
    for page in (editor, reviewer, reader):
        page.context.close()


def test_validation_errors_keep_what_was_typed_and_lead_to_the_fields(browser, live_server, login_state):
    page = browser.new_context(base_url=live_server.url, storage_state=login_state("author")).new_page()
    page.goto("/redaktion/exempel/nytt")
    _type_into(page, "#f-title", TITLE)
    _type_into(page, "#f-body", "## Bakgrund\n\nText som inte får försvinna.")
    tab_to(page, page.locator("#case-form").get_by_role("button", name="Spara", exact=True))
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#f-title")).to_have_value(TITLE)
    expect(page.locator("#f-body")).to_have_value("## Bakgrund\n\nText som inte får försvinna.")
    # Each error in the summary is a link to its field.
    tab_to(page, summary.get_by_role("link").filter(has_text="Sammanfattning"))
    page.keyboard.press("Enter")
    assert page.url.endswith("#f-summary")
    expect(page.locator("#f-summary")).to_have_attribute("aria-invalid", "true")
    page.context.close()
