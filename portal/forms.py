"""Form helpers shared by the portal's blueprints."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """WTForms select choices from (value, label) pairs; labels may stay lazy."""
    return [SelectChoice(value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A bare action button: only the CSRF token."""


def show_rule_error(form, err) -> None:
    """Put a refused rule's message next to the field it names, else under the form."""
    field = getattr(form, err.field, None) if getattr(err, "field", None) else None
    if field is None or not hasattr(field, "errors"):
        flash(str(err), "error")
        return
    field.errors = [*field.errors, str(err)]
