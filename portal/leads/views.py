"""Views of the partner inbox and lead page; every read starts from the tenant gate.

Each action is a POST under ``/leads/<ref>/…`` that validates one form, calls
one rule of :mod:`models.workflow`, commits and redirects with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user

from leadshare.extensions import csrf, db
from leadshare.pagination import keyset_page
from models import workflow
from models.base import utcnow
from models.errors import MissingData, RuleError, StaleRecord
from models.gates import current_offer_query, lead_view, lead_view_loading
from models.lead_records import record_personal_data_view
from models.leads import STAGE_LABELS, Channel, LostReason, NoteCategory, Stage
from models.limits import OutOfRange
from models.offers import DeclineReason, Offer, OfferState
from models.users import User
from portal import partner_required
from portal.forms import ActionForm, choices, show_rule_error
from portal.leads import bp, queries
from portal.leads.forms import (
    ACTIVITY_TEMPLATES,
    AcceptForm,
    ActivityForm,
    AssignForm,
    CommentForm,
    DeclineForm,
    LostForm,
    StageForm,
    WonForm,
)

PER_PAGE = 20


def _enum_arg(enum_cls, name: str):
    """An enum member from the query string, or None when absent or unknown."""
    try:
        return enum_cls(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/leads")
@partner_required
def inbox():
    """The user's offers by tab, with filters, search and counts per tab."""
    search = request.args.get("q", "").strip()[:100]
    state = _enum_arg(OfferState, "state")
    stage = _enum_arg(Stage, "stage")
    counts = queries.tab_counts(current_user, search)
    tab = request.args.get("tab")
    if tab not in queries.TABS:
        default = "new" if current_user.is_partner_manager else "accepted"
        tab = next((name for name, count in counts.items() if count), default)
    # Keyset pages: the rows after the last one shown, through the tab's index; no total.
    page = keyset_page(
        queries.inbox_query(current_user, tab=tab, search=search, state=state, stage=stage),
        per_page=PER_PAGE,
        bookmark=request.args.get("page"),
    )
    rows = [(offer, lead_view(current_user, offer)) for offer in page.items]
    return render_template(
        "leads/inbox.html",
        page=page,
        rows=rows,
        counts=counts,
        tabs=queries.TABS,
        tab=tab,
        search=search,
        state=state,
        stage=stage,
        unread=queries.unread_counts(current_user, page.items),
        states=list(OfferState),
        stages=[s for s in Stage if s not in (Stage.NEW, Stage.QUALIFIED)],
    )


def _load_offer(ref: str) -> Offer:
    """The user's current offer of lead ``ref`` through the tenant gate; 404 otherwise."""
    return db.first_or_404(current_offer_query(current_user, ref).options(*lead_view_loading()))


def _activity_form() -> ActivityForm:
    """A blank activity form: now, in the category asked for (``?category=``) with its template."""
    category = request.args.get("category")
    try:
        category = NoteCategory(category)
    except ValueError:
        category = NoteCategory.PRODUCT_INQUIRY
    local_now = to_user_timezone(utcnow())
    return ActivityForm(
        formdata=None,
        day=local_now.date(),
        time=local_now.time().replace(second=0, microsecond=0),
        channel=Channel.PHONE.value,
        category=category.value,
        detail=str(ACTIVITY_TEMPLATES[category]),
    )


def _rep_choices(offer: Offer) -> list:
    """Who of the partner can be given the lead (0 = nobody)."""
    people = queries.organisation_reps(offer.organisation_id)
    return choices([(0, _("Not assigned"))] + [(p.id, p.name) for p in people])


