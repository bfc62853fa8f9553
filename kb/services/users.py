"""Accounts: creating users, passwords, roles, sessions and one-time links. Flushes, never commits."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from kb.dates import utcnow
from kb.emails import is_valid_email
from kb.extensions import db
from kb.models import Role, User, UserToken
from kb.services import audit

INVITE = "invite"
RESET = "reset"
PASSWORD_MIN_LENGTH = 10
# Long inputs would make the KDF an easy way to burn CPU.
PASSWORD_MAX_LENGTH = 200


class UserError(ValueError):
    """Something about an account that cannot be done; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()


def password_problem(password: str, email: str = "") -> str | None:
    """A Swedish explanation of why ``password`` is not good enough, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Lösenordet måste ha minst {PASSWORD_MIN_LENGTH} tecken."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Lösenordet får ha högst {PASSWORD_MAX_LENGTH} tecken."
    if not password.strip():
        return "Lösenordet får inte bara bestå av mellanslag."
    if email and password.strip().lower() == normalise_email(email):
        return "Lösenordet får inte vara samma som e-postadressen."
    return None


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(email: str, role: str, *, name: str = "", password: str | None = None,
                actor: User | None = None, invited: bool = False) -> User:
    """Create an account (without a password when it is to be set through an invitation)."""
    email = normalise_email(email)
    if not is_valid_email(email):
        raise UserError("Ange en giltig e-postadress.", "email")
    if role not in tuple(Role):
        raise UserError("Välj en roll: editor, reviewer eller admin.", "role")
    if find_user(email) is not None:
        raise UserError(f"Det finns redan ett konto för {email}.", "email")
    user = User(email=email, name=(name or "").strip()[:200], role=role, active=True,
                session_token=secrets.token_hex(16))
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            raise UserError(problem, "password")
        user.password_hash = _hash(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user_invited" if invited else "user_created", email,
                 f"roll: {Role(role).label}", user=actor)
    return user


def set_password(user: User, password: str) -> None:
    """Replace the password; every existing session of the user ends."""
    problem = password_problem(password, user.email)
    if problem:
        raise UserError(problem, "password")
    user.password_hash = _hash(password)
    end_sessions(user)
    audit.record("password_set", user.email, user=user)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (in about the same time)."""
    user = find_user(email) if email else None
    if user is None or not user.password_hash:
        _hash(password or "x")  # spend the KDF's time so unknown accounts are not revealed
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def start_session(user: User) -> None:
    """A fresh session token at every login: old session ids stop working."""
    user.session_token = secrets.token_hex(16)
    user.last_login_at = utcnow()


def end_sessions(user: User) -> None:
    """Log the user out everywhere (sessions and remember-me cookies carry the token)."""
    user.session_token = secrets.token_hex(16)


def active_admins() -> int:
    return db.session.scalar(
        db.select(db.func.count(User.id)).filter_by(role=Role.ADMIN.value, active=True)
    ) or 0


def _keep_an_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and active_admins() <= 1:
        raise UserError("Det måste finnas minst en aktiv administratör kvar.", "role")


def set_role(user: User, role: str, actor: User | None = None) -> bool:
    """Change the role; returns False when it already was ``role``."""
    if role not in tuple(Role):
        raise UserError("Välj en roll: editor, reviewer eller admin.", "role")
    if user.role == role:
        return False
    if role != Role.ADMIN:
        _keep_an_admin(user)
    before = Role(user.role).label
    user.role = role
    audit.record("role_changed", user.email, f"{before} → {Role(role).label}", user=actor)
    return True


def deactivate(user: User, actor: User | None = None) -> bool:
    """Close the account; the user is logged out on the next request."""
    if not user.active:
        return False
    _keep_an_admin(user)
    user.active = False
    end_sessions(user)
    audit.record("user_deactivated", user.email, user=actor)
    return True


def activate(user: User, actor: User | None = None) -> bool:
    if user.active:
        return False
    user.active = True
    audit.record("user_activated", user.email, user=actor)
    return True


def rename(user: User, name: str) -> None:
    user.name = (name or "").strip()[:200]


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: str) -> str:
    """A new one-time link token (only its hash is stored); older unused ones stop working."""
    hours = current_app.config["INVITE_TOKEN_HOURS" if purpose == INVITE else "RESET_TOKEN_HOURS"]
    now = utcnow()
    for old in db.session.execute(
        db.select(UserToken).filter_by(user_id=user.id, purpose=purpose, used_at=None)
    ).scalars():
        old.used_at = now
    raw = secrets.token_urlsafe(32)
    db.session.add(UserToken(user_id=user.id, purpose=purpose, token_hash=_token_hash(raw),
                             expires_at=now + dt.timedelta(hours=hours)))
    db.session.flush()
    return raw


def valid_token(raw: str) -> UserToken | None:
    """The unused, unexpired token for ``raw`` whose user is still active, or None."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.execute(
        db.select(UserToken).filter_by(token_hash=_token_hash(raw))
    ).scalar_one_or_none()
    if token is None or token.used_at is not None or not token.user.active:
        return None
    expires = token.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=dt.UTC)
    return token if expires > utcnow() else None


def use_token(token: UserToken, password: str) -> User:
    """Set the password through a one-time link; the link cannot be used again."""
    set_password(token.user, password)
    token.used_at = utcnow()
    return token.user


def users_by_role(minimum: Role) -> list[User]:
    """Active users with ``minimum`` role or above (e.g. everyone who reviews)."""
    roles = [r.value for r in Role if r.rank >= minimum.rank]
    return list(db.session.execute(
        db.select(User).where(User.role.in_(roles), User.active.is_(True)).order_by(User.email)
    ).scalars())
