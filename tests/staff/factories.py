"""Factories for staff tests: businesses, locations and roles made in the database
(the business routes belong to another package); accounts, invitations and their
acceptance through the API."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

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
from tests.factories import Account, outbox_to, register, verify_email

ACCEPT_LINK = "/api/v1/auth/invitations/accept"
MINE = "/api/v1/users/invitations"
NEW_PASSWORD = "Brand-new-pass-42"

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


def invitation_token(message: OutboxMessage) -> str:
    """The token of the accept link in an invitation email."""
    found = _TOKEN.search(message.body)
    assert found is not None, message.body
    return found.group(1)


async def invite(
    client: httpx.AsyncClient,
    business: Shop,
    role_path: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST an invitation to `/masters` or `/managers` (as the owner by default)."""
    response = await client.post(
        business.url(role_path), json=body, headers=headers or business.owner.headers
    )
    assert response.status_code == 202, response.text
    invitation: dict[str, Any] = response.json()["data"]["invitation"]
    return invitation


async def accept_by_link(
    app: FastAPI, client: httpx.AsyncClient, email: str, **fields: Any
) -> Account:
    """Accept the latest invitation emailed to `email` through its link (no account
    yet): the account it creates, signed in."""
    messages = await outbox_to(app, email.lower())
    assert messages, f"no invitation to {email}"
    token = invitation_token(messages[-1])
    response = await client.post(
        ACCEPT_LINK, json={"token": token, "password": NEW_PASSWORD, **fields}
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return Account(
        id=data["user"]["id"],
        email=email.lower(),
        password=NEW_PASSWORD,
        access_token=data["tokens"]["accessToken"],
        refresh_token=data["tokens"]["refreshToken"],
        body=data,
    )


async def accept_signed_in(client: httpx.AsyncClient, person: Account, business: Shop) -> None:
    """The person (email verified) accepts their pending invitation from the business."""
    mine = await client.get(MINE, headers=person.headers)
    assert mine.status_code == 200, mine.text
    [invitation] = [row for row in mine.json()["data"] if row["businessId"] == business.id]
    response = await client.post(f"{MINE}/{invitation['id']}/accept", headers=person.headers)
    assert response.status_code == 200, response.text


async def staff_row(
    client: httpx.AsyncClient, business: Shop, role_path: str, user_id: str
) -> dict[str, Any]:
    """The master or manager of this user, as the owner lists them."""
    listed = await client.get(business.url(role_path), headers=business.owner.headers)
    assert listed.status_code == 200, listed.text
    [row] = [row for row in listed.json()["data"] if row["userId"] == user_id]
    return row


async def hire(
    app: FastAPI,
    client: httpx.AsyncClient,
    business: Shop,
    *,
    role_path: str = "/masters",
    person: Account | None = None,
    headers: dict[str, str] | None = None,
    **body: Any,
) -> dict[str, Any]:
    """Invite and have the invitation accepted: by `person` (their email verified
    here if need be) signed in, else by a new email through the link. The staff row
    (master or manager) as the owner lists it."""
    if person is None:
        body.setdefault("email", f"staff-{uuid.uuid4().hex[:8]}@example.com")
        await invite(client, business, role_path, body, headers)
        user_id = (await accept_by_link(app, client, body["email"])).id
    else:
        await invite(client, business, role_path, {"email": person.email, **body}, headers)
        if not person.body["user"]["emailVerified"]:
            await verify_email(client, person)
            person.body["user"]["emailVerified"] = True
        await accept_signed_in(client, person, business)
        user_id = person.id
    return await staff_row(client, business, role_path, user_id)
