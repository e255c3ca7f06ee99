"""The endpoints of ``/api/v1``: parse, call one rule of ``models/``, commit, answer JSON.

A partner's lead is always found through the tenant gate
(:func:`models.gates.current_offer_query`) and rendered through
:func:`models.gates.lead_view`; a lead outside the gates answers exactly like
one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response, g, json, render_template, request
from flask_babel import lazy_gettext as _l
from pydantic import AwareDatetime, TypeAdapter, ValidationError
from sqlakeyset import BadBookmark, select_page

from api import schemas
from api.openapi import openapi_document
from api.problems import not_found, problem
from api.queries import (
    board,
    current_offer,
    latest_offers,
    registrations,
    staff_lead,
    staff_leads,
)
from api.routing import OPERATIONS, operation
from leadshare.extensions import db
from models import workflow
from models.base import utcnow
from models.capture import capture_lead
from models.errors import NotAllowed, StaleRecord
from models.lead_data import etag_of, iso, lead_data, record_contact_view, staff_lead_data
from models.leads import Stage
from models.offers import Comment, Offer
from models.organisations import Organisation, OrgKind
from models.registrations import DealRegistration
from models.users import User

PAGE = ("cursor", "limit")
_WHEN = TypeAdapter(AwareDatetime)


class QueryProblem(Exception):
    """An unusable query-string parameter."""


def _json(data, status: int = 200, *, etag: str | None = None) -> Response:
    """A JSON response (UTF-8, not escaped), with its ETag when given."""
    response = Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )
    if etag:
        response.headers["ETag"] = etag
    return response


def _user() -> User:
    """The user the request's token acts for."""
    return g.api_user


def _page_args() -> tuple[int, str | None]:
    """``limit`` (1–100) and ``cursor`` from the query string."""
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise QueryProblem("limit")
    cursor = request.args.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise QueryProblem("cursor")
    return int(raw), cursor


def _updated_since() -> datetime | None:
    """``updated_since`` as an aware timestamp, or ``None``."""
    raw = request.args.get("updated_since")
    if raw is None:
        return None
    try:
        return _WHEN.validate_python(raw)
    except ValidationError as exc:
        raise QueryProblem("updated_since") from exc


def _query_problem(name: str) -> Response:
    """422 naming the unusable parameter."""
    return problem(
        422,
        _l("A query parameter is invalid."),
        errors=[{"field": name, "message": "invalid value"}],
    )


def _page(query: sa.Select, limit: int, cursor: str | None):
    """One keyset page of ``query`` (sqlakeyset); an unusable cursor is a QueryProblem."""
    try:
        return select_page(db.session, query, per_page=limit, page=cursor)
    except (BadBookmark, ValueError, TypeError, KeyError) as exc:
        db.session.rollback()
        raise QueryProblem("cursor") from exc


def _next_cursor(page) -> str | None:
    """The bookmark of the following page, or ``None`` on the last page."""
    return page.paging.bookmark_next if page.paging.has_next else None


def _offer_or_none(ref: str) -> Offer | None:
    """The caller's offer of lead ``ref`` through the tenant gate."""
    return db.session.scalar(current_offer(_user(), ref))


def _if_match() -> tuple[int | None, int | None] | None:
    """(offer version, lead version) from ``If-Match``; ``None`` when absent or ``*``.

    An unreadable value is refused like a stale one.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    offer_version, dot, lead_version = value.partition(".")
    if not dot or not offer_version.isdigit() or not lead_version.isdigit():
        raise StaleRecord()
    return int(offer_version), int(lead_version)


def _lead_response(offer: Offer, status: int = 200) -> Response:
    """The lead as the caller now sees it (re-read after the commit), with its ETag."""
    db.session.expire_all()
    offer = db.session.scalar(current_offer(_user(), offer.lead.ref))
    if offer is None:  # e.g. a rep's lead reassigned by its manager in the meantime
        return not_found()
    data = lead_data(_user(), offer)
    if "contact" in data:
        record_contact_view(_user(), offer, via="api")
        db.session.commit()
    return _json(data, status, etag=etag_of(offer))


# --------------------------------------------------------------------------- meta


@operation(
    "GET", "/openapi.json", summary="This API's OpenAPI 3.1 description", tag="meta", auth=False
)
def openapi():
    """The OpenAPI document (no token needed)."""
    return _json(openapi_document(request.script_root or "/"))


@operation(
    "GET",
    "/docs",
    summary="A readable reference of this API",
    tag="meta",
    auth=False,
    response_media="text/html",
)
def reference():
    """The reference page, rendered by the app from the same description (no CDN)."""
    document = openapi_document(request.script_root or "/")
    return render_template(
        "api/reference.html",
        document=document,
        operations=OPERATIONS,
        dumps=lambda value: json.dumps(value, ensure_ascii=False, indent=2),
    )


@operation("GET", "/me", summary="Who this token acts for", tag="meta", response=schemas.MeOut)
def me():
    """The token's user, role, organisation and limits."""
    token = g.api_token
    user = _user()
    return _json(
        {
            "user": user.email,
            "role": user.role.value,
            "organisation": user.organisation.slug,
            "read_only": token.read_only,
            "expires_at": iso(token.expires_at),
        }
    )


