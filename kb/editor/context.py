"""Template values every editor page needs (role checks for the navigation and buttons)."""
from __future__ import annotations

from flask_login import current_user

from kb.editor import bp
from kb.models import Role
from kb.services.workflow import is_admin, is_reviewer


@bp.context_processor
def editor_context() -> dict:
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return {"is_admin": False, "is_reviewer": False, "role_label": ""}
    return {"is_admin": is_admin(user), "is_reviewer": is_reviewer(user),
            "role_label": Role(user.role).label}
