"""``/api-tokens`` and ``/webhooks``: a partner manager connects its own CRM.

Each action validates one form, calls one rule (:mod:`models.api_tokens`,
:mod:`models.webhooks`), commits and redirects; a new token is shown once,
on the page that answers its creation, and never again.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leadshare.extensions import csrf, db
from models.api_tokens import ApiToken, create_api_token, manageable_tokens, revoke_api_token
from models.base import utcnow
from models.errors import RuleError
from models.users import User
from models.webhooks import (
    EVENT_LABELS,
    WebhookEndpoint,
    endpoint_deliveries,
    partner_endpoints,
    register_endpoint,
    send_test_event,
    set_endpoint_active,
)
from portal import manager_required
from portal.forms import BUTTON_EXPIRED, ActionForm, choices, say_why_refused, show_rule_error
from portal.integrations import bp
from portal.integrations.forms import TokenForm, WebhookForm


def _token_form(form: TokenForm | None = None) -> TokenForm:
    """The token form, offering the organisation's active users (the manager first)."""
    form = form or TokenForm(formdata=None, user=current_user.id)
    people = db.session.scalars(
        sa.select(User)
        .where(User.organisation_id == current_user.organisation_id, User.active.is_(True))
        .order_by(User.id != current_user.id, User.name)
    )
    form.user.choices = choices((p.id, f"{p.name} <{p.email}>") for p in people)
    return form


def _tokens_page(form: TokenForm | None = None, new_token: str | None = None, status: int = 200):
    """The token list and form; ``new_token`` is shown once."""
    tokens = db.session.scalars(manageable_tokens(current_user)).all()
    html = render_template(
        "integrations/tokens.html",
        tokens=tokens,
        form=_token_form(form),
        action_form=ActionForm(formdata=None),
        new_token=new_token,
        now=utcnow(),
    )
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/api-tokens")
@manager_required
def tokens():
    """The organisation's API tokens and the form to create one."""
    return _tokens_page()


@bp.post("/api-tokens")
@csrf.exempt
@manager_required
def create_token():
    """Create a token; the page answering shows it once."""
    form = _token_form(TokenForm())
    if not form.validate_on_submit():
        say_why_refused(form)
        return _tokens_page(form, status=422)
    owner = db.get_or_404(User, form.user.data)
    days = form.expires_days.data
    expires_at = utcnow() + timedelta(days=days) if days else None
    try:
        _token, raw = create_api_token(
            current_user,
            owner,
            name=form.name.data,
            read_only=form.read_only.data,
            expires_at=expires_at,
        )
    except RuleError as err:
        db.session.rollback()
        if err.field == "expires_at":
            err.field = "expires_days"
        show_rule_error(form, err)
        return _tokens_page(form, status=422)
    db.session.commit()
    return _tokens_page(new_token=raw, status=201)


@bp.post("/api-tokens/<ref>/revoke")
@csrf.exempt
@manager_required
def revoke_token(ref: str):
    """Revoke a token of the organisation at once."""
    token = db.first_or_404(manageable_tokens(current_user).where(ApiToken.ref == ref))
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("integrations.tokens"))
    try:
        revoke_api_token(token, current_user)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("integrations.tokens"))
    db.session.commit()
    flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("integrations.tokens"))


def _webhooks_page(form: WebhookForm | None = None, status: int = 200):
    """The endpoint list and the registration form."""
    endpoints = db.session.scalars(partner_endpoints(current_user)).all()
    return (
        render_template(
            "integrations/webhooks.html",
            endpoints=endpoints,
            form=form or WebhookForm(formdata=None),
            event_labels=EVENT_LABELS,
        ),
        status,
    )


@bp.get("/webhooks")
@manager_required
def webhooks():
    """The organisation's webhook endpoints and the form to register one."""
    return _webhooks_page()


@bp.post("/webhooks")
@csrf.exempt
@manager_required
def register_webhook():
    """Register an endpoint; its page shows the signing secret."""
    form = WebhookForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _webhooks_page(form, 422)
    try:
        endpoint = register_endpoint(
            current_user,
            url=form.url.data,
            events=form.events.data,
            description=form.description.data,
            allow_http=current_app.config["WEBHOOK_ALLOW_HTTP"],
        )
    except RuleError as err:
        db.session.rollback()
        show_rule_error(form, err, fallback="url")
        return _webhooks_page(form, 422)
    db.session.commit()
    flash(_("The endpoint is registered. Use the secret below to check signatures."), "success")
    return redirect(url_for("integrations.webhook", ref=endpoint.ref))


def _own_endpoint(ref: str) -> WebhookEndpoint:
    """An endpoint of the manager's organisation; anything else is 404."""
    return db.first_or_404(partner_endpoints(current_user).where(WebhookEndpoint.ref == ref))


@bp.get("/webhooks/<ref>")
@manager_required
def webhook(ref: str):
    """One endpoint: its secret, events and delivery log, with a test button."""
    endpoint = _own_endpoint(ref)
    return (
        render_template(
            "integrations/webhook.html",
            endpoint=endpoint,
            deliveries=endpoint_deliveries(endpoint),
            event_labels=EVENT_LABELS,
            action_form=ActionForm(formdata=None),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


def _endpoint_action(ref: str, apply, message: str):
    """Run one rule on one endpoint, then back to its page."""
    endpoint = _own_endpoint(ref)
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("integrations.webhook", ref=ref))
    try:
        apply(endpoint)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("integrations.webhook", ref=ref))


@bp.post("/webhooks/<ref>/test")
@csrf.exempt
@manager_required
def test_webhook(ref: str):
    """Queue a test event (``ping``) to the endpoint."""
    return _endpoint_action(
        ref,
        lambda endpoint: send_test_event(endpoint, current_user),
        _("A test event is queued; it appears in the log below once sent."),
    )


@bp.post("/webhooks/<ref>/pause")
@csrf.exempt
@manager_required
def pause_webhook(ref: str):
    """Stop sending new events to the endpoint."""
    return _endpoint_action(
        ref,
        lambda endpoint: set_endpoint_active(endpoint, current_user, active=False),
        _("The endpoint is paused."),
    )


@bp.post("/webhooks/<ref>/resume")
@csrf.exempt
@manager_required
def resume_webhook(ref: str):
    """Send events to the endpoint again."""
    return _endpoint_action(
        ref,
        lambda endpoint: set_endpoint_active(endpoint, current_user, active=True),
        _("The endpoint receives events again."),
    )
