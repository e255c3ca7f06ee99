"""The Leads menu: leads, prospects, conversation notes, offers, board posts."""

from __future__ import annotations

from flask import request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SelectField

from admin.filters import catalogue_filter, enum_filter, flag_filter, record_filter
from admin.queues import QueueFilter
from admin.views.common import (
    STAFF_READ,
    BaseStaffView,
    _catalogue_label,
    _lead_link,
    partner_filter,
    run_each,
    staff_choices,
    when,
)
from leadshare.extensions import csrf, db
from leadshare.forms import AmountField, read_version
from models import lead_records
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS
from models.labels import PROSPECT_FIELD_LABELS, enum_field_args
from models.leads import (
    Channel,
    ConversationNote,
    Lead,
    LeadSource,
    NoteCategory,
    NoteVisibility,
    Stage,
    Timing,
)
from models.offers import Comment, DeclineReason, Offer, OfferState
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
        QueueFilter(Lead),
        enum_filter(Lead.stage, _l("Stage"), Stage),
        catalogue_filter(Lead.product_interest, _l("Product line"), PRODUCT_LINES),
        enum_filter(Lead.source, _l("Source"), LeadSource),
        enum_filter(Lead.timing, _l("Timing"), Timing),
        flag_filter(Lead.archived, _l("Archived")),
        catalogue_filter(Prospect.region, _l("Region"), REGIONS),
        record_filter(Lead.owner_id, _l("Owner"), staff_choices),
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
    export_catalogues = {"product_interest": PRODUCT_LINES}
    edit_fields = ["teaser", "need", "timing", "estimated_value", "expected_close_on"]
    # The version the form was loaded with (filled from the lead): a stale form is refused.
    form_columns = [*edit_fields, "version"]
    form_extra_fields = {"version": HiddenField()}
    form_overrides = {"timing": SelectField, "estimated_value": AmountField}
    form_args = {"timing": enum_field_args(Timing, label=_l("Timing"))}
    column_labels = {
        "prospect": _l("Company"),
        "teaser": _l("Teaser"),
        "need": _l("Need"),
        "stage": _l("Stage"),
        "owner": _l("Owner"),
        "estimated_value": _l("Estimated value (yen)"),
        "timing": _l("Timing"),
        "expected_close_on": _l("Expected close"),
        "qualified_at": _l("Qualified"),
        "closed_at": _l("Closed"),
        "updated_at": _l("Updated"),
        "prospect.region": _l("Region"),
    }

    def record_title(self, model) -> str:
        """The company and the lead's reference."""
        return f"{model.prospect.company_name} ({model.ref})"

    def save(self, form, model):
        """Edit the lead's description through the rule."""
        return lead_records.edit_lead(
            current_user._get_current_object(),
            model,
            # As posted: absent or unreadable is refused like a stale form.
            expected_version=read_version(request.form.get("version")),
            **self.form_values(form, self.edit_fields),
        )

    @action(
        "archive",
        _l("Archive"),
        _l("Archive the selected leads? Their open offers are withdrawn."),
    )
    def action_archive(self, ids):
        """Archive leads: open offers withdrawn (partners told); nothing is deleted."""
        leads = [lead for lead in self.scoped_ids(ids) if not lead.archived]
        run_each(lead_records.archive_lead, leads, _("%(count)d leads archived."))

    @action("unarchive", _l("Unarchive"), _l("Bring the selected leads back?"))
    def action_unarchive(self, ids):
        """Bring archived leads back: they can be offered again."""
        leads = [lead for lead in self.scoped_ids(ids) if lead.archived]
        run_each(lead_records.unarchive_lead, leads, _("%(count)d leads brought back."))

    def is_action_allowed(self, name):
        """Archiving is for staff who may edit leads."""
        return self.can_edit and super().is_action_allowed(name)