def _render_lead(offer: Offer, *, submitted: dict | None = None, status: int = 200):
    """The lead page; ``submitted`` holds a form that failed, to show it with its input."""
    submitted = submitted or {}
    view = lead_view(current_user, offer)
    disclosure = view.disclosure
    lead = offer.lead
    lead_stage = view.stage  # None unless the gate shows it
    reps = _rep_choices(offer) if current_user.is_partner_manager else choices([(0, "")])

    def form(name: str, cls, **defaults):
        if name in submitted:
            return submitted[name]
        return cls(formdata=None, **defaults)

    forms = {
        "request_details": form("request_details", ActionForm),
        "accept": form("accept", AcceptForm, version=offer.version),
        "decline": form("decline", DeclineForm, version=offer.version),
        "stage": form("stage", StageForm, version=lead.version),
        "activity": submitted.get("activity") or _activity_form(),
        "won": form("won", WonForm, version=lead.version),
        "lost": form("lost", LostForm, version=lead.version),
        "comment": form("comment", CommentForm),
        "assign": form("assign", AssignForm, rep=offer.assigned_rep_id or 0),
    }
    forms["accept"].rep.choices = reps
    forms["assign"].rep.choices = reps
    if disclosure.stage:
        # Offer only the moves the rule allows from here (it still checks on submit).
        moves = workflow.stage_moves(lead)
        forms["stage"].to_stage.choices = choices((s.value, STAGE_LABELS[s]) for s in moves)

    board, read_before, activities, history = None, None, None, None
    if disclosure.board:
        # Keyset pages: a long history costs no more than a short one.
        board = queries.board_of(offer, request.args.get("board"))
        marker = queries.last_read(current_user, offer)
        read_before = marker.last_read_at if marker else None
        activities = queries.activities_of(offer, request.args.get("activities"))
        history = queries.stage_history_of(offer, request.args.get("history"))
        if request.method == "GET":
            workflow.mark_board_read(current_user, offer)
    if disclosure.contact and request.method == "GET":
        # Every view of a prospect's personal data is audited.
        record_personal_data_view(current_user, lead.prospect, "portal.lead", lead=lead.ref)
    html = render_template(
        "leads/show.html",
        offer=offer,
        lead=view,
        d=disclosure,
        forms=forms,
        board=board,
        read_before=read_before,
        activities=activities,
        history=history,
        templates={c.value: str(t) for c, t in ACTIVITY_TEMPLATES.items()},
        respond_open=offer.is_open and not offer.deadline_passed(utcnow()),
        lead_stage=lead_stage,
        takes_activities=disclosure.stage and lead.takes_activities,
    )
    if request.method == "GET":
        db.session.commit()
    return html, status


@bp.get("/leads/<ref>")
@partner_required
def show(ref: str):
    """One lead, exactly as the three gates allow."""
    return _render_lead(_load_offer(ref))


def _act(
    ref: str,
    name: str,
    form_cls,
    apply: Callable[[Offer, object], str],
    anchor: str = "",
    fields: dict[str, str] | None = None,
):
    """Run one action: validate, call the rule, commit, redirect with a message.

    Invalid input re-renders the page with what was typed (422), the form open and
    the message next to the field; so does a refused rule that names a field, and
    an expired CSRF token (the user sends the same text again). These views are
    exempt from the global CSRF check only so that the form itself can check the
    token and keep the text: nothing happens unless the form, token included, is valid.
    """
    offer = _load_offer(ref)
    form = form_cls()
    if name in ("accept", "assign"):
        # Reps get no list; the rule then tells them only the manager can do this.
        form.rep.choices = (
            _rep_choices(offer) if current_user.is_partner_manager else choices([(0, "")])
        )
    target = url_for("leads.show", ref=ref) + anchor
    if not form.validate_on_submit():
        if form.meta.csrf and form.csrf_token.errors:
            flash(_("This page was open too long. Check your entry and send it again."), "error")
        else:
            flash(_("Please correct the marked fields."), "error")
        return _render_lead(offer, submitted={name: form}, status=422)
    try:
        message = apply(offer, form)
    except RuleError as err:
        db.session.rollback()
        # The rule names its own input; ``fields`` maps it to this form's field.
        err.field = (fields or {}).get(err.field, err.field) if err.field else None
        if err.field and hasattr(form, err.field) and not isinstance(err, StaleRecord):
            show_rule_error(form, err)
            return _render_lead(_load_offer(ref), submitted={name: form}, status=422)
        flash(str(err), "error")
        if isinstance(err, MissingData | OutOfRange):
            return _render_lead(_load_offer(ref), submitted={name: form}, status=422)
        return redirect(target)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


def _rep_of(offer: Offer, rep_id: int) -> User | None:
    """The chosen user among the partner's own (validated by the form's choices)."""
    if not rep_id:
        return None
    user = db.session.get(User, rep_id)
    if user is None or user.organisation_id != offer.organisation_id:
        abort(404)
    return user


