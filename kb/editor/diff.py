"""Readable differences between two versions of a case (field by field, body line by line)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from kb.dates import swedish_date
from kb.editor.case_form import FIELD_LABELS, FIELD_ORDER
from kb.models import Status

CONTEXT_LINES = 2
DATE_FIELDS = ("published", "reviewed", "updated")


@dataclasses.dataclass
class FieldChange:
    key: str
    label: str
    before: str
    after: str
    # For multi-line values: ("add" | "del" | "ctx" | "gap", text) rows; None for one-liners.
    lines: list[tuple[str, str]] | None = None


def field_text(key: str, value: Any) -> str:
    """One field's value as plain Swedish text, the same way for saved data and posted forms:
    a status by its label, a date as "3 mars 2023"."""
    if value is None or value == "":
        return ""
    if key == "status" and value in tuple(Status):
        return Status(value).label
    if key in DATE_FIELDS:
        try:
            return swedish_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value).strip()
    if key in ("contacts", "sources") and isinstance(value, list):
        return "\n".join(
            " · ".join(str(v) for v in row.values() if v) if isinstance(row, Mapping) else str(row)
            for row in value
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="",
                                n=CONTEXT_LINES)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            rows.append(("gap", "…"))
        elif line.startswith("+"):
            rows.append(("add", line[1:]))
        elif line.startswith("-"):
            rows.append(("del", line[1:]))
        else:
            rows.append(("ctx", line[1:]))
    return rows


def diff_data(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Every field that differs between two import-format dicts, in form order."""
    changes = []
    for key in FIELD_ORDER:
        if key == "_unknown":
            continue
        before, after = field_text(key, old.get(key)), field_text(key, new.get(key))
        if before == after:
            continue
        multiline = key in ("body", "contacts", "sources") or "\n" in before or "\n" in after
        changes.append(FieldChange(key, FIELD_LABELS[key], before, after,
                                   _line_diff(before, after) if multiline else None))
    return changes
