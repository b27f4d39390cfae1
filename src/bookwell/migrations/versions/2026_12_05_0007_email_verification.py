"""Verified emails: `users.email_verified_at`, set when the owner of the email proves it.

Existing users: only two kinds are marked verified, with the time of this migration:
- super admins: the operator vouched for their address (`bookwell create-admin`,
  ADMIN_EMAIL), as for every new one;
- users who used a staff invitation (`invitations.used_at` set): the link reached them
  at that address, which is the proof a code gives.
Everyone else registered without proving anything, and that is exactly the hole this
change closes (an address typed by someone else must not carry privileges), so they
start unverified and verify once with a code (POST /auth/verify-email/request). They
keep signing in and booking meanwhile; businesses already active stay active.

Plain ADD COLUMN (no batch rebuild of `users` on SQLite).

Revision ID: 20261205_0007
Revises: 20261122_0006
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "20261205_0007"
down_revision = "20261122_0006"
branch_labels = None
depends_on = None


_users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("user_type", sa.String()),
    sa.column("email_verified_at", sa.DateTime(timezone=True)),
)
_invitations = sa.table(
    "invitations", sa.column("user_id", sa.Uuid()), sa.column("used_at", sa.DateTime())
)


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True)))
    invited = sa.select(_invitations.c.user_id).where(_invitations.c.used_at.is_not(None))
    op.execute(
        _users.update()
        .where(
            _users.c.email.is_not(None),
            sa.or_(_users.c.user_type == "super_admin", _users.c.id.in_(invited)),
        )
        .values(email_verified_at=datetime.now(UTC))
    )


def downgrade() -> None:
    op.drop_column("users", "email_verified_at")
