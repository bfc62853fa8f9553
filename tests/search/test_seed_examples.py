"""The issue's own examples, on the seed cases (seed_data/cases)."""
from __future__ import annotations

import pytest

from kb import search
from kb.extensions import db
from tests.conftest import SEED_CASES


@pytest.fixture
def seeded(app):
    from kb.services.importer import import_paths

    import_paths([SEED_CASES])
    db.session.commit()
    search.sync_index()
    return app


def slugs(q: str) -> list[str]:
    return [hit.case.slug for hit in search.search(search.SearchParams(q=q)).hits]


def test_issue_examples_on_the_seed_cases(seeded):
    assert slugs("brobyggare amal")[0] == "amal-brobyggare"
    assert slugs("brobyggare åmål")[0] == "amal-brobyggare"
    assert slugs("ungdomsdialog") == ["karlskoga-degerfors-partnerskap-barns-rattigheter"]
    assert "karlskoga-degerfors-partnerskap-barns-rattigheter" in slugs("dialog")
    assert "lansstyrelsen-vastra-gotaland-dialogforum-manskliga-rattigheter-demokrati" in slugs("dialog")
    assert slugs("utbildning")[0] == "helsingborg-socialforvaltningen-barnrattsarbete"
    assert slugs("bokslut") == ["helsingborg-socialforvaltningen-barnrattsarbete"]
    assert slugs("barnrättsstrateger")[0] == "kommunforbundet-skane-barnrattsforum-barnrattsstrateger"
    result = search.search(search.SearchParams(q="barnkonventionn"))
    assert result.suggestion == "barnkonventionen"
