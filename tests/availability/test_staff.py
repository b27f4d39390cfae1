"""A master's availability through the business's routes: who may see and change
it, the audit trail, and business hours around a master's hours."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import AuditEntry, BusinessRole
from tests.availability.factories import slots_of, upcoming
from tests.businesses.factories import (
    Tenant,
    active_business,
    add_location,
    add_master,
    add_member,
    add_service,
)
from tests.factories import Account, assert_error, register

NINE_TO_FIVE = {
    day: [{"start": "09:00", "end": "17:00"}]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}


def base(tenant: Tenant, master_id: str) -> str:
    return f"/api/v1/businesses/{tenant.id}/masters/{master_id}/availability"


def block_body(day: Any, start: str = "10:00", end: str = "11:00") -> dict[str, str]:
    return {"startDateTime": f"{day}T{start}:00Z", "endDateTime": f"{day}T{end}:00Z"}


async def staffed(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    """A business (Berlin) with a master at the main location, a manager of it, a
    manager of another location and a second master."""
    tenant = await active_business(app, client)
    main = str((await add_location(client, tenant))["id"])
    other = str((await add_location(client, tenant))["id"])
    people = {name: await register(client) for name in ("master", "colleague", "boss", "outsider")}
    master = await add_master(
        app, tenant.id, people["master"].id, [main], working_hours=NINE_TO_FIVE, timezone="UTC"
    )
    await add_master(app, tenant.id, people["colleague"].id, [other])
    await add_member(app, tenant.id, people["boss"].id, BusinessRole.MANAGER, [main])
    await add_member(app, tenant.id, people["outsider"].id, BusinessRole.MANAGER, [other])
    return {"tenant": tenant, "master_id": master, **people}


async def test_who_may_change_a_masters_schedule(app: FastAPI, client: httpx.AsyncClient) -> None:
    world = await staffed(app, client)
    tenant, master = world["tenant"], world["master_id"]
    url = base(tenant, master)
    day = upcoming(1)
    allowed: dict[str, Account | None] = {
        "owner": None,
        "master": world["master"],
        "boss": world["boss"],
    }
    for name, account in allowed.items():
        headers = account.headers if account else tenant.owner.headers
        made = await client.post(url + "/blocks", json=block_body(day), headers=headers)
        assert made.status_code == 201, (name, made.text)
        override = await client.put(
            f"{url}/overrides/{day + timedelta(days=7)}", json={"hours": []}, headers=headers
        )
        assert override.status_code == 200, (name, override.text)
    for name in ("colleague", "outsider"):
        headers = world[name].headers
        refused = await client.post(url + "/blocks", json=block_body(day), headers=headers)
        assert_error(refused, 403, "INSUFFICIENT_PERMISSIONS")
        assert_error(
            await client.get(url + "/blocks", headers=headers), 403, "INSUFFICIENT_PERMISSIONS"
        )
        # Slots are for every member of staff (the public sees them too).
        assert (await client.get(url, headers=headers)).status_code == 200
    listed = await client.get(url + "/blocks", headers=world["boss"].headers)
    assert len(listed.json()["data"]) == 3


async def test_changes_through_the_business_are_audited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await staffed(app, client)
    tenant, master = world["tenant"], world["master_id"]
    url = base(tenant, master)
    day = upcoming(1)
    block = (
        await client.post(url + "/blocks", json=block_body(day), headers=world["boss"].headers)
    ).json()["data"]
    removed = await client.delete(f"{url}/blocks/{block['id']}", headers=tenant.owner.headers)
    assert removed.status_code == 200, removed.text
    await client.put(f"{url}/overrides/{day}", json={"hours": []}, headers=tenant.owner.headers)
    await client.delete(f"{url}/overrides/{day}", headers=tenant.owner.headers)

    database: Database = app.state.db
    async with database.session() as session:
        entries = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type.like("availability_%"))
                .order_by(AuditEntry.created_at)
            )
        ).all()
    assert [(e.action, e.entity_type) for e in entries] == [
        ("create", "availability_block"),
        ("delete", "availability_block"),
        ("create", "availability_override"),
        ("delete", "availability_override"),
    ]
    assert {e.business_id for e in entries} == {uuid.UUID(tenant.id)}
    assert entries[0].actor_user_id == uuid.UUID(world["boss"].id)
    assert entries[1].actor_user_id == uuid.UUID(tenant.owner.id)
    assert entries[2].after is not None
    assert entries[2].after["day"] == str(day)


async def test_a_block_of_another_master_is_not_found(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await staffed(app, client)
    tenant = world["tenant"]
    colleague = await add_master(app, tenant.id, (await register(client)).id)
    url = base(tenant, world["master_id"])
    block = (
        await client.post(
            url + "/blocks", json=block_body(upcoming(1)), headers=tenant.owner.headers
        )
    ).json()["data"]
    response = await client.delete(
        f"{base(tenant, colleague)}/blocks/{block['id']}", headers=tenant.owner.headers
    )
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    unknown = await client.get(base(tenant, str(uuid.uuid4())), headers=tenant.owner.headers)
    assert_error(unknown, 404, "RESOURCE_NOT_FOUND")


async def test_business_hours_bound_the_master_and_fill_in_for_missing_hours(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # The business (Europe/Berlin) opens 09:00-17:00 on weekdays.
    tenant = await active_business(app, client, timezone="Europe/Berlin")
    early = await add_master(
        app,
        tenant.id,
        (await register(client)).id,
        working_hours={"monday": [{"start": "07:00", "end": "12:00"}]},
        timezone="Europe/Berlin",
    )
    without = await add_master(
        app, tenant.id, (await register(client)).id, working_hours={}, timezone="Asia/Almaty"
    )
    service = await add_service(
        app, tenant.id, [early, without], duration_minutes=60, slot_step_minutes=60
    )
    monday = upcoming(0)
    params = {
        "startDate": str(monday),
        "endDate": str(monday),
        "timezone": "Europe/Berlin",
        "serviceId": service,
    }

    response = await client.get(base(tenant, early), params=params, headers=tenant.owner.headers)
    assert response.status_code == 200, response.text
    found = {s["startTime"]: s.get("reason") for s in slots_of(response.json(), monday)}
    assert found == {
        "07:00": "outside_hours",
        "08:00": "outside_hours",
        "09:00": None,
        "10:00": None,
        "11:00": None,
    }

    response = await client.get(base(tenant, without), params=params, headers=tenant.owner.headers)
    found = {s["startTime"]: s.get("reason") for s in slots_of(response.json(), monday)}
    assert list(found) == [f"{h:02d}:00" for h in range(9, 17)]
    assert set(found.values()) == {None}
