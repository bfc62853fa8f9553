"""API routes."""
from __future__ import annotations

from flask import abort, jsonify

from kb.api import bp
from kb.api.serializers import case_json
from kb.queries import visible_case


@bp.get("/cases/<slug>")
def case(slug: str):
    found, _ = visible_case(slug)
    if found is None:
        abort(404)
    return jsonify(case_json(found))
