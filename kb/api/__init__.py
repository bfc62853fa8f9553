"""The JSON API (``/api/v1``): read-only, open to other tools."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from kb.api import routes  # noqa: E402,F401  (routes attach themselves to bp)
from kb.api import open_data  # noqa: E402,F401  (open data, exports, OpenAPI, CORS)
