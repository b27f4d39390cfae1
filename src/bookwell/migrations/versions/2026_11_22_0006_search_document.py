"""Search text in the projection: `search_offers.document`, so that a search matches,
ranks and filters on one table.

PostgreSQL: `document` is the tsvector of the service's name (weight A) and
description ('simple' configuration), GIN-indexed (`ix_search_offers_document`,
fastupdate off: searches outnumber catalog edits, and a pending list would be
scanned by every search). A match is `document @@ 'w1' & 'w2':*`; a match in the name
alone is the same query with weight A ('w1':A & 'w2':*A). Two triggers keep it:

- BEFORE INSERT on search_offers fills it from the service, so every row the
  triggers of 20261121_0004 insert (new pairs, refreshed rows) arrives with it;
- AFTER UPDATE OF name, description on services rewrites it for the service's rows.

The GIN index on `services` (`ix_services_search_document`, 20261121_0003) is no
longer read and is dropped; the trigram index on `services.name` stays (typos).

SQLite: the column stays NULL and its index (partial, `document IS NOT NULL`) empty;
the FTS5 table `services_fts` still matches the words. Both are added with plain
ALTER TABLE / CREATE INDEX, not a batch rebuild, which would drop the triggers of
20261121_0003 and 20261121_0004.

Revision ID: 20261122_0006
Revises: 20261122_0005
Create Date: 2026-11-22 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "20261122_0006"
down_revision = "20261122_0005"
branch_labels = None
depends_on = None


def _document(service: str) -> str:
    """SQL for the document of the services row (or trigger record) `service`."""
    return (
        f"setweight(to_tsvector('simple'::regconfig, {service}.name), 'A') "
        f"|| to_tsvector('simple'::regconfig, {service}.description)"
    )


_POSTGRESQL_UPGRADE = [
    f"""
    UPDATE search_offers AS o SET document = {_document("s")}
    FROM services AS s WHERE s.id = o.service_id
    """,  # noqa: S608 (constants of this module only)
    """
    CREATE INDEX ix_search_offers_document ON search_offers
    USING gin (document) WITH (fastupdate = off)
    """,
    f"""
    CREATE FUNCTION search_offers_fill_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {_document("s")} INTO NEW.document
        FROM services AS s WHERE s.id = NEW.service_id;
        RETURN NEW;
    END $$
    """,  # noqa: S608
    """
    CREATE TRIGGER search_offers_fill_document BEFORE INSERT ON search_offers
    FOR EACH ROW EXECUTE FUNCTION search_offers_fill_document()
    """,
    f"""
    CREATE FUNCTION search_offers_document_from_services() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_offers SET document = {_document("NEW")} WHERE service_id = NEW.id;
        RETURN NULL;
    END $$
    """,  # noqa: S608
    """
    CREATE TRIGGER search_offers_document_services_update
    AFTER UPDATE OF name, description ON services FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION search_offers_document_from_services()
    """,
    "DROP INDEX ix_services_search_document",
]

_POSTGRESQL_DOWNGRADE = [
    "CREATE INDEX ix_services_search_document ON services "
    "USING gin (to_tsvector('simple'::regconfig, name || ' ' || description))",
    "DROP TRIGGER IF EXISTS search_offers_document_services_update ON services",
    "DROP FUNCTION IF EXISTS search_offers_document_from_services()",
    "DROP TRIGGER IF EXISTS search_offers_fill_document ON search_offers",
    "DROP FUNCTION IF EXISTS search_offers_fill_document()",
    "DROP INDEX IF EXISTS ix_search_offers_document",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column(
        "search_offers",
        sa.Column("document", TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True),
    )
    if dialect == "postgresql":
        for statement in _POSTGRESQL_UPGRADE:
            op.execute(statement)
    else:
        op.create_index(
            "ix_search_offers_document",
            "search_offers",
            ["document"],
            sqlite_where=sa.text("document IS NOT NULL"),
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _POSTGRESQL_DOWNGRADE:
            op.execute(statement)
    else:
        op.drop_index("ix_search_offers_document", table_name="search_offers")
    op.drop_column("search_offers", "document")
