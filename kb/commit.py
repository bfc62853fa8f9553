"""The unit of work at the edge (editors' and readers' forms): commit, then let the search
index catch up once the answer has gone out."""
from __future__ import annotations

import logging
from functools import partial

from flask import Flask, current_app, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from kb import search
from kb.after_response import after_response
from kb.extensions import db

log = logging.getLogger(__name__)


def commit_and_index() -> None:
    """Commit the session; then apply the change log to the search index.

    The change is safe once committed: the change log keeps the index work. In a request
    the index is brought up to date after the response has been sent (the editor does not
    wait for Whoosh; before it on werkzeug's development server, kb/after_response.py) and
    without waiting for the writer lock: whoever holds it looks again before it lets go, and
    ``kb index follow`` applies anything left within a second. Elsewhere (the CLI) it is done
    at once, waiting for the lock.
    """
    db.session.commit()
    if not has_request_context():
        _sync(wait=True)
        return
    after_response(partial(_sync_in, current_app._get_current_object()))  # type: ignore[attr-defined]


def _sync_in(app: Flask) -> None:
    with app.app_context():
        _sync(wait=False)


def _sync(wait: bool) -> None:
    try:
        search.sync_index(wait=wait)
    except Exception:
        log.exception("search index sync failed; the change log keeps the work for later")
        # A connection lost while indexing must not poison the rest of the request
        # (SQLAlchemy refuses every query until the failed transaction is rolled back).
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session().invalidate()
