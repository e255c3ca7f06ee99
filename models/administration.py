"""An administrator's rules: partner organisations (with their policy) and user accounts.

Like the workflow rules: check, change, audit, flush; the back office commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from models import limits
from models.accounts import issue_password_link, normalise_email
from models.audit import record_event
from models.base import db
from models.errors import InvalidTransition, NotAllowed, RuleError
from models.organisations import Organisation, OrgKind, PartnerPolicy, PartnerStatus
from models.users import VENDOR_ROLES, Locale, Role, User

#: Passwords set by an administrator: at least this long.
PASSWORD_MIN = 12
PASSWORD_MAX = 200


class InvalidField(RuleError):
    """A value the rule refuses; ``field`` names the form field to show the message beside."""

    def __init__(self, message: object | None = None, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def valid_email(raw: str | None, *, field: str = "email") -> str:
    """The normalised address, or :class:`InvalidField` when it is not an e-mail address."""
    email = normalise_email(raw)
    if not email:
        raise InvalidField(_l("Enter the e-mail address."), field=field)
    if len(email) > 254:
        raise InvalidField(_l("This e-mail address is too long."), field=field)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidField(_l("This is not a valid e-mail address."), field=field) from exc
    return email


# --------------------------------------------------------------------------- partners


def least_privilege_policy(org: Organisation) -> PartnerPolicy:
    """A new partner's policy: no notes, installed products, contact person or value,
    details only with staff approval, offered only its own regions and product lines.

    An administrator opens more on the policy page.
    """
    return PartnerPolicy(
        show_notes=False,
        show_installed_products=False,
        show_contact=False,
        show_value=False,
        details_need_approval=True,
        allowed_regions=list(org.regions or []),
        allowed_product_lines=list(org.product_lines or []),
    )


PARTNER_FIELDS = (
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
)


def save_partner(actor: User, org: Organisation | None, **values: Any) -> Organisation:
    """Create (``org`` is ``None``) or change a partner organisation; audited.

    A new partner gets :func:`least_privilege_policy`. Setting the status to
    suspended goes through :func:`models.workflow.suspend_partner` (offers
    withdrawn, users logged out).
    """
    from models import workflow

    if not actor.is_admin:
        raise NotAllowed()
    unknown = set(values) - set(PARTNER_FIELDS)
    if unknown:
        raise NotAllowed()
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            raise InvalidField(_l("This field is required."), field="name")
        values["name"] = limits.check_text(name, limits.COMPANY_NAME_MAX, field="name")
    if "slug" in values:
        slug = (values["slug"] or "").strip().lower()
        if not 2 <= len(slug) <= 40:
            raise InvalidField(_l("Between 2 and 40 characters."), field="slug")
        query = sa.select(Organisation.id).where(Organisation.slug == slug)
        if org is not None:
            query = query.where(Organisation.id != org.id)
        taken = db.session.scalar(query)
        if taken is not None:
            raise InvalidField(_l("Another organisation has this short name."), field="slug")
        values["slug"] = slug
    if "annual_value" in values:
        values["annual_value"] = limits.check_amount(values["annual_value"], field="annual_value")
    if "source" in values:
        values["source"] = limits.check_text(
            (values["source"] or "").strip() or None, 100, field="source"
        )
    created = org is None
    if created:
        org = Organisation(kind=OrgKind.PARTNER, status=PartnerStatus.PROSPECT)
        db.session.add(org)
    elif org.kind is not OrgKind.PARTNER:
        raise NotAllowed()
    before_status = org.status
    wanted_status = values.pop("status", before_status)
    suspend = (
        not created
        and wanted_status is PartnerStatus.SUSPENDED
        and before_status is not PartnerStatus.SUSPENDED
    )
    for key, value in values.items():
        setattr(org, key, value)
    if not suspend:
        org.status = wanted_status
    if created:
        org.policy = least_privilege_policy(org)
    db.session.flush()
    if suspend:
        workflow.suspend_partner(org, actor)
    record_event(
        db.session,
        actor,
        "partner.created" if created else "partner.edited",
        org,
        before=None if created else {"status": before_status},
        after={"status": org.status, "tier": org.tier},
        organisation_id=org.id,
    )
    db.session.flush()
    return org


POLICY_FIELDS = (
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
)

#: Ranges of a policy's numbers: (smallest, largest).
POLICY_NUMBERS = {
    "max_open_leads": (0, 10_000),
    "response_sla_hours": (1, 24 * 90),
    "update_sla_days": (1, 365),
    "registration_days": (1, 365),
}


def save_policy(actor: User, policy: PartnerPolicy, **values: Any) -> PartnerPolicy:
    """Change a partner's visibility policy and SLA settings; audited with before/after."""
    if not actor.is_admin:
        raise NotAllowed()
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise NotAllowed()
    for name, (low, high) in POLICY_NUMBERS.items():
        if name in values:
            value = values[name]
            if value is None or not low <= value <= high:
                raise InvalidField(
                    _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high),
                    field=name,
                )
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(policy, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(policy, name, value)
    if after:
        record_event(
            db.session,
            actor,
            "policy.changed",
            policy.organisation,
            before=before,
            after=after,
            organisation_id=policy.organisation_id,
        )
    db.session.flush()
    return policy


# --------------------------------------------------------------------------- users

USER_FIELDS = ("name", "email", "role", "organisation", "locale", "active")


def _other_active_admins(user: User) -> int:
    """How many active administrators there are besides ``user``."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def save_user(
    actor: User,
    user: User | None,
    *,
    new_password: str | None = None,
    **values: Any,
) -> User:
    """Create (``user`` is ``None``) or change a user account; audited.

    - the e-mail address is validated and normalised (NFKC, lower case) and unique
      whatever its case;
    - vendor users have staff roles, partner users partner roles;
    - an administrator cannot demote or deactivate their own account, and the last
      active administrator stays an active administrator;
    - a change of role, organisation or active flag, or a new password, ends every
      session of the user;
    - a user created without a password is e-mailed a set-password link.
    """
    if not actor.is_admin:
        raise NotAllowed()
    unknown = set(values) - set(USER_FIELDS)
    if unknown:
        raise NotAllowed()
    created = user is None
    if "email" in values:
        email = valid_email(values["email"])
        clash = db.session.scalar(
            sa.select(User.id).where(
                sa.func.lower(User.email) == email,
                User.id != (user.id if user is not None else -1),
            )
        )
        if clash is not None:
            raise InvalidField(_l("This e-mail address already has an account."), field="email")
        values["email"] = email
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            raise InvalidField(_l("This field is required."), field="name")
        values["name"] = limits.check_text(name, limits.NAME_MAX, field="name")
    if new_password is not None and not PASSWORD_MIN <= len(new_password) <= PASSWORD_MAX:
        raise InvalidField(
            _l("At least %(min)s characters.", min=PASSWORD_MIN), field="new_password"
        )
    if created:
        missing = [n for n in ("name", "email", "role", "organisation") if not values.get(n)]
        if missing:
            raise InvalidField(_l("This field is required."), field=missing[0])
        user = User(locale=Locale.JA, active=True)
    before = {n: getattr(user, n, None) for n in ("role", "active", "organisation_id")}
    role = values.get("role", user.role)
    organisation: Organisation = values.get("organisation", user.organisation)
    if organisation.is_vendor != (role in VENDOR_ROLES):
        raise InvalidField(
            _l("Vendor users must be staff and partner users must have a partner role."),
            field="role",
        )
    active = values.get("active", user.active)
    if not created and before["role"] is Role.ADMIN and before["active"]:
        demoted = role is not Role.ADMIN or not active
        if demoted and user.id == actor.id:
            raise InvalidTransition(_l("You cannot demote or deactivate your own account."))
        if demoted and _other_active_admins(user) == 0:
            raise InvalidTransition(
                _l("This is the last active administrator: it cannot be demoted or deactivated.")
            )
    for key, value in values.items():
        setattr(user, key, value)
    if created:
        db.session.add(user)
    db.session.flush()
    changed = [
        n for n in ("role", "active", "organisation_id") if before[n] != getattr(user, n, None)
    ]
    if new_password:
        user.set_password(new_password)
    elif changed and not created:
        user.rotate_session_token()
    db.session.flush()
    record_event(
        db.session,
        actor,
        "user.created" if created else "user.edited",
        user,
        after={
            "role": user.role,
            "active": user.active,
            "changed": [] if created else changed,
            "password_set": bool(new_password),
            "invited": created and not new_password,
        },
        organisation_id=None if user.organisation.is_vendor else user.organisation_id,
    )
    if created and not new_password:
        issue_password_link(user, "invitation", invited_by=actor)
    return user
