"""The shipped seed content and reference data."""
from __future__ import annotations

from kb.extensions import db
from kb.models import Article, Case, County, Municipality
from kb.services.importer import import_paths
from tests.conftest import SEED_CASES


def test_reference_data_is_loaded_by_the_migrations(app):
    assert db.session.scalar(db.select(db.func.count()).select_from(County)) == 21
    assert db.session.scalar(db.select(db.func.count()).select_from(Municipality)) == 290
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 54
    assert db.session.get(Article, 12).label == "Artikel 12 – Rätten att uttrycka sina åsikter"
    assert db.session.execute(
        db.select(Municipality).filter_by(name="Åmål")
    ).scalar_one().county.name == "Västra Götalands län"


def test_every_seed_example_is_a_published_case_with_its_source(app):
    import_paths([SEED_CASES])
    db.session.commit()
    cases = db.session.execute(db.select(Case)).scalars().all()
    assert len(cases) >= 7
    organisations = {c.organisation.name for c in cases}
    assert {"Kommunförbundet Skåne", "Karlskoga kommun", "Helsingborgs stad", "Åmåls kommun",
            "Herrljunga kommun", "Länsstyrelsen Västra Götaland"} <= organisations
    for case in cases:
        assert case.is_published
        assert case.sources, case.slug
        assert "<h2>Bakgrund</h2>" in case.body_html, case.slug
    lansstyrelsen = [c for c in cases if c.organisation.name == "Länsstyrelsen Västra Götaland"]
    assert len(lansstyrelsen) == 2
    assert any(c.contacts for c in lansstyrelsen)
