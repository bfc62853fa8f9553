"""What readers searched for and found little: a list for editors of examples to look for."""
from __future__ import annotations

import datetime as dt

from flask import render_template

from kb import search
from kb.auth import role_required
from kb.editor import bp
from kb.filters import FilterError
from kb.models import Role
from kb.models.search_miss import KEEP_DAYS
from kb.services.search_misses import most_frequent

LIMIT = 100
RECOUNT = 50  # queries whose hits today are counted again (one search each)


@bp.get("/sokningar-utan-traffar")
@role_required(Role.EDITOR)
def search_misses():
    rows = most_frequent(dt.date.today(), LIMIT)
    hits: dict[str, int | None] = {}
    for query, _, _ in rows[:RECOUNT]:
        try:
            hits[query] = search.search(search.SearchParams(q=query, per_page=1)).total
        except (FilterError, search.SearchUnavailable):
            hits[query] = None
    return render_template("editor/search_misses.html", rows=rows, hits=hits, keep_days=KEEP_DAYS)
