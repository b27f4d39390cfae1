"""Staff invitations by email, with consent: `staff_invitations` replaces `invitations`.

Before, adding staff linked (or created) the account with that email at once, and an
invitation only let a password-less account set its password. Now an invitation is
an offer to an email for a role (master or manager) with the inviter's choices in
`details`; the master row and membership are made only when the owner of the email
accepts. One pending invitation per business, email and role (partial unique index,
on SQLite and PostgreSQL alike).

Existing rows are copied: the email is the invited user's, the role `master` where
that user is a master of the business (else `manager`), status `accepted` where used
(else `pending`), the token hash unchanged, so a link already emailed keeps working
(accepting it sets the password of the account made for it, as before). `details`
stays empty: those accounts already have their master row or membership.

The new table is created and the old one dropped (no batch rebuild on SQLite).

Revision ID: 20261205_0008
Revises: 20261205_0007
Create Date: 2026-12-05 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261205_0008"
down_revision = "20261205_0007"
branch_labels = None
depends_on = None

_old = sa.table(
    "invitations",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("business_id", sa.Uuid()),
    sa.column("token_hash", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
    sa.column("used_at", sa.DateTime(timezone=True)),
)
_users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("email", sa.String()))
_masters = sa.table("masters", sa.column("business_id", sa.Uuid()), sa.column("user_id", sa.Uuid()))


def upgrade() -> None:
    new = op.create_table(
        "staff_invitations",
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner", "manager", "master", name="businessrole", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                "withdrawn",
                "expired",
                name="invitationstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_staff_invitations_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_staff_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_invitations_token_hash")),
    )
    op.create_index(op.f("ix_staff_invitations_business_id"), "staff_invitations", ["business_id"])
    op.create_index(op.f("ix_staff_invitations_email"), "staff_invitations", ["email"])
    op.create_index(
        "uq_staff_invitations_pending",
        "staff_invitations",
        ["business_id", "email", "role"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    connection = op.get_bind()
    is_master = (
        sa.select(sa.literal(1))
        .where(_masters.c.business_id == _old.c.business_id, _masters.c.user_id == _old.c.user_id)
        .exists()
    )
    rows = connection.execute(
        sa.select(_old, _users.c.email, is_master.label("is_master"))
        .join(_users, _users.c.id == _old.c.user_id)
        .where(_users.c.email.is_not(None))
    ).all()
    if rows:
        op.bulk_insert(
            new,
            [
                {
                    "id": row.id,
                    "business_id": row.business_id,
                    "email": row.email,
                    "role": "master" if row.is_master else "manager",
                    "status": "accepted" if row.used_at is not None else "pending",
                    "token_hash": row.token_hash,
                    "details": {},
                    "invited_by_id": None,
                    "created_at": row.created_at,
                    "expires_at": row.expires_at,
                    "responded_at": row.used_at,
                }
                for row in rows
            ],
        )
    op.drop_index(op.f("ix_invitations_user_id"), table_name="invitations")
    op.drop_index(op.f("ix_invitations_business_id"), table_name="invitations")
    op.drop_table("invitations")


def downgrade() -> None:
    """Back to invitations of accounts: those of an email without an account (made by
    this version) cannot be expressed there and are dropped."""
    old = op.create_table(
        "invitations",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_invitations_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_business_id"), "invitations", ["business_id"])
    op.create_index(op.f("ix_invitations_user_id"), "invitations", ["user_id"])
    new = sa.table(
        "staff_invitations",
        sa.column("id", sa.Uuid()),
        sa.column("business_id", sa.Uuid()),
        sa.column("email", sa.String()),
        sa.column("status", sa.String()),
        sa.column("token_hash", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("responded_at", sa.DateTime(timezone=True)),
    )
    rows = (
        op.get_bind()
        .execute(
            sa.select(new, _users.c.id.label("user_id"))
            .join(_users, _users.c.email == new.c.email)
            .where(new.c.status.in_(["pending", "accepted"]))
        )
        .all()
    )
    if rows:
        op.bulk_insert(
            old,
            [
                {
                    "id": row.id,
                    "user_id": row.user_id,
                    "business_id": row.business_id,
                    "token_hash": row.token_hash,
                    "created_at": row.created_at,
                    "expires_at": row.expires_at,
                    "used_at": row.responded_at if row.status == "accepted" else None,
                }
                for row in rows
            ],
        )
    op.drop_index("uq_staff_invitations_pending", table_name="staff_invitations")
    op.drop_index(op.f("ix_staff_invitations_email"), table_name="staff_invitations")
    op.drop_index(op.f("ix_staff_invitations_business_id"), table_name="staff_invitations")
    op.drop_table("staff_invitations")
