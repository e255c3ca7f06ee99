"""Form helpers shared by the portal's blueprints."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from leadshare.forms import BUTTON_EXPIRED as BUTTON_EXPIRED  # the portal's views read it here
from leadshare.forms import SEND_AGAIN, token_expired
from leadshare.forms import show_rule_error as place_rule_error

CORRECT = _l("Please correct the marked fields.")


def choices(pairs) -> list[SelectChoice]:
    """WTForms select choices from (value, label) pairs; labels may stay lazy."""
    return [SelectChoice(value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A bare action button: only the CSRF token."""


#: Whether a form was refused for its CSRF token (the page was open too long).
csrf_expired = token_expired


def say_why_refused(form) -> None:
    """The message above a form that was not accepted: send it again, or correct the fields.

    Views that keep the user's text on an expired token are ``@csrf.exempt``: their
    form checks the token itself (nothing happens unless the whole form is valid),
    and the page is rendered again with what was typed and a fresh token.
    """
    flash(str(SEND_AGAIN if csrf_expired(form) else CORRECT), "error")


def show_rule_error(form, err, fallback: str | None = None) -> None:
    """Put a refused rule's message next to the field it names (or ``fallback``), else above."""
    if not place_rule_error(form, err, fallback=fallback):
        flash(str(err), "error")
