"""GET /public/business/{subdomain}/availability (and by Host): one day of a
business's slots for a service, masters merged."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from bookwell.availability.schemas import BusinessAvailabilityOut
from bookwell.kit.schemas import Envelope
from tests.availability.factories import book, slots_of, upcoming
from tests.businesses.factories import Tenant, active_business, add_master, add_service
from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, fields_of, register

BERLIN = ZoneInfo("Europe/Berlin")


async def salon(app: FastAPI, client: httpx.AsyncClient) -> tuple[Tenant, str, str, str]:
    """A Berlin business with two masters delivering one 60-minute service: Ann works
    09:00-13:00, Bob 11:00-15:00 (Berlin). Returns the tenant, service, Ann, Bob."""
    tenant = await active_business(app, client, timezone="Europe/Berlin")
    ann, bob = [
        await add_master(
            app,
            tenant.id,
            (await register(client)).id,
            timezone="Europe/Berlin",
            working_hours={"monday": [{"start": start, "end": end}]},
        )
        for start, end in (("09:00", "13:00"), ("11:00", "15:00"))
    ]
    service = await add_service(
        app, tenant.id, [ann, bob], duration_minutes=60, slot_step_minutes=60
    )
    return tenant, service, ann, bob


def url(tenant: Tenant) -> str:
    return f"/api/v1/public/business/{tenant.subdomain}/availability"


def by_time(body: dict[str, Any], day: Any) -> dict[str, tuple[bool, str | None, list[str]]]:
    return {
        s["startTime"]: (s["available"], s.get("reason"), s["masterIds"])
        for s in slots_of(body, day)
    }


async def test_masters_are_merged_free_when_any_is(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant, service, ann, bob = await salon(app, client)
    monday = upcoming(0)
    await book(app, ann, service, datetime.combine(monday, time(11), tzinfo=BERLIN))
    await book(app, ann, service, datetime.combine(monday, time(12), tzinfo=BERLIN))
    await book(app, bob, service, datetime.combine(monday, time(12), tzinfo=BERLIN))

    response = await client.get(url(tenant), params={"serviceId": service, "date": str(monday)})
    assert response.status_code == 200, response.text
    body = response.json()
    Envelope[BusinessAvailabilityOut].model_validate(body)
    assert body["data"]["masterIds"] == [ann, bob]
    assert body["data"]["timezone"] == "Europe/Berlin"
    assert by_time(body, monday) == {
        "09:00": (True, None, [ann]),
        "10:00": (True, None, [ann]),
        "11:00": (True, None, [bob]),  # Ann is booked
        "12:00": (False, "booked", []),  # both are
        "13:00": (True, None, [bob]),
        "14:00": (True, None, [bob]),
    }

    only_bob = await client.get(
        url(tenant), params={"serviceId": service, "date": str(monday), "masterId": bob}
    )
    assert only_bob.json()["data"]["masterIds"] == [bob]
    assert list(by_time(only_bob.json(), monday)) == ["11:00", "12:00", "13:00", "14:00"]
    anyone = await client.get(
        url(tenant), params={"serviceId": service, "date": str(monday), "masterId": "any"}
    )
    assert anyone.json() == body


async def test_unknown_services_and_masters(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant, service, _, _ = await salon(app, client)
    other = await active_business(app, client)
    foreign_service = await add_service(app, other.id)
    loner = await add_master(app, tenant.id, (await register(client)).id)
    for params, field in (
        ({"serviceId": foreign_service}, "serviceId"),
        ({"serviceId": str(uuid.uuid4())}, "serviceId"),
        ({"serviceId": service, "masterId": loner}, "masterId"),
    ):
        error = assert_error(
            await client.get(url(tenant), params=params), 404, "RESOURCE_NOT_FOUND"
        )
        assert fields_of(error) == {field}
    bad = await client.get(url(tenant), params={"serviceId": service, "masterId": "someone"})
    assert fields_of(assert_error(bad, 400, "VALIDATION_ERROR")) == {"masterId"}
    zone = await client.get(url(tenant), params={"serviceId": service, "timezone": "Berlin"})
    assert fields_of(assert_error(zone, 400, "VALIDATION_ERROR")) == {"timezone"}
    missing = await client.get(
        "/api/v1/public/business/no-such-place/availability", params={"serviceId": service}
    )
    assert_error(missing, 404, "RESOURCE_NOT_FOUND")


async def test_the_host_names_the_business(app_factory: AppFactory) -> None:
    app = await app_factory(base_domain="bookwell.test")
    async with client_for(app) as client:
        tenant, service, _, _ = await salon(app, client)
        monday = upcoming(0)
        params = {"serviceId": service, "date": str(monday), "timezone": "UTC"}
        by_host = await client.get(
            "/api/v1/public/business/availability",
            params=params,
            headers={"Host": f"{tenant.subdomain}.bookwell.test"},
        )
        assert by_host.status_code == 200, by_host.text
        by_path = await client.get(url(tenant), params=params)
        assert by_host.json() == by_path.json()
        # 09:00 Berlin is 07:00 or 08:00 UTC, depending on the season.
        first = slots_of(by_host.json(), monday)[0]
        assert first["startsAt"].endswith("+00:00")
        elsewhere = await client.get(
            "/api/v1/public/business/availability",
            params=params,
            headers={"Host": "bookwell.test"},
        )
        assert_error(elsewhere, 404, "RESOURCE_NOT_FOUND")


async def test_a_service_nobody_delivers_has_no_slots(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    service = await add_service(app, tenant.id)
    monday = upcoming(0)
    response = await client.get(url(tenant), params={"serviceId": service, "date": str(monday)})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["masterIds"] == []
    assert data["availableSlots"] == [{"date": str(monday), "slots": []}]
