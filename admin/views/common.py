"""What every back-office list shares: formatters, filters and the base view."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from admin.base import TYPE_FORMATTERS, StaffModelView
from admin.filters import when
from models.leads import Lead

__all__ = ["STAFF_READ", "BaseStaffView", "_lead_link", "_list_labels", "when"]

STAFF_READ = {"admin": {"export"}, "sales": {"export"}}


def _list_labels(catalogue):
    """A formatter showing a JSON list of codes by their labels."""

    def formatter(view, context, model, name):
        codes = getattr(model, name) or []
        return ", ".join(str(catalogue.get(c, c)) for c in codes) or _("(all)")

    return formatter


def _catalogue_label(catalogue):
    """A formatter showing one catalogue code by its label."""

    def formatter(view, context, model, name):
        value = getattr(model, name)
        return str(catalogue.get(value, value)) if value else ""

    return formatter


def _lead_link(view, context, model, name):
    """A link to the lead's staff page."""
    lead = model if isinstance(model, Lead) else model.lead
    if lead is None:
        return ""
    return Markup('<a href="{}">{}</a>').format(url_for("staff_desk.show", ref=lead.ref), lead.ref)


class BaseStaffView(StaffModelView):
    """Shared formatting of the back office's lists: labels, the user's time zone, names."""

    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