@bp.post("/leads/<ref>/request-details")
@csrf.exempt
@partner_required
def request_details(ref: str):
    """Ask the vendor for the lead's details."""

    def apply(offer, form):
        workflow.request_details(offer, current_user)
        if offer.state is OfferState.DETAILS_GRANTED:
            return _("The details are now visible below.")
        return _("Your request has been sent to the vendor. You will be told when it is granted.")

    return _act(ref, "request_details", ActionForm, apply)


@bp.post("/leads/<ref>/accept")
@csrf.exempt
@partner_required
def accept(ref: str):
    """Take the lead, optionally giving it to a rep at once."""

    def apply(offer, form):
        workflow.accept_offer(
            offer,
            current_user,
            rep=_rep_of(offer, form.rep.data),
            comment=form.comment.data,
            expected_version=form.expected_version,
        )
        return _("You have accepted the lead. The contact details and the board are open.")

    return _act(ref, "accept", AcceptForm, apply)


@bp.post("/leads/<ref>/decline")
@csrf.exempt
@partner_required
def decline(ref: str):
    """Turn the offer down with a reason."""

    def apply(offer, form):
        workflow.decline_offer(
            offer,
            current_user,
            reason=DeclineReason(form.reason.data),
            note=form.note.data,
            expected_version=form.expected_version,
        )
        return _("You have declined the offer. Thank you for telling us why.")

    return _act(ref, "decline", DeclineForm, apply)


@bp.post("/leads/<ref>/stage")
@csrf.exempt
@partner_required
def stage(ref: str):
    """Move the lead along the pipeline."""

    def apply(offer, form):
        to_stage = Stage(form.to_stage.data)
        workflow.move_stage(
            offer,
            current_user,
            to_stage,
            note=form.note.data,
            expected_version=form.expected_version,
        )
        return _("The stage is now %(stage)s.", stage=STAGE_LABELS[to_stage])

    return _act(ref, "stage", StageForm, apply, "#stage")


@bp.post("/leads/<ref>/activities")
@csrf.exempt
@partner_required
def activities(ref: str):
    """Log a call, visit or e-mail with the prospect."""

    def apply(offer, form):
        local = datetime.combine(form.day.data, form.time.data)
        workflow.log_activity(
            offer,
            current_user,
            occurred_at=to_utc(local).replace(tzinfo=UTC),
            channel=Channel(form.channel.data),
            category=NoteCategory(form.category.data),
            detail=form.detail.data,
        )
        return _("The activity has been logged.")

    return _act(ref, "activity", ActivityForm, apply, "#activities", {"occurred_at": "day"})


@bp.post("/leads/<ref>/won")
@csrf.exempt
@partner_required
def won(ref: str):
    """Close the lead as won, with the order data."""

    def apply(offer, form):
        workflow.close_won(
            offer,
            current_user,
            order_date=form.order_date.data,
            product=form.product.data,
            amount=form.amount.data,
            delivery_date=form.delivery_date.data,
            note=form.note.data,
            expected_version=form.expected_version,
        )
        return _("Congratulations! The lead is closed as won.")

    return _act(ref, "won", WonForm, apply)


@bp.post("/leads/<ref>/lost")
@csrf.exempt
@partner_required
def lost(ref: str):
    """Close the lead as lost, with a reason."""

    def apply(offer, form):
        workflow.close_lost(
            offer,
            current_user,
            reason=LostReason(form.reason.data),
            note=form.note.data,
            expected_version=form.expected_version,
        )
        return _("The lead is closed as lost. Thank you for reporting the reason.")

    return _act(ref, "lost", LostForm, apply)


@bp.post("/leads/<ref>/comments")
@csrf.exempt
@partner_required
def comments(ref: str):
    """Post on the board shared with the vendor."""

    def apply(offer, form):
        workflow.post_comment(offer, current_user, body=form.body.data)
        return _("Your message has been posted.")

    return _act(ref, "comment", CommentForm, apply, "#board")


@bp.post("/leads/<ref>/assign")
@csrf.exempt
@partner_required
def assign(ref: str):
    """A manager gives (or takes back) the lead to one of its users."""

    def apply(offer, form):
        rep = _rep_of(offer, form.rep.data)
        workflow.assign_rep(offer, current_user, rep)
        if rep is None:
            return _("The lead is no longer assigned to anyone.")
        return _("The lead is now assigned to %(name)s.", name=rep.name)

    return _act(ref, "assign", AssignForm, apply)
