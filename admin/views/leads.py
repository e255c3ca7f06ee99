"""The Leads menu: leads, prospects, conversation notes, offers, board posts."""

from __future__ import annotations

from flask import flash, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from admin.views.common import STAFF_READ, BaseStaffView, _lead_link, when
from leadshare.extensions import db
from models.audit import record_event
from models.catalogue import PRODUCT_LINES
from models.labels import PROSPECT_FIELD_LABELS, enum_field_args
from models.leads import ConversationNote, Lead, Timing
from models.offers import Comment, Offer
from models.prospects import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    PROSPECT_FIELDS,
    Prospect,
)


class LeadView(BaseStaffView):
    """Every lead; open one to work it on its staff page."""

    permissions = {"admin": {"edit", "export"}, "sales": {"edit", "export"}}
    # Previous/next paging without COUNT(*) over a million leads (docs/performance.md).
    simple_list_pager = True
    column_list = [
        "ref",
        "prospect",
        "teaser",
        "product_interest",
        "stage",
        "owner",
        "estimated_value",
        "created_at",
        "archived",
    ]
    column_details_list = [
        "ref",
        "prospect",
        "teaser",
        "need",
        "product_interest",
        "source",
        "timing",
        "estimated_value",
        "expected_close_on",
        "stage",
        "owner",
        "qualified_at",
        "closed_at",
        "archived",
        "created_at",
        "updated_at",
    ]
    column_export_list = [
        "ref",
        "prospect.company_name",
        "teaser",
        "need",
        "product_interest",
        "source",
        "timing",
        "estimated_value",
        "stage",
        "owner.name",
        "created_at",
    ]
    column_searchable_list = ["ref", "teaser", "need", "prospect.company_name"]
    column_filters = [
        "stage",
        "product_interest",
        "source",
        "timing",
        "archived",
        "prospect.region",
        *when(Lead.created_at, _l("Created")),
    ]
    column_default_sort = ("created_at", True)
    column_formatters = {
        "ref": _lead_link,
        "product_interest": lambda v, c, m, n: PRODUCT_LINES.get(
            m.product_interest, m.product_interest
        ),
        "estimated_value": lambda v, c, m, n: (
            format_currency(m.estimated_value, "JPY") if m.estimated_value is not None else ""
        ),
    }
    column_formatters_export = {}
    form_columns = ["teaser", "need", "timing", "estimated_value", "expected_close_on"]
    form_overrides = {"timing": SelectField}
    form_args = {"timing": enum_field_args(Timing, label=_l("Timing"))}
    column_labels = {
        "ref": _l("Reference"),
        "prospect": _l("Company"),
        "teaser": _l("Teaser"),
        "need": _l("Need"),
        "product_interest": _l("Product line"),
        "stage": _l("Stage"),
        "owner": _l("Owner"),
        "estimated_value": _l("Estimated value (yen)"),
        "created_at": _l("Created"),
        "archived": _l("Archived"),
        "source": _l("Source"),
        "timing": _l("Timing"),
        "expected_close_on": _l("Expected close"),
        "qualified_at": _l("Qualified"),
        "closed_at": _l("Closed"),
        "updated_at": _l("Updated"),
        "prospect.company_name": _l("Company"),
        "owner.name": _l("Owner"),
        "prospect.region": _l("Region"),
    }

    def on_model_change(self, form, model, is_created):
        """Audit every edit of a lead's description."""
        record_event(
            db.session,
            current_user,
            "lead.edited",
            model,
            after={k: getattr(model, k) for k in self.form_columns},
        )

    @action("archive", _l("Archive"), _l("Archive the selected leads?"))
    def action_archive(self, ids):
        """Archive leads (they stay in the database and the audit log)."""
        count = 0
        for lead in self.scoped_ids(ids):
            if not lead.archived:
                lead.archived = True
                record_event(db.session, current_user, "lead.archived", lead)
                count += 1
        db.session.commit()
        flash(_("%(count)d leads archived.", count=count), "success")

    def is_action_allowed(self, name):
        """Archiving is for staff who may edit leads."""
        return self.can_edit and super().is_action_allowed(name)


class ProspectView(BaseStaffView):
    """Prospect companies; the contact person (personal data) only on the details page."""

    permissions = {"admin": {"edit"}, "sales": {"edit"}}
    column_list = ["company_name", "region", "industry", "size_band", "phone", "created_at"]
    column_details_list = [
        *PROSPECT_FIELDS,
        "consent_to_share",
        "consent_method",
        "consent_recorded_at",
        "created_at",
    ]
    column_export_list = [*COMPANY_FIELDS, *PROFILE_FIELDS, "created_at"]
    column_searchable_list = ["company_name", "company_key", "phone"]
    column_filters = [
        "region",
        "industry",
        "size_band",
        "consent_to_share",
        *when(Prospect.created_at, _l("Created")),
    ]
    form_columns = [*COMPANY_FIELDS, *CONTACT_FIELDS]
    column_labels = {
        **PROSPECT_FIELD_LABELS,
        "consent_to_share": _l("Consent to share"),
        "consent_method": _l("Consent method"),
        "consent_recorded_at": _l("Consent recorded"),
        "created_at": _l("Created"),
        "company_key": _l("Company key"),
    }

    @expose("/details/")
    def details_view(self):
        """Show a prospect, recording that staff viewed its personal data."""
        model = self.get_one(request.args.get("id"))
        if model is not None:
            record_event(db.session, current_user, "prospect.personal_data_viewed", model)
            db.session.commit()
        return super().details_view()

    def on_model_change(self, form, model, is_created):
        """Audit edits of a prospect."""
        record_event(
            db.session,
            current_user,
            "prospect.edited",
            model,
            after={k: getattr(model, k) for k in self.form_columns},
        )


