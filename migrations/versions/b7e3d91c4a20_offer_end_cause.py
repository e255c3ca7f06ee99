"""offers.end_cause: why an offer was withdrawn or expired, as a code instead of English text

Existing rows get their code from the state and the English text the rules used
to write into withdraw_reason; staff's own words stay in withdraw_reason.

Revision ID: b7e3d91c4a20
Revises: 7c1e5a9d3b21
Create Date: 2026-11-24 03:35:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3d91c4a20"
down_revision = "7c1e5a9d3b21"
branch_labels = None
depends_on = None

CAUSES = (
    "withdrawn_by_staff",
    "partner_suspended",
    "accepted_by_another_partner",
    "response_sla",
)
#: The English texts the rules wrote before, by the code that replaces them.
OLD_TEXTS = {
    "partner_suspended": "partner suspended",
    "accepted_by_another_partner": "accepted by another partner",
}


def upgrade():
    with op.batch_alter_table("offers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "end_cause",
                sa.Enum(
                    *CAUSES, name="offer_end_cause", native_enum=False, create_constraint=False
                ),
                nullable=True,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_offers_offer_end_cause"),
            "end_cause IN (" + ", ".join(f"'{cause}'" for cause in CAUSES) + ")",
        )
    offers = sa.table(
        "offers",
        sa.column("state", sa.String),
        sa.column("end_cause", sa.String),
        sa.column("withdraw_reason", sa.Text),
    )
    op.execute(offers.update().where(offers.c.state == "expired").values(end_cause="response_sla"))
    for cause, text in OLD_TEXTS.items():
        op.execute(
            offers.update()
            .where(offers.c.state == "withdrawn", offers.c.withdraw_reason == text)
            .values(end_cause=cause, withdraw_reason=None)
        )
    op.execute(
        offers.update()
        .where(offers.c.state == "withdrawn", offers.c.end_cause.is_(None))
        .values(end_cause="withdrawn_by_staff")
    )


def downgrade():
    offers = sa.table(
        "offers", sa.column("end_cause", sa.String), sa.column("withdraw_reason", sa.Text)
    )
    for cause, text in OLD_TEXTS.items():
        op.execute(offers.update().where(offers.c.end_cause == cause).values(withdraw_reason=text))
    with op.batch_alter_table("offers") as batch_op:
        batch_op.drop_constraint(op.f("ck_offers_offer_end_cause"), type_="check")
        batch_op.drop_column("end_cause")
