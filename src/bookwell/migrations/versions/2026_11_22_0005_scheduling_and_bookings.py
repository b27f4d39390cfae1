"""Scheduling and bookings: date overrides, blocks, bookings with their status
history, idempotency records, guest verification codes, calendar feeds; booking
policy columns on businesses.

The calendar guard is in the database, not only in the application:

- PostgreSQL: two exclusion constraints (btree_gist) over the held time
  `tstzrange(busy_from, busy_until)` of bookings in an active status: one per master
  (appointments, buffers included), one per business for inquiries (seed 003's
  business calendar). Concurrent inserts of overlapping bookings: one commits, the
  others fail with SQLSTATE 23P01.
- SQLite: triggers refuse an insert or update that would overlap
  (`RAISE(ABORT, 'booking_conflict')`); SQLite runs one writer at a time, so the
  check and the write cannot interleave. As with the search triggers, a batch rebuild
  of `bookings` on SQLite drops them: recreate them afterwards
  (tests/bookings/test_guard.py fails if they are missing at head).

The list of active statuses repeats `bookwell.models.bookings.ACTIVE_STATUSES`.

Revision ID: 20261122_0005
Revises: 20261121_0004
Create Date: 2026-11-22 01:38:57
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261122_0005"
down_revision = "20261121_0004"
branch_labels = None
depends_on = None

ACTIVE = "('pending_payment', 'pending', 'confirmed')"

_POSTGRESQL_GUARDS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE bookings ADD CONSTRAINT ex_bookings_master_busy
    EXCLUDE USING gist (master_id WITH =, tstzrange(busy_from, busy_until) WITH &&)
    WHERE (master_id IS NOT NULL AND status IN {ACTIVE})
    """,
    f"""
    ALTER TABLE bookings ADD CONSTRAINT ex_bookings_inquiry_busy
    EXCLUDE USING gist (business_id WITH =, tstzrange(busy_from, busy_until) WITH &&)
    WHERE (kind = 'inquiry' AND status IN {ACTIVE})
    """,
]

# NEW overlaps an active booking of the same master, or (inquiries) of the business.
_OVERLAP = f"""
    SELECT RAISE(ABORT, 'booking_conflict') WHERE NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM bookings AS b
        WHERE b.id != NEW.id AND b.status IN {ACTIVE}
          AND b.busy_from < NEW.busy_until AND b.busy_until > NEW.busy_from
          AND ((NEW.master_id IS NOT NULL AND b.master_id = NEW.master_id)
               OR (NEW.kind = 'inquiry' AND b.kind = 'inquiry'
                   AND b.business_id = NEW.business_id))
    );
"""  # noqa: S608

_SQLITE_GUARDS = [
    f"""
    CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
    BEGIN {_OVERLAP} END
    """,
    f"""
    CREATE TRIGGER bookings_no_overlap_update
    BEFORE UPDATE OF status, master_id, kind, busy_from, busy_until ON bookings
    BEGIN {_OVERLAP} END
    """,
]


