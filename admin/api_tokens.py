"""API tokens in the back office: administrators issue and revoke tokens for any user.

Typically for the vendor's own marketing automation (a sales user's token that
creates and offers leads), or for a partner whose manager cannot do it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.forms import ConfirmForm
from admin.security import StaffAccessMixin, login_again_unless_fresh
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, token_expired
from models.api_tokens import ApiToken, create_api_token, manageable_tokens, revoke_api_token
from models.base import utcnow
from models.errors import RuleError
from models.users import User


class StaffTokenForm(FlaskForm):
    """A token for any user, found by e-mail."""

    email = EmailField(_l("User's e-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    read_only = BooleanField(_l("Read-only (can read leads, cannot change anything)"))
    expires_days = IntegerField(
        _l("Expires after (days, empty for never)"),
        validators=[Optional(), NumberRange(min=1, max=730)],
    )


class ApiTokenView(StaffAccessMixin, BaseView):
    """Every API token, with the form to issue one (administrators only)."""

    admin_only = True

    def _page(self, form: StaffTokenForm | None = None, new_token: str | None = None):
        """The list, the form, and a new token shown once."""
        tokens = db.session.scalars(manageable_tokens(current_user).limit(500)).all()
        return self.render(
            "staff/api_tokens.html",
            tokens=tokens,
            form=form or StaffTokenForm(formdata=None),
            confirm=ConfirmForm(formdata=None),
            new_token=new_token,
            now=utcnow(),
        )

    @expose("/", methods=["GET", "POST"])
    @csrf.exempt  # the form checks its own token: an expired one keeps what was typed
    def index(self):
        """List the tokens; a valid POST issues one (after a fresh login)."""
        form = StaffTokenForm()
        if not form.is_submitted():
            return self._page()
        refresh = login_again_unless_fresh()
        if refresh is not None:
            return refresh
        if not form.validate():
            if token_expired(form):
                flash(SEND_AGAIN, "error")
            return self._page(form), 422
        owner = db.session.scalar(
            sa.select(User).where(User.email == form.email.data.strip().lower())
        )
        if owner is None:
            form.email.errors = [*form.email.errors, _("There is no user with this e-mail.")]
            return self._page(form), 422
        days = form.expires_days.data
        try:
            _token, raw = create_api_token(
                current_user,
                owner,
                name=form.name.data,
                read_only=form.read_only.data,
                expires_at=utcnow() + timedelta(days=days) if days else None,
            )
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
            return self._page(form), 422
        db.session.commit()
        return self._page(new_token=raw), 201, {"Cache-Control": "no-store"}

    @expose("/<ref>/revoke", methods=["POST"])
    def revoke(self, ref: str):
        """Revoke one token at once."""
        token = db.first_or_404(manageable_tokens(current_user).where(ApiToken.ref == ref))
        if ConfirmForm().validate_on_submit():
            try:
                revoke_api_token(token, current_user)
            except RuleError as err:
                db.session.rollback()
                flash(str(err), "error")
            else:
                db.session.commit()
                flash(_("The token %(name)s is revoked.", name=token.name), "success")
        return redirect(url_for(".index"))
