"""The server's half of the case form's drafts in the browser (kb/static/js/drafts.js): the form
names its draft per editor and case, and only the case page after a successful save says that
the draft can go. The browser's half is tested in tests/browser/test_drafts.py."""
from __future__ import annotations

import re

from kb.services.cases import case_to_data
from tests.editor.fixtures import form_for


def _draft_key(html: str) -> str:
    return re.search(r'data-draft-key="([^"]+)"', html).group(1)


def _saved_marker(html: str) -> tuple[str, str] | None:
    found = re.search(r'data-draft-saved="([^"]+)" data-draft-saved-version="(\d+)"', html)
    return (found.group(1), found.group(2)) if found else None


def test_each_editor_and_case_has_its_own_draft(clients, users, draft, make_case):
    other = make_case(title="Ett annat exempel", status="draft", published=None)
    editor, reviewer = clients["editor"], clients["reviewer"]
    keys = {
        "editor new": _draft_key(editor.get("/redaktion/exempel/nytt").get_data(as_text=True)),
        "editor case": _draft_key(editor.get(f"/redaktion/exempel/{draft.id}/redigera")
                                  .get_data(as_text=True)),
        "reviewer case": _draft_key(reviewer.get(f"/redaktion/exempel/{draft.id}/redigera")
                                    .get_data(as_text=True)),
        "reviewer other": _draft_key(reviewer.get(f"/redaktion/exempel/{other.id}/redigera")
                                     .get_data(as_text=True)),
    }
    assert keys["editor new"] == f"kb-draft:{users['editor'].id}:new"
    assert keys["editor case"] == f"kb-draft:{users['editor'].id}:{draft.id}"
    assert len(set(keys.values())) == 4


def test_the_form_loads_the_draft_script_and_its_notice_without_inline_script(clients):
    html = clients["editor"].get("/redaktion/exempel/nytt").get_data(as_text=True)
    assert '<script src="/static/js/drafts.js"' in html
    # The CSP runs no inline script (a JSON-LD data block is not one).
    assert re.search(r'<script(?![^>]*\b(src=|type="application/ld\+json"))', html) is None
    notice = html[html.index('<template id="draft-notice">'):html.index("</template>")]
    assert "Återställ utkastet" in notice and "Släng utkastet" in notice
    assert "Exemplet har ändrats sedan utkastet sparades" in notice
    assert 'role="status" data-draft-region' in html


def test_a_new_case_saved_marks_the_next_case_page_once(clients, users, case_data):
    editor = clients["editor"]
    response = editor.post("/redaktion/exempel/nytt",
                           data=form_for(case_data(status=None, published=None)))
    assert response.status_code == 302
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert _saved_marker(page) == (f"kb-draft:{users['editor'].id}:new", "1")
    # Only the page right after the save: reloading it must not remove a later draft.
    assert _saved_marker(editor.get(response.headers["Location"]).get_data(as_text=True)) is None


def test_an_edit_saved_or_unchanged_marks_the_case_page(clients, users, draft):
    editor = clients["editor"]
    url = f"/redaktion/exempel/{draft.id}/redigera"
    changed = form_for(case_to_data(draft), version=1, summary="En ny sammanfattning.")
    page = editor.post(url, data=changed, follow_redirects=True).get_data(as_text=True)
    assert _saved_marker(page) == (f"kb-draft:{users['editor'].id}:{draft.id}", "2")
    # Saving what is already saved also makes the draft superfluous.
    same = form_for(case_to_data(draft), version=2)
    page = editor.post(url, data=same, follow_redirects=True).get_data(as_text=True)
    assert "Inga ändringar att spara." in page
    assert _saved_marker(page) == (f"kb-draft:{users['editor'].id}:{draft.id}", "2")


def test_failed_saves_keep_the_text_and_never_mark_the_draft_saved(clients, draft):
    editor, reviewer = clients["editor"], clients["reviewer"]
    url = f"/redaktion/exempel/{draft.id}/redigera"
    opened = case_to_data(draft)

    invalid = editor.post(url, data=form_for(opened, version=1, title="",
                                             body="Text som inte får försvinna."))
    assert invalid.status_code == 422 and "Text som inte får försvinna." in invalid.get_data(as_text=True)

    assert reviewer.post(url, data=form_for(opened, version=1, summary="Granskarens.")).status_code == 302
    assert _saved_marker(reviewer.get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True))
    conflict = editor.post(url, data=form_for(opened, version=1, body="Min text i konflikten."))
    assert conflict.status_code == 409 and "Min text i konflikten." in conflict.get_data(as_text=True)

    # The editor's next case page says nothing about a saved draft (the reviewer's did).
    assert _saved_marker(editor.get(f"/redaktion/exempel/{draft.id}").get_data(as_text=True)) is None
