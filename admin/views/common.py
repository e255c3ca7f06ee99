"""What every back-office list shares: formatters, filters, actions and the base view."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from admin.base import TYPE_FORMATTERS, StaffModelView
from admin.filters import record_filter, when
from leadshare.extensions import db
from models.errors import RuleError
from models.leads import Lead
from models.organisations import Organisation, OrgKind
from models.users import STAFF_ROLES, User

__all__ = [
    "ADMIN_READ",
    "STAFF_READ",
    "BaseStaffView",
    "_lead_link",
    "_list_labels",
    "partner_filter",
    "run_each",
    "when",
]

#: Read and export, for every staff member / for administrators only.
STAFF_READ = {"admin": {"export"}, "sales": {"export"}}
ADMIN_READ = {"admin": {"export"}}


def _partners() -> sa.Select:
    """Every partner organisation, by name (filter choices)."""
    return (
        sa.select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.PARTNER)
        .order_by(Organisation.name)
    )


def staff_choices() -> sa.Select:
    """Every vendor staff member, by name (filter choices)."""
    return sa.select(User.id, User.name).where(User.role.in_(STAFF_ROLES)).order_by(User.name)


def partner_filter(column, name=None):
    """Choose a partner by name."""
    return record_filter(column, name or _l("Partner"), _partners)


def run_each(rule, records, done_message: str) -> None:
    """Run ``rule(actor, record)`` on each record, commit once; flash how many or why not."""
    actor = current_user._get_current_object()
    count = 0
    try:
        for record in records:
            rule(actor, record)
            count += 1
        db.session.commit()
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return
    flash(done_message % {"count": count}, "success")


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


#: Columns that read the same in every list; a view's own ``column_labels`` win.
SHARED_LABELS = {
    "ref": _l("Reference"),
    "lead": _l("Lead"),
    "organisation": _l("Partner"),
    "author": _l("Author"),
    "name": _l("Name"),
    "company_name": _l("Company name"),
    "product_interest": _l("Product line"),
    "size_band": _l("Size"),
    "source": _l("Source"),
    "status": _l("Status"),
    "locale": _l("Language"),
    "archived": _l("Archived"),
    "occurred_at": _l("When"),
    "created_at": _l("Created"),
}


def _with_path_labels(labels: dict, columns) -> dict:
    """``labels`` plus, for each column into a related record (``lead.ref``) that has
    no label of its own, the label of the relation (``lead``)."""
    labels = dict(labels)
    for column in columns:
        if not isinstance(column, str) or column in labels:
            continue
        relation = column
        while "." in relation:
            relation = relation.rsplit(".", 1)[0]
            if relation in labels:
                labels[column] = labels[relation]
                break
    return labels


class BaseStaffView(StaffModelView):
    """Shared formatting of the back office's lists: labels, the user's time zone, names.

    A column into a related record (``lead.ref`` in an export, ``organisation.name``
    in a search) is labelled like the relation unless the view labels it itself.
    """

    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS

    def __init__(self, model, name=None, **kwargs):
        columns = [
            *(self.column_list or ()),
            *(self.column_details_list or ()),
            *(self.column_export_list or ()),
            *(self.column_searchable_list or ()),
            *(self.column_filters or ()),
        ]
        own = {**SHARED_LABELS, **(self.column_labels or {})}
        self.column_labels = _with_path_labels(own, columns)
        super().__init__(model, name=name, **kwargs)
