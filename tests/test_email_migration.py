"""The migration that makes e-mail addresses unique whatever their case resolves clashes safely."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from leadshare import create_app
from tests.test_migrations import empty_database  # noqa: F401  (fixture)

BEFORE = "c3d5e7f9a1b2"


def test_clashing_addresses_keep_the_account_that_could_log_in(empty_database):  # noqa: F811
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade(revision=BEFORE)
        from leadshare.extensions import db

        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO organisations (id, kind, slug, name, status, regions, "
                    "product_lines, created_at) VALUES (1, 'partner', 'zeta', 'Zeta', 'active', "
                    "'[]', '[]', :now)"
                ),
                {"now": datetime(2026, 1, 1)},
            )
            for user_id, email in (
                (1, "Manager@Zeta.example"),
                (2, "manager@zeta.example"),
                (3, "Ｒｅｐ@Zeta.example"),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (id, email, name, role, organisation_id, locale, "
                        "active, session_token, created_at) VALUES (:id, :email, 'x', "
                        "'partner_manager', 1, 'ja', :active, :token, :now)"
                    ),
                    {
                        "id": user_id,
                        "email": email,
                        "active": True,
                        "token": f"generation-{user_id}",
                        "now": datetime(2026, 1, 1),
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            users = {
                row.id: row
                for row in connection.execute(
                    sa.text("SELECT id, email, active, session_token FROM users")
                )
            }
            audit = connection.execute(
                sa.text(
                    "SELECT entity_id FROM audit_events WHERE action = 'user.email_clash_resolved'"
                )
            ).all()
        # The lower-case account is the one login found: it keeps the address.
        assert users[2].email == "manager@zeta.example" and users[2].active
        # The other is parked (not a working address), switched off and logged out.
        assert users[1].email == "duplicate-1.manager@zeta.example"
        assert not users[1].active
        assert users[1].session_token != f"generation-{users[1].id}"
        # An address without a twin is simply normalised.
        assert users[3].email == "rep@zeta.example"
        assert [row.entity_id for row in audit] == ["1"]
        db.engine.dispose()
