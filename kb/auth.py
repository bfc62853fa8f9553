"""Sessions for editors: Flask-Login set-up and the role check used by editor routes."""
from __future__ import annotations

from flask import Flask

from kb.extensions import db, login_manager
from kb.models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "editor.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions carry ``id:token``; a changed token (logout, deactivation) ends them."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user