# --------------------------------------------------------------------------- reading leads


@operation(
    "GET",
    "/leads",
    summary="The leads you may reach, with keyset pagination and incremental sync",
    response=schemas.LeadPage,
    query=("updated_since", *PAGE),
)
def list_leads():
    """Partners: your latest offer of each lead, as the gates show it. Staff: every lead.

    Pass the page's `as_of` as `updated_since` next time to get only what changed.
    """
    as_of = utcnow()
    try:
        limit, cursor = _page_args()
        since = _updated_since()
        user = _user()
        if user.is_staff:
            page = _page(staff_leads(since), limit, cursor)
            items = [staff_lead_data(user, row[0]) for row in page]
        else:
            page = _page(latest_offers(user, since), limit, cursor)
            items = [lead_data(user, row[0], personal_data=False) for row in page]
    except QueryProblem as exc:
        return _query_problem(str(exc))
    return _json({"data": items, "next_cursor": _next_cursor(page), "as_of": iso(as_of)})


@operation(
    "GET",
    "/leads/<ref>",
    summary="One lead, exactly as the gates show it to you",
    response=schemas.LeadOut,
    etag=True,
)
def get_lead(ref: str):
    """Teaser, details or full, by the offer's state, your partner's policy and consent.

    Reading the contact person is audited, as in the portal. The ETag carries the
    record's version: send it back as `If-Match` when you change the lead.
    """
    user = _user()
    if user.is_staff:
        lead = db.session.scalar(staff_lead(ref))
        if lead is None:
            return not_found()
        return _json(staff_lead_data(user, lead), etag=f'"{lead.version}"')
    offer = _offer_or_none(ref)
    if offer is None:
        return not_found()
    return _lead_response(offer)


# --------------------------------------------------------------------------- partner actions

#: How a rule takes the record version of ``If-Match``: passed on as ``expected_version``
#: (the offer's or the lead's), checked here for a rule without that parameter, or not used.
OFFER_VERSION, LEAD_VERSION, CHECK_VERSION, NO_VERSION = "offer", "lead", "check", None


def _act(ref: str, rule, *args, version: str | None, answer=None, **arguments) -> Response:
    """Every partner action: gate, ``If-Match``, one rule, commit, answer.

    The caller's offer is found through the tenant gate (a lead outside it is
    404); ``rule(offer, user, *args, **arguments)`` is called with the version
    ``If-Match`` names (see :data:`OFFER_VERSION` …), and a ``rep`` argument, an
    e-mail, becomes one of the caller's organisation's users. A refusal of the
    rule is answered as a problem by :func:`api.routing.operation`. The answer
    is ``answer(offer, result)``, by default the lead as the caller now sees it.
    """
    if _user().is_staff:
        raise NotAllowed(_l("Partner actions need a partner user's token."))
    offer = _offer_or_none(ref)
    if offer is None:
        return not_found()
    versions = _if_match()
    if version == OFFER_VERSION:
        arguments["expected_version"] = versions[0] if versions else None
    elif version == LEAD_VERSION:
        arguments["expected_version"] = _lead_version(offer, versions)
    elif version == CHECK_VERSION:
        _same_offer_version(offer, versions)
    if "rep" in arguments:
        arguments["rep"] = _rep_by_email(offer, arguments["rep"])
    result = rule(offer, _user(), *args, **arguments)
    db.session.commit()
    if answer is not None:
        return answer(offer, result)
    return _lead_response(offer)


def _same_offer_version(offer: Offer, versions) -> None:
    """For rules without a version parameter: refuse a stale If-Match here."""
    if versions is not None and versions[0] != offer.version:
        raise StaleRecord()


def _lead_version(offer: Offer, versions) -> int | None:
    """The lead's version from If-Match (after checking the offer's, which it includes)."""
    if versions is None:
        return None
    _same_offer_version(offer, versions)
    return versions[1]


def _rep_by_email(offer: Offer, email: str | None) -> User | None:
    """One of the partner's own users by e-mail (the rule checks the rest)."""
    if not email:
        return None
    rep = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if rep is None or rep.organisation_id != offer.organisation_id:
        raise NotAllowed(
            _l("The lead can only be assigned to an active user of your organisation.")
        )
    return rep


