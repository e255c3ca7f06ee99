"""Model views of the back office and the registry that mounts every staff view."""

from __future__ import annotations

import enum

from flask import flash, request, url_for
from flask_admin import Admin, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import PasswordField, SelectField, SelectMultipleField
from wtforms.validators import Length, Optional

from admin.base import TYPE_FORMATTERS, ChoiceQuerySelectField, ScopedAjaxLoader, StaffModelView
from admin.security import login_again_unless_fresh
from leadshare.extensions import db
from models import workflow
from models.audit import AuditEvent, record_event
from models.catalogue import PRODUCT_LINES, REGIONS
from models.errors import RuleError
from models.labels import enum_field_args, enum_label, select_choices
from models.leads import ConversationNote, Lead, Timing
from models.offers import Comment, Offer
from models.organisations import (
    Engagement,
    Organisation,
    OrgKind,
    PartnerPolicy,
    PartnerStatus,
    PartnerTier,
)
from models.outbox import OutboxMessage
from models.prospects import Prospect
from models.registrations import DealRegistration
from models.users import Locale, Role, User

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
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        enum.Enum: _enum_type_formatter,
    }


# --------------------------------------------------------------------------- leads


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
        "company_name",
        "address",
        "phone",
        "representative",
        "website",
        "industry",
        "size_band",
        "region",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_email",
        "consent_to_share",
        "consent_method",
        "consent_recorded_at",
        "created_at",
    ]
    column_export_list = [
        "company_name",
        "address",
        "phone",
        "representative",
        "website",
        "industry",
        "size_band",
        "region",
        "created_at",
    ]
    column_searchable_list = ["company_name", "company_key", "phone"]
    column_filters = [
        "region",
        "industry",
        "size_band",
        "consent_to_share",
        *when(Prospect.created_at, _l("Created")),
    ]
    form_columns = [
        "company_name",
        "address",
        "phone",
        "representative",
        "website",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_email",
    ]
    column_labels = {
        "company_name": _l("Company name"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "representative": _l("Representative"),
        "website": _l("Website"),
        "industry": _l("Industry"),
        "size_band": _l("Size"),
        "region": _l("Region"),
        "contact_name": _l("Contact name"),
        "contact_title": _l("Contact title"),
        "contact_phone": _l("Contact phone"),
        "contact_email": _l("Contact e-mail"),
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


# --------------------------------------------------------------------------- partners


class OrganisationView(BaseStaffView):
    """Partner organisations (administrators only); suspending logs their users out."""

    admin_only = True
    permissions = {"admin": {"create", "edit", "export"}}
    column_list = [
        "name",
        "slug",
        "tier",
        "status",
        "regions",
        "product_lines",
        "engagement",
        "account_owner",
    ]
    column_details_list = [
        "name",
        "slug",
        "tier",
        "status",
        "regions",
        "product_lines",
        "size_band",
        "source",
        "annual_value",
        "engagement",
        "account_owner",
        "created_at",
    ]
    column_export_list = [
        "name",
        "slug",
        "tier",
        "status",
        "size_band",
        "source",
        "annual_value",
        "engagement",
        "created_at",
    ]
    column_searchable_list = ["name", "slug"]
    column_filters = ["tier", "status", "engagement"]
    column_formatters = {
        "regions": _list_labels(REGIONS),
        "product_lines": _list_labels(PRODUCT_LINES),
    }
    column_formatters_export = {}
    form_columns = [
        "name",
        "slug",
        "tier",
        "status",
        "regions",
        "product_lines",
        "size_band",
        "source",
        "annual_value",
        "engagement",
        "account_owner",
    ]
    form_overrides = {
        "regions": SelectMultipleField,
        "product_lines": SelectMultipleField,
        "tier": SelectField,
        "status": SelectField,
        "engagement": SelectField,
        "account_owner": ChoiceQuerySelectField,
    }
    form_args = {
        "tier": enum_field_args(PartnerTier, label=_l("Tier")),
        "status": enum_field_args(PartnerStatus, label=_l("Status")),
        "engagement": enum_field_args(
            Engagement, blank=True, validators=[Optional()], label=_l("Engagement")
        ),
        "regions": {
            "choices": lambda: select_choices(REGIONS.items()),
            "validators": [Optional()],
            "label": _l("Regions served"),
        },
        "product_lines": {
            "choices": lambda: select_choices(PRODUCT_LINES.items()),
            "validators": [Optional()],
            "label": _l("Product lines"),
        },
        "slug": {"validators": [Length(min=2, max=40)]},
        "account_owner": {
            "query_factory": lambda: db.session.scalars(
                db.select(User).where(User.role.in_([Role.ADMIN, Role.SALES]), User.active)
            ).all(),
            "allow_blank": True,
            "label": _l("Account owner"),
        },
    }
    column_labels = {
        "name": _l("Name"),
        "slug": _l("Short name"),
        "tier": _l("Tier"),
        "status": _l("Status"),
        "regions": _l("Regions served"),
        "product_lines": _l("Product lines"),
        "size_band": _l("Size"),
        "source": _l("Source"),
        "annual_value": _l("Annual value (yen)"),
        "engagement": _l("Engagement"),
        "account_owner": _l("Account owner"),
        "created_at": _l("Created"),
    }

    def scope(self, query):
        """Partners only; the vendor itself is not edited here."""
        return query.filter(Organisation.kind == OrgKind.PARTNER)

    def update_model(self, form, model):
        """Keep the status the partner had before the form is applied to it."""
        # Read now: the form's queries may autoflush the new status before
        # ``on_model_change`` could see it in the attribute history.
        form.status_before = model.status
        return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        """New partners get a default policy; a suspension goes through ``suspend_partner``."""
        model.kind = OrgKind.PARTNER
        if model.policy is None:
            model.policy = PartnerPolicy()
        before = None if is_created else getattr(form, "status_before", None)
        if (
            before is not None
            and model.status is PartnerStatus.SUSPENDED
            and before is not PartnerStatus.SUSPENDED
        ):
            # The rule sets the status itself (and checks it), from the old one.
            model.status = before
            workflow.suspend_partner(model, current_user._get_current_object())
        db.session.flush()
        record_event(
            db.session,
            current_user,
            "partner.created" if is_created else "partner.edited",
            model,
            before={"status": before} if before else None,
            after={"status": model.status, "tier": model.tier},
            organisation_id=model.id,
        )

    @action(
        "suspend",
        _l("Suspend"),
        _l(
            "Suspend the selected partners? Their open offers are withdrawn and their "
            "users logged out."
        ),
    )
    def action_suspend(self, ids):
        """Suspend partners through the rule (offers withdrawn, sessions ended)."""
        actor = current_user._get_current_object()
        count = 0
        try:
            for org in self.scoped_ids(ids):
                if org.status is not PartnerStatus.SUSPENDED:
                    workflow.suspend_partner(org, actor)
                    count += 1
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
            return
        flash(_("%(count)d partners suspended.", count=count), "success")

    def is_action_allowed(self, name):
        """Suspending is for those who may edit partners."""
        return self.can_edit and super().is_action_allowed(name)


class PolicyView(BaseStaffView):
    """Each partner's visibility policy and SLA settings (administrators only)."""

    admin_only = True
    permissions = {"admin": {"edit", "export"}}
    column_list = [
        "organisation",
        "show_notes",
        "show_installed_products",
        "show_contact",
        "show_value",
        "details_need_approval",
        "allowed_regions",
        "allowed_product_lines",
        "max_open_leads",
        "response_sla_hours",
        "update_sla_days",
    ]
    column_details_list = column_list
    column_export_list = [
        "organisation.name",
        "show_notes",
        "show_installed_products",
        "show_contact",
        "show_value",
        "details_need_approval",
        "max_open_leads",
        "response_sla_hours",
        "update_sla_days",
    ]
    column_searchable_list = ["organisation.name"]
    column_filters = ["details_need_approval", "show_contact", "show_notes"]
    column_formatters = {
        "allowed_regions": _list_labels(REGIONS),
        "allowed_product_lines": _list_labels(PRODUCT_LINES),
    }
    column_formatters_export = {}
    form_columns = [
        "show_notes",
        "show_installed_products",
        "show_contact",
        "show_value",
        "details_need_approval",
        "allowed_regions",
        "allowed_product_lines",
        "max_open_leads",
        "response_sla_hours",
        "update_sla_days",
    ]
    form_overrides = {
        "allowed_regions": SelectMultipleField,
        "allowed_product_lines": SelectMultipleField,
    }
    form_args = {
        "allowed_regions": {
            "choices": lambda: select_choices(REGIONS.items()),
            "validators": [Optional()],
            "description": _l("Leave empty for every region."),
        },
        "allowed_product_lines": {
            "choices": lambda: select_choices(PRODUCT_LINES.items()),
            "validators": [Optional()],
            "description": _l("Leave empty for every product line."),
        },
    }
    column_labels = {
        "organisation": _l("Partner"),
        "organisation.name": _l("Partner"),
        "show_notes": _l("Sees shareable notes"),
        "show_installed_products": _l("Sees installed products"),
        "show_contact": _l("Sees the contact person"),
        "show_value": _l("Sees estimated value"),
        "details_need_approval": _l("Details need staff approval"),
        "allowed_regions": _l("Regions it may be offered"),
        "allowed_product_lines": _l("Product lines it may be offered"),
        "max_open_leads": _l("Maximum open leads"),
        "response_sla_hours": _l("Response SLA (hours)"),
        "update_sla_days": _l("Update SLA (days)"),
    }

    def get_one(self, id):
        """A policy by its organisation id."""
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(PartnerPolicy.organisation_id == pk).one_or_none()

    def scoped_ids(self, ids):
        """Not used: policies have no actions."""
        return []

    def on_model_change(self, form, model, is_created):
        """Audit every policy change with its before and after values."""
        state = db.inspect(model)
        before, after = {}, {}
        for name in self.form_columns:
            history = state.attrs[name].history
            if history.has_changes():
                before[name] = history.deleted[0] if history.deleted else None
                after[name] = getattr(model, name)
        record_event(
            db.session,
            current_user,
            "policy.changed",
            model.organisation,
            before=before,
            after=after,
            organisation_id=model.organisation_id,
        )


class UserView(BaseStaffView):
    """Users of the vendor and of every partner (administrators only)."""

    admin_only = True
    permissions = {"admin": {"create", "edit", "export"}}
    column_list = ["name", "email", "role", "organisation", "locale", "active", "last_login_at"]
    column_details_list = [
        "name",
        "email",
        "role",
        "organisation",
        "locale",
        "timezone",
        "active",
        "last_login_at",
        "password_changed_at",
        "created_at",
    ]
    column_export_list = [
        "name",
        "email",
        "role",
        "organisation.name",
        "locale",
        "active",
        "last_login_at",
    ]
    column_searchable_list = ["name", "email"]
    column_filters = ["role", "active", "locale", "organisation.name"]
    # Extra fields must be listed too, or Flask-Admin leaves them out of the form.
    form_columns = ["name", "email", "role", "organisation", "locale", "active", "new_password"]
    form_overrides = {
        "role": SelectField,
        "locale": SelectField,
        "organisation": ChoiceQuerySelectField,
    }
    form_args = {
        "role": enum_field_args(Role, label=_l("Role")),
        "organisation": {
            "query_factory": lambda: db.session.scalars(
                db.select(Organisation).order_by(Organisation.kind.desc(), Organisation.name)
            ).all(),
            "get_label": "name",
            "label": _l("Organisation"),
        },
        "locale": enum_field_args(Locale, label=_l("Language")),
    }
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(min=12, max=200)],
            description=_l("At least 12 characters. Setting it logs the user out everywhere."),
        )
    }
    form_ajax_refs = {}
    column_labels = {
        "name": _l("Name"),
        "email": _l("E-mail"),
        "role": _l("Role"),
        "organisation": _l("Organisation"),
        "organisation.name": _l("Organisation"),
        "locale": _l("Language"),
        "timezone": _l("Time zone"),
        "active": _l("Active"),
        "last_login_at": _l("Last login"),
        "password_changed_at": _l("Password changed"),
        "created_at": _l("Created"),
    }

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Creating a user (role, password) needs a fresh login."""
        return login_again_unless_fresh() or super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Changing a user's role, password or active flag needs a fresh login."""
        return login_again_unless_fresh() or super().edit_view()

    def _create_ajax_loader(self, name, options):
        """Organisation lookups are scoped like the organisation list."""
        return ScopedAjaxLoader(name, Organisation, lambda q: q, **options)

    def on_model_change(self, form, model, is_created):
        """Staff roles only at the vendor; role changes and deactivation revoke sessions."""
        from models.errors import NotAllowed

        if model.organisation.is_vendor != (model.role in (Role.ADMIN, Role.SALES)):
            raise ValueError(
                str(
                    NotAllowed(
                        _l("Vendor users must be staff and partner users must have a partner role.")
                    )
                )
            )
        state = db.inspect(model)
        changed = [n for n in ("role", "active", "organisation") if state.attrs[n].history.deleted]
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif changed and not is_created:
            model.rotate_session_token()
        db.session.flush()
        record_event(
            db.session,
            current_user,
            "user.created" if is_created else "user.edited",
            model,
            after={
                "role": model.role,
                "active": model.active,
                "changed": changed,
                "password_set": bool(form.new_password.data),
            },
            organisation_id=None if model.organisation.is_vendor else model.organisation_id,
        )


