"""The import format: upsert by slug, all-or-nothing, clear errors, export round trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.extensions import db
from kb.models import Case, Status
from kb.services.cases import case_to_data
from kb.services.exporter import export_cases
from kb.services.importer import ImportFailed, import_paths
from tests.conftest import CONTRACT_CASES, SEED_CASES

GOOD = """---
title: Ungdomsråd med egen budget
summary: Ungdomsrådet fördelar en egen budget till projekt som unga själva föreslår.
organisation: Umeå kommun
organisation_type: kommun
county: Västerbottens län
municipalities: [Umeå]
year: 2019
published: 2022-03-01
tags: [delaktighet, ungdomsdialog]
articles: [12, 15]
contacts:
  - role: Samordnare för ungdomsinflytande
    email: ungdomsrad@example.org
sources:
  - title: Kommunens webbplats
    url: https://example.org/ungdomsrad
evidence_level: dokumenterade resultat
reviewed: 2025-01-10
---

## Bakgrund
Unga ville kunna påverka.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def all_cases() -> list[Case]:
    return db.session.execute(db.select(Case).order_by(Case.slug)).scalars().all()


def test_import_a_folder_recursively_and_again_is_an_upsert(app, tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.md", GOOD)
    result = import_paths([tmp_path])
    db.session.commit()
    assert result.created == ["ungdomsrad-med-egen-budget"]
    again = import_paths([tmp_path])
    db.session.commit()
    assert again.created == [] and again.unchanged == ["ungdomsrad-med-egen-budget"]
    write(tmp_path / "sub", "a.md", GOOD.replace("egen budget till", "en egen budget till"))
    third = import_paths([tmp_path])
    db.session.commit()
    assert third.updated == ["ungdomsrad-med-egen-budget"]
    assert len(all_cases()) == 1


def test_imported_case_holds_every_field(app, tmp_path):
    import_paths([write(tmp_path, "a.md", GOOD)])
    db.session.commit()
    (case,) = all_cases()
    assert case.status == Status.PUBLISHED  # the default
    assert case.county.name == "Västerbottens län"
    assert [a.number for a in case.articles] == [12, 15]
    assert case.contacts[0].role == "Samordnare för ungdomsinflytande"
    assert case.sources[0].url == "https://example.org/ungdomsrad"
    assert case.evidence_level == "dokumenterade resultat"
    assert "<h2>Bakgrund</h2>" in case.body_html


def test_a_bad_file_leaves_the_database_as_it_was_and_names_file_line_and_field(app, tmp_path):
    write(tmp_path, "a.md", GOOD)
    bad = write(tmp_path, "b.md", GOOD.replace("Ungdomsråd med", "Annat råd med")
                .replace("county: Västerbottens län", "county: Mittens län"))
    with pytest.raises(ImportFailed) as exc:
        import_paths([tmp_path])
    db.session.rollback()
    assert all_cases() == []
    (problem,) = exc.value.problems
    assert problem.startswith(f"{bad}:6:")  # line of "county:"
    assert "county" in problem and "Okänt län" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("year: 2019", "year: 2019\nfärg: blå"), "färg"),
        (GOOD.replace("---\ntitle", "title", 1), "måste börja"),
        (GOOD.replace("\n---\n\n## Bakgrund", "\n\n## Bakgrund"), "avslutas aldrig"),
        (GOOD.replace("tags: [delaktighet, ungdomsdialog]", "tags: [delaktighet"), "ogiltig YAML"),
        (GOOD.replace("organisation_type: kommun\n", ""), "organisation_type"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_error(app, tmp_path, text, expected):
    write(tmp_path, "x.md", text)
    with pytest.raises(ImportFailed) as exc:
        import_paths([tmp_path])
    assert expected in str(exc.value)


def test_senast_uppdaterad_is_the_files_updated_else_published_not_the_import_day(app, client, tmp_path):
    dated = GOOD.replace("published: 2022-03-01", "published: 2022-03-01\nupdated: 2024-06-05")
    write(tmp_path, "a.md", dated)
    write(tmp_path, "b.md", GOOD.replace("Ungdomsråd med egen budget", "Ungdomsråd utan ändringsdatum"))
    import_paths([tmp_path])
    db.session.commit()
    cases = {c.title: c for c in all_cases()}
    assert cases["Ungdomsråd med egen budget"].content_updated.isoformat() == "2024-06-05"
    assert cases["Ungdomsråd utan ändringsdatum"].content_updated.isoformat() == "2022-03-01"
    page = client.get("/exempel/" + cases["Ungdomsråd med egen budget"].slug).get_data(as_text=True)
    assert "Senast uppdaterad 5 juni 2024" in page
    # A status step is not a content change: the date stays.
    from kb.services.cases import set_status
    case = cases["Ungdomsråd utan ändringsdatum"]
    set_status(case, Status.ARCHIVED, None, "case_archived")
    set_status(case, Status.PUBLISHED, None, "case_published")
    db.session.commit()
    assert db.session.get(Case, case.id).content_updated.isoformat() == "2022-03-01"


def test_an_undated_case_is_cited_without_a_year_and_sorts_last_everywhere(app, client, tmp_path):
    from kb import search

    write(tmp_path, "dated.md", GOOD)
    write(tmp_path, "undated.md", GOOD.replace("published: 2022-03-01\n", "").replace(
        "Ungdomsråd med egen budget", "Ungdomsråd utan datum"))
    import_paths([tmp_path])
    db.session.commit()
    search.sync_index()
    undated = next(c for c in all_cases() if c.published is None)
    page = client.get(f"/exempel/{undated.slug}").get_data(as_text=True)
    assert "Umeå kommun (u.å.)" in page and "(2026)" not in page
    listing = client.get("/exempel").get_data(as_text=True)
    newest = client.get("/sok?q=&sort=date").get_data(as_text=True)
    for html in (listing, newest):
        assert html.index("Ungdomsråd med egen budget") < html.index("Ungdomsråd utan datum")


def test_missing_path_is_an_error(app, tmp_path):
    with pytest.raises(ImportFailed, match="finns inte"):
        import_paths([tmp_path / "nope"])


def test_export_then_import_round_trips(app, tmp_path):
    import_paths([CONTRACT_CASES, SEED_CASES])
    db.session.commit()
    before = {c.slug: case_to_data(c) for c in all_cases()}
    out = tmp_path / "export"
    assert export_cases(out) == len(before)
    for case in all_cases():
        db.session.delete(case)
    db.session.commit()
    import_paths([out])
    db.session.commit()
    after = {c.slug: case_to_data(c) for c in all_cases()}
    assert after == before


def test_cli_import_reports_errors_and_exits_nonzero(runner, tmp_path):
    write(tmp_path, "x.md", GOOD.replace("articles: [12, 15]", "articles: [99]"))
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1
    assert "articles" in result.output and "inget har ändrats" in result.output


def test_cli_import_and_export(runner, tmp_path):
    result = runner.invoke(args=["import", str(SEED_CASES)])
    assert result.exit_code == 0, result.output
    assert "nya" in result.output
    result = runner.invoke(args=["export", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert len(list((tmp_path / "out").glob("*.md"))) == len(list(SEED_CASES.glob("*.md")))
