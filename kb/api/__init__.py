"""The JSON API (``/api/v1``): read-only, open to other tools."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules attach their routes to bp: open data (exports, OpenAPI, CORS), cases, search.
from kb.api import open_data, routes, search  # noqa: E402,F401
