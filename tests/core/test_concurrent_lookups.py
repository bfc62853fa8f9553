"""Two processes saving cases that name the same new tag or organisation at the same time.

The other process's row is committed through a second connection in the instant between
our look-up (nothing found) and our insert, as it happens when two editors or an import
and an editor race. Saving must use the other's row, not fail with IntegrityError.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, insert

from kb.extensions import db
from kb.models import Organisation, Tag
from kb.services.cases import save_case


@contextmanager
def rival_inserts_first(table: str, row: dict) -> Iterator[list[int]]:
    """Just before this session's first INSERT INTO ``table``, another connection inserts
    and commits ``row``; yields a list that receives the rival row's id."""
    rival_ids: list[int] = []
    model = {"tags": Tag, "organisations": Organisation}[table]

    def before(conn, cursor, statement, parameters, context, executemany):
        if rival_ids or not statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            return
        rival_ids.append(0)  # once, and not for the rival's own insert
        with db.engine.connect() as other:
            rival_ids[0] = other.execute(insert(model).values(**row).returning(model.id)).scalar_one()
            other.commit()

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield rival_ids
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_a_tag_created_meanwhile_by_another_process_is_used(app, case_data):
    save_case(case_data(title="Första", tags=["styrning"]))  # the organisation exists
    db.session.commit()
    with rival_inserts_first("tags", {"name": "ungdomsråd", "slug": "ungdomsrad"}) as rival:
        case = save_case(case_data(title="Andra", tags=["ungdomsråd", "styrning"]))
        db.session.commit()
    assert rival, "the race was not staged"
    assert [t.name for t in case.tags] == ["styrning", "ungdomsråd"]
    assert next(t.id for t in case.tags if t.name == "ungdomsråd") == rival[0]
    assert db.session.scalar(db.select(db.func.count()).select_from(Tag)
                             .filter_by(name="ungdomsråd")) == 1


def test_a_tag_slug_taken_meanwhile_gets_the_next_number(app, case_data):
    save_case(case_data(title="Första", tags=["styrning"]))
    db.session.commit()
    # The rival's tag is another name with the same slug ("barn-råd" and "barnråd" → …).
    with rival_inserts_first("tags", {"name": "barn råd", "slug": "barn-rad"}) as rival:
        case = save_case(case_data(title="Andra", tags=["barn-råd"]))
        db.session.commit()
    assert rival
    assert [(t.name, t.slug) for t in case.tags] == [("barn-råd", "barn-rad-2")]


def test_an_organisation_created_meanwhile_by_another_process_is_used(app, case_data):
    row = {"name": "Nya kommunen", "organisation_type": "kommun"}
    with rival_inserts_first("organisations", row) as rival:
        case = save_case(case_data(organisation="Nya kommunen", organisation_type="region"))
        db.session.commit()
    assert rival, "the race was not staged"
    assert case.organisation.id == rival[0]
    assert case.organisation.organisation_type == "region"  # this save's type wins, as before
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)
                             .filter_by(name="Nya kommunen")) == 1
