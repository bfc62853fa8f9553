"""``kb user …``: create accounts, change roles, deactivate — e.g. the first admin."""
from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask.cli import with_appcontext

from kb.extensions import db
from kb.models import Role, User
from kb.services.users import (
    UserError,
    activate,
    create_user,
    deactivate,
    find_user,
    set_password,
    set_role,
)

ROLES = click.Choice([r.value for r in Role])


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)


def _existing(email: str) -> User:
    user = find_user(email)
    if user is None:
        _fail(f"Det finns inget konto för {email}.")
    return user


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")


@click.group("user")
def user_group() -> None:
    """Accounts for editors, reviewers and admins."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="editor, reviewer eller admin")
@click.option("--name", default="", help="Namnet som visas i historiken.")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in.")
@with_appcontext
def create_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account with a password (asked for unless --password-stdin)."""
    if find_user(email) is not None:
        _fail(f"Det finns redan ett konto för {email}.")
    password = _read_password(password_stdin)
    try:
        user = create_user(email, role, name=name, password=password)
    except UserError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Kontot {user.email} är skapat med rollen {Role(user.role).label.lower()}.")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES)
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Give EMAIL the role ROLE (editor, reviewer or admin)."""
    user = _existing(email)
    try:
        changed = set_role(user, role)
    except UserError as exc:
        _fail(exc.message)
    db.session.commit()
    label = Role(role).label.lower()
    click.echo(f"{user.email} har nu rollen {label}." if changed
               else f"{user.email} hade redan rollen {label}.")


@user_group.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Close the account; its sessions end on their next request."""
    user = _existing(email)
    try:
        changed = deactivate(user)
    except UserError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Kontot {user.email} är inaktiverat." if changed
               else f"Kontot {user.email} var redan inaktiverat.")


@user_group.command("activate")
@click.argument("email")
@with_appcontext
def activate_command(email: str) -> None:
    """Open a deactivated account again."""
    user = _existing(email)
    changed = activate(user)
    db.session.commit()
    click.echo(f"Kontot {user.email} är aktiverat." if changed
               else f"Kontot {user.email} var redan aktivt.")


@user_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in.")
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password (when e-mail is not set up); logs the user out everywhere."""
    user = _existing(email)
    try:
        set_password(user, _read_password(password_stdin))
    except UserError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Lösenordet för {user.email} är bytt.")


@user_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every account with its role and whether it is active."""
    for user in db.session.execute(db.select(User).order_by(User.email)).scalars():
        state = "aktiv" if user.active else "inaktiverad"
        # One line per account, newline-terminated, no trailing tab when there is no name.
        click.echo("\t".join(filter(None, (user.email, user.role, state, user.name))))
