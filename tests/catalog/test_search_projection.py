"""Migrations 20261121_0004 and 20261122_0006: `search_offers` follows every write
that changes what a search may show or find, through triggers on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete, select, update

from bookwell.catalog.repository import CatalogRepository, SearchCriteria
from bookwell.catalog.search import query_words
from bookwell.models import (
    Business,
    BusinessStatus,
    Master,
    SearchOffer,
    Service,
    User,
    service_masters,
)
from tests.catalog.builders import CatalogBuilder

Row = tuple[uuid.UUID, uuid.UUID, int, Decimal, int]


async def _offers(app: FastAPI) -> set[Row]:
    async with app.state.db.session() as session:
        result = await session.execute(
            select(
                SearchOffer.service_id,
                SearchOffer.master_id,
                SearchOffer.price_scaled,
                SearchOffer.rating,
                SearchOffer.total_reviews,
            )
        )
        return {(r[0], r[1], r[2], Decimal(r[3]), r[4]) for r in result}


async def _write(app: FastAPI, statement: Any) -> None:
    async with app.state.db.session() as session:
        await session.execute(statement)


async def test_projection_follows_the_source_tables(app: FastAPI, catalog: CatalogBuilder) -> None:
    business_id = await catalog.business("Studio")
    first = await catalog.master(business_id, rating="4.20", total_reviews=7)
    second = await catalog.master(business_id, rating="3.00", total_reviews=1)
    service_id = await catalog.service(business_id, "Yoga", masters=[first, second], price=1_250)
    # 12.50 USD is 125_000 in 1/10_000 of a dollar.
    assert await _offers(app) == {
        (service_id, first, 125_000, Decimal("4.20"), 7),
        (service_id, second, 125_000, Decimal("3.00"), 1),
    }

    await catalog.update_service(service_id, price=2_000)
    await _write(app, update(Master).where(Master.id == first).values(total_reviews=8))
    assert await _offers(app) == {
        (service_id, first, 200_000, Decimal("4.20"), 8),
        (service_id, second, 200_000, Decimal("3.00"), 1),
    }

    # JPY has no decimals: the price 2_000 is 2_000 yen.
    await _write(app, update(Business).where(Business.id == business_id).values(currency="JPY"))
    assert {row[2] for row in await _offers(app)} == {20_000_000}
    await _write(app, update(Business).where(Business.id == business_id).values(currency="USD"))

    await _write(app, update(Master).where(Master.id == second).values(is_active=False))
    assert {row[1] for row in await _offers(app)} == {first}
    await _write(app, update(Master).where(Master.id == second).values(is_active=True))
    assert {row[1] for row in await _offers(app)} == {first, second}

    user_id = select(Master.user_id).where(Master.id == first).scalar_subquery()
    await _write(app, update(User).where(User.id == user_id).values(is_active=False))
    assert {row[1] for row in await _offers(app)} == {second}
    await _write(app, update(User).where(User.id == user_id).values(is_active=True))

    await _write(
        app,
        delete(service_masters).where(
            service_masters.c.service_id == service_id, service_masters.c.master_id == second
        ),
    )
    assert {row[1] for row in await _offers(app)} == {first}

    status = update(Business).where(Business.id == business_id)
    await _write(app, status.values(status=BusinessStatus.SUSPENDED))
    assert await _offers(app) == set()
    await _write(app, status.values(status=BusinessStatus.ACTIVE))
    assert {row[1] for row in await _offers(app)} == {first}

    await catalog.update_service(service_id, is_active=False)
    assert await _offers(app) == set()
    await catalog.update_service(service_id, is_active=True)
    assert len(await _offers(app)) == 1

    await _write(app, delete(Service).where(Service.id == service_id))
    assert await _offers(app) == set()


async def _found(app: FastAPI, query: str) -> list[str]:
    """Names the search finds for `query`, read past the response cache."""
    async with app.state.db.session() as session:
        criteria = SearchCriteria(words=query_words(query))
        page = await CatalogRepository(session).search(criteria, offset=0, limit=10)
    return [hit.name for hit in page.hits]


async def test_search_follows_the_service_text(app: FastAPI, catalog: CatalogBuilder) -> None:
    service_id = await catalog.offer("Yoga class", description="Morning flow", rating="4.90")
    await catalog.offer("Evening yoga", rating="3.10")
    assert await _found(app, "class") == ["Yoga class"]

    await catalog.update_service(service_id, name="Pilates class")
    assert await _found(app, "yoga") == ["Evening yoga"]
    assert await _found(app, "pilates") == ["Pilates class"]

    await catalog.update_service(service_id, description="Evening stretch")
    assert await _found(app, "morning") == []
    # A name match ranks first, even against a better rating.
    assert await _found(app, "evening") == ["Evening yoga", "Pilates class"]

    # Rows the projection deletes and inserts again keep their text and its weights.
    await catalog.update_service(service_id, price=4_200)
    master_id = select(SearchOffer.master_id).where(SearchOffer.service_id == service_id)
    await _write(
        app, update(Master).where(Master.id == master_id.scalar_subquery()).values(rating=5)
    )
    assert await _found(app, "evening") == ["Evening yoga", "Pilates class"]
    assert await _found(app, "pilates stretch") == ["Pilates class"]
