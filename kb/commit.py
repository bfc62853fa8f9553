"""The unit of work at the edge (editors' and readers' forms): commit, then let the search
index catch up."""
from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from kb import search
from kb.extensions import db

log = logging.getLogger(__name__)


def commit_and_index() -> None:
    """Commit the session; then apply the change log to the search index.

    The change is safe once committed: if the index cannot be updated now, the change log
    keeps the work for the next sync, so the user is not shown an error.
    """
    db.session.commit()
    try:
        search.sync_index()
    except Exception:
        log.exception("search index sync failed; the change log keeps the work for later")
        # A connection lost while indexing must not poison the rest of the request
        # (SQLAlchemy refuses every query until the failed transaction is rolled back).
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session().invalidate()
