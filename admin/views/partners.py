"""The Partners menu: organisations, visibility policies and users.

Deal registrations, also in this menu, are in ``admin/views/registrations.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectField, SelectMultipleField
from wtforms.validators import Length, Optional

from admin.base import ChoiceQuerySelectField, ScopedAjaxLoader
from admin.filters import enum_filter, flag_filter, record_filter
from admin.security import login_again_unless_fresh
from admin.views.common import (
    BaseStaffView,
    _list_labels,
    partner_filter,
    run_each,
    staff_choices,
)
from leadshare.extensions import csrf, db
from models import accounts, administration, workflow
from models.administration import POLICY_FIELDS
from models.catalogue import PRODUCT_LINES, REGIONS, SIZE_BANDS
from models.labels import enum_field_args, select_choices
from models.organisations import (
    Engagement,
    Organisation,
    OrgKind,
    PartnerPolicy,
    PartnerStatus,
    PartnerTier,
)
from models.users import Locale, Role, User


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
    column_details_list = [*administration.PARTNER_FIELDS, "created_at"]
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
    column_filters = [
        enum_filter(Organisation.tier, _l("Tier"), PartnerTier),
        enum_filter(Organisation.status, _l("Status"), PartnerStatus),
        enum_filter(Organisation.engagement, _l("Engagement"), Engagement),
        record_filter(Organisation.account_owner_id, _l("Account owner"), staff_choices),
    ]
    export_catalogues = {
        "regions": REGIONS,
        "product_lines": PRODUCT_LINES,
        "size_band": SIZE_BANDS,
    }
    column_formatters = {
        "regions": _list_labels(REGIONS),
        "product_lines": _list_labels(PRODUCT_LINES),
    }
    column_formatters_export = {}
    form_columns = list(administration.PARTNER_FIELDS)
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
        "slug": _l("Short name"),
        "tier": _l("Tier"),
        "regions": _l("Regions served"),
        "product_lines": _l("Product lines"),
        "annual_value": _l("Annual value (yen)"),
        "engagement": _l("Engagement"),
        "account_owner": _l("Account owner"),
    }

    def scope(self, query):
        """Partners only; the vendor itself is not edited here."""
        return query.filter(Organisation.kind == OrgKind.PARTNER)

    def save(self, form, model):
        """Create or change the partner through the rule (least-privilege policy when new;
        suspending withdraws its offers and logs its users out)."""
        return administration.save_partner(
            current_user._get_current_object(), model, **self.form_values(form, self.form_columns)
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
        partners = [o for o in self.scoped_ids(ids) if o.status is not PartnerStatus.SUSPENDED]
        run_each(
            lambda actor, org: workflow.suspend_partner(org, actor),
            partners,
            _("%(count)d partners suspended."),
        )

    def is_action_allowed(self, name):
        """Suspending is for those who may edit partners."""
        return self.can_edit and super().is_action_allowed(name)


class PolicyView(BaseStaffView):
    """Each partner's visibility policy and SLA settings (administrators only)."""

    admin_only = True
    permissions = {"admin": {"edit", "export"}}
    column_list = ["organisation", *POLICY_FIELDS]
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
        "registration_days",
    ]
    column_searchable_list = ["organisation.name"]
    column_filters = [
        partner_filter(PartnerPolicy.organisation_id),
        flag_filter(PartnerPolicy.details_need_approval, _l("Details need staff approval")),
        flag_filter(PartnerPolicy.show_contact, _l("Sees the contact person")),
        flag_filter(PartnerPolicy.show_notes, _l("Sees shareable notes")),
        flag_filter(PartnerPolicy.show_installed_products, _l("Sees installed products")),
        flag_filter(PartnerPolicy.show_value, _l("Sees estimated value")),
    ]
    column_formatters = {
        "allowed_regions": _list_labels(REGIONS),
        "allowed_product_lines": _list_labels(PRODUCT_LINES),
    }
    export_catalogues = {"allowed_regions": REGIONS, "allowed_product_lines": PRODUCT_LINES}
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
        "registration_days",
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
        "registration_days": _l("Deal registration protected (days)"),
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

    def record_title(self, model) -> str:
        """The partner whose policy it is."""
        return model.organisation.name

    def save(self, form, model):
        """Change the policy through the rule (audited with before and after)."""
        return administration.save_policy(
            current_user._get_current_object(), model, **self.form_values(form, self.form_columns)
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
        "totp_enabled_at",
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
    column_filters = [
        enum_filter(User.role, _l("Role"), Role),
        flag_filter(User.active, _l("Active")),
        enum_filter(User.locale, _l("Language"), Locale),
        record_filter(
            User.organisation_id,
            _l("Organisation"),
            lambda: sa.select(Organisation.id, Organisation.name).order_by(
                Organisation.kind.desc(), Organisation.name
            ),
        ),
    ]
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
            description=_l(
                "At least 12 characters. Setting it logs the user out everywhere. Leave it "
                "empty for a new user: they are e-mailed a link to set their own."
            ),
        )
    }
    form_ajax_refs = {}
    column_labels = {
        "email": _l("E-mail"),
        "role": _l("Role"),
        "organisation": _l("Organisation"),
        "timezone": _l("Time zone"),
        "active": _l("Active"),
        "last_login_at": _l("Last login"),
        "password_changed_at": _l("Password changed"),
        "totp_enabled_at": _l("Two-factor authentication since"),
    }

    @action(
        "reset_two_factor",
        _l("Reset two-factor authentication"),
        _l(
            "Reset the second factor of the selected users? They log in with their password "
            "alone until they set it up again, and their sessions end."
        ),
    )
    def action_reset_two_factor(self, ids):
        """A user lost their phone: reset their second factor through the rule."""
        users = [user for user in self.scoped_ids(ids) if user.has_two_factor]
        run_each(
            accounts.reset_second_factor,
            users,
            _("Two-factor authentication reset for %(count)d users."),
        )

    def is_action_allowed(self, name):
        """Only administrators (the only ones who reach this view) reset a second factor."""
        return self._allowed("edit") and super().is_action_allowed(name)

    @expose("/new/", methods=("GET", "POST"))
    @csrf.exempt  # the form checks its own token (admin.base.StaffForm)
    def create_view(self):
        """Creating a user (role, password) needs a fresh login."""
        return login_again_unless_fresh() or super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    @csrf.exempt  # the form checks its own token (admin.base.StaffForm)
    def edit_view(self):
        """Changing a user's role, password or active flag needs a fresh login."""
        return login_again_unless_fresh() or super().edit_view()

    def _create_ajax_loader(self, name, options):
        """Organisation lookups are scoped like the organisation list."""
        return ScopedAjaxLoader(name, Organisation, lambda q: q, **options)

    def record_title(self, model) -> str:
        """The user's name and e-mail address."""
        return str(model)

    def save(self, form, model):
        """Create or change the account through the rule (role invariant, last admin,
        sessions ended on a role or active change, invitation when there is no password)."""
        values = self.form_values(form, ("name", "email", "role", "organisation", "locale"))
        values["active"] = bool(form.active.data) if "active" in form else True
        return administration.save_user(
            current_user._get_current_object(),
            model,
            new_password=form.new_password.data or None,
            **values,
        )
