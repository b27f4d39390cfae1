"""Blocks: POST /specialists/availability/block (seed body, recurring, rrule),
GET .../blocks, DELETE .../block/{id}; their effect on slots, audit and caches."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.kit.cache import CATALOG, Cache
from bookwell.models import AuditEntry
from tests.availability.factories import OWN, own_service, slots_of, specialist, upcoming
from tests.factories import Account, assert_error, fields_of

BLOCK = OWN + "/block"
BLOCKS = OWN + "/blocks"


async def blocked(
    client: httpx.AsyncClient, account: Account, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(BLOCK, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def reasons_on(
    client: httpx.AsyncClient, account: Account, day: Any, zone: str | None = None
) -> dict[str, str | None]:
    params = {"startDate": str(day), "endDate": str(day)}
    if zone:
        params["timezone"] = zone
    response = await client.get(OWN, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return {s["startTime"]: s.get("reason") for s in slots_of(response.json(), day)}


async def test_the_seed_body_blocks_those_slots(app: FastAPI, client: httpx.AsyncClient) -> None:
    account, master_id = await specialist(client)
    await own_service(client, account, duration=60, slotStep=60)
    friday = upcoming(4)
    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)
    block = await blocked(
        client,
        account,
        {
            "startDateTime": f"{friday}T14:00:00Z",
            "endDateTime": f"{friday}T16:00:00Z",
            "reason": "personal time",
            "recurring": False,
        },
    )
    assert await cache.version(CATALOG) == version + 1
    assert block["masterId"] == master_id
    assert block["startDateTime"] == f"{friday}T14:00:00Z"
    assert block["endDateTime"] == f"{friday}T16:00:00Z"
    assert (block["reason"], block["recurring"], block["rrule"], block["repeatUntil"]) == (
        "personal time",
        False,
        None,
        None,
    )
    assert block["timezone"] == "UTC"
    found = await reasons_on(client, account, friday)
    assert found["13:00"] is None
    assert found["14:00"] == found["15:00"] == "blocked"
    assert found["16:00"] is None
    next_friday = await reasons_on(client, account, friday + timedelta(weeks=1))
    assert next_friday["14:00"] is None

    listed = await client.get(BLOCKS, headers=account.headers)
    assert [b["id"] for b in listed.json()["data"]] == [block["id"]]

    database: Database = app.state.db
    async with database.session() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == block["id"]))
        ).all()
    assert [(e.action, e.entity_type) for e in entries] == [("create", "availability_block")]
    assert entries[0].actor_user_id == uuid.UUID(account.id)

    removed = await client.delete(f"{BLOCK}/{block['id']}", headers=account.headers)
    assert removed.status_code == 200, removed.text
    assert await cache.version(CATALOG) == version + 2
    assert (await reasons_on(client, account, friday))["14:00"] is None
    assert (await client.get(BLOCKS, headers=account.headers)).json()["data"] == []
    again = await client.delete(f"{BLOCK}/{block['id']}", headers=account.headers)
    assert_error(again, 404, "RESOURCE_NOT_FOUND")


async def test_recurring_without_a_rule_repeats_weekly_at_the_local_time_across_dst(
    client: httpx.AsyncClient,
) -> None:
    zone = ZoneInfo("America/New_York")
    account, _ = await specialist(client, timezone="America/New_York")
    await own_service(client, account, duration=60, slotStep=60)
    # The last Monday of February: EST. Two weeks on it is EDT (second Sunday of March).
    monday = upcoming(0)
    while (monday + timedelta(weeks=1)).month != 3:
        monday += timedelta(weeks=1)
    start = datetime.combine(monday, time(14), tzinfo=zone)
    block = await blocked(
        client,
        account,
        {
            "startDateTime": start.isoformat(),
            "endDateTime": (start + timedelta(hours=1)).isoformat(),
            "recurring": True,
        },
    )
    assert (block["recurring"], block["rrule"], block["timezone"]) == (
        True,
        "FREQ=WEEKLY",
        "America/New_York",
    )
    assert start.utcoffset() != (start + timedelta(weeks=3)).utcoffset()
    for weeks in range(4):
        found = await reasons_on(client, account, monday + timedelta(weeks=weeks))
        assert found["14:00"] == "blocked", weeks
        assert found["13:00"] is None
        assert found["15:00"] is None


async def test_an_rrule_with_until_and_repeat_until(client: httpx.AsyncClient) -> None:
    account, _ = await specialist(client)
    await own_service(client, account, duration=60, slotStep=60)
    monday = upcoming(0)
    last = monday + timedelta(days=2)
    block = await blocked(
        client,
        account,
        {
            "startDateTime": f"{monday}T12:00:00Z",
            "endDateTime": f"{monday}T13:00:00Z",
            "reason": "lunch",
            "rrule": f"RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL={last:%Y%m%d}",
        },
    )
    assert block["rrule"] == "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
    assert block["recurring"] is True
    assert block["repeatUntil"] == f"{last + timedelta(days=1)}T00:00:00Z"
    for offset, expected in ((0, "blocked"), (2, "blocked"), (3, None)):
        found = await reasons_on(client, account, monday + timedelta(days=offset))
        assert found["12:00"] == expected, offset

    capped = await blocked(
        client,
        account,
        {
            "startDateTime": f"{monday}T16:00:00Z",
            "endDateTime": f"{monday}T17:00:00Z",
            "rrule": "FREQ=DAILY;COUNT=10",
            "repeatUntil": str(monday + timedelta(days=1)),
        },
    )
    assert capped["repeatUntil"] == f"{monday + timedelta(days=2)}T00:00:00Z"
    assert (await reasons_on(client, account, monday + timedelta(days=1)))["16:00"] == "blocked"
    assert (await reasons_on(client, account, monday + timedelta(days=2)))["16:00"] is None


async def test_blocks_are_listed_by_start_and_past_ones_on_request(
    client: httpx.AsyncClient,
) -> None:
    account, _ = await specialist(client)
    later, sooner = upcoming(2, weeks=3), upcoming(2)
    for day in (later, sooner):
        await blocked(
            client,
            account,
            {"startDateTime": f"{day}T10:00:00Z", "endDateTime": f"{day}T11:00:00Z"},
        )
    past_day = upcoming(2, weeks=-4)
    await blocked(
        client,
        account,
        {"startDateTime": f"{past_day}T10:00:00Z", "endDateTime": f"{past_day}T11:00:00Z"},
    )
    current = (await client.get(BLOCKS, headers=account.headers)).json()["data"]
    assert [b["startDateTime"][:10] for b in current] == [str(sooner), str(later)]
    everything = await client.get(BLOCKS, params={"includePast": "true"}, headers=account.headers)
    assert [b["startDateTime"][:10] for b in everything.json()["data"]] == [
        str(past_day),
        str(sooner),
        str(later),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startDateTime": "2030-01-07T10:00:00"}, "startDateTime"),
        ({"endDateTime": "2030-01-07T09:00:00Z"}, "endDateTime"),
        ({"endDateTime": "2031-06-01T09:00:00Z"}, "endDateTime"),
        (
            {"startDateTime": "1970-01-01T10:00:00Z", "endDateTime": "1970-01-01T11:00:00Z"},
            "startDateTime",
        ),
        ({"rrule": "DTSTART:20300107T100000Z\nRRULE:FREQ=WEEKLY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=TU"}, "rrule"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY", "recurring": False}, "recurring"),
        ({"repeatUntil": "2030-02-01"}, "repeatUntil"),
        ({"recurring": True, "repeatUntil": "2030-01-01"}, "repeatUntil"),
        ({"recurring": True, "repeatUntil": "2030-02-01T10:00:00"}, "repeatUntil"),
        ({"recurring": True, "repeatUntil": "soon"}, "repeatUntil"),
        ({"reason": "x" * 501}, "reason"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_blocks_are_400_naming_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    account, _ = await specialist(client)
    body = {"startDateTime": "2030-01-07T10:00:00Z", "endDateTime": "2030-01-07T11:00:00Z"}
    body.update(change)
    response = await client.post(BLOCK, json=body, headers=account.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}


async def test_one_specialist_cannot_remove_another_ones_block(client: httpx.AsyncClient) -> None:
    owner, _ = await specialist(client)
    other, _ = await specialist(client)
    day = upcoming(1)
    block = await blocked(
        client, owner, {"startDateTime": f"{day}T10:00:00Z", "endDateTime": f"{day}T11:00:00Z"}
    )
    response = await client.delete(f"{BLOCK}/{block['id']}", headers=other.headers)
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert len((await client.get(BLOCKS, headers=owner.headers)).json()["data"]) == 1
    assert (await client.get(BLOCKS, headers=other.headers)).json()["data"] == []
