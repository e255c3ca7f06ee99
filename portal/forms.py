"""Form helpers shared by the portal's blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """WTForms select choices from (value, label) pairs; labels may stay lazy."""
    return [SelectChoice(value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A bare action button: only the CSRF token."""