class RegistrationView(BaseStaffView):
    """Deal registrations from partners: review, then approve or reject on the details page."""

    permissions = STAFF_READ
    details_template = "staff/registration_details.html"
    column_list = [
        "ref",
        "organisation",
        "company_name",
        "product_interest",
        "status",
        "submitted_at",
        "decided_at",
    ]
    column_details_list = [
        "ref",
        "organisation",
        "submitted_by",
        "submitted_at",
        "company_name",
        "address",
        "phone",
        "representative",
        "website",
        "industry",
        "region",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_email",
        "contact_consent",
        "need",
        "product_interest",
        "expected_value",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "lead",
    ]
    column_export_list = [
        "ref",
        "organisation.name",
        "company_name",
        "product_interest",
        "status",
        "submitted_at",
        "decided_at",
        "decision_reason",
    ]
    column_searchable_list = ["ref", "company_name"]
    column_filters = [
        "status",
        "organisation.name",
        *when(DealRegistration.submitted_at, _l("Submitted")),
    ]
    column_default_sort = ("submitted_at", True)
    column_labels = {
        "ref": _l("Reference"),
        "organisation": _l("Partner"),
        "organisation.name": _l("Partner"),
        "company_name": _l("Company name"),
        "product_interest": _l("Product line"),
        "status": _l("Status"),
        "submitted_at": _l("Submitted"),
        "decided_at": _l("Decided"),
        "submitted_by": _l("Submitted by"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "representative": _l("Representative"),
        "website": _l("Website"),
        "industry": _l("Industry"),
        "region": _l("Region"),
        "contact_name": _l("Contact name"),
        "contact_title": _l("Contact title"),
        "contact_phone": _l("Contact phone"),
        "contact_email": _l("Contact e-mail"),
        "contact_consent": _l("Consent to share"),
        "need": _l("Need"),
        "expected_value": _l("Expected value (yen)"),
        "decided_by": _l("Decided by"),
        "decision_reason": _l("Reason"),
        "lead": _l("Lead"),
    }
    column_formatters = {"lead": lambda v, c, m, n: _lead_link(v, c, m.lead, n) if m.lead else ""}
    column_formatters_export = {}


# --------------------------------------------------------------------------- records


class AuditView(BaseStaffView):
    """The append-only audit log (administrators only, read-only)."""

    admin_only = True
    permissions = {"admin": {"export"}}
    column_list = [
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "ip_address",
    ]
    column_details_list = [
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "before",
        "after",
        "ip_address",
    ]
    column_export_list = [
        "occurred_at",
        "actor.email",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "before",
        "after",
        "ip_address",
    ]
    column_searchable_list = ["action", "entity_id"]
    column_filters = [
        *when(AuditEvent.occurred_at, _l("When")),
        "action",
        "entity_type",
        "entity_id",
        "actor.email",
        "organisation_id",
    ]
    column_default_sort = ("occurred_at", True)
    column_labels = {
        "occurred_at": _l("When"),
        "actor": _l("Who"),
        "actor.email": _l("Who"),
        "action": _l("Action"),
        "entity_type": _l("Record type"),
        "entity_id": _l("Record"),
        "organisation_id": _l("Partner id"),
        "before": _l("Before"),
        "after": _l("After"),
        "ip_address": _l("IP address"),
    }


class OutboxView(BaseStaffView):
    """Notifications waiting, sent or failed (administrators only, read-only)."""

    admin_only = True
    permissions = {"admin": {"export"}}
    column_list = [
        "created_at",
        "kind",
        "to_email",
        "locale",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    column_details_list = [
        "created_at",
        "kind",
        "to_email",
        "locale",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "dedup_key",
    ]
    column_export_list = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    column_searchable_list = ["kind", "to_email"]
    column_filters = ["status", "kind", *when(OutboxMessage.created_at, _l("Queued"))]
    column_default_sort = ("created_at", True)
    column_labels = {
        "created_at": _l("Queued"),
        "kind": _l("Kind"),
        "to_email": _l("To"),
        "locale": _l("Language"),
        "status": _l("Status"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "payload": _l("Content"),
        "next_attempt_at": _l("Next attempt"),
        "dedup_key": _l("Deduplication key"),
    }


def register_views(admin: Admin) -> None:
    """Add every staff view to ``admin``."""
    from admin.imports import ImportView
    from admin.leads import LeadDeskView
    from admin.reports import ReportsView

    work = _l("Leads")
    partners = _l("Partners")
    records = _l("Records")
    admin.add_view(
        LeadDeskView(
            name=_l("Post a lead"), endpoint="staff_desk", url="/admin/desk", category=work
        )
    )
    admin.add_view(
        LeadView(
            Lead, name=_l("All leads"), endpoint="staff_leads", url="/admin/leads", category=work
        )
    )
    admin.add_view(
        ProspectView(
            Prospect,
            name=_l("Prospects"),
            endpoint="staff_prospects",
            url="/admin/prospects",
            category=work,
        )
    )
    admin.add_view(
        NoteView(
            ConversationNote,
            name=_l("Conversation notes"),
            endpoint="staff_notes",
            url="/admin/notes",
            category=work,
        )
    )
    admin.add_view(
        OfferView(
            Offer, name=_l("Offers"), endpoint="staff_offers", url="/admin/offers", category=work
        )
    )
    admin.add_view(
        CommentView(
            Comment,
            name=_l("Board posts"),
            endpoint="staff_comments",
            url="/admin/comments",
            category=work,
        )
    )
    admin.add_view(
        RegistrationView(
            DealRegistration,
            name=_l("Deal registrations"),
            endpoint="staff_registrations",
            url="/admin/registrations",
            category=work,
        )
    )
    admin.add_view(
        ImportView(
            name=_l("Import leads (CSV)"),
            endpoint="staff_import",
            url="/admin/import",
            category=work,
        )
    )
    admin.add_view(ReportsView(name=_l("Reports"), endpoint="staff_reports", url="/admin/reports"))
    admin.add_view(
        OrganisationView(
            Organisation,
            name=_l("Partner organisations"),
            endpoint="staff_partners",
            url="/admin/partners",
            category=partners,
        )
    )
    admin.add_view(
        PolicyView(
            PartnerPolicy,
            name=_l("Visibility policies"),
            endpoint="staff_policies",
            url="/admin/policies",
            category=partners,
        )
    )
    admin.add_view(
        UserView(
            User, name=_l("Users"), endpoint="staff_users", url="/admin/users", category=partners
        )
    )
    admin.add_view(
        AuditView(
            AuditEvent,
            name=_l("Audit log"),
            endpoint="staff_audit",
            url="/admin/audit",
            category=records,
        )
    )
    admin.add_view(
        OutboxView(
            OutboxMessage,
            name=_l("Outbox"),
            endpoint="staff_outbox",
            url="/admin/outbox",
            category=records,
        )
    )
