"""An import creates each new organisation once, named as validation cleans the name."""
from __future__ import annotations

import pytest

from kb.extensions import db
from kb.models import Case, Organisation
from kb.services.importer import ImportFailed, import_paths
from tests.core.test_import_export import GOOD, write


def _organisations() -> dict[str, str]:
    return dict(db.session.execute(db.select(Organisation.name, Organisation.organisation_type)).all())


def test_new_organisations_once_each_as_validation_names_them(app, tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD.replace("title: Ungdomsråd med egen budget", "title: Andra fallet")
          .replace("organisation: Umeå kommun", "organisation: '  Umeå   kommun '"))
    write(tmp_path, "c.md", GOOD.replace("title: Ungdomsråd med egen budget", "title: Tredje fallet")
          .replace("organisation: Umeå kommun", "organisation: Region Västerbotten")
          .replace("organisation_type: kommun", "organisation_type: Region"))
    result = import_paths([tmp_path])
    db.session.commit()
    assert len(result.created) == 3
    assert _organisations() == {"Umeå kommun": "kommun", "Region Västerbotten": "region"}
    names = {case.slug: case.organisation.name for case in db.session.scalars(db.select(Case))}
    assert names == {"ungdomsrad-med-egen-budget": "Umeå kommun", "andra-fallet": "Umeå kommun",
                     "tredje-fallet": "Region Västerbotten"}


def test_a_failed_import_leaves_no_organisation(app, tmp_path):
    write(tmp_path, "a.md", GOOD.replace("organisation: Umeå kommun", "organisation: Ny förening"))
    write(tmp_path, "b.md", GOOD.replace("title: Ungdomsråd med egen budget", "title: ''"))
    with pytest.raises(ImportFailed):
        import_paths([tmp_path])
    db.session.rollback()
    assert "Ny förening" not in _organisations()
