"""Pages for readers: start, cases, lists, about."""
from flask import Blueprint

bp = Blueprint("public", __name__)

# The modules attach their routes to bp.
from kb.public import alerts, lists, pdf, routes, search, suggest  # noqa: E402,F401
