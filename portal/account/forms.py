"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from models.accounts import MIN_PASSWORD


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=_l("Use at least %(n)s characters.", n=MIN_PASSWORD),
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordForm):
    """The current password, then the new one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class EnableTwoFactorForm(FlaskForm):
    """The first code the authenticator app shows, proving it is set up."""

    code = StringField(
        _l("Six-digit code from the app"), validators=[DataRequired(), Length(max=10)]
    )


class DisableTwoFactorForm(FlaskForm):
    """The password, to switch the second factor off."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
