"""Factories for businesses: made through the API where a client can, and through a
database session for what has no route yet (memberships of staff, masters, services)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from bookwell.db import Database
from bookwell.models import BusinessRole, Location, Master, Membership, Service, service_masters
from bookwell.users.service import ensure_super_admin
from tests.factories import DEFAULT_PASSWORD, Account, register

_counter = itertools.count(1)
ADMIN_EMAIL = "root@example.com"


def business_body(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "name": f"Studio {n}",
        "subdomain": f"studio-{n}-{uuid.uuid4().hex[:6]}",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
    }
    body.update(overrides)
    return body


async def admin_headers(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    """Headers of the super admin (created on first use)."""
    database: Database = app.state.db
    async with database.session() as session:
        await ensure_super_admin(session, ADMIN_EMAIL, DEFAULT_PASSWORD)
    response = await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['data']['tokens']['accessToken']}"}


async def create_business(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """A pending business of the signed-in caller (its JSON)."""
    response = await client.post(
        "/api/v1/businesses", json=business_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    business: dict[str, Any] = response.json()["data"]["business"]
    return business


@dataclass
class Tenant:
    owner: Account
    business: dict[str, Any]
    admin: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.business["id"])

    @property
    def subdomain(self) -> str:
        return str(self.business["subdomain"])


async def active_business(app: FastAPI, client: httpx.AsyncClient, **overrides: Any) -> Tenant:
    """An owner (a new account, email verified), their business, approved by the super
    admin."""
    owner = await register(client, verified=True)
    business = await create_business(client, owner.headers, **overrides)
    admin = await admin_headers(app, client)
    response = await client.put(f"/api/v1/admin/tenants/{business['id']}/approve", headers=admin)
    assert response.status_code == 200, response.text
    return Tenant(owner=owner, business=response.json()["data"], admin=admin)


async def add_location(
    client: httpx.AsyncClient, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"Branch {next(_counter)}", "address": "1 Main St"}
    body.update(overrides)
    response = await client.post(
        f"/api/v1/businesses/{tenant.id}/locations", json=body, headers=tenant.owner.headers
    )
    assert response.status_code == 201, response.text
    location: dict[str, Any] = response.json()["data"]
    return location


async def add_member(
    app: FastAPI,
    business_id: str,
    user_id: str,
    role: BusinessRole,
    location_ids: Iterable[str] = (),
) -> None:
    """Give a user a role in a business, tied to these locations."""
    database: Database = app.state.db
    async with database.session() as session:
        locations = [await session.get(Location, uuid.UUID(x)) for x in location_ids]
        session.add(
            Membership(
                business_id=uuid.UUID(business_id),
                user_id=uuid.UUID(user_id),
                role=role,
                locations=[location for location in locations if location is not None],
            )
        )


async def add_master(
    app: FastAPI,
    business_id: str,
    user_id: str,
    location_ids: Iterable[str] = (),
    **fields: Any,
) -> str:
    """A master profile of the user in the business (and the master membership)."""
    database: Database = app.state.db
    ids = list(location_ids)
    await add_member(app, business_id, user_id, BusinessRole.MASTER, ids)
    async with database.session() as session:
        locations = [await session.get(Location, uuid.UUID(x)) for x in ids]
        master = Master(
            id=uuid.uuid4(),
            business_id=uuid.UUID(business_id),
            user_id=uuid.UUID(user_id),
            locations=[location for location in locations if location is not None],
            **fields,
        )
        session.add(master)
    return str(master.id)


async def add_service(
    app: FastAPI,
    business_id: str,
    master_ids: Iterable[str] = (),
    **fields: Any,
) -> str:
    """A service of the business (price in minor units), delivered by these masters."""
    database: Database = app.state.db
    values: dict[str, Any] = {
        "name": f"Service {next(_counter)}",
        "duration_minutes": 60,
        "price": 5000,
    }
    values.update(fields)
    async with database.session() as session:
        service = Service(id=uuid.uuid4(), business_id=uuid.UUID(business_id), **values)
        session.add(service)
        await session.flush()
        for master_id in master_ids:
            await session.execute(
                service_masters.insert().values(
                    service_id=service.id, master_id=uuid.UUID(master_id)
                )
            )
    return str(service.id)
