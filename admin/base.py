"""The base of every staff model view: one access rule, per-role permissions, scoping.

Flask-Admin's known traps, handled here: permissions are properties reading ``current_user``
(views are shared between requests), ``get_one`` goes through ``get_query``,
nothing is hard-deleted, and exported cells cannot start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, current_app, flash, g, request, session, stream_with_context
from flask_admin import expose
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.form import BaseForm
from flask_admin.model.typefmt import BASE_FORMATTERS
from flask_babel import format_date, format_datetime, gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.utils import secure_filename
from wtforms.fields.choices import Choice

from admin.security import StaffAccessMixin, login_again_unless_fresh
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, token_expired
from models.base import utcnow
from models.errors import RuleError
from models.labels import label
from models.users import User

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FILTER_ARG = re.compile(r"[^a-z0-9]+")


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
TYPE_FORMATTERS = {
    **BASE_FORMATTERS,
    datetime: _when,
    date: _day,
    User: _person,
    bool: lambda view, value, name: label(value),
    enum.Enum: lambda view, value, name: label(value),
    dict: lambda view, value, name: readable_json(value),
}


def readable_json(value: Any) -> str:
    """A JSON record (audit before/after, message content) with its times in the user's zone."""

    def local(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: local(v) for k, v in item.items()}
        if isinstance(item, list):
            return [local(v) for v in item]
        if isinstance(item, str) and len(item) >= 19 and item[4:5] == "-" and "T" in item:
            try:
                moment = datetime.fromisoformat(item)
            except ValueError:
                return item
            if moment.tzinfo is not None:
                return format_datetime(moment, "yyyy-MM-dd HH:mm")
        return item

    return json.dumps(local(value), ensure_ascii=False, default=str)


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


#: Flask-Admin's own messages for a refused create or edit form (see refused_with_422).
FLASK_ADMIN_FAILURES = ("Failed to create record.", "Failed to save record.")


class StaffForm(BaseForm):
    """Flask-Admin's form base carrying Flask-WTF's token, which the form checks itself.

    The create and edit pages are exempt from the global check: an expired token
    then fails like any field, and Flask-Admin shows the form again with what
    was typed (:meth:`StaffModelView.validate_form` says to send it again).
    The bulk-action forms carry the same token and stay under the global check.
    """

    class Meta(FlaskForm.Meta):
        _translations = BaseForm.Meta._translations
        get_translations = BaseForm.Meta.get_translations

    hidden_tag = FlaskForm.hidden_tag


