"""The LeadShare domain: entities, invariants, visibility gates and workflow rules.

Every model is imported here so that Alembic sees every table.
"""

from models.accounts import LoginSession, PasswordLink, RecoveryCode
from models.api_tokens import ApiToken
from models.audit import AuditEvent, record_event
from models.base import Base, utcnow
from models.cards import BusinessCard, CardStatus
from models.counters import CounterValue
from models.files import FileKind, LeadFile
from models.invitations import Invitation
from models.leads import (
    Activity,
    Channel,
    ConversationNote,
    Lead,
    LeadSource,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Stage,
    StageChange,
    Timing,
)
from models.offers import BoardRead, Comment, DeclineReason, EndCause, Offer, OfferState
from models.organisations import (
    Engagement,
    Organisation,
    OrgKind,
    PartnerPolicy,
    PartnerStatus,
    PartnerTier,
)
from models.outbox import OutboxMessage, OutboxStatus, queue_message
from models.prospects import ConsentMethod, InstalledProduct, Prospect
from models.registrations import (
    DealRegistration,
    ExtensionState,
    RegistrationStatus,
    RegistrationStep,
    RegistrationStepKind,
)
from models.snapshots import ReportSnapshot
from models.users import Locale, Role, User
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Activity",
    "ApiToken",
    "AuditEvent",
    "Base",
    "BoardRead",
    "BusinessCard",
    "CardStatus",
    "Channel",
    "Comment",
    "ConsentMethod",
    "ConversationNote",
    "CounterValue",
    "DealRegistration",
    "DeclineReason",
    "DeliveryStatus",
    "EndCause",
    "Engagement",
    "FileKind",
    "InstalledProduct",
    "Invitation",
    "Lead",
    "LeadFile",
    "LeadSource",
    "Locale",
    "LoginSession",
    "LostReason",
    "NoteCategory",
    "NoteVisibility",
    "Offer",
    "OfferState",
    "OrgKind",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "PartnerPolicy",
    "PartnerStatus",
    "PartnerTier",
    "PasswordLink",
    "Prospect",
    "ExtensionState",
    "RecoveryCode",
    "RegistrationStatus",
    "RegistrationStep",
    "RegistrationStepKind",
    "ReportSnapshot",
    "Role",
    "Stage",
    "StageChange",
    "Timing",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "queue_message",
    "record_event",
    "utcnow",
]
