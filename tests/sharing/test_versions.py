"""Version permalinks and the "Citera" block: a report can cite a text that will not change."""
from __future__ import annotations

import datetime as dt

from kb.dates import swedish_date
from kb.extensions import db
from kb.models import Status
from kb.services.cases import case_to_data, save_case, set_status


def update(case, **changes):
    data = case_to_data(case)
    data.update(changes)
    save_case(data, case=case)
    db.session.commit()


def test_old_version_keeps_its_text(client, cases):
    first = cases[0]
    update(first, summary="Andra versionens sammanfattning.", body="## Nytt\n\nHelt ny text.")
    old = client.get("/exempel/bka-budget/version/1").get_data(as_text=True)
    assert "Politikerna ville se barnen" in old and "Helt ny text" not in old
    assert "Du läser version 1" in old and 'content="noindex"' in old
    new = client.get("/exempel/bka-budget/version/2").get_data(as_text=True)
    assert "Helt ny text" in new and "senaste versionen (version 2" in new


def test_versions_page_lists_published_versions(client, cases):
    first = cases[0]
    update(first, summary="Andra versionen.")
    html = client.get("/exempel/bka-budget/versioner").get_data(as_text=True)
    assert "/exempel/bka-budget/version/2" in html and "/exempel/bka-budget/version/1" in html


def test_unpublished_versions_and_drafts_are_not_readable(client, cases):
    first, _second, draft = cases
    set_status(first, Status.REVIEW, None)  # a workflow step, not a new version
    db.session.commit()
    assert client.get("/exempel/utkast-sommarlov/version/1").status_code == 404
    # The case is no longer published: readers cannot reach any version of it.
    assert client.get("/exempel/bka-budget/version/1").status_code == 404
    set_status(first, Status.PUBLISHED, None)
    db.session.commit()
    assert client.get("/exempel/bka-budget/version/1").status_code == 200
    missing = client.get("/exempel/bka-budget/version/2")
    assert missing.status_code == 404 and "ingen publicerad version 2" in missing.get_data(as_text=True)


def test_publishing_a_draft_makes_its_current_version_citable(client, cases):
    draft = cases[2]
    set_status(draft, Status.REVIEW, None)
    set_status(draft, Status.PUBLISHED, None)
    db.session.commit()
    assert draft.version == 1
    page = client.get("/exempel/utkast-sommarlov/version/1")
    assert page.status_code == 200 and "Hemligt utkast om sommarlov" in page.get_data(as_text=True)


def test_archived_cases_are_gone(client, cases):
    set_status(cases[0], Status.ARCHIVED, None)
    db.session.commit()
    response = client.get("/exempel/bka-budget/version/1")
    assert response.status_code == 410 and "avpublicerats" in response.get_data(as_text=True)


def test_old_versions_show_only_roles_and_functional_mailboxes(client, cases):
    html = client.get("/exempel/bka-budget/version/1").get_data(as_text=True)
    assert "Anna Svensson" not in html and "anna.svensson@" not in html
    assert "kontaktcenter@exempelby.se" in html


def test_citation_block_on_the_case_page(client, cases):
    first = cases[0]
    html = client.get("/exempel/bka-budget").get_data(as_text=True)
    today = swedish_date(dt.date.today())
    expected = (f"Exempelby kommun (2023). Barnkonsekvensanalys i budgetarbetet. Kunskapsbanken, "
                f"version {first.version}. http://kb.test/exempel/bka-budget/version/{first.version} "
                f"(hämtad {today}).")
    assert expected in html
    assert 'id="cite-heading">Citera' in html


def test_citation_downloads(client, cases):
    ris = client.get("/exempel/bka-budget/citera.ris")
    assert ris.mimetype == "application/x-research-info-systems"
    text = ris.get_data(as_text=True)
    assert "TI  - Barnkonsekvensanalys i budgetarbetet\r\n" in text
    assert "UR  - http://kb.test/exempel/bka-budget/version/1\r\n" in text
    assert text.endswith("ER  - \r\n")
    bib = client.get("/exempel/bka-budget/citera.bib?version=1").get_data(as_text=True)
    assert bib.startswith("@misc{bka-budget-v1,") and "author = {{Exempelby kommun}}" in bib
    assert client.get("/exempel/bka-budget/citera.ris?version=7").status_code == 404


def test_a_version_page_shows_the_html_stored_when_it_was_saved(client, cases, monkeypatch):
    """Markdown is rendered once, at save: a version page never calls the renderer, and
    shows the stored HTML even if the renderer has changed since."""
    import sys

    from kb.markup import render_markdown
    from kb.models import Revision

    stored = db.session.execute(db.select(Revision).filter_by(case_id=cases[0].id, number=1)).scalar_one()
    assert stored.body_html == cases[0].body_html and "Politikerna ville se barnen" in stored.body_html
    stored.body_html = "<p>Så som texten visades när versionen sparades.</p>"
    db.session.commit()

    def refuse(_source: str) -> str:
        raise AssertionError("Markdown rendered per request")
    users = [m for m in list(sys.modules.values()) if getattr(m, "render_markdown", None) is render_markdown]
    for module in users:
        monkeypatch.setattr(module, "render_markdown", refuse)
    html = client.get("/exempel/bka-budget/version/1").get_data(as_text=True)
    assert "Så som texten visades när versionen sparades." in html
    assert "Politikerna ville se barnen" not in html
