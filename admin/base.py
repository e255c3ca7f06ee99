"""The base of every staff model view: one access rule, per-role permissions, scoping.

Flask-Admin's known traps, handled here: permissions are properties reading ``current_user``
(views are shared between requests), ``get_one`` goes through ``get_query``,
nothing is hard-deleted, and exported cells cannot start a spreadsheet formula.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import flash
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.typefmt import BASE_FORMATTERS
from flask_babel import format_date, format_datetime
from flask_login import current_user
from wtforms.fields.choices import Choice

from admin.security import StaffAccessMixin, login_again_unless_fresh
from leadshare.extensions import db
from models.errors import RuleError
from models.users import User

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _when(view, value: datetime, name: str) -> str:
    """A timestamp in the staff member's zone and language, to the minute."""
    return format_datetime(value, "short")


def _day(view, value: date, name: str) -> str:
    """A date in the staff member's language."""
    return format_date(value, "medium")


def _person(view, value: User, name: str) -> str:
    """A person by name; the e-mail stays on the details page."""
    return value.name


#: Lists show times in Tokyo (or the user's zone), dates localised, people by name.
TYPE_FORMATTERS = {**BASE_FORMATTERS, datetime: _when, date: _day, User: _person}


def csv_safe(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def role_name() -> str | None:
    """``admin``, ``sales`` or ``None`` for the current user."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    return "admin" if current_user.is_admin else "sales"


class StaffModelView(StaffAccessMixin, ModelView):
    """A model view for vendor staff; ``permissions`` maps a role to what it may do.

    ``permissions = {"admin": {"create", "edit", "export"}, "sales": {"export"}}``.
    Deleting is never offered: records are archived or closed instead.
    """

    permissions: dict[str, set[str]] = {"admin": set(), "sales": set()}
    can_view_details = True
    page_size = 50
    export_max_rows = 10_000
    export_types = ["csv"]
    column_display_pk = False
    column_type_formatters = TYPE_FORMATTERS

    def _allowed(self, what: str) -> bool:
        """Whether the current user's role may ``what`` in this view."""
        role = role_name()
        if role is None or not self.is_accessible():
            return False
        return what in self.permissions.get(role, set())

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        """Per role, from ``permissions``."""
        return self._allowed("create")

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        """Per role, from ``permissions``."""
        return self._allowed("edit")

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        """Never: nothing is hard-deleted through the back office."""
        return False

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        """Per role, from ``permissions``."""
        return self._allowed("export")

    def __init__(self, model, name=None, **kwargs):
        super().__init__(model, db, name=name, **kwargs)

    # Scoping ------------------------------------------------------------------
    def scope(self, query):
        """Narrow the view's rows; every read (list, count, one, actions) passes here."""
        return query

    def get_query(self):
        """The view's rows, scoped."""
        return self.scope(super().get_query())

    def get_count_query(self):
        """The count of the view's rows, scoped the same way."""
        return self.scope(super().get_count_query())

    def get_one(self, id):
        """One row by primary key, only among the view's scoped rows."""
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(self.model.id == pk).one_or_none()

    def scoped_ids(self, ids: list[str]) -> list:
        """Rows of ``ids`` (raw from an action's POST) that this view may touch."""
        wanted = []
        for raw in ids:
            try:
                wanted.append(int(raw))
            except (TypeError, ValueError):
                continue
        if not wanted:
            return []
        return self.get_query().filter(self.model.id.in_(wanted)).all()

    def handle_view_exception(self, exc: Exception) -> bool:
        """A rule's refusal is shown as its message (Flask-Admin then rolls back)."""
        if isinstance(exc, RuleError):
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)

    def delete_model(self, model) -> bool:
        """Refuse: records are archived, never deleted."""
        return False

    # Export ---------------------------------------------------------------------
    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Flask-Admin's export, only after a fresh login."""
        if self.can_export and export_type in self.export_types:
            again = login_again_unless_fresh()
            if again is not None:
                return again
        return super().export(export_type)

    def get_export_value(self, model, name):
        """Exported cells are safe against formula injection."""
        value = super().get_export_value(model, name)
        return csv_safe(str(value) if value is not None else "")


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """An ajax lookup limited by ``scope(query)``, for lists and single hits alike."""

    def __init__(self, name, model, scope, **options):
        super().__init__(name, db.session, model, **options)
        self._scope = scope

    def get_query(self):
        """The lookup's rows, scoped."""
        return self._scope(super().get_query())

    def get_one(self, pk):
        """One row, only if it is within scope."""
        return self.get_query().filter(getattr(self.model, self.pk) == pk).one_or_none()


class ChoiceQuerySelectField(QuerySelectField):
    """Flask-Admin's relationship select, yielding WTForms ``Choice`` objects (WTForms 3.3)."""

    def iter_choices(self):
        """The blank option, then one choice per object."""
        if self.allow_blank:
            yield Choice("__None", self.blank_text, self.data is None, {})
        for pk, obj in self._get_object_list():
            yield Choice(pk, self.get_label(obj), obj == self.data, {})