LEAD_ACTION = {"write": True, "errors": (409,)}
LEAD_WRITE = {**LEAD_ACTION, "response": schemas.LeadOut, "etag": True}


@operation(
    "POST", "/leads/<ref>/request-details", summary="Ask for the lead's details", **LEAD_WRITE
)
def request_details(ref: str):
    """Managers: granted at once, or after the vendor's approval if your policy needs it."""
    return _act(ref, workflow.request_details, version=CHECK_VERSION)


@operation(
    "POST",
    "/leads/<ref>/accept",
    summary="Accept the offer (optionally naming a rep)",
    body=schemas.AcceptIn,
    **LEAD_WRITE,
)
def accept(ref: str, body: schemas.AcceptIn):
    """Managers: the lead becomes yours; contact person (with consent) and board open."""
    return _act(
        ref, workflow.accept_offer, version=OFFER_VERSION, rep=body.rep, comment=body.comment
    )


@operation(
    "POST",
    "/leads/<ref>/assign",
    summary="Give an accepted lead to one of your reps",
    body=schemas.AssignIn,
    **LEAD_WRITE,
)
def assign(ref: str, body: schemas.AssignIn):
    """Managers: the rep is told by e-mail and reaches the lead from then on."""
    return _act(ref, workflow.assign_rep, version=CHECK_VERSION, rep=body.rep)


@operation(
    "POST",
    "/leads/<ref>/decline",
    summary="Decline the offer with a reason",
    body=schemas.DeclineIn,
    **LEAD_WRITE,
)
def decline(ref: str, body: schemas.DeclineIn):
    """Managers: the offer ends; a note is required when the reason is `other`."""
    return _act(
        ref, workflow.decline_offer, version=OFFER_VERSION, reason=body.reason, note=body.note
    )


@operation(
    "POST",
    "/leads/<ref>/stage",
    summary="Move an accepted lead along the pipeline",
    body=schemas.StageIn,
    **LEAD_WRITE,
)
def stage(ref: str, body: schemas.StageIn):
    """appointment ↔ needs_hearing ↔ proposal; after won: delivered, then paid."""
    return _act(
        ref, workflow.move_stage, Stage(body.to_stage), version=LEAD_VERSION, note=body.note
    )


def _activity_answer(offer: Offer, activity) -> Response:
    """201 with the logged activity and the lead's new version."""
    return _json(
        {
            "id": activity.id,
            "occurred_at": iso(activity.occurred_at),
            "channel": activity.channel.value,
            "category": activity.category.value,
            "detail": activity.detail,
            "lead_version": etag_of(offer).strip('"'),
        },
        201,
        etag=etag_of(offer),
    )


@operation(
    "POST",
    "/leads/<ref>/activities",
    summary="Log a contact with the prospect",
    body=schemas.ActivityIn,
    response=schemas.ActivityOut,
    status=201,
    etag=True,
    **LEAD_ACTION,
)
def log_activity(ref: str, body: schemas.ActivityIn):
    """A call, visit, e-mail or web contact on an accepted lead; it resets the update clock."""
    return _act(
        ref,
        workflow.log_activity,
        version=LEAD_VERSION,
        answer=_activity_answer,
        occurred_at=body.occurred_at,
        channel=body.channel,
        category=body.category,
        detail=body.detail,
    )


@operation(
    "POST",
    "/leads/<ref>/won",
    summary="Close the lead as won, with the order",
    body=schemas.WonIn,
    **LEAD_WRITE,
)
def won(ref: str, body: schemas.WonIn):
    """Order date, product, amount (yen) and delivery date are required."""
    return _act(ref, workflow.close_won, version=LEAD_VERSION, **body.model_dump())


@operation(
    "POST",
    "/leads/<ref>/lost",
    summary="Close the lead as lost, with a reason",
    body=schemas.LostIn,
    **LEAD_WRITE,
)
def lost(ref: str, body: schemas.LostIn):
    """A note is required when the reason is `other`."""
    return _act(ref, workflow.close_lost, version=LEAD_VERSION, reason=body.reason, note=body.note)


def _comment_json(comment: Comment) -> dict:
    """One post of a board."""
    return {
        "id": comment.id,
        "author": comment.author.name,
        "from_vendor": comment.author.is_staff,
        "body": comment.body,
        "created_at": iso(comment.created_at),
    }


@operation(
    "GET",
    "/leads/<ref>/comments",
    summary="Read the lead's board",
    response=schemas.CommentPage,
    query=PAGE,
)
def list_comments(ref: str):
    """The board you share with the vendor, oldest first; it opens once the lead is accepted."""
    user = _user()
    offer = None if user.is_staff else _offer_or_none(ref)
    if offer is None or not lead_data(user, offer, personal_data=False).get("stage"):
        return not_found()
    try:
        limit, cursor = _page_args()
        page = _page(board(offer), limit, cursor)
    except QueryProblem as exc:
        return _query_problem(str(exc))
    return _json(
        {"data": [_comment_json(row[0]) for row in page], "next_cursor": _next_cursor(page)}
    )


