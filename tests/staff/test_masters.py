"""/api/v1/businesses/{businessId}/masters and POST /api/v1/auth/invitations/accept."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret
from bookwell.models import BusinessRole, Invitation, Master, Membership, User
from tests.conftest import AppFactory, client_for
from tests.factories import DEFAULT_PASSWORD, Account, assert_error, fields_of, register
from tests.staff.factories import (
    Shop,
    emails_to,
    invitation_token,
    location,
    member,
    shop,
)

ACCEPT = "/api/v1/auth/invitations/accept"
NEW_PASSWORD = "Brand-new-pass-42"


def staff_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"master-{uuid.uuid4().hex[:8]}@example.com",
        "firstName": "Mia",
        "lastName": "Stone",
    }
    body.update(overrides)
    return body


async def add(
    client: httpx.AsyncClient, business: Shop, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        business.url("/masters"), json=staff_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


@pytest.mark.parametrize(
    ("settings", "link"),
    [
        (
            {"web_app_url": "https://app.example.com/", "public_url": "https://api.example.com"},
            "https://app.example.com/accept-invitation?token=",
        ),
        (
            {"public_url": "https://api.example.com"},
            "https://api.example.com/accept-invitation?token=",
        ),
    ],
)
async def test_the_invitation_link_points_at_the_web_app(
    app_factory: AppFactory, settings: dict[str, Any], link: str
) -> None:
    app = await app_factory(**settings)
    async with client_for(app) as client:
        business = await shop(app, client)
        master = await add(client, business, business.owner.headers)
        [message] = await emails_to(app, master["email"])
        assert link in message.body


async def test_invite_accept_and_sign_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client, name="Glow Salon")
    branch = await location(app, business.id, timezone="Europe/Paris")
    email = "New.Master@Example.com"
    master = await add(
        client,
        business,
        business.owner.headers,
        email=email,
        phoneNumber="+4915112345678",
        locationIds=[branch],
        description="Colorist",
        specialties=["color", "cuts"],
    )
    assert master["email"] == "new.master@example.com"
    assert (master["firstName"], master["lastName"]) == ("Mia", "Stone")
    assert master["phoneNumber"] == "+4915112345678"
    assert master["locationIds"] == [branch]
    assert (master["description"], master["specialties"]) == ("Colorist", ["color", "cuts"])
    assert master["timezone"] == "Europe/Paris"
    assert master["invitationPending"] is True
    assert master["isActive"] is True

    [message] = await emails_to(app, "new.master@example.com")
    assert message.channel.value == "email"
    assert message.business_id == uuid.UUID(business.id)
    assert "Glow Salon" in message.subject
    assert "http://127.0.0.1:8000/accept-invitation?token=" in message.body
    token = invitation_token(message)

    database: Database = app.state.db
    async with database.session() as session:
        invitation = (await session.execute(select(Invitation))).scalar_one()
        # Only the hash is stored; it expires in 7 days.
        assert invitation.token_hash == hash_secret(token)
        assert token not in invitation.token_hash
        assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
        user = await session.get(User, uuid.UUID(master["userId"]))
        assert user is not None
        assert user.password_hash is None

    assert_error(await login(client, email, NEW_PASSWORD), 401, "AUTHENTICATION_REQUIRED")

    weak = await client.post(ACCEPT, json={"token": token, "password": "short"})
    assert fields_of(assert_error(weak, 400, "VALIDATION_ERROR")) == {"password"}

    accepted = await client.post(
        ACCEPT, json={"token": token, "password": NEW_PASSWORD, "firstName": "Mira"}
    )
    assert accepted.status_code == 200, accepted.text
    data = accepted.json()["data"]
    assert data["user"]["id"] == master["userId"]
    assert data["user"]["firstName"] == "Mira"
    assert data["tokens"]["accessToken"]
    assert data["tokens"]["refreshToken"]

    signed_in = await login(client, email, NEW_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['data']['tokens']['accessToken']}"}
    mine = await client.get(business.url("/masters"), headers=headers)
    assert mine.status_code == 200, mine.text
    [me] = mine.json()["data"]
    assert me["id"] == master["id"]
    assert me["invitationPending"] is False

    again = await client.post(ACCEPT, json={"token": token, "password": "Another-pass-77"})
    error = assert_error(again, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"token"}
    assert "used" in error["details"][0]["message"]
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200


async def test_expired_and_unknown_tokens(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    master = await add(client, business, business.owner.headers)
    [message] = await emails_to(app, master["email"])
    token = invitation_token(message)
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await client.post(ACCEPT, json={"token": token, "password": NEW_PASSWORD})
    error = assert_error(expired, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"token"}
    assert "expired" in error["details"][0]["message"]
    assert_error(await login(client, master["email"], NEW_PASSWORD), 401, "AUTHENTICATION_REQUIRED")

    unknown = await client.post(ACCEPT, json={"token": "inv_nope", "password": NEW_PASSWORD})
    assert fields_of(assert_error(unknown, 400, "VALIDATION_ERROR")) == {"token"}
    empty = await client.post(ACCEPT, json={"token": "", "password": NEW_PASSWORD})
    assert fields_of(assert_error(empty, 400, "VALIDATION_ERROR")) == {"token"}


async def test_existing_user_is_linked_without_invitation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first, second = await shop(app, client), await shop(app, client)
    person = await register(client)
    linked = await add(client, first, first.owner.headers, email=person.email.upper())
    assert linked["userId"] == person.id
    assert linked["invitationPending"] is False
    # Names come from the account, not from the request.
    assert linked["lastName"] == person.body["user"]["lastName"]
    # Registration sent a code; no invitation.
    assert [m for m in await emails_to(app, person.email) if "token=" in m.body] == []

    duplicate = await client.post(
        first.url("/masters"), json=staff_body(email=person.email), headers=first.owner.headers
    )
    assert_error(duplicate, 409, "DUPLICATE_RESOURCE")

    # The same person may be a master of several businesses.
    other = await add(client, second, second.owner.headers, email=person.email)
    assert other["userId"] == person.id
    assert other["id"] != linked["id"]

    database: Database = app.state.db
    async with database.session() as session:
        roles = (
            await session.execute(
                select(Membership.business_id, Membership.role).where(
                    Membership.user_id == uuid.UUID(person.id)
                )
            )
        ).all()
        assert sorted((str(b), r) for b, r in roles) == sorted(
            [(first.id, BusinessRole.MASTER), (second.id, BusinessRole.MASTER)]
        )
    # The linked user sees only themselves.
    mine = (await client.get(first.url("/masters"), headers=person.headers)).json()["data"]
    assert [m["id"] for m in mine] == [linked["id"]]


async def test_owner_sees_every_master(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    one = await add(client, business, business.owner.headers, firstName="Ann")
    two = await add(client, business, business.owner.headers, firstName="Bob")
    listed = await client.get(business.url("/masters"), headers=business.owner.headers)
    assert [m["id"] for m in listed.json()["data"]] == [one["id"], two["id"]]


async def test_location_rules_for_managers(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    here, there = await location(app, business.id), await location(app, business.id)
    manager = await register(client)
    await member(app, business.id, manager.id, BusinessRole.MANAGER, [there])

    refused = await client.post(
        business.url("/masters"), json=staff_body(locationIds=[here]), headers=manager.headers
    )
    assert_error(refused, 403, "INSUFFICIENT_PERMISSIONS")
    mixed = await client.post(
        business.url("/masters"),
        json=staff_body(locationIds=[here, there]),
        headers=manager.headers,
    )
    assert_error(mixed, 403, "INSUFFICIENT_PERMISSIONS")
    mine = await add(client, business, manager.headers, locationIds=[there])
    assert mine["locationIds"] == [there]
    # Managers see every master of the business.
    listed = (await client.get(business.url("/masters"), headers=manager.headers)).json()["data"]
    assert [m["id"] for m in listed] == [mine["id"]]

    # A master of the other location is out of this manager's reach.
    theirs = await add(client, business, business.owner.headers, locationIds=[here])
    url = business.url(f"/masters/{theirs['id']}")
    put = await client.put(url, json={"description": "x"}, headers=manager.headers)
    assert_error(put, 403, "INSUFFICIENT_PERMISSIONS")
    assert_error(await client.delete(url, headers=manager.headers), 403, "INSUFFICIENT_PERMISSIONS")
    # Nor may the manager move their own master to that location.
    move = await client.put(
        business.url(f"/masters/{mine['id']}"),
        json={"locationIds": [here]},
        headers=manager.headers,
    )
    assert_error(move, 403, "INSUFFICIENT_PERMISSIONS")


async def test_masters_and_outsiders_cannot_add(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    master_account = await register(client)
    await add(client, business, business.owner.headers, email=master_account.email)
    as_master = await client.post(
        business.url("/masters"), json=staff_body(), headers=master_account.headers
    )
    assert_error(as_master, 403, "INSUFFICIENT_PERMISSIONS")

    outsider = await register(client)
    for response in (
        await client.get(business.url("/masters"), headers=outsider.headers),
        await client.post(business.url("/masters"), json=staff_body(), headers=outsider.headers),
    ):
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get(business.url("/masters")), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"firstName": ""}, "firstName"),
        ({"lastName": None}, "lastName"),
        ({"phoneNumber": "123"}, "phoneNumber"),
        ({"locationIds": ["nope"]}, "locationIds.0"),
        ({"locationIds": [str(uuid.uuid4())]}, "locationIds"),
        ({"specialties": ["x"] * 21}, "specialties"),
        ({"role": "owner"}, "role"),
    ],
)
async def test_bad_master_fields(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    business = await shop(app, client)
    response = await client.post(
        business.url("/masters"), json=staff_body(**overrides), headers=business.owner.headers
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}


async def test_location_of_another_business_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    business, other = await shop(app, client), await shop(app, client)
    foreign = await location(app, other.id)
    response = await client.post(
        business.url("/masters"),
        json=staff_body(locationIds=[foreign]),
        headers=business.owner.headers,
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"locationIds"}


async def test_update_master(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    branch = await location(app, business.id)
    master = await add(client, business, business.owner.headers)
    url = business.url(f"/masters/{master['id']}")
    body = {
        "description": "Senior stylist",
        "specialties": ["balayage"],
        "experience": 12,
        "locationIds": [branch],
        "isActive": False,
        "timezone": "Asia/Almaty",
        "workingHours": {
            "tuesday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
        },
    }
    response = await client.put(url, json=body, headers=business.owner.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["description"], data["specialties"], data["experience"]) == (
        "Senior stylist",
        ["balayage"],
        12,
    )
    assert data["locationIds"] == [branch]
    assert data["isActive"] is False
    assert data["timezone"] == "Asia/Almaty"
    assert data["workingHours"] == body["workingHours"]
    database: Database = app.state.db
    async with database.session() as session:
        membership = (
            await session.execute(
                select(Membership).where(
                    Membership.user_id == uuid.UUID(master["userId"]),
                    Membership.role == BusinessRole.MASTER,
                )
            )
        ).scalar_one()
        assert [loc.id for loc in membership.locations] == [uuid.UUID(branch)]

    for bad, field in (
        ({"workingHours": {"monday": {"start": "18:00", "end": "09:00"}}}, "workingHours"),
        ({"workingHours": {"someday": {"start": "09:00", "end": "10:00"}}}, "workingHours"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"experience": 81}, "experience"),
        ({"isActive": None}, "isActive"),
        ({"locationIds": [str(uuid.uuid4())]}, "locationIds"),
    ):
        refused = await client.put(url, json=bad, headers=business.owner.headers)
        assert fields_of(assert_error(refused, 400, "VALIDATION_ERROR")) == {field}, bad
    missing = business.url(f"/masters/{uuid.uuid4()}")
    assert_error(
        await client.put(missing, json={"description": "x"}, headers=business.owner.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )


async def test_remove_master_keeps_the_user(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    person = await register(client)
    master = await add(client, business, business.owner.headers, email=person.email)
    url = business.url(f"/masters/{master['id']}")
    removed = await client.delete(url, headers=business.owner.headers)
    assert removed.status_code == 200, removed.text
    database: Database = app.state.db
    async with database.session() as session:
        assert await session.get(Master, uuid.UUID(master["id"])) is None
        memberships = (
            await session.execute(
                select(Membership).where(Membership.user_id == uuid.UUID(person.id))
            )
        ).first()
        assert memberships is None
        assert await session.get(User, uuid.UUID(person.id)) is not None
    assert (await login(client, person.email, person.password)).status_code == 200
    # No longer staff: the business is hidden from them.
    gone = await client.get(business.url("/masters"), headers=person.headers)
    assert_error(gone, 404, "RESOURCE_NOT_FOUND")
    assert_error(
        await client.delete(url, headers=business.owner.headers), 404, "RESOURCE_NOT_FOUND"
    )


async def test_removing_withdraws_a_pending_invitation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    master = await add(client, business, business.owner.headers)
    [message] = await emails_to(app, master["email"])
    url = business.url(f"/masters/{master['id']}")
    assert (await client.delete(url, headers=business.owner.headers)).status_code == 200
    accepted = await client.post(
        ACCEPT, json={"token": invitation_token(message), "password": NEW_PASSWORD}
    )
    assert fields_of(assert_error(accepted, 400, "VALIDATION_ERROR")) == {"token"}


async def test_solo_specialist_cannot_be_removed(app: FastAPI, client: httpx.AsyncClient) -> None:
    account: Account = await register(client, userType="specialist", verified=True)
    profile = (await client.get("/api/v1/specialists/profile", headers=account.headers)).json()
    database: Database = app.state.db
    async with database.session() as session:
        master = await session.get(Master, uuid.UUID(profile["data"]["id"]))
        assert master is not None
        business_id = master.business_id
    url = f"/api/v1/businesses/{business_id}/masters/{master.id}"
    assert_error(await client.delete(url, headers=account.headers), 422, "BUSINESS_RULE_VIOLATION")


async def test_accept_refuses_an_account_with_a_password(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    master = await add(client, business, business.owner.headers)
    [message] = await emails_to(app, master["email"])
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(User)
            .where(User.id == uuid.UUID(master["userId"]))
            .values(password_hash="set-elsewhere")
        )
    response = await client.post(
        ACCEPT, json={"token": invitation_token(message), "password": DEFAULT_PASSWORD}
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"token"}
