"""Date overrides: PUT/DELETE /specialists/availability/overrides/{date} and the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bookwell.kit.cache import CATALOG, Cache
from tests.availability.factories import OWN, own_service, slots_of, specialist, upcoming
from tests.factories import Account, assert_error, fields_of

OVERRIDES = OWN + "/overrides"


async def times_on(client: httpx.AsyncClient, account: Account, day: Any) -> list[str]:
    response = await client.get(
        OWN, params={"startDate": str(day), "endDate": str(day)}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    return [s["startTime"] for s in slots_of(response.json(), day)]


async def test_other_hours_a_day_off_and_back_to_the_week(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account, _ = await specialist(client)
    await own_service(client, account, duration=60, slotStep=60)
    monday = upcoming(0)
    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)

    shorter = await client.put(
        f"{OVERRIDES}/{monday}",
        json={"hours": [{"start": "14:00", "end": "16:00"}, {"start": "10:00", "end": "12:00"}]},
        headers=account.headers,
    )
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["data"] == {
        "date": str(monday),
        "hours": [{"start": "10:00", "end": "12:00"}, {"start": "14:00", "end": "16:00"}],
        "dayOff": False,
        "reason": "",
    }
    assert await cache.version(CATALOG) == version + 1
    assert await times_on(client, account, monday) == ["10:00", "11:00", "14:00", "15:00"]
    assert len(await times_on(client, account, monday + timedelta(weeks=1))) == 8

    off = await client.put(
        f"{OVERRIDES}/{monday}", json={"hours": [], "reason": "holiday"}, headers=account.headers
    )
    assert off.json()["data"]["dayOff"] is True
    assert await times_on(client, account, monday) == []

    saturday = monday + timedelta(days=5)
    await client.put(
        f"{OVERRIDES}/{saturday}",
        json={"hours": [{"start": "10:00", "end": "12:00"}]},
        headers=account.headers,
    )
    listed = await client.get(
        OVERRIDES,
        params={"startDate": str(monday), "endDate": str(saturday)},
        headers=account.headers,
    )
    assert [(o["date"], o["dayOff"], o["reason"]) for o in listed.json()["data"]] == [
        (str(monday), True, "holiday"),
        (str(saturday), False, ""),
    ]

    removed = await client.delete(f"{OVERRIDES}/{monday}", headers=account.headers)
    assert removed.status_code == 200, removed.text
    assert len(await times_on(client, account, monday)) == 8
    assert await cache.version(CATALOG) == version + 4
    again = await client.delete(f"{OVERRIDES}/{monday}", headers=account.headers)
    assert fields_of(assert_error(again, 404, "RESOURCE_NOT_FOUND")) == {"date"}


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        ([{"start": "12:00", "end": "10:00"}], "before"),
        ([{"start": "9:00", "end": "10:00"}], "HH:MM"),
        ([{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}], "overlaps"),
        ([{"start": "09:00"}], "interval"),
        ({"start": "09:00", "end": "10:00"}, "list"),
    ],
)
async def test_hours_follow_the_weekly_hours_rules(
    client: httpx.AsyncClient, hours: Any, words: str
) -> None:
    account, _ = await specialist(client)
    response = await client.put(
        f"{OVERRIDES}/{upcoming(0)}", json={"hours": hours}, headers=account.headers
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"hours"}
    assert words in error["details"][0]["message"]


@pytest.mark.parametrize("day", ["2030-02-30", "monday", "0001-01-01"])
async def test_a_bad_date_is_400(client: httpx.AsyncClient, day: str) -> None:
    account, _ = await specialist(client)
    response = await client.put(f"{OVERRIDES}/{day}", json={"hours": []}, headers=account.headers)
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"date"}


async def test_the_list_range_is_checked(client: httpx.AsyncClient) -> None:
    account, _ = await specialist(client)
    first = upcoming(0)
    response = await client.get(
        OVERRIDES,
        params={"startDate": str(first), "endDate": str(first + timedelta(days=400))},
        headers=account.headers,
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"endDate"}
