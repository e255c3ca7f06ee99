"""User e-mail addresses are stored normalised (NFKC, lower case), unique whatever the case;
offers.end_cause gains ``lead_archived`` (archiving a lead withdraws its open offers)

Existing clashes (``Manager@Zeta.example`` and ``manager@zeta.example``) are resolved
before the constraint is added: the account that could log in — the one already
stored in lower case, else the most recently logged-in, else the oldest — keeps the
address; every other account of the group is deactivated, logged out, and renamed
to ``duplicate-<id>.<address>`` (never a working address), with an audit event, so
an administrator can review and merge them. Nothing is deleted.

Revision ID: b7e1c0a4d2f9
Revises: c3d5e7f9a1b2
Create Date: 2026-11-24 03:30:00

"""

import secrets
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "b7e1c0a4d2f9"
down_revision = "c3d5e7f9a1b2"
branch_labels = None
depends_on = None


def _normalise(email):
    return unicodedata.normalize("NFKC", email or "").strip().lower()


CAUSES = (
    "withdrawn_by_staff",
    "partner_suspended",
    "accepted_by_another_partner",
    "response_sla",
    "registration_expired",
)


def _end_causes(causes):
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_offers_offer_end_cause"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_offers_offer_end_cause"),
            "end_cause IN (" + ", ".join(f"'{cause}'" for cause in causes) + ")",
        )


def upgrade():
    _end_causes((*CAUSES, "lead_archived"))
    bind = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("session_token", sa.String),
        sa.column("last_login_at", sa.DateTime),
    )
    audit = sa.table(
        "audit_events",
        sa.column("occurred_at", sa.DateTime),
        sa.column("actor_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
    )
    rows = bind.execute(
        sa.select(users.c.id, users.c.email, users.c.last_login_at).order_by(users.c.id)
    ).all()
    groups = {}
    for row in rows:
        groups.setdefault(_normalise(row.email), []).append(row)
    now = datetime.now(UTC).replace(tzinfo=None)
    renames = {}
    for address, members in groups.items():
        if len(members) == 1:
            if members[0].email != address:
                renames[members[0].id] = address
            continue
        keeper = sorted(
            members,
            key=lambda r: (
                r.email != address,
                r.last_login_at is None,
                -(r.last_login_at.timestamp() if r.last_login_at else 0),
                r.id,
            ),
        )[0]
        if keeper.email != address:
            renames[keeper.id] = address
        for row in members:
            if row.id == keeper.id:
                continue
            parked = f"duplicate-{row.id}.{address}"[:254]
            # Park first, so the keeper can take the address without a unique clash.
            bind.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(email=parked, active=False, session_token=secrets.token_urlsafe(32))
            )
            bind.execute(
                audit.insert().values(
                    occurred_at=now,
                    actor_id=None,
                    action="user.email_clash_resolved",
                    entity_type="User",
                    entity_id=str(row.id),
                    before={"email": row.email},
                    after={"email": parked, "active": False, "kept_user": keeper.id},
                )
            )
    for user_id, address in renames.items():
        bind.execute(users.update().where(users.c.id == user_id).values(email=address))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_users_email_lower_case"), "email = lower(email)")


def downgrade():
    offers = sa.table("offers", sa.column("end_cause", sa.String))
    op.execute(
        offers.update()
        .where(offers.c.end_cause == "lead_archived")
        .values(end_cause="withdrawn_by_staff")
    )
    _end_causes(CAUSES)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_email_lower_case"), type_="check")
