"""A business becomes active only once its owner has verified their email: a super
admin's approval or reactivation waits for it (businesses/activation.py)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.businesses.factories import admin_headers, business_body, create_business
from tests.factories import DEFAULT_PASSWORD, Account, assert_error, register, verify_email
from tests.staff.factories import shop

TENANTS = "/api/v1/admin/tenants"


async def _refused(client: httpx.AsyncClient, url: str, admin: dict[str, str]) -> None:
    error = assert_error(await client.put(url, headers=admin), 422, "BUSINESS_RULE_VIOLATION")
    assert "has not verified their email" in error["message"]


async def test_a_signed_in_owner_must_verify_before_approval(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await register(client)
    business = await create_business(client, owner.headers)
    assert business["status"] == "pending"
    admin = await admin_headers(app, client)
    approve = f"{TENANTS}/{business['id']}/approve"
    await _refused(client, approve, admin)
    shown = await client.get(f"/api/v1/businesses/{business['id']}", headers=owner.headers)
    assert shown.json()["data"]["status"] == "pending"

    await verify_email(client, owner)
    approved = await client.put(approve, headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["status"] == "active"


async def test_an_owner_registered_with_the_business_verifies_with_the_code_sent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = business_body(
        email="newowner@example.com",
        password=DEFAULT_PASSWORD,
        firstName="New",
        lastName="Owner",
    )
    response = await client.post("/api/v1/businesses", json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["user"]["emailVerified"] is False
    owner = Account(
        id=data["user"]["id"],
        email="newowner@example.com",
        password=DEFAULT_PASSWORD,
        access_token=data["tokens"]["accessToken"],
        refresh_token=data["tokens"]["refreshToken"],
        body=data,
    )
    admin = await admin_headers(app, client)
    approve = f"{TENANTS}/{data['business']['id']}/approve"
    await _refused(client, approve, admin)
    await verify_email(client, owner)
    assert (await client.put(approve, headers=admin)).status_code == 200


async def test_reactivation_also_needs_a_verified_owner(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """An active business from before verification existed (owner unverified) may be
    suspended; it comes back only once its owner verifies."""
    salon = await shop(app, client)
    admin = await admin_headers(app, client)
    assert (await client.put(f"{TENANTS}/{salon.id}/suspend", headers=admin)).status_code == 200
    reactivate = f"{TENANTS}/{salon.id}/reactivate"
    await _refused(client, reactivate, admin)
    await verify_email(client, salon.owner)
    assert (await client.put(reactivate, headers=admin)).status_code == 200