class ProspectView(BaseStaffView):
    """Prospect companies; the contact person (personal data) only on the details page."""

    permissions = {"admin": {"edit", "export"}, "sales": {"edit", "export"}}
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
        catalogue_filter(Prospect.region, _l("Region"), REGIONS),
        catalogue_filter(Prospect.industry, _l("Industry"), INDUSTRIES),
        catalogue_filter(Prospect.size_band, _l("Size"), SIZE_BANDS),
        flag_filter(Prospect.consent_to_share, _l("Consent to share")),
        *when(Prospect.created_at, _l("Created")),
    ]
    column_formatters = {
        "region": _catalogue_label(REGIONS),
        "industry": _catalogue_label(INDUSTRIES),
        "size_band": _catalogue_label(SIZE_BANDS),
    }
    export_catalogues = {"region": REGIONS, "industry": INDUSTRIES, "size_band": SIZE_BANDS}
    form_columns = [*COMPANY_FIELDS, *CONTACT_FIELDS]
    column_labels = {
        **PROSPECT_FIELD_LABELS,
        "consent_to_share": _l("Consent to share"),
        "consent_method": _l("Consent method"),
        "consent_recorded_at": _l("Consent recorded"),
        "company_key": _l("Company key"),
    }

    def _record_view(self, via: str) -> None:
        """Audit that the page about to be shown carries the prospect's contact person."""
        model = self.get_one(request.args.get("id"))
        if model is not None and request.method == "GET":
            lead_records.record_personal_data_view(current_user._get_current_object(), model, via)
            db.session.commit()

    @expose("/details/")
    def details_view(self):
        """Show a prospect, recording that staff viewed its personal data."""
        self._record_view("admin.prospect")
        return super().details_view()

    @expose("/edit/", methods=("GET", "POST"))
    @csrf.exempt  # the form checks its own token (admin.base.StaffForm)
    def edit_view(self):
        """The edit form shows the contact person too: recorded like the details page."""
        self._record_view("admin.prospect_edit")
        return super().edit_view()

    def save(self, form, model):
        """Edit the prospect through the rule."""
        return lead_records.edit_prospect(
            current_user._get_current_object(), model, **self.form_values(form, self.form_columns)
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
        enum_filter(ConversationNote.channel, _l("Channel"), Channel),
        enum_filter(ConversationNote.category, _l("Category"), NoteCategory),
        enum_filter(ConversationNote.visibility, _l("Visibility"), NoteVisibility),
        flag_filter(ConversationNote.archived, _l("Archived")),
        *when(ConversationNote.occurred_at, _l("When")),
    ]
    column_default_sort = ("occurred_at", True)
    column_formatters = {"lead": _lead_link}
    column_labels = {
        "channel": _l("Channel"),
        "category": _l("Category"),
        "visibility": _l("Visibility"),
        "text": _l("Text"),
    }

    def record_title(self, model) -> str:
        """The note's lead and when it was said."""
        return f"{model.lead.prospect.company_name} ({model.lead.ref})"

    @action("archive", _l("Archive"), _l("Archive the selected notes?"))
    def action_archive(self, ids):
        """Archive notes: partners stop seeing them; nothing is lost."""
        notes = [note for note in self.scoped_ids(ids) if not note.archived]
        run_each(lead_records.archive_note, notes, _("%(count)d notes archived."))

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
        QueueFilter(Offer),
        enum_filter(Offer.state, _l("State"), OfferState),
        partner_filter(Offer.organisation_id),
        enum_filter(Offer.decline_reason, _l("Decline reason"), DeclineReason),
        *when(Offer.offered_at, _l("Offered")),
    ]
    column_default_sort = ("offered_at", True)
    column_formatters = {"lead": _lead_link}
    column_labels = {
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
    }

    def record_title(self, model) -> str:
        """The lead and the partner it was offered to."""
        return f"{model.lead.prospect.company_name} → {model.organisation.name}"


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
    column_filters = [
        partner_filter(Offer.organisation_id),
        *when(Comment.created_at, _l("Posted")),
    ]
    column_default_sort = ("created_at", True)
    column_labels = {
        "offer.lead": _l("Lead"),
        "offer.organisation": _l("Partner"),
        "created_at": _l("Posted"),
        "body": _l("Message"),
        "hidden_at": _l("Hidden"),
    }

    def record_title(self, model) -> str:
        """The board's lead and partner."""
        return f"{model.offer.lead.prospect.company_name} → {model.offer.organisation.name}"
