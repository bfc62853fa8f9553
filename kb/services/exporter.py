"""Writes cases back as import files, so that import∘export round-trips."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kb.extensions import db
from kb.models import Case
from kb.services.cases import case_to_data


class _Dumper(yaml.SafeDumper):
    """Block style for records, flow style for short scalar lists, like hand-written files."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(not isinstance(x, dict | list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def case_to_markdown(case: Case) -> str:
    """The case as a ``.md`` file: YAML front matter then the body."""
    data: dict[str, Any] = case_to_data(case)
    body = data.pop("body")
    data = {k: v for k, v in data.items() if v not in (None, [], "")}
    header = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{header}---\n\n{body}\n"


def export_cases(directory: Path) -> int:
    """Write every case (all statuses) to ``directory/<slug>.md``; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    cases = db.session.execute(db.select(Case).order_by(Case.slug)).scalars()
    count = 0
    for case in cases:
        (directory / f"{case.slug}.md").write_text(case_to_markdown(case), encoding="utf-8")
        count += 1
    return count
