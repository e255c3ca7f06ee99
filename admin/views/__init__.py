"""The back office's list views, one module per menu section."""

from __future__ import annotations

from flask_admin import Admin
from flask_babel import lazy_gettext as _l

from admin.views.leads import CommentView, LeadView, NoteView, OfferView, ProspectView
from admin.views.partners import OrganisationView, PolicyView, UserView
from admin.views.records import AuditView, OutboxView
from admin.views.registrations import RegistrationView
from models.audit import AuditEvent
from models.leads import ConversationNote, Lead
from models.offers import Comment, Offer
from models.organisations import Organisation, PartnerPolicy
from models.outbox import OutboxMessage
from models.prospects import Prospect
from models.registrations import DealRegistration
from models.users import User


def register_views(admin: Admin) -> None:
    """Add every staff view to ``admin``."""
    from admin.api_tokens import ApiTokenView
    from admin.cards import CardIntakeView
    from admin.files import LeadFilesView, staff_file_form
    from admin.imports import ImportView
    from admin.leads import LeadDeskView
    from admin.pipeline import PipelineView
    from admin.reports import ReportsView
    from leadshare.uploads import files_template_globals

    work = _l("Leads")
    partners = _l("Partners")
    records = _l("Records")
    admin.add_view(
        LeadDeskView(
            name=_l("Post a lead"), endpoint="staff_desk", url="/admin/desk", category=work
        )
    )
    admin.add_view(
        PipelineView(
            name=_l("Pipeline"), endpoint="staff_pipeline", url="/admin/pipeline", category=work
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
    admin.add_view(
        CardIntakeView(name=_l("Business cards"), endpoint="staff_cards", url="/admin/cards")
    )
    admin.add_view(LeadFilesView(endpoint="staff_files", url="/admin/lead-files"))
    admin.app.jinja_env.globals.update(files_template_globals(), staff_file_form=staff_file_form)
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
        ApiTokenView(
            name=_l("API tokens"),
            endpoint="staff_api_tokens",
            url="/admin/api-tokens",
            category=partners,
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
