"""Factories for staff tests: businesses, locations and roles made in the database
(the business routes belong to another package), accounts through the API."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import (
    Business,
    BusinessRole,
    BusinessStatus,
    Category,
    Location,
    Membership,
    OutboxMessage,
)
from tests.factories import Account, register

_counter = itertools.count(1)
_TOKEN = re.compile(r"/accept-invitation\?token=([A-Za-z0-9_\-]+)")


@dataclass
class Shop:
    owner: Account
    id: str

    def url(self, path: str = "") -> str:
        return f"/api/v1/businesses/{self.id}{path}"


async def shop(app: FastAPI, client: httpx.AsyncClient, **fields: Any) -> Shop:
    """An active business with a newly registered owner."""
    owner = await register(client)
    n = next(_counter)
    values: dict[str, Any] = {
        "name": f"Salon {n}",
        "subdomain": f"salon-{n}-{uuid.uuid4().hex[:6]}",
        "status": BusinessStatus.ACTIVE,
        "timezone": "Europe/Berlin",
        "currency": "EUR",
    }
    values.update(fields)
    database: Database = app.state.db
    async with database.session() as session:
        business = Business(id=uuid.uuid4(), **values)
        session.add(business)
        await session.flush()
        session.add(
            Membership(
                business_id=business.id,
                user_id=uuid.UUID(owner.id),
                role=BusinessRole.OWNER,
                locations=[],
            )
        )
    return Shop(owner=owner, id=str(business.id))


async def location(app: FastAPI, business_id: str, timezone: str = "Europe/Berlin") -> str:
    database: Database = app.state.db
    async with database.session() as session:
        row = Location(
            id=uuid.uuid4(),
            business_id=uuid.UUID(business_id),
            name=f"Branch {next(_counter)}",
            timezone=timezone,
        )
        session.add(row)
    return str(row.id)


async def member(
    app: FastAPI,
    business_id: str,
    user_id: str,
    role: BusinessRole,
    location_ids: Iterable[str] = (),
) -> None:
    """Give a user a role in the business, tied to these locations."""
    database: Database = app.state.db
    async with database.session() as session:
        locations = [await session.get(Location, uuid.UUID(x)) for x in location_ids]
        session.add(
            Membership(
                business_id=uuid.UUID(business_id),
                user_id=uuid.UUID(user_id),
                role=role,
                locations=[row for row in locations if row is not None],
            )
        )


async def category(app: FastAPI) -> str:
    """A new category (its id); the migrations seed others."""
    category_id = f"test-{next(_counter)}-{uuid.uuid4().hex[:6]}"
    database: Database = app.state.db
    async with database.session() as session:
        session.add(Category(id=category_id, names={"en": category_id}))
    return category_id


async def emails_to(app: FastAPI, recipient: str) -> list[OutboxMessage]:
    database: Database = app.state.db
    async with database.session() as session:
        result = await session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
        )
        return list(result.scalars())


def invitation_token(message: OutboxMessage) -> str:
    """The token of the accept link in an invitation email."""
    found = _TOKEN.search(message.body)
    assert found is not None, message.body
    return found.group(1)
