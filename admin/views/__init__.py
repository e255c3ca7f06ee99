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
    """Add every staff view to ``admin``, in the order of the menu."""
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
    # (view, model or None for a page of its own, menu entry, endpoint, URL, menu section)
    menu = [
        (LeadDeskView, None, _l("Post a lead"), "staff_desk", "/admin/desk", work),
        (PipelineView, None, _l("Pipeline"), "staff_pipeline", "/admin/pipeline", work),
        (LeadView, Lead, _l("All leads"), "staff_leads", "/admin/leads", work),
        (ProspectView, Prospect, _l("Prospects"), "staff_prospects", "/admin/prospects", work),
        (NoteView, ConversationNote, _l("Conversation notes"), "staff_notes", "/admin/notes", work),
        (OfferView, Offer, _l("Offers"), "staff_offers", "/admin/offers", work),
        (CommentView, Comment, _l("Board posts"), "staff_comments", "/admin/comments", work),
        (
            RegistrationView,
            DealRegistration,
            _l("Deal registrations"),
            "staff_registrations",
            "/admin/registrations",
            work,
        ),
        (ImportView, None, _l("Import leads (CSV)"), "staff_import", "/admin/import", work),
        (CardIntakeView, None, _l("Business cards"), "staff_cards", "/admin/cards", None),
        # The lead files page is reached from a lead only; its menu entry is hidden.
        (LeadFilesView, None, None, "staff_files", "/admin/lead-files", None),
        (ReportsView, None, _l("Reports"), "staff_reports", "/admin/reports", None),
        (
            OrganisationView,
            Organisation,
            _l("Partner organisations"),
            "staff_partners",
            "/admin/partners",
            partners,
        ),
        (
            PolicyView,
            PartnerPolicy,
            _l("Visibility policies"),
            "staff_policies",
            "/admin/policies",
            partners,
        ),
        (UserView, User, _l("Users"), "staff_users", "/admin/users", partners),
        (ApiTokenView, None, _l("API tokens"), "staff_api_tokens", "/admin/api-tokens", partners),
        (AuditView, AuditEvent, _l("Audit log"), "staff_audit", "/admin/audit", records),
        (OutboxView, OutboxMessage, _l("Outbox"), "staff_outbox", "/admin/outbox", records),
    ]
    for view, model, name, endpoint, url, category in menu:
        models = () if model is None else (model,)
        admin.add_view(view(*models, name=name, endpoint=endpoint, url=url, category=category))
    admin.app.jinja_env.globals.update(files_template_globals(), staff_file_form=staff_file_form)