class StaffModelView(StaffAccessMixin, ModelView):
    """A model view for vendor staff; ``permissions`` maps a role to what it may do.

    ``permissions = {"admin": {"create", "edit", "export"}, "sales": {"export"}}``.
    Deleting is never offered: records are archived or closed instead.
    """

    permissions: dict[str, set[str]] = {"admin": set(), "sales": set()}
    can_view_details = True
    page_size = 50
    export_max_rows = 0
    export_types = ["csv"]
    column_display_pk = False
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    form_base_class = StaffForm

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

    # Create and edit: the form checks its token and keeps the work --------------------
    @expose("/new/", methods=("GET", "POST"))
    @csrf.exempt
    def create_view(self):
        """Flask-Admin's create page; a refused form comes back with 422."""
        return self.refused_with_422(super().create_view())

    @expose("/edit/", methods=("GET", "POST"))
    @csrf.exempt
    def edit_view(self):
        """Flask-Admin's edit page; a refused form comes back with 422."""
        return self.refused_with_422(super().edit_view())

    def validate_form(self, form) -> bool:
        """Flask-Admin's validation; a refused POST says why, in the user's language."""
        valid = super().validate_form(form)
        if not valid and request.method == "POST":
            g.form_refused = True
            refusal = (
                SEND_AGAIN if token_expired(form) else gettext("Check the highlighted fields.")
            )
            flash(refusal, "error")
        return valid

    @staticmethod
    def refused_with_422(response):
        """``response`` with status 422 when it shows a refused form again."""
        if g.pop("form_refused", False) and isinstance(response, str):
            return response, 422
        return response

    def render(self, template, **kwargs):
        """Flask-Admin's render; a refused form's page drops Flask-Admin's generic message.

        Flask-Admin flashes "Failed to create record." / "Failed to save record.",
        which its Japanese catalogue lacks, besides ours that says why.
        """
        if g.get("form_refused") and session.get("_flashes"):
            generic = {admin_gettext(text) for text in FLASK_ADMIN_FAILURES}
            session["_flashes"] = [(c, m) for c, m in session["_flashes"] if m not in generic]
        return super().render(template, **kwargs)

    def delete_model(self, model) -> bool:
        """Refuse: records are archived, never deleted."""
        return False

    # Filters ----------------------------------------------------------------------
    # Readable filter arguments that do not change with the language:
    # ``?flt0_stage_is=new`` (the home page's work queues link to them).
    named_filter_urls = True

    def get_filter_arg(self, index, flt):
        """``<column>_<operation>`` from the filter's column key and untranslated operation."""
        key = getattr(flt, "url_key", None) or flt.key_name
        if key is None:
            column = getattr(flt, "column", None)
            key = getattr(column, "key", None) or str(index)
        operation = flt.operation()
        operation = getattr(operation, "_args", (operation,))[0]
        return _FILTER_ARG.sub("_", f"{key} {operation}".lower()).strip("_")

    def _get_filter_groups(self):
        """The filter menu, built for this request: names and choices in the user's language.

        Flask-Admin computes the choices once, when the view is created (no user, no
        language, no database yet); ours are computed per request instead.
        """
        if not self._filters:
            return None
        groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        for index, flt in enumerate(self._filters):
            options = flt.get_options(self)
            groups.setdefault(str(flt.name), []).append(
                {
                    "index": index,
                    "arg": self.get_filter_arg(index, flt),
                    "operation": str(flt.operation()),
                    "options": [(k, str(v)) for k, v in options] if options else None,
                    "type": flt.data_type,
                }
            )
        return groups

    # Pages --------------------------------------------------------------------------
    list_template = "staff/model/list.html"
    details_template = "staff/model/details.html"
    edit_template = "staff/model/edit.html"
    create_template = "staff/model/create.html"

    def record_title(self, model) -> str:
        """What a details or edit page is headed with: the record's name."""
        return str(model)

    # Saving through a rule -----------------------------------------------------------
    def save(self, form, model):
        """Create (``model`` is ``None``) or change a record by calling one rule; return it."""
        raise NotImplementedError

    def form_values(self, form, names) -> dict[str, Any]:
        """The submitted values of the form's ``names`` fields that the form has."""
        return {name: form[name].data for name in names if name in form}

    def _save_form(self, form, model):
        """Run :meth:`save`, commit; show a refusal beside its field, never an exception."""
        try:
            saved = self.save(form, model)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            g.form_refused = True
            field = getattr(err, "field", None)
            if field and field in form:
                form[field].errors = [*form[field].errors, str(err)]
                flash(gettext("Check the highlighted fields."), "error")
            else:
                flash(str(err), "error")
            return False
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.exception("back office: saving %s failed", self.model.__name__)
            flash(
                gettext("The record could not be saved. Check the values and try again."), "error"
            )
            return False
        return saved

    def create_model(self, form):
        """Create through :meth:`save`."""
        return self._save_form(form, None)

    def update_model(self, form, model):
        """Change through :meth:`save`."""
        return bool(self._save_form(form, model))

    # Export ---------------------------------------------------------------------
    #: Columns holding catalogue codes, exported by their labels.
    export_catalogues: dict[str, dict] = {}

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Every row the list shows (its filters, search and order), as CSV for Excel.

        UTF-8 with a BOM, times in the user's zone, labels instead of codes, yes/no in
        the user's language, text cells safe against formula injection. Only after a
        fresh login.
        """
        if not self.can_export or export_type not in self.export_types:
            return super().export(export_type)
        again = login_again_unless_fresh()
        if again is not None:
            return again
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _count, query = self.get_list(
            0,
            sort[0] if sort is not None else None,
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        filename = secure_filename(f"{self.endpoint}-{utcnow():%Y%m%d-%H%M}.csv")
        return Response(
            stream_with_context(self._csv_chunks(query)),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )

    def _csv_chunks(self, query) -> Iterator[bytes]:
        """The export as UTF-8 chunks of 1,000 rows: memory stays flat however long the list."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([str(label) for _name, label in self._export_columns])
        for index, model in enumerate(query.yield_per(1000), start=1):
            writer.writerow(
                [self.export_cell(model, name) for name, _label in self._export_columns]
            )
            if index % 1000 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    def export_cell(self, model, name: str):
        """One exported cell: how the value reads to the user, never a raw code."""
        value = model
        for part in name.split("."):
            value = getattr(value, part, None) if value is not None else None
        catalogue = self.export_catalogues.get(name)
        if catalogue is not None:
            if isinstance(value, list):
                return csv_safe(", ".join(str(catalogue.get(c, c)) for c in value))
            return csv_safe(str(catalogue.get(value, value or "")))
        return export_text(value)


def export_text(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers stay numbers, text is formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool | enum.Enum):
        return label(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, User):
        return csv_safe(value.name)
    if isinstance(value, dict | list):
        return csv_safe(readable_json(value))
    return csv_safe(str(value))


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
