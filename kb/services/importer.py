"""Imports case files: YAML front matter between ``---`` lines, then the Markdown body."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.markup import MarkupRefused, render_markdown
from kb.models import ORGANISATION_TYPES, Case, Organisation
from kb.services.cases import Lookups, Staged, record_saves, stage_case
from kb.services.reference import load_reference_data, reference_loaded
from kb.services.validation import FIELDS, ORGANISATION_NAME_MAX, CaseValidationError, clean_text
from kb.slugs import is_valid_slug, slugify
from kb.workers import fork_pool, worker_count


class ImportFailed(Exception):
    """One or more files are wrong; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class CaseFile:
    path: Path
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # key → line in the file

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def find_case_files(paths: list[str | Path]) -> list[Path]:
    """The ``.md`` files named, and those found recursively in the folders named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ImportFailed([f"{path}: filen eller mappen finns inte."])
    return found


# libyaml when installed: the pure-Python parser costs more than the rest of an import.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A case file is a page of text; anything much larger is a mistake or an attack.
MAX_FILE_BYTES = 256 * 1024


class _AliasFound(yaml.YAMLError):
    pass


def _refuse_aliases(root: yaml.Node | None) -> None:
    """Raise at the first node reached twice: the composer hands out the anchored node again
    for every alias, so an alias bomb (``&a`` … ``[*a, *a, …]``) is caught before it is built.
    Each node is visited once, so this is linear in the size of the header."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound(f"YAML-ankare och alias (&, *) används inte i exempelfiler "
                              f"(ankaret står på rad {node.start_mark.line + 2}).")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _load_header(header: str) -> tuple[yaml.Node | None, Any]:
    """Parse once, keeping the node tree for line numbers and the values it builds."""
    loader = _SafeLoader(header)
    try:
        node = loader.get_single_node()
        _refuse_aliases(node)
        return node, (loader.construct_document(node) if node is not None else {})
    finally:
        loader.dispose()


