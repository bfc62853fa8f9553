"""``kb user create / set-role / deactivate`` — how the first admin comes to be."""
from __future__ import annotations

from werkzeug.security import check_password_hash

from kb.extensions import db
from kb.models import AuditEvent, User


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()


def test_create_the_first_admin_with_the_password_on_stdin(runner, app):
    result = runner.invoke(args=["user", "create", "Admin@Lansstyrelsen.se", "--role", "admin",
                                 "--name", "Första admin", "--password-stdin"],
                           input="ett långt lösenord\n")
    assert result.exit_code == 0, result.output
    assert "Kontot admin@lansstyrelsen.se är skapat med rollen administratör." in result.output
    user = _user("admin@lansstyrelsen.se")
    assert user.role == "admin" and user.active and user.name == "Första admin"
    assert check_password_hash(user.password_hash, "ett långt lösenord")
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@lansstyrelsen.se",
                                           "password": "ett långt lösenord"})
    assert response.status_code == 302
    assert client.get("/redaktion/anvandare").status_code == 200


def test_create_asks_for_the_password_twice(runner):
    result = runner.invoke(args=["user", "create", "r@kb.test", "--role", "reviewer"],
                           input="ett långt lösenord\nett långt lösenord\n")
    assert result.exit_code == 0, result.output
    assert _user("r@kb.test").role == "reviewer"


def test_create_refuses_short_passwords_duplicates_and_unknown_roles(runner):
    result = runner.invoke(args=["user", "create", "a@kb.test", "--role", "admin", "--password-stdin"],
                           input="kort\n")
    assert result.exit_code == 1 and "minst 10 tecken" in result.output
    assert _user("a@kb.test") is None
    runner.invoke(args=["user", "create", "a@kb.test", "--role", "admin", "--password-stdin"],
                  input="ett långt lösenord\n")
    result = runner.invoke(args=["user", "create", "A@kb.test", "--role", "editor", "--password-stdin"],
                           input="ett långt lösenord\n")
    assert result.exit_code == 1 and "Det finns redan ett konto" in result.output
    result = runner.invoke(args=["user", "create", "b@kb.test", "--role", "kung", "--password-stdin"],
                           input="ett långt lösenord\n")
    assert result.exit_code == 2 and _user("b@kb.test") is None


def test_set_role_and_deactivate(runner, users):
    result = runner.invoke(args=["user", "set-role", "editor@kb.test", "reviewer"])
    assert result.exit_code == 0 and "har nu rollen granskare" in result.output
    assert _user("editor@kb.test").role == "reviewer"
    token = _user("editor@kb.test").session_token
    result = runner.invoke(args=["user", "deactivate", "editor@kb.test"])
    assert result.exit_code == 0 and "är inaktiverat" in result.output
    user = _user("editor@kb.test")
    assert not user.active and user.session_token != token
    actions = set(db.session.execute(db.select(AuditEvent.action)).scalars())
    assert {"role_changed", "user_deactivated"} <= actions
    result = runner.invoke(args=["user", "activate", "editor@kb.test"])
    assert result.exit_code == 0 and _user("editor@kb.test").active


def test_unknown_accounts_and_the_last_admin_are_refused(runner, users):
    result = runner.invoke(args=["user", "deactivate", "nobody@kb.test"])
    assert result.exit_code == 1 and "Det finns inget konto för nobody@kb.test." in result.output
    result = runner.invoke(args=["user", "set-role", "admin@kb.test", "editor"])
    assert result.exit_code == 1 and "minst en aktiv administratör" in result.output
    assert _user("admin@kb.test").role == "admin"


def test_set_password_and_list(runner, users):
    result = runner.invoke(args=["user", "set-password", "editor@kb.test", "--password-stdin"],
                           input="helt nytt lösenord\n")
    assert result.exit_code == 0
    assert check_password_hash(_user("editor@kb.test").password_hash, "helt nytt lösenord")
    listing = runner.invoke(args=["user", "list"]).output
    assert "editor@kb.test\teditor\taktiv" in listing and "admin@kb.test\tadmin" in listing
    lines = listing.split("\n")
    assert listing.endswith("\n") and lines[-1] == "" and len(lines) - 1 == len(users)
    assert not any(line.endswith(("\t", " ")) for line in lines)
