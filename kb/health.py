"""``/healthz``: can this node serve? (database reachable and migrated, index readable).

Load balancers and monitoring poll it: 200 with JSON when all is well, 503 with a Swedish
message naming what is wrong otherwise, so a node whose database is away or whose index is
broken is taken out of rotation until it recovers by itself.
"""
from __future__ import annotations

import functools
import logging
import os
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from kb.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

DB_DOWN = "Databasen svarar inte."
DB_BEHIND = "Databasen är inte uppgraderad till den här versionen (kör kb db upgrade)."
INDEX_BROKEN = "Sökindexet går inte att läsa."


@functools.lru_cache(maxsize=1)
def _head_revision() -> str | None:
    """The newest migration this release ships (read once per process: Alembic loads every
    script to find it)."""
    from alembic.script import ScriptDirectory

    from kb import ROOT

    return ScriptDirectory(os.path.join(ROOT, "migrations")).get_current_head()


def check_database(head: str | None) -> tuple[dict[str, Any], str | None]:
    """The database's state, and a Swedish problem or None."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("health check: database unavailable: %s", exc.__class__.__name__)
        return {"ok": False}, DB_DOWN
    if revision != head:
        return {"ok": False, "revision": revision, "expected": head}, DB_BEHIND
    return {"ok": True, "revision": revision}, None


def _index_summary() -> dict[str, Any]:
    """Cheap enough to poll every second: read only. The worker's shared searcher (reopened
    only when the index has a new commit, as for a search), its change-log position, and
    how many changes are waiting for a writer (``kb index follow``) to apply.

    (``search.index_status()`` compares every document with the database: right for
    ``kb index status``, too slow for a load balancer's probe on a large index.)
    """
    from kb import search
    from kb.models import IndexChange
    from kb.search.schema import META_ID

    store = current_app.extensions[search.EXTENSION]
    searcher = store.searcher()  # IndexMissing when missing or damaged
    meta = store.meta(searcher)
    documents = searcher.doc_count() - (1 if searcher.document(id=META_ID) else 0)
    pending = db.session.execute(
        select(func.count()).where(IndexChange.id > meta.last)).scalar_one()
    return {"documents": documents, "last_applied_change": meta.last, "pending_changes": pending}


def check_index() -> tuple[dict[str, Any], str | None]:
    """The index's state; lagging behind is normal under load, unreadable is not.

    Never repairs anything: a probe that rebuilt an index would turn a load balancer's
    polling into writes. A node whose index cannot be read is taken out of rotation; the
    follower (``kb index follow``) or ``kb reindex`` rebuilds it.
    """
    try:
        return {"ok": True, **_index_summary()}, None
    except SQLAlchemyError:
        raise
    except Exception as exc:  # any failure to read the index
        log.warning("health check: index unreadable: %r", exc)
        return {"ok": False}, INDEX_BROKEN


@bp.get("/healthz")
def healthz():
    checks: dict[str, Any] = {}
    problems: list[str] = []
    checks["database"], problem = check_database(current_app.extensions["kb_migrations_head"])
    if problem:
        problems.append(problem)
    else:  # the index check reads the change log, so only ask with a database
        try:
            checks["index"], problem = check_index()
        except SQLAlchemyError:
            db.session.rollback()
            checks["index"], problem = {"ok": False}, DB_DOWN
        if problem:
            problems.append(problem)
    if problems:
        body = {"status": "fel", "message": " ".join(problems), "checks": checks}
        return jsonify(body), 503, {"Retry-After": "10", "Cache-Control": "no-store"}
    return jsonify({"status": "ok", "checks": checks}), 200, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.extensions["kb_migrations_head"] = _head_revision()
    app.register_blueprint(bp)
