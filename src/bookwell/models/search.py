"""The search projection: one row per (service, master) pair the public may see.

Filled and kept in step by database triggers (migrations 20261121_0004 and
20261122_0006) from services, service_masters, masters, users and businesses; no
application code writes it. A row exists exactly while the service and its business
are active and the master and the master's user are active, so a search reads one
table instead of joining five.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from bookwell.models.base import Base


class SearchOffer(Base):
    __tablename__ = "search_offers"
    __table_args__ = (
        Index("ix_search_offers_category_price", "category_id", "price_scaled"),
        Index(
            "ix_search_offers_document",
            "document",
            postgresql_using="gin",
            # Searches outnumber catalog edits: no pending list for every search to scan.
            postgresql_with={"fastupdate": "off"},
            # Empty on SQLite, where the column stays NULL.
            sqlite_where=text("document IS NOT NULL"),
        ),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    master_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("masters.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[str | None] = mapped_column(String(64))
    # The price in 1/10_000 of a major unit of the business currency, so prices in
    # currencies with 0, 2, 3 or 4 decimals compare as integers in major units.
    price_scaled: Mapped[int] = mapped_column(BigInteger, index=True)
    rating: Mapped[Decimal] = mapped_column(Numeric(3, 2))
    total_reviews: Mapped[int] = mapped_column(Integer)
    # PostgreSQL: the service's words for full text search, those of the name with
    # weight A (to rank name matches first), then those of the description. NULL on
    # SQLite, where the FTS5 table `services_fts` matches the words instead.
    document: Mapped[str | None] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
