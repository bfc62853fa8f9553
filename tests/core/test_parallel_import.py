"""Large imports are read and rendered in worker processes: same result as one by one."""
from __future__ import annotations

import pytest
from flask import current_app

from bench.generate import generate, write_files
from kb import workers
from kb.extensions import db
from kb.models import Case
from kb.services import cases, importer
from kb.services.cases import case_to_data
from kb.services.importer import ImportFailed, import_paths
from tests.conftest import SEED_CASES


@pytest.fixture
def in_workers(monkeypatch):
    """Workers on; yields the bodies this process rendered itself (a worker's are not seen)."""
    used: list[str] = []
    render = cases.render_markdown
    monkeypatch.setattr(cases, "render_markdown", lambda body: used.append(body) or render(body))
    monkeypatch.setattr(importer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # whatever pytest runs
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    monkeypatch.setitem(current_app.config, "BULK_WORKERS", True)
    return used


def _stored() -> list[tuple]:
    cases = db.session.scalars(db.select(Case).order_by(Case.slug))
    return [(case_to_data(c), c.body_html, c.version) for c in cases]


@pytest.mark.slow  # forks worker processes
def test_workers_give_the_same_cases(app, tmp_path, monkeypatch, in_workers):
    write_files(generate(60), tmp_path / "cases")
    folders = [tmp_path / "cases", SEED_CASES]
    with monkeypatch.context() as sequential:
        sequential.setattr(importer, "PARALLEL_MIN", 10**9)
        first = import_paths(folders)
        one_by_one = _stored()
        db.session.rollback()
    assert len(in_workers) == len(one_by_one)  # rendered here, one by one
    in_workers.clear()
    again = import_paths(folders)
    assert in_workers == [], "the workers did not render"
    assert (again.created, again.updated) == (first.created, first.updated)
    assert _stored() == one_by_one


@pytest.mark.slow  # forks worker processes
def test_a_bad_file_read_by_a_worker_is_reported(app, tmp_path, in_workers):
    write_files(generate(5), tmp_path)
    bad = sorted(tmp_path.glob("*.md"))[3]
    bad.write_text("title: ingen rad med ---\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_paths([tmp_path])
    db.session.rollback()
    assert exc.value.problems == [f"{bad}:1: filen måste börja med en rad ”---” (YAML-huvud)."]
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_only_the_kb_command_forks_workers(app, monkeypatch):
    """A web worker catching up a large change log must not fork (BULK_WORKERS is off);
    `kb import` turns it on."""
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    assert workers.worker_count(10**6, 1) == 0
    monkeypatch.setitem(current_app.config, "BULK_WORKERS", True)
    assert workers.worker_count(10**6, 1) == 1
    assert workers.worker_count(10, 500) == 0  # small jobs stay in this process
    monkeypatch.setattr(workers.threading, "active_count", lambda: 2)
    assert workers.worker_count(10**6, 1) == 0  # a fork would copy only this thread
