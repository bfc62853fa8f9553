"""Pages for editors, reviewers and admins (``/redaktion``), and signing in (``/login``)."""
from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/redaktion")
# Signing in, out and setting passwords live at the site root: /login, /logout, /losenord/…
auth_bp = Blueprint("auth", __name__)

from kb.editor import (  # noqa: E402,F401  (routes attach themselves to the blueprints)
    admin_routes,
    alert_routes,
    auth_routes,
    case_routes,
    context,
    dashboard,
    history_routes,
    search_miss_routes,
)
