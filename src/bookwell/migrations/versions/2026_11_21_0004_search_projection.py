"""Search projection: `search_offers`, one row per visible (service, master) pair,
kept in step by triggers on both databases.

A row holds what a search filters and sorts on besides the text: category, price in
1/10_000 of a major unit (`price_scaled`, whatever the currency's decimals), the
master's rating and review count. It exists exactly while the service is active, its
business active, the master and the master's user active. Every write that can
change a row refreshes it (delete, then insert from the joined source tables):

- service_masters: insert adds the pairs, delete removes them (also on cascades);
- services: business, category, price or active flag changed;
- businesses: status or currency changed;
- masters: rating, review count, active flag or user changed;
- users: active flag changed.

Deletes of services, masters and businesses cascade through the foreign keys.

The currency decimals are babel's at the time of this migration (the ISO 4217
minor units; a currency changing its decimals would need a data migration anyway).
As with `services_fts`, a batch ("move and copy") rebuild of one of these tables on
SQLite drops its triggers: recreate them afterwards (tests/catalog/test_search_projection.py
fails if they are missing at head).

Revision ID: 20261121_0004
Revises: 20261121_0003
Create Date: 2026-11-21 23:59:30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from babel.core import get_global

revision = "20261121_0004"
down_revision = "20261121_0003"
branch_labels = None
depends_on = None

PRICE_DIGITS = 4
DEFAULT_DIGITS = 2


def _factor(currency: str) -> str:
    """SQL for 10 ** (PRICE_DIGITS - decimals of `currency`)."""
    odd = sorted(
        (code, 10 ** (PRICE_DIGITS - int(digits)))
        for code, (digits, *_rest) in get_global("currency_fractions").items()
        if code != "DEFAULT" and int(digits) != DEFAULT_DIGITS
    )
    branches = " ".join(f"WHEN '{code}' THEN {factor}" for code, factor in odd)
    return f"CASE {currency} {branches} ELSE {10 ** (PRICE_DIGITS - DEFAULT_DIGITS)} END"


_COLUMNS = "service_id, master_id, business_id, category_id, price_scaled, rating, total_reviews"


def _insert(pairs: str, where: str) -> str:
    """Insert the visible rows among `pairs` (a table of service_id, master_id)."""
    # Built from this module's constants only, no outside input.
    return f"""
    INSERT INTO search_offers ({_COLUMNS})
    SELECT sm.service_id, sm.master_id, s.business_id, s.category_id,
           CAST(s.price AS BIGINT) * {_factor("b.currency")}, m.rating, m.total_reviews
    FROM {pairs} AS sm
    JOIN services AS s ON s.id = sm.service_id
    JOIN businesses AS b ON b.id = s.business_id
    JOIN masters AS m ON m.id = sm.master_id
    JOIN users AS u ON u.id = m.user_id
    WHERE s.is_active AND b.status = 'active' AND m.is_active AND u.is_active AND {where}
    """  # noqa: S608


# (trigger table, columns whose change refreshes, rows to drop, source rows to insert);
# NEW is the changed row.
_REFRESHES = [
    (
        "services",
        ("business_id", "category_id", "price", "is_active"),
        "service_id = NEW.id",
        "sm.service_id = NEW.id",
    ),
    (
        "businesses",
        ("status", "currency"),
        "business_id = NEW.id",
        "s.business_id = NEW.id",
    ),
    (
        "masters",
        ("rating", "total_reviews", "is_active", "user_id"),
        "master_id = NEW.id",
        "sm.master_id = NEW.id",
    ),
    (
        "users",
        ("is_active",),
        "master_id IN (SELECT id FROM masters WHERE user_id = NEW.id)",
        "m.user_id = NEW.id",
    ),
]

_DELETE_PAIR = (
    "DELETE FROM search_offers WHERE service_id = OLD.service_id AND master_id = OLD.master_id"
)


_NEW_PAIR = "sm.service_id = NEW.service_id AND sm.master_id = NEW.master_id"


def _sqlite_upgrade() -> list[str]:
    statements = [
        f"""
        CREATE TRIGGER search_offers_service_masters_insert AFTER INSERT ON service_masters
        BEGIN
            {_insert("service_masters", _NEW_PAIR)};
        END
        """,
        f"""
        CREATE TRIGGER search_offers_service_masters_delete AFTER DELETE ON service_masters
        BEGIN
            {_DELETE_PAIR};
        END
        """,
    ]
    for table, columns, rows, source in _REFRESHES:
        statements.append(
            f"""
            CREATE TRIGGER search_offers_{table}_update AFTER UPDATE OF {", ".join(columns)}
            ON {table} BEGIN
                DELETE FROM search_offers WHERE {rows};
                {_insert("service_masters", source)};
            END
            """  # noqa: S608
        )
    return statements


def _sqlite_downgrade() -> list[str]:
    names = ["service_masters_insert", "service_masters_delete"]
    names += [f"{table}_update" for table, *_rest in _REFRESHES]
    return [f"DROP TRIGGER IF EXISTS search_offers_{name}" for name in names]


def _postgresql_upgrade() -> list[str]:
    statements = [
        # One statement for all inserted pairs (a bulk COPY included).
        f"""
        CREATE FUNCTION search_offers_add_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_insert("added", "TRUE")};
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER search_offers_service_masters_insert AFTER INSERT ON service_masters
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION search_offers_add_pairs()
        """,
        f"""
        CREATE FUNCTION search_offers_drop_pair() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_DELETE_PAIR};
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER search_offers_service_masters_delete AFTER DELETE ON service_masters
        FOR EACH ROW EXECUTE FUNCTION search_offers_drop_pair()
        """,
    ]
    for table, columns, rows, source in _REFRESHES:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements += [
            f"""
            CREATE FUNCTION search_offers_from_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM search_offers WHERE {rows};
                {_insert("service_masters", source)};
                RETURN NULL;
            END $$
            """,  # noqa: S608
            f"""
            CREATE TRIGGER search_offers_{table}_update AFTER UPDATE OF {", ".join(columns)}
            ON {table} FOR EACH ROW WHEN ({changed})
            EXECUTE FUNCTION search_offers_from_{table}()
            """,
        ]
    return statements


def _postgresql_downgrade() -> list[str]:
    triggers = [
        ("search_offers_service_masters_insert", "service_masters"),
        ("search_offers_service_masters_delete", "service_masters"),
    ] + [(f"search_offers_{table}_update", table) for table, *_rest in _REFRESHES]
    functions = ["search_offers_add_pairs", "search_offers_drop_pair"]
    functions += [f"search_offers_from_{table}" for table, *_rest in _REFRESHES]
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in triggers] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in functions
    ]


def upgrade() -> None:
    op.create_table(
        "search_offers",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("master_id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.String(length=64), nullable=True),
        sa.Column("price_scaled", sa.BigInteger(), nullable=False),
        sa.Column("rating", sa.Numeric(precision=3, scale=2), nullable=False),
        sa.Column("total_reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_search_offers_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["master_id"],
            ["masters.id"],
            name=op.f("fk_search_offers_master_id_masters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_search_offers_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "master_id", name=op.f("pk_search_offers")),
    )
    with op.batch_alter_table("search_offers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_offers_category_price", ["category_id", "price_scaled"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_search_offers_business_id"), ["business_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_offers_master_id"), ["master_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_offers_price_scaled"), ["price_scaled"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in _sqlite_upgrade() if dialect == "sqlite" else _postgresql_upgrade():
        op.execute(statement)
    op.execute(_insert("service_masters", "1 = 1"))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _sqlite_downgrade() if dialect == "sqlite" else _postgresql_downgrade():
        op.execute(statement)
    op.drop_table("search_offers")
