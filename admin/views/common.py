"""What every back-office list shares: formatters, filters and the base view."""

from __future__ import annotations

import enum

from flask import url_for
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_babel import gettext as _
from markupsafe import Markup

from admin.base import TYPE_FORMATTERS, StaffModelView
from models.labels import enum_label
from models.leads import Lead

STAFF_READ = {"admin": {"export"}, "sales": {"export"}}


def _enum_type_formatter(view, value, name):
    """Enum members shown by their translated label."""
    return enum_label(value)


def _list_labels(catalogue):
    """A formatter showing a JSON list of codes by their labels."""

    def formatter(view, context, model, name):
        codes = getattr(model, name) or []
        return ", ".join(str(catalogue.get(c, c)) for c in codes) or _("(all)")

    return formatter


def _lead_link(view, context, model, name):
    """A link to the lead's staff page."""
    lead = model if isinstance(model, Lead) else model.lead
    if lead is None:
        return ""
    return Markup('<a href="{}">{}</a>').format(url_for("staff_desk.show", ref=lead.ref), lead.ref)


def when(column, label):
    """Date-time filters (after, before, between) for a UTC timestamp column."""
    return [
        sqla_filters.DateTimeGreaterFilter(column, label),
        sqla_filters.DateTimeSmallerFilter(column, label),
        sqla_filters.DateTimeBetweenFilter(column, label),
    ]


class BaseStaffView(StaffModelView):
    """Shared formatting of the back office's lists."""

    column_type_formatters = {**TYPE_FORMATTERS, enum.Enum: _enum_type_formatter}
    # Details pages too: codes by their label and times in the reader's zone, not raw values.
    column_type_formatters_detail = {
        **typefmt.DETAIL_FORMATTERS,
        **TYPE_FORMATTERS,
        enum.Enum: _enum_type_formatter,
    }
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        enum.Enum: _enum_type_formatter,
    }
