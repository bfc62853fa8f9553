"""Small forms for signing in and managing accounts (Flask-WTF; Swedish messages)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from kb.emails import MAX_EMAIL_LENGTH, is_valid_email
from kb.models import Role
from kb.services.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

REQUIRED = "Fältet måste fyllas i."
BAD_EMAIL = "Ange en giltig e-postadress, t.ex. namn@kommun.se."
ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is in Swedish."""

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Välj ett av alternativen i listan.")


def _valid_email(form: FlaskForm, field: EmailField) -> None:
    """Linear, and checks the length before the address (WTForms runs every validator)."""
    if not is_valid_email(field.data):
        raise ValidationError(BAD_EMAIL)


def _email_field(label: str = "E-postadress") -> EmailField:
    return EmailField(label, validators=[
        InputRequired(REQUIRED),
        Length(max=MAX_EMAIL_LENGTH, message=f"Högst {MAX_EMAIL_LENGTH} tecken."),
        _valid_email,
    ], filters=[lambda v: (v or "").strip()])


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Lösenord", validators=[
        InputRequired(REQUIRED), Length(max=PASSWORD_MAX_LENGTH, message="För långt lösenord."),
    ])
    remember = BooleanField("Kom ihåg mig på den här datorn")
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class SetPasswordForm(FlaskForm):
    password = PasswordField("Nytt lösenord", validators=[
        InputRequired(REQUIRED),
        Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
               message=f"Lösenordet ska ha {PASSWORD_MIN_LENGTH}–{PASSWORD_MAX_LENGTH} tecken."),
    ])
    confirm = PasswordField("Upprepa lösenordet", validators=[
        InputRequired(REQUIRED), EqualTo("password", message="Lösenorden är inte likadana."),
    ])


class InviteForm(FlaskForm):
    email = _email_field()
    name = StringField("Namn", validators=[Length(max=200, message="Högst 200 tecken.")])
    role = ChoiceField("Roll", choices=ROLE_CHOICES, default=Role.EDITOR.value)


class UserForm(FlaskForm):
    name = StringField("Namn", validators=[Length(max=200, message="Högst 200 tecken.")])
    role = ChoiceField("Roll", choices=ROLE_CHOICES)
    active = BooleanField("Kontot är aktivt")
