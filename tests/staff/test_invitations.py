"""Nobody becomes staff without saying yes: inviting reveals nothing about any account,
links nothing and creates no account; the owner of the email accepts (signed in with
it verified, or through the link, which creates their account) or declines."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret
from bookwell.models import AuditEntry, Invitation, Master, User
from bookwell.users.service import ensure_super_admin
from tests.businesses.factories import ADMIN_EMAIL
from tests.conftest import AppFactory, client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    Account,
    assert_error,
    fields_of,
    register,
    verify_email,
)
from tests.staff.factories import (
    ACCEPT_LINK,
    MINE,
    NEW_PASSWORD,
    Shop,
    accept_by_link,
    accept_signed_in,
    invitation_token,
    invite,
    location,
    outbox_to,
    shop,
    staff_row,
)

PUBLIC = "/api/v1/public/business"
INVITATION_KEYS = {"id", "email", "role", "status", "expiresAt", "createdAt", "respondedAt"}


async def _users_with_email(app: FastAPI, email: str) -> int:
    database: Database = app.state.db
    async with database.session() as session:
        count = await session.scalar(select(func.count()).where(User.email == email))
        return int(count or 0)


async def _masters(client: httpx.AsyncClient, business: Shop) -> list[dict[str, Any]]:
    listed = await client.get(business.url("/masters"), headers=business.owner.headers)
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()["data"]
    return rows


async def _mine(client: httpx.AsyncClient, person: Account) -> list[dict[str, Any]]:
    response = await client.get(MINE, headers=person.headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def test_inviting_an_account_reveals_and_links_nothing_until_it_accepts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client, name="Glow Salon")
    subdomain = (await client.get(business.url(), headers=business.owner.headers)).json()["data"][
        "subdomain"
    ]
    person = await register(client, firstName="Vera", lastName="Quill", phoneNumber="+14155550199")
    response = await client.post(
        business.url("/masters"),
        json={"email": person.email.upper(), "firstName": "X", "lastName": "Y"},
        headers=business.owner.headers,
    )
    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert set(data) == {"invitation"}
    invitation = data["invitation"]
    assert set(invitation) == INVITATION_KEYS
    assert (invitation["email"], invitation["role"], invitation["status"]) == (
        person.email,
        "master",
        "pending",
    )
    for secret in (person.id, "Quill", "Vera", "+14155550199"):
        assert secret not in response.text

    # Not a master anywhere: not listed, no access, not on the public page.
    assert await _masters(client, business) == []
    assert_error(
        await client.get(business.url("/masters"), headers=person.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    public = await client.get(f"{PUBLIC}/{subdomain}/masters")
    assert public.status_code == 200, public.text
    assert public.json()["data"] == []
    database: Database = app.state.db
    async with database.session() as session:
        assert (await session.execute(select(Master))).first() is None

    # Accepting (email verified) makes them a master, with their own names.
    await verify_email(client, person)
    [mine] = await _mine(client, person)
    assert (mine["businessName"], mine["role"], mine["status"]) == (
        "Glow Salon",
        "master",
        "pending",
    )
    await accept_signed_in(client, person, business)
    [master] = await _masters(client, business)
    assert (master["userId"], master["firstName"]) == (person.id, "Vera")
    public = await client.get(f"{PUBLIC}/{subdomain}/masters")
    assert [m["id"] for m in public.json()["data"]] == [master["id"]]
    listed = await client.get(business.url("/invitations"), headers=business.owner.headers)
    [answered] = listed.json()["data"]
    assert answered["status"] == "accepted"
    assert answered["respondedAt"] is not None


async def test_the_super_admin_email_is_only_invited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    database: Database = app.state.db
    async with database.session() as session:
        await ensure_super_admin(session, ADMIN_EMAIL, DEFAULT_PASSWORD)
    response = await client.post(
        business.url("/masters"),
        json={"email": ADMIN_EMAIL, "firstName": "A", "lastName": "B"},
        headers=business.owner.headers,
    )
    assert response.status_code == 202, response.text
    assert "Admin" not in response.text
    assert await _masters(client, business) == []


async def test_an_unknown_email_gets_no_account_and_can_still_register(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    await invite(client, business, "/masters", {"email": "owner.of@example.com", "firstName": "Z"})
    assert await _users_with_email(app, "owner.of@example.com") == 0
    [message] = await outbox_to(app, "owner.of@example.com")
    token = invitation_token(message)

    # The real owner registers normally, verifies, and accepts signed in.
    person = await register(client, email="owner.of@example.com")
    assert_error(await client.get(MINE, headers=person.headers), 403, "EMAIL_NOT_VERIFIED")
    refused = await client.post(ACCEPT_LINK, json={"token": token, "password": NEW_PASSWORD})
    error = assert_error(refused, 409, "DUPLICATE_RESOURCE")
    assert error["details"][0]["code"] == "SIGN_IN_TO_ACCEPT"
    await verify_email(client, person)
    await accept_signed_in(client, person, business)
    assert (await staff_row(client, business, "/masters", person.id))["userId"] == person.id


async def test_accepting_by_link_creates_a_verified_account_with_the_inviters_choices(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    branch = await location(app, business.id, timezone="Europe/Paris")
    await invite(
        client,
        business,
        "/masters",
        {
            "email": "New.Master@Example.com",
            "firstName": "Mia",
            "lastName": "Stone",
            "phoneNumber": "+4915112345678",
            "locationIds": [branch],
            "description": "Colorist",
            "specialties": ["color", "cuts"],
        },
    )
    [message] = await outbox_to(app, "new.master@example.com")
    assert message.business_id == uuid.UUID(business.id)
    assert "http://127.0.0.1:8000/accept-invitation?token=" in message.body
    token = invitation_token(message)
    database: Database = app.state.db
    async with database.session() as session:
        stored = (await session.execute(select(Invitation))).scalar_one()
        assert stored.token_hash == hash_secret(token)
        assert token not in str(stored.details)
        assert timedelta(days=6, hours=23) < stored.expires_at - utcnow() <= timedelta(days=7)

    weak = await client.post(ACCEPT_LINK, json={"token": token, "password": "short"})
    assert fields_of(assert_error(weak, 400, "VALIDATION_ERROR")) == {"password"}
    account = await accept_by_link(app, client, "new.master@example.com", firstName="Mira")
    user = account.body["user"]
    assert (user["firstName"], user["lastName"], user["emailVerified"]) == ("Mira", "Stone", True)
    assert user["phoneNumber"] == "+4915112345678"
    master = await staff_row(client, business, "/masters", account.id)
    assert master["locationIds"] == [branch]
    assert (master["description"], master["specialties"]) == ("Colorist", ["color", "cuts"])
    assert master["timezone"] == "Europe/Paris"
    signed_in = await client.post(
        "/api/v1/auth/login", json={"email": "new.master@example.com", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text

    again = await client.post(ACCEPT_LINK, json={"token": token, "password": "Another-pass-77"})
    error = assert_error(again, 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "TOKEN_USED"

    async with database.session() as session:
        audited = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.entity_type, AuditEntry.actor_user_id)
                .where(AuditEntry.business_id == uuid.UUID(business.id))
                .order_by(AuditEntry.created_at)
            )
        ).all()
    assert [(a, e) for a, e, _ in audited] == [
        ("invite", "invitation"),
        ("accept", "invitation"),
        ("create", "master"),
    ]
    assert str(audited[0][2]) == business.owner.id
    assert {str(actor) for _, _, actor in audited[1:]} == {account.id}


async def test_the_link_needs_names_when_the_inviter_gave_none(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    await invite(client, business, "/masters", {"email": "nameless@example.com"})
    [message] = await outbox_to(app, "nameless@example.com")
    token = invitation_token(message)
    response = await client.post(ACCEPT_LINK, json={"token": token, "password": NEW_PASSWORD})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"firstName", "lastName"}
    assert await _users_with_email(app, "nameless@example.com") == 0
    account = await accept_by_link(
        app, client, "nameless@example.com", firstName="Nia", lastName="Moss"
    )
    assert account.body["user"]["lastName"] == "Moss"


async def test_expired_and_unknown_tokens(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    await invite(client, business, "/masters", {"email": "late@example.com", "firstName": "L"})
    [message] = await outbox_to(app, "late@example.com")
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await client.post(
        ACCEPT_LINK,
        json={"token": invitation_token(message), "password": NEW_PASSWORD, "lastName": "T"},
    )
    error = assert_error(expired, 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "TOKEN_EXPIRED"
    assert await _users_with_email(app, "late@example.com") == 0
    listed = await client.get(business.url("/invitations"), headers=business.owner.headers)
    assert [row["status"] for row in listed.json()["data"]] == ["expired"]
    # An expired invitation no longer blocks a new one.
    await invite(client, business, "/masters", {"email": "late@example.com"})

    unknown = await client.post(ACCEPT_LINK, json={"token": "inv_nope", "password": NEW_PASSWORD})
    assert fields_of(assert_error(unknown, 400, "VALIDATION_ERROR")) == {"token"}
    empty = await client.post(ACCEPT_LINK, json={"token": "", "password": NEW_PASSWORD})
    assert fields_of(assert_error(empty, 400, "VALIDATION_ERROR")) == {"token"}


async def test_accepting_signed_in_needs_that_email_verified(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    person = await register(client)
    invitation = await invite(client, business, "/masters", {"email": person.email})
    accept = f"{MINE}/{invitation['id']}/accept"
    decline = f"{MINE}/{invitation['id']}/decline"
    for url in (accept, decline):
        assert_error(await client.post(url, headers=person.headers), 403, "EMAIL_NOT_VERIFIED")
    assert_error(await client.get(MINE, headers=person.headers), 403, "EMAIL_NOT_VERIFIED")
    assert_error(await client.post(accept), 401, "AUTHENTICATION_REQUIRED")

    # Someone else, verified, cannot see or answer it: it does not exist for them.
    other = await register(client, verified=True)
    assert await _mine(client, other) == []
    for url in (accept, decline):
        response = await client.post(url, headers=other.headers)
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
        assert person.email not in response.text
    assert_error(
        await client.post(f"{MINE}/{uuid.uuid4()}/accept", headers=other.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert await _masters(client, business) == []

    await verify_email(client, person)
    accepted = await client.post(accept, headers=person.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["data"]["status"] == "accepted"
    assert [m["userId"] for m in await _masters(client, business)] == [person.id]
    again = await client.post(accept, headers=person.headers)
    assert_error(again, 422, "BUSINESS_RULE_VIOLATION")
    assert await _mine(client, person) == []


async def test_declining_leaves_everything_as_it_was(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    person = await register(client, verified=True)
    invitation = await invite(client, business, "/masters", {"email": person.email})
    declined = await client.post(f"{MINE}/{invitation['id']}/decline", headers=person.headers)
    assert declined.status_code == 200, declined.text
    assert declined.json()["data"]["status"] == "declined"
    assert await _masters(client, business) == []
    late = await client.post(f"{MINE}/{invitation['id']}/accept", headers=person.headers)
    assert_error(late, 422, "BUSINESS_RULE_VIOLATION")
    listed = await client.get(business.url("/invitations"), headers=business.owner.headers)
    assert [row["status"] for row in listed.json()["data"]] == ["declined"]
    message = (await outbox_to(app, person.email))[-1]
    by_link = await client.post(
        ACCEPT_LINK, json={"token": invitation_token(message), "password": NEW_PASSWORD}
    )
    assert assert_error(by_link, 400, "VALIDATION_ERROR")["details"][0]["code"] == "INVALID_TOKEN"
    # Declined, the business may ask again.
    await invite(client, business, "/masters", {"email": person.email})


async def test_withdrawing_kills_the_link_and_the_acceptance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    person = await register(client, verified=True)
    for_person = await invite(client, business, "/masters", {"email": person.email})
    await invite(client, business, "/masters", {"email": "gone@example.com", "firstName": "G"})
    listed = await client.get(business.url("/invitations"), headers=business.owner.headers)
    assert {row["email"] for row in listed.json()["data"]} == {person.email, "gone@example.com"}
    for row in listed.json()["data"]:
        url = business.url(f"/invitations/{row['id']}")
        withdrawn = await client.delete(url, headers=business.owner.headers)
        assert withdrawn.status_code == 200, withdrawn.text
        assert_error(
            await client.delete(url, headers=business.owner.headers), 404, "RESOURCE_NOT_FOUND"
        )
    listed = await client.get(business.url("/invitations"), headers=business.owner.headers)
    assert listed.json()["data"] == []
    assert await _mine(client, person) == []
    refused = await client.post(f"{MINE}/{for_person['id']}/accept", headers=person.headers)
    assert_error(refused, 422, "BUSINESS_RULE_VIOLATION")
    [message] = await outbox_to(app, "gone@example.com")
    by_link = await client.post(
        ACCEPT_LINK,
        json={"token": invitation_token(message), "password": NEW_PASSWORD, "lastName": "H"},
    )
    assert assert_error(by_link, 400, "VALIDATION_ERROR")["details"][0]["code"] == "INVALID_TOKEN"
    assert await _users_with_email(app, "gone@example.com") == 0
    assert await _masters(client, business) == []


async def test_a_second_pending_invitation_is_409(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    await invite(client, business, "/masters", {"email": "twice@example.com"})
    again = await client.post(
        business.url("/masters"),
        json={"email": "TWICE@example.com"},
        headers=business.owner.headers,
    )
    assert fields_of(assert_error(again, 409, "DUPLICATE_RESOURCE")) == {"email"}
    # Another role is another invitation.
    branch = await location(app, business.id)
    await invite(
        client, business, "/managers", {"email": "twice@example.com", "locationIds": [branch]}
    )


async def test_the_invitations_of_a_business_are_its_own(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business, other = await shop(app, client), await shop(app, client)
    invitation = await invite(client, business, "/masters", {"email": "mine@example.com"})
    url = other.url(f"/invitations/{invitation['id']}")
    assert_error(await client.delete(url, headers=other.owner.headers), 404, "RESOURCE_NOT_FOUND")
    listed = await client.get(other.url("/invitations"), headers=other.owner.headers)
    assert listed.json()["data"] == []


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
        await invite(client, business, "/masters", {"email": "linked@example.com"})
        [message] = await outbox_to(app, "linked@example.com")
        assert link in message.body


async def test_a_manager_invitation_to_an_account_links_nothing_either(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    branch = await location(app, business.id)
    person = await register(client, verified=True, firstName="Quin", lastName="Marsh")
    response = await client.post(
        business.url("/managers"),
        json={"email": person.email, "locationIds": [branch]},
        headers=business.owner.headers,
    )
    assert response.status_code == 202, response.text
    for secret in (person.id, "Quin", "Marsh"):
        assert secret not in response.text
    listed = await client.get(business.url("/managers"), headers=business.owner.headers)
    assert listed.json()["data"] == []
    assert_error(
        await client.get(business.url("/locations"), headers=person.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    [mine] = await _mine(client, person)
    assert mine["role"] == "manager"
    await accept_signed_in(client, person, business)
    manager = await staff_row(client, business, "/managers", person.id)
    assert manager["locationIds"] == [branch]