@operation(
    "POST",
    "/leads/<ref>/comments",
    summary="Post on the lead's board",
    body=schemas.CommentIn,
    response=schemas.CommentOut,
    status=201,
    **LEAD_ACTION,
)
def post_comment(ref: str, body: schemas.CommentIn):
    """The vendor's lead owner is told by e-mail."""
    return _act(
        ref,
        workflow.post_comment,
        version=NO_VERSION,
        answer=lambda _offer, comment: _json(_comment_json(comment), 201),
        body=body.body,
    )


# --------------------------------------------------------------------------- registrations


def _registration_json(registration) -> dict:
    """A registration and its decision."""
    return {
        "ref": registration.ref,
        "status": registration.status.value,
        "submitted_at": iso(registration.submitted_at),
        "company_name": registration.company_name,
        "decision_reason": registration.decision_reason,
        "lead_ref": registration.lead.ref if registration.lead else None,
    }


@operation(
    "GET",
    "/registrations",
    summary="Your deal registrations and their decisions",
    tag="registrations",
    response=schemas.RegistrationPage,
    query=PAGE,
)
def list_registrations():
    """A manager sees its organisation's registrations, a rep its own; oldest first."""
    try:
        limit, cursor = _page_args()
        page = _page(registrations(_user()), limit, cursor)
    except QueryProblem as exc:
        return _query_problem(str(exc))
    return _json(
        {"data": [_registration_json(row[0]) for row in page], "next_cursor": _next_cursor(page)}
    )


@operation(
    "GET",
    "/registrations/<ref>",
    summary="One deal registration and its decision",
    tag="registrations",
    response=schemas.RegistrationOut,
)
def get_registration(ref: str):
    """The `registration.decided` webhook names it; an approved one links to its lead."""
    registration = db.session.scalar(registrations(_user()).where(DealRegistration.ref == ref))
    if registration is None:
        return not_found()
    return _json(_registration_json(registration))


@operation(
    "POST",
    "/registrations",
    summary="Register a deal you found yourself",
    tag="registrations",
    body=schemas.RegistrationIn,
    response=schemas.RegistrationOut,
    status=201,
    write=True,
)
def register_deal(body: schemas.RegistrationIn):
    """The vendor reviews it; the `registration.decided` webhook tells you the outcome."""
    registration = workflow.register_deal(_user(), **body.model_dump())
    db.session.commit()
    return _json(_registration_json(registration), 201)


# --------------------------------------------------------------------------- staff


@operation(
    "POST",
    "/leads",
    summary="Create a lead (staff)",
    tag="staff",
    body=schemas.LeadIn,
    response=schemas.LeadOut,
    status=201,
    write=True,
)
def create_lead(body: schemas.LeadIn):
    """For the vendor's marketing automation: a complete checklist makes the lead offerable."""
    user = _user()
    lead = capture_lead(
        user,
        prospect=body.prospect.model_dump(),
        lead=body.lead.model_dump(),
        consent=body.consent,
        consent_method=body.consent_method,
        checklist=body.checklist.model_dump(),
    )
    db.session.commit()
    return _json(staff_lead_data(user, lead), 201, etag=f'"{lead.version}"')


@operation(
    "POST",
    "/leads/<ref>/offers",
    summary="Offer a qualified lead to a partner (staff)",
    tag="staff",
    body=schemas.OfferIn,
    response=schemas.LeadOut,
    status=201,
    write=True,
    errors=(409,),
)
def offer_lead(ref: str, body: schemas.OfferIn):
    """Within the partner's policy, or outside it with an `override_reason`."""
    user = _user()
    if not user.is_staff:
        raise NotAllowed()
    lead = db.session.scalar(staff_lead(ref))
    if lead is None:
        return not_found()
    partner = db.session.scalar(
        sa.select(Organisation).where(
            Organisation.slug == body.partner, Organisation.kind == OrgKind.PARTNER
        )
    )
    if partner is None:
        return problem(
            422,
            _l("There is no partner with this short name."),
            errors=[{"field": "partner", "message": "unknown partner"}],
        )
    workflow.offer_lead(
        lead, partner, user, comment=body.comment, override_reason=body.override_reason
    )
    db.session.commit()
    db.session.expire_all()
    lead = db.session.scalar(staff_lead(ref))
    return _json(staff_lead_data(user, lead), 201, etag=f'"{lead.version}"')