def parse_case_file(path: Path) -> CaseFile:
    """Split a file into front matter and body; raise :class:`ImportFailed` with the line."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFailed([f"{path}: filen är för stor ({size // 1024} kB; högst "
                            f"{MAX_FILE_BYTES // 1024} kB)."])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"{path}: filen är inte UTF-8 ({exc.reason})."]) from exc
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ImportFailed([f"{path}:1: filen måste börja med en rad ”---” (YAML-huvud)."])
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ImportFailed([f"{path}: YAML-huvudet avslutas aldrig med en rad ”---”."]) from None
    header = "\n".join(lines[1:end])
    try:
        node, data = _load_header(header)
    except _AliasFound as exc:
        raise ImportFailed([f"{path}: {exc}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise ImportFailed([f"{path}:{line}: ogiltig YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(data, dict):
        raise ImportFailed([f"{path}:2: YAML-huvudet ska vara nyckel: värde-par."])
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value} if node else {}
    case_file = CaseFile(path=path, data=data, lines=key_lines)
    if "body" in data:
        raise ImportFailed([f"{case_file.where('body')}: fält ”body”: okänt fält "
                            "(texten skrivs efter huvudet)."])
    data["body"] = "\n".join(lines[end + 1:]).strip("\n")
    return case_file


def _problems(case_file: CaseFile, error: CaseValidationError) -> list[str]:
    problems = []
    for key, message in error.errors.items():
        if key == "_unknown":
            for unknown in sorted(set(case_file.data) - set(FIELDS) - {"body"}):
                problems.append(f"{case_file.where(unknown)}: fält ”{unknown}”: okänt fält.")
        else:
            problems.append(f"{case_file.where(key)}: fält ”{key}”: {message}")
    return problems


# Cases flushed together: one multi-row INSERT per table instead of one per case, and a
# session that stays small (each chunk is expunged once written).
CHUNK = 200


# From this many files on, forked worker processes read, parse and render them (Markdown is
# a third of an import) while this process writes to the database.
PARALLEL_MIN = 500


def import_paths(paths: list[str | Path]) -> ImportResult:
    """Upsert every case file by slug in the current transaction (caller commits).

    Raises :class:`ImportFailed` listing every problem (file, line, field); the caller
    then rolls back, so a bad file leaves the database as it was.
    """
    if not reference_loaded():
        load_reference_data()
    found = find_case_files(paths)
    lookups = Lookups.load()
    result, problems, seen = ImportResult(), list[str](), dict[str, Path]()
    parsed = _parsed(found)
    while chunk := list(islice(parsed, CHUNK)):
        lookups.rendered = dict(html for _, html in chunk if html)
        _import_chunk([case_file for case_file, _ in chunk], lookups, result, problems, seen)
    if problems:
        raise ImportFailed(problems)
    return result


Rendered = tuple[str, str] | None  # (cleaned body, its HTML), when a worker rendered it


def _parsed(paths: list[Path]) -> Iterator[tuple[CaseFile, Rendered]]:
    """Each file parsed, in order; raises :class:`ImportFailed` at the first bad one."""
    workers = worker_count(len(paths), PARALLEL_MIN)  # workers touch no database
    if not workers:
        for path in paths:
            yield parse_case_file(path), None
        return
    chunks = [paths[i:i + 50] for i in range(0, len(paths), 50)]
    with fork_pool(workers) as pool:
        for done in pool.imap(_parse_and_render, chunks):
            for case_file, rendered in done:
                if case_file is None:
                    raise ImportFailed(rendered)
                yield case_file, rendered


def _parse_and_render(paths: list[Path]) -> list[tuple[Any, Any]]:
    """In a worker: (case file, (body as validation cleans it, its HTML)) per file, or
    (None, problems) for the first file that cannot be parsed."""
    out: list[tuple[Any, Any]] = []
    for path in paths:
        try:
            case_file = parse_case_file(path)
        except ImportFailed as exc:
            out.append((None, exc.problems))
            break
        body = clean_text(case_file.data.get("body"), multiline=True)
        try:
            out.append((case_file, (body, render_markdown(body))))
        except MarkupRefused:  # validation reports it, with the file and line
            out.append((case_file, None))
    return out


def _import_chunk(files: list[CaseFile], lookups: Lookups, result: ImportResult,
                  problems: list[str], seen: dict[str, Path]) -> None:
    """Stage a chunk of files, then write it: one flush, revisions and index changes in bulk."""
    prepared = [(case_file, _prepared(case_file)) for case_file in files]
    _add_organisations([data for _, data in prepared], lookups)
    slugs = [data["slug"] for _, data in prepared if is_valid_slug(data["slug"])]
    existing = _existing_cases(slugs)
    lookups.free_slugs = set(slugs) - existing.keys()
    staged: list[Staged] = []
    for case_file, data in prepared:
        try:
            _stage_one(case_file, data, existing.get(data["slug"]), lookups, result, seen, staged)
        except CaseValidationError as exc:
            problems.extend(_problems(case_file, exc))
    db.session.flush()
    record_saves(staged, None)
    for case in [*existing.values(), *(s.case for s in staged)]:
        if case in db.session:
            db.session.expunge(case)


def _add_organisations(chunk: list[dict[str, Any]], lookups: Lookups) -> None:
    """The chunk's new organisations, inserted in one statement and read back in one (not
    three statements for each, a sixth of an import); named as validation cleans the name.
    A case that then fails validation fails the whole import, which is rolled back."""
    wanted: dict[str, str] = {}
    for data in chunk:
        name = clean_text(data.get("organisation"))
        kind = clean_text(data.get("organisation_type")).lower()
        if name and len(name) <= ORGANISATION_NAME_MAX and kind in ORGANISATION_TYPES \
                and name not in lookups.organisations:
            wanted.setdefault(name, kind)
    if not wanted:
        return
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Organisation)
    db.session.execute(insert.on_conflict_do_nothing(),
                       [{"name": name, "organisation_type": kind} for name, kind in wanted.items()])
    for org in db.session.scalars(db.select(Organisation).where(Organisation.name.in_(list(wanted)))):
        lookups.organisations[org.name] = org


def _prepared(case_file: CaseFile) -> dict[str, Any]:
    data = dict(case_file.data)
    for key in ("published", "reviewed", "updated"):
        if isinstance(data.get(key), dt.date):
            data[key] = data[key].isoformat()
    data["slug"] = str(data.get("slug") or slugify(str(data.get("title") or "")))
    return data


def _existing_cases(slugs: list[str]) -> dict[str, Case]:
    """The stored cases with these slugs, with everything a save compares, in one go.

    Only valid slugs are looked up: an impossible one cannot name a stored case
    (validation reports it, and PostgreSQL would refuse e.g. a NUL character)."""
    if not slugs:
        return {}
    stmt = (db.select(Case).where(Case.slug.in_(slugs))
            .options(selectinload(Case.tags), selectinload(Case.articles),
                     selectinload(Case.municipalities), selectinload(Case.contacts),
                     selectinload(Case.sources)))
    return {case.slug: case for case in db.session.scalars(stmt)}


def _stage_one(case_file: CaseFile, data: dict[str, Any], existing: Case | None, lookups: Lookups,
               result: ImportResult, seen: dict[str, Path], staged: list[Staged]) -> None:
    slug = data["slug"]
    if slug in seen:
        raise CaseValidationError({"slug": f"samma kortnamn ”{slug}” som {seen[slug]}."})
    seen[slug] = case_file.path
    change = stage_case(data, case=existing, message=f"Import från {case_file.path.name}",
                        lookups=lookups, dated_by_file=True)
    if change is not None:
        staged.append(change)
    if existing is None:
        result.created.append(change.case.slug)  # type: ignore[union-attr]  # new: changed
    elif change is not None:
        result.updated.append(slug)
    else:
        result.unchanged.append(slug)
