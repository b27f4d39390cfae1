"""Public business pages, by subdomain in the path or in the Host."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.db import Database
from bookwell.models import User
from bookwell.public.service import subdomain_of_host
from tests.businesses.factories import (
    active_business,
    add_location,
    add_master,
    add_service,
    admin_headers,
    create_business,
)
from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, register

PUBLIC = "/api/v1/public/business"


async def test_active_business_page_services_and_masters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(
        app, client, name="Barber Bros", subdomain="barber-bros", currency="USD", description="Cuts"
    )
    centre = await add_location(client, tenant, name="Centre", address="1 High St")
    closed = await add_location(client, tenant, name="Closed")
    await client.delete(
        f"/api/v1/businesses/{tenant.id}/locations/{closed['id']}", headers=tenant.owner.headers
    )
    ana = await register(
        client, firstName="Ana", lastName="Stone", userType="specialist", verified=True
    )
    bob = await register(client, firstName="Bob")
    ana_id = await add_master(
        app,
        tenant.id,
        ana.id,
        [centre["id"], closed["id"]],
        description="Fades",
        specialties=["fade", "beard"],
        rating=Decimal("4.75"),
        total_reviews=12,
    )
    bob_id = await add_master(app, tenant.id, bob.id, is_active=False)
    cut = await add_service(
        app, tenant.id, [ana_id, bob_id], name="Haircut", price=2550, duration_minutes=45
    )
    await add_service(app, tenant.id, name="Retired", is_active=False)

    page = await client.get(f"{PUBLIC}/barber-bros")
    assert page.status_code == 200, page.text
    data = page.json()["data"]
    assert (data["name"], data["description"], data["currency"]) == ("Barber Bros", "Cuts", "USD")
    assert data["timezone"] == tenant.business["timezone"]
    assert data["openingHours"]["monday"] == {"start": "09:00", "end": "17:00"}
    assert [x["name"] for x in data["locations"]] == ["Centre"]
    assert "status" not in data
    assert "rejectionReason" not in data

    services = (await client.get(f"{PUBLIC}/barber-bros/services")).json()["data"]
    assert services == [
        {
            "id": cut,
            "name": "Haircut",
            "description": "",
            "duration": 45,
            "price": 25.5,
            "currency": "USD",
            "category": None,
            "masters": [ana_id],
        }
    ]
    masters = (await client.get(f"{PUBLIC}/barber-bros/masters")).json()["data"]
    assert masters == [
        {
            "id": ana_id,
            "firstName": "Ana",
            "lastName": "Stone",
            "avatar": None,
            "description": "Fades",
            "specialties": ["fade", "beard"],
            "rating": 4.75,
            "totalReviews": 12,
            "locations": [centre["id"]],
        }
    ]


async def test_masters_with_inactive_accounts_are_left_out_of_both_lists(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    ana = await register(client, firstName="Ana")
    gone = await register(client, firstName="Gone")
    ana_id = await add_master(app, tenant.id, ana.id)
    gone_id = await add_master(app, tenant.id, gone.id)
    await add_service(app, tenant.id, [ana_id, gone_id], name="Massage")
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(User).where(User.id == uuid.UUID(gone.id)).values(is_active=False)
        )

    services = (await client.get(f"{PUBLIC}/{tenant.subdomain}/services")).json()["data"]
    masters = (await client.get(f"{PUBLIC}/{tenant.subdomain}/masters")).json()["data"]
    assert [m["id"] for m in masters] == [ana_id]
    assert [s["masters"] for s in services] == [[ana_id]]


async def test_services_and_masters_of_another_business_never_show(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    master_b = await add_master(app, b.id, (await register(client)).id)
    await add_service(app, b.id, [master_b], name="B only")
    assert (await client.get(f"{PUBLIC}/{a.subdomain}/services")).json()["data"] == []
    assert (await client.get(f"{PUBLIC}/{a.subdomain}/masters")).json()["data"] == []
    assert len((await client.get(f"{PUBLIC}/{b.subdomain}/services")).json()["data"]) == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
async def test_businesses_not_active_are_missing(
    app: FastAPI, client: httpx.AsyncClient, status: str
) -> None:
    admin = await admin_headers(app, client)
    owner = await register(client, verified=True)
    business = await create_business(client, owner.headers, name="Hidden Place")
    decisions = {"pending": [], "rejected": ["reject"], "suspended": ["approve", "suspend"]}
    for decision in decisions[status]:
        response = await client.put(
            f"/api/v1/admin/tenants/{business['id']}/{decision}",
            json={"reason": "x"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
    for suffix in ("", "/services", "/masters"):
        response = await client.get(f"{PUBLIC}/{business['subdomain']}{suffix}")
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
        assert "Hidden Place" not in response.text


async def test_unknown_or_malformed_subdomains_are_404(client: httpx.AsyncClient) -> None:
    for subdomain in ("nobody-here", "UPPER", "x" * 63):
        for suffix in ("", "/services", "/masters"):
            assert_error(
                await client.get(f"{PUBLIC}/{subdomain}{suffix}"), 404, "RESOURCE_NOT_FOUND"
            )
    assert_error(await client.get(f"{PUBLIC}/{'x' * 64}"), 400, "VALIDATION_ERROR")


async def test_host_names_the_tenant(app_factory: AppFactory) -> None:
    app = await app_factory(base_domain="bookwell.test")
    async with client_for(app) as client:
        tenant = await active_business(app, client, subdomain="acme", name="Acme Spa")
        master = await add_master(app, tenant.id, (await register(client)).id)
        await add_service(app, tenant.id, [master], name="Massage")
        pending = await create_business(client, tenant.owner.headers, subdomain="sleepy")

        for host in ("acme.bookwell.test", "ACME.bookwell.test:8443", "acme.bookwell.test."):
            page = await client.get(PUBLIC, headers={"Host": host})
            assert page.status_code == 200, (host, page.text)
            assert page.json()["data"]["id"] == tenant.id
        services = await client.get(f"{PUBLIC}/services", headers={"Host": "acme.bookwell.test"})
        assert [s["name"] for s in services.json()["data"]] == ["Massage"]
        masters = await client.get(f"{PUBLIC}/masters", headers={"Host": "acme.bookwell.test"})
        assert [m["id"] for m in masters.json()["data"]] == [master]

        not_tenants = [
            "bookwell.test",
            "www.bookwell.test",
            "deep.acme.bookwell.test",
            "acme.other.test",
            "acme.bookwell.test.evil.com",
            "testserver",
            "127.0.0.1:8000",
            "[::1]:8000",
            f"{pending['subdomain']}.bookwell.test",
        ]
        for host in not_tenants:
            for suffix in ("", "/services", "/masters"):
                response = await client.get(f"{PUBLIC}{suffix}", headers={"Host": host})
                assert_error(response, 404, "RESOURCE_NOT_FOUND")
                assert "Acme Spa" not in response.text


def test_subdomain_of_host() -> None:
    assert subdomain_of_host("acme.example.com", "example.com") == "acme"
    assert subdomain_of_host("Acme.Example.COM:80", "example.com") == "acme"
    assert subdomain_of_host("example.com", "example.com") is None
    assert subdomain_of_host(".example.com", "example.com") is None
    assert subdomain_of_host("a.b.example.com", "example.com") is None
    assert subdomain_of_host("acmeexample.com", "example.com") is None
    assert subdomain_of_host("acme.localhost:8000", "localhost") == "acme"
    assert subdomain_of_host("", "example.com") is None