def _guards() -> list[str]:
    return _POSTGRESQL_GUARDS if op.get_bind().dialect.name == "postgresql" else _SQLITE_GUARDS


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_records")),
    )
    op.create_index(
        op.f("ix_idempotency_records_expires_at"),
        "idempotency_records",
        ["expires_at"],
        unique=False,
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_user_id"), "calendar_feeds", ["user_id"], unique=False)
    op.create_table(
        "verification_codes",
        sa.Column("business_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_verification_codes_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    op.create_index(
        "ix_verification_codes_destination",
        "verification_codes",
        ["destination", "created_at"],
        unique=False,
    )
    op.create_table(
        "availability_blocks",
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("master_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("repeat_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_availability_blocks_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["master_id"],
            ["masters.id"],
            name=op.f("fk_availability_blocks_master_id_masters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_blocks")),
    )
    op.create_index(
        op.f("ix_availability_blocks_business_id"),
        "availability_blocks",
        ["business_id"],
        unique=False,
    )
    op.create_index(
        "ix_availability_blocks_master_id_starts_at",
        "availability_blocks",
        ["master_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "availability_overrides",
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("master_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_availability_overrides_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["master_id"],
            ["masters.id"],
            name=op.f("fk_availability_overrides_master_id_masters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_overrides")),
        sa.UniqueConstraint("master_id", "day", name=op.f("uq_availability_overrides_master_id")),
    )
    op.create_index(
        op.f("ix_availability_overrides_business_id"),
        "availability_overrides",
        ["business_id"],
        unique=False,
    )
    op.create_table(
        "bookings",
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "appointment", "inquiry", "ticket", name="bookingkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("master_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("busy_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("busy_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending_payment",
                "pending",
                "confirmed",
                "completed",
                "cancelled",
                "no_show",
                "expired",
                name="bookingstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.Column("deposit_amount", sa.Integer(), nullable=False),
        sa.Column("deposit_paid", sa.Boolean(), nullable=False),
        sa.Column("payment_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("inquiry", sa.Text(), nullable=False),
        sa.Column("meeting_link", sa.String(length=1024), nullable=True),
        sa.Column("preparation_notes", sa.Text(), nullable=False),
        sa.Column("completion_notes", sa.Text(), nullable=False),
        sa.Column("deliverables", sa.JSON(), nullable=False),
        sa.Column("cancellation_reason", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_bookings_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["users.id"],
            name=op.f("fk_bookings_customer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_bookings_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["master_id"],
            ["masters.id"],
            name=op.f("fk_bookings_master_id_masters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_bookings_service_id_services"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(
        "ix_bookings_business_id_starts_at", "bookings", ["business_id", "starts_at"], unique=False
    )
    op.create_index(op.f("ix_bookings_contact_email"), "bookings", ["contact_email"], unique=False)
    op.create_index(op.f("ix_bookings_contact_phone"), "bookings", ["contact_phone"], unique=False)
    op.create_index(
        "ix_bookings_customer_id_starts_at", "bookings", ["customer_id", "starts_at"], unique=False
    )
    op.create_index(
        "ix_bookings_master_id_busy_from", "bookings", ["master_id", "busy_from"], unique=False
    )
    op.create_index(op.f("ix_bookings_service_id"), "bookings", ["service_id"], unique=False)
    op.create_index(op.f("ix_bookings_status"), "bookings", ["status"], unique=False)
    op.create_table(
        "booking_status_history",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_status_history_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_status_history")),
    )
    op.create_index(
        op.f("ix_booking_status_history_booking_id"),
        "booking_status_history",
        ["booking_id"],
        unique=False,
    )
    op.add_column(
        "businesses",
        sa.Column("booking_horizon_days", sa.Integer(), server_default="365", nullable=False),
    )
    op.add_column(
        "businesses",
        sa.Column("payment_window_minutes", sa.Integer(), server_default="15", nullable=False),
    )
    for statement in _guards():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_master_busy")
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_inquiry_busy")
    else:
        op.execute("DROP TRIGGER bookings_no_overlap_insert")
        op.execute("DROP TRIGGER bookings_no_overlap_update")
    op.drop_column("businesses", "payment_window_minutes")
    op.drop_column("businesses", "booking_horizon_days")
    op.drop_index(op.f("ix_booking_status_history_booking_id"), table_name="booking_status_history")
    op.drop_table("booking_status_history")
    op.drop_index(op.f("ix_bookings_status"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_service_id"), table_name="bookings")
    op.drop_index("ix_bookings_master_id_busy_from", table_name="bookings")
    op.drop_index("ix_bookings_customer_id_starts_at", table_name="bookings")
    op.drop_index(op.f("ix_bookings_contact_phone"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_contact_email"), table_name="bookings")
    op.drop_index("ix_bookings_business_id_starts_at", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index(
        op.f("ix_availability_overrides_business_id"), table_name="availability_overrides"
    )
    op.drop_table("availability_overrides")
    op.drop_index("ix_availability_blocks_master_id_starts_at", table_name="availability_blocks")
    op.drop_index(op.f("ix_availability_blocks_business_id"), table_name="availability_blocks")
    op.drop_table("availability_blocks")
    op.drop_index("ix_verification_codes_destination", table_name="verification_codes")
    op.drop_table("verification_codes")
    op.drop_index(op.f("ix_calendar_feeds_user_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index(op.f("ix_idempotency_records_expires_at"), table_name="idempotency_records")
    op.drop_table("idempotency_records")
