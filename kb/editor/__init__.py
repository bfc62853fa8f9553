"""Pages for editors, reviewers and admins (login required)."""
from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/redaktion")
