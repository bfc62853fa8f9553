"""Sessions for editors: Flask-Login set-up, the role check used by editor routes, safe redirects."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask
from flask_login import current_user

from kb.errors import abort_with
from kb.extensions import db, login_manager
from kb.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions carry ``id:token``; a changed token (logout, deactivation) ends them."""
    ident, _, token = user_id.partition(":")
    if not (ident.isascii() and ident.isdigit()) or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def role_required(role: Role) -> Callable[[F], F]:
    """Log in first (redirect to /login), then need ``role`` or above (else 403)."""
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort_with(403, f"Sidan kräver rollen {role.label.lower()} eller högre.")
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


def safe_next_url(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects via ``?next=``)."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