class NoteView(BaseStaffView):
    """Conversation notes, read-only here (added on the lead's page); archive instead of delete."""

    permissions = {"admin": {"export", "archive"}, "sales": {"export", "archive"}}
    column_list = ["lead", "occurred_at", "channel", "category", "visibility", "author", "archived"]
    column_details_list = [
        "lead",
        "occurred_at",
        "channel",
        "category",
        "visibility",
        "author",
        "text",
        "archived",
        "created_at",
    ]
    column_export_list = [
        "lead.ref",
        "occurred_at",
        "channel",
        "category",
        "visibility",
        "author.name",
        "text",
    ]
    column_searchable_list = ["text"]
    column_filters = [
        "channel",
        "category",
        "visibility",
        "archived",
        *when(ConversationNote.occurred_at, _l("When")),
    ]
    column_default_sort = ("occurred_at", True)
    column_formatters = {"lead": _lead_link}
    column_formatters_export = {}
    column_labels = {
        "lead": _l("Lead"),
        "occurred_at": _l("When"),
        "channel": _l("Channel"),
        "category": _l("Category"),
        "visibility": _l("Visibility"),
        "author": _l("Author"),
        "archived": _l("Archived"),
        "text": _l("Text"),
        "created_at": _l("Created"),
        "lead.ref": _l("Lead"),
        "author.name": _l("Author"),
    }

    @action("archive", _l("Archive"), _l("Archive the selected notes?"))
    def action_archive(self, ids):
        """Archive notes: partners stop seeing them; nothing is lost."""
        count = 0
        for note in self.scoped_ids(ids):
            if not note.archived:
                note.archived = True
                record_event(
                    db.session, current_user, "note.archived", note.lead, after={"note_id": note.id}
                )
                count += 1
        db.session.commit()
        flash(_("%(count)d notes archived.", count=count), "success")

    def is_action_allowed(self, name):
        """Archiving is for staff."""
        return self._allowed(name) and super().is_action_allowed(name)


class OfferView(BaseStaffView):
    """Every offer and its state; offers change only through the lead's page."""

    permissions = STAFF_READ
    column_list = [
        "lead",
        "organisation",
        "state",
        "offered_at",
        "respond_by",
        "offered_by",
        "override_reason",
    ]
    column_details_list = [
        "lead",
        "organisation",
        "state",
        "offered_by",
        "offered_at",
        "respond_by",
        "comment_to_partner",
        "override_reason",
        "details_requested_at",
        "details_granted_at",
        "details_refused_reason",
        "accepted_at",
        "assigned_rep",
        "decline_reason",
        "decline_note",
        "ended_at",
        "end_cause",
        "withdraw_reason",
    ]
    column_export_list = [
        "lead.ref",
        "organisation.name",
        "state",
        "offered_at",
        "respond_by",
        "accepted_at",
        "decline_reason",
        "ended_at",
        "override_reason",
    ]
    column_searchable_list = ["lead.ref", "organisation.name"]
    column_filters = [
        "state",
        "organisation.name",
        "decline_reason",
        *when(Offer.offered_at, _l("Offered")),
    ]
    column_default_sort = ("offered_at", True)
    column_formatters = {"lead": _lead_link}
    column_formatters_export = {}
    column_labels = {
        "lead": _l("Lead"),
        "organisation": _l("Partner"),
        "state": _l("State"),
        "offered_at": _l("Offered"),
        "respond_by": _l("Respond by"),
        "offered_by": _l("Offered by"),
        "override_reason": _l("Override reason"),
        "comment_to_partner": _l("Comment to partner"),
        "details_requested_at": _l("Details requested"),
        "details_granted_at": _l("Details granted"),
        "details_refused_reason": _l("Details refused because"),
        "accepted_at": _l("Accepted"),
        "assigned_rep": _l("Assigned rep"),
        "decline_reason": _l("Decline reason"),
        "decline_note": _l("Decline note"),
        "ended_at": _l("Ended"),
        "end_cause": _l("Ended because"),
        "withdraw_reason": _l("Withdraw reason"),
        "lead.ref": _l("Lead"),
        "organisation.name": _l("Partner"),
    }


class CommentView(BaseStaffView):
    """Board posts between the vendor and each partner (read-only; nothing is deleted)."""

    permissions = STAFF_READ
    column_list = ["offer.lead", "offer.organisation", "author", "created_at", "body"]
    column_details_list = [
        "offer.lead",
        "offer.organisation",
        "author",
        "created_at",
        "body",
        "hidden_at",
    ]
    column_export_list = [
        "offer.lead.ref",
        "offer.organisation.name",
        "author.name",
        "created_at",
        "body",
    ]
    column_searchable_list = ["body"]
    column_filters = ["offer.organisation.name", *when(Comment.created_at, _l("Posted"))]
    column_default_sort = ("created_at", True)
    column_labels = {
        "offer.lead": _l("Lead"),
        "offer.organisation": _l("Partner"),
        "author": _l("Author"),
        "created_at": _l("Posted"),
        "body": _l("Message"),
        "hidden_at": _l("Hidden"),
        "offer.lead.ref": _l("Lead"),
        "offer.organisation.name": _l("Partner"),
        "author.name": _l("Author"),
    }
