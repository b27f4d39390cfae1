"""Races for one slot, through the HTTP API (httpx on the ASGI app, all requests
released at once), on PostgreSQL where the exclusion constraint decides, and on
SQLite where writes take turns.

Every race ends with the same checks: exactly the expected number of 201s (or 200s),
409 BOOKING_CONFLICT for the rest, and no two active bookings of one master holding
overlapping time (`overlapping_pairs`). The control tests run the same harness with
the guard switched off (a scratch database without the exclusion constraint, the
application's check forced to pass) and show it catches the double booking: the
harness can fail.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import bookwell.bookings.rules as rules
from bookwell.app import create_app
from bookwell.config import Settings
from bookwell.migrations import run_migrations
from bookwell.models import ACTIVE_STATUSES, Base, Booking
from tests.bookings.builders import (
    PUBLIC_BOOKING,
    Salon,
    appointment,
    customers,
    monday_at,
    overlapping_pairs,
    put_booking,
    salon,
)
from tests.businesses.factories import add_service
from tests.conftest import client_for, make_settings, run_in_thread
from tests.factories import remember_app

BOOKINGS = "/api/v1/bookings"
Send = Callable[[], Awaitable[httpx.Response]]


# --- harness -------------------------------------------------------------------


class InFlight:
    """ASGI wrapper counting the requests inside the app at once: proof that a race
    really ran concurrently, not one request after another."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.now = 0
        self.peak = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@asynccontextmanager
async def racing_client(app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, InFlight]]:
    counter = InFlight(app)
    transport = httpx.ASGITransport(app=counter)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        remember_app(client, app)
        yield client, counter


async def race(sends: list[Send], counter: InFlight) -> list[httpx.Response]:
    """Start every request at once (all wait at one gate) and collect the answers;
    all of them were inside the app together at some moment."""
    gate = asyncio.Event()

    async def one(send: Send) -> httpx.Response:
        await gate.wait()
        return await send()

    tasks = [asyncio.create_task(one(send)) for send in sends]
    await asyncio.sleep(0)
    counter.peak = counter.now
    gate.set()
    responses = list(await asyncio.gather(*tasks))
    assert counter.peak == len(sends), f"only {counter.peak} requests ran at once"
    return responses


def tally(responses: list[httpx.Response]) -> Counter[str]:
    """ "201", "409 BOOKING_CONFLICT", ...: how the race was answered."""
    outcomes: Counter[str] = Counter()
    for response in responses:
        if response.status_code < 300:
            outcomes[str(response.status_code)] += 1
        else:
            outcomes[f"{response.status_code} {response.json()['error']['code']}"] += 1
    return outcomes


async def assert_winners(
    app: FastAPI, responses: list[httpx.Response], winners: int = 1, success: int = 201
) -> None:
    """Exactly `winners` succeeded, every other request is 409 BOOKING_CONFLICT, and
    the database holds no overlapping active bookings."""
    expected = {str(success): winners, "409 BOOKING_CONFLICT": len(responses) - winners}
    assert tally(responses) == {k: v for k, v in expected.items() if v}
    assert await overlapping_pairs(app) == []


async def active_bookings(app: FastAPI, master_id: str) -> list[Booking]:
    async with app.state.db.session() as session:
        rows = await session.scalars(
            select(Booking).where(
                Booking.master_id == uuid.UUID(master_id), Booking.status.in_(ACTIVE_STATUSES)
            )
        )
        return list(rows)


def create(
    client: httpx.AsyncClient, headers: dict[str, str], shop: Salon, start: Any, **body: Any
) -> Send:
    """POST /bookings as this customer, for the salon's first master."""
    payload = {
        "serviceId": shop.service,
        "specialistId": shop.masters[0],
        "scheduledAt": start.isoformat(),
        "notes": "race",
        **body,
    }
    return lambda: client.post(BOOKINGS, json=payload, headers=headers)


async def always_free(*args: Any, **kwargs: Any) -> None:
    """The application's check, made to pass: only the database guard is left."""


# --- apps ------------------------------------------------------------------------


async def _recreate(url: str, *, create: bool = True) -> None:
    target = make_url(url)
    admin = await asyncpg.connect(
        target.set(database="postgres").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        if create:
            await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def unguarded_url(postgres_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database at head, without ex_bookings_master_busy."""
    target = make_url(postgres_url)
    url = target.set(database=f"{target.database}_unguarded").render_as_string(hide_password=False)
    run_in_thread(_recreate(url))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run_migrations, Settings(_env_file=None, database_url=url)).result()  # type: ignore[call-arg]
    run_in_thread(_execute(url, "ALTER TABLE bookings DROP CONSTRAINT ex_bookings_master_busy"))
    yield url
    run_in_thread(_recreate(url, create=False))


async def _started(tmp_path: Path, url: str, truncate: bool) -> AsyncIterator[FastAPI]:
    # Limits off (one client IP), and enough connections for the racers.
    settings = make_settings(
        tmp_path, url, rate_limits_enabled=False, db_pool_size=20, db_max_overflow=0
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if truncate:
            async with app.state.db.engine.begin() as connection:
                tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        yield app


@pytest.fixture
async def pg_app(postgres_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    async for app in _started(tmp_path, postgres_url, truncate=True):
        yield app


@pytest.fixture
async def unguarded_app(unguarded_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    async for app in _started(tmp_path, unguarded_url, truncate=True):
        yield app


@pytest.fixture
async def sqlite_app(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[FastAPI]:
    path = tmp_path / "race.db"
    shutil.copyfile(sqlite_template, path)
    async for app in _started(tmp_path, f"sqlite:///{path}", truncate=False):
        yield app


# --- PostgreSQL: POST /bookings ----------------------------------------------------


@pytest.mark.postgres
async def test_fifty_customers_race_for_one_slot(pg_app: FastAPI) -> None:
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client)
        racers = await customers(pg_app, 50)
        start = monday_at(10)

        responses = await race(
            [create(client, headers, shop, start) for headers in racers], counter
        )

    await assert_winners(pg_app, responses)
    [booking] = await active_bookings(pg_app, shop.masters[0])
    assert booking.starts_at == start
    winner = next(r for r in responses if r.status_code == 201)
    assert winner.json()["data"]["booking"]["id"] == str(booking.id)
    for lost in (r for r in responses if r.status_code == 409):
        assert lost.json()["error"]["details"][0]["field"] == "scheduledAt"


@pytest.mark.postgres
async def test_overlapping_but_unequal_times_have_one_winner(pg_app: FastAPI) -> None:
    """10:00-11:00 with 30 minutes after it, 10:30-11:30, and 11:15-12:00: every two
    overlap only through the buffer or partly, never exactly."""
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client, buffer_after_minutes=30)
        short = await add_service(pg_app, shop.id, shop.masters, duration_minutes=45, price=3000)
        racers = await customers(pg_app, 48)
        offers = [
            (shop.service, monday_at(10)),
            (shop.service, monday_at(10, 30)),
            (short, monday_at(11, 15)),
        ]
        sends = [
            create(client, headers, shop, offers[i % 3][1], serviceId=offers[i % 3][0])
            for i, headers in enumerate(racers)
        ]

        responses = await race(sends, counter)

    await assert_winners(pg_app, responses)
    assert len(await active_bookings(pg_app, shop.masters[0])) == 1


@pytest.mark.postgres
async def test_reschedules_into_one_slot_have_one_winner(pg_app: FastAPI) -> None:
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client)
        racers = await customers(pg_app, 8)
        booked = []
        for hour, headers in zip(range(9, 17), racers, strict=True):
            response = await create(client, headers, shop, monday_at(hour))()
            assert response.status_code == 201, response.text
            booked.append((response.json()["data"]["booking"]["id"], headers))
        target = monday_at(10) + timedelta(days=1)

        def move(booking_id: str, headers: dict[str, str]) -> Send:
            body = {"newScheduledAt": target.isoformat(), "reason": "race"}
            url = f"{BOOKINGS}/{booking_id}/reschedule"
            return lambda: client.post(url, json=body, headers=headers)

        responses = await race(
            [move(booking_id, headers) for booking_id, headers in booked], counter
        )

    await assert_winners(pg_app, responses, success=200)
    rows = await active_bookings(pg_app, shop.masters[0])
    assert len(rows) == 8
    assert sum(row.starts_at == target for row in rows) == 1
    # The losers kept their times: 9:00 to 16:00, one of them now moved.
    assert len({row.starts_at for row in rows}) == 8


@pytest.mark.postgres
async def test_a_reschedule_and_new_bookings_race_for_one_slot(pg_app: FastAPI) -> None:
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client)
        mover, *others = await customers(pg_app, 11)
        response = await create(client, mover, shop, monday_at(9))()
        assert response.status_code == 201, response.text
        booking_id = response.json()["data"]["booking"]["id"]
        target = monday_at(14)

        def move() -> Awaitable[httpx.Response]:
            url = f"{BOOKINGS}/{booking_id}/reschedule"
            return client.post(url, json={"newScheduledAt": target.isoformat()}, headers=mover)

        responses = await race([move, *(create(client, h, shop, target) for h in others)], counter)

    outcomes = tally(responses)
    assert outcomes["200"] + outcomes["201"] == 1, outcomes
    assert outcomes["409 BOOKING_CONFLICT"] == 10, outcomes
    assert await overlapping_pairs(pg_app) == []
    assert (
        sum(row.starts_at == target for row in await active_bookings(pg_app, shop.masters[0])) == 1
    )


# --- PostgreSQL: POST /public/booking ------------------------------------------------


@pytest.mark.postgres
async def test_fifty_guests_race_for_one_master(pg_app: FastAPI) -> None:
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client)
        body = appointment(shop, monday_at(11), masterId=shop.masters[0])
        responses = await race(
            [lambda: client.post(PUBLIC_BOOKING, json=body) for _ in range(50)], counter
        )
    await assert_winners(pg_app, responses)


@pytest.mark.postgres
async def test_guests_asking_for_any_master_fill_every_master_once(pg_app: FastAPI) -> None:
    """Thirty guests, three masters, one time. The first master has the fewest
    bookings that day (even once booked at that time), so every guest tries them
    first; the losers move on to the next free master, so exactly three win, one per
    master."""
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client, masters=3)
        for master in shop.masters[1:]:
            for hour in (15, 16):
                await put_booking(pg_app, shop.id, monday_at(hour), master_id=master)
        body = appointment(shop, monday_at(11), masterId="any")
        responses = await race(
            [lambda: client.post(PUBLIC_BOOKING, json=body) for _ in range(30)], counter
        )
    await assert_winners(pg_app, responses, winners=3)
    assert [len(await active_bookings(pg_app, m)) for m in shop.masters] == [1, 3, 3]
    chosen = Counter(
        r.json()["data"]["booking"]["master"]["id"] for r in responses if r.status_code == 201
    )
    assert chosen == dict.fromkeys(shop.masters, 1)


# --- PostgreSQL: the guard alone, and without it ---------------------------------------


@pytest.mark.postgres
async def test_the_database_alone_keeps_one_winner(
    pg_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the application's check forced to pass, every request reaches the INSERT;
    the exclusion constraint still lets exactly one through."""
    async with racing_client(pg_app) as (client, counter):
        shop = await salon(pg_app, client)
        racers = await customers(pg_app, 50)
        monkeypatch.setattr(rules, "why_not", always_free)
        responses = await race([create(client, h, shop, monday_at(12)) for h in racers], counter)
    await assert_winners(pg_app, responses)


@pytest.mark.postgres
async def test_control_without_the_guard_the_harness_catches_the_double_booking(
    unguarded_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race on a database without the exclusion constraint, the check forced
    to pass: the checks every race test ends with fail."""
    async with racing_client(unguarded_app) as (client, counter):
        shop = await salon(unguarded_app, client)
        racers = await customers(unguarded_app, 50)
        monkeypatch.setattr(rules, "why_not", always_free)
        responses = await race([create(client, h, shop, monday_at(12)) for h in racers], counter)

    assert tally(responses)["201"] > 1
    assert len(await active_bookings(unguarded_app, shop.masters[0])) > 1
    assert await overlapping_pairs(unguarded_app) != []
    with pytest.raises(AssertionError):
        await assert_winners(unguarded_app, responses)


INSERT = """
INSERT INTO bookings (
    id, business_id, kind, service_name, master_id, contact_name, company, starts_at,
    ends_at, busy_from, busy_until, timezone, status, currency, total_amount,
    deposit_amount, deposit_paid, notes, inquiry, preparation_notes, completion_notes,
    deliverables, cancellation_reason, version, created_at, updated_at
) VALUES (
    $1, $2, 'appointment', 'Race', $3, 'Racer', '', $4, $5, $4, $5, 'UTC', 'confirmed',
    'EUR', 0, 0, false, '', '', '', '', '[]', '', 1, now(), now()
)
"""


async def insert_at_once(url: str, shop: Salon, count: int) -> Counter[str]:
    """`count` connections INSERT the same hour for one master at the same moment."""
    start = monday_at(15).astimezone(UTC)
    connections = [await asyncpg.connect(url) for _ in range(count)]
    gate = asyncio.Event()

    async def one(connection: asyncpg.Connection) -> str:
        await gate.wait()
        try:
            await connection.execute(
                INSERT,
                uuid.uuid4(),
                uuid.UUID(shop.id),
                uuid.UUID(shop.masters[0]),
                start,
                start + timedelta(hours=1),
            )
        # Two inserts that wait on each other's uncommitted row can deadlock; PostgreSQL
        # then aborts one. Either way the database refused it: what counts is that
        # exactly one row got in.
        except (asyncpg.ExclusionViolationError, asyncpg.DeadlockDetectedError):
            return "refused"
        return "inserted"

    try:
        tasks = [asyncio.create_task(one(c)) for c in connections]
        await asyncio.sleep(0)
        gate.set()
        return Counter(await asyncio.gather(*tasks))
    finally:
        for connection in connections:
            await connection.close()


@pytest.mark.postgres
async def test_the_driver_race_is_decided_by_the_constraint_alone(
    pg_app: FastAPI, postgres_url: str, unguarded_app: FastAPI, unguarded_url: str
) -> None:
    """No application at all: the same INSERTs sent at once through asyncpg. With the
    constraint one is inserted; without it (control) all are, and the overlap check
    finds them."""
    async with client_for(pg_app) as client:
        guarded = await salon(pg_app, client)
    async with client_for(unguarded_app) as client:
        unguarded = await salon(unguarded_app, client)

    assert await insert_at_once(postgres_url, guarded, 20) == {"inserted": 1, "refused": 19}
    assert await overlapping_pairs(pg_app) == []

    assert await insert_at_once(unguarded_url, unguarded, 20) == {"inserted": 20}
    assert len(await overlapping_pairs(unguarded_app)) == 20 * 19 // 2


# --- SQLite ------------------------------------------------------------------------


async def test_sqlite_takes_one_of_many_requests_for_one_slot(sqlite_app: FastAPI) -> None:
    async with racing_client(sqlite_app) as (client, counter):
        shop = await salon(sqlite_app, client)
        racers = await customers(sqlite_app, 20)
        responses = await race([create(client, h, shop, monday_at(10)) for h in racers], counter)
        await assert_winners(sqlite_app, responses)

        body = appointment(shop, monday_at(13), masterId="any")
        responses = await race(
            [lambda: client.post(PUBLIC_BOOKING, json=body) for _ in range(20)], counter
        )
        await assert_winners(sqlite_app, responses)
    assert len(await active_bookings(sqlite_app, shop.masters[0])) == 2


async def test_sqlite_guard_alone_keeps_one_winner(
    sqlite_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check forced to pass: the trigger refuses every insert after the first."""
    async with racing_client(sqlite_app) as (client, counter):
        shop = await salon(sqlite_app, client)
        racers = await customers(sqlite_app, 20)
        monkeypatch.setattr(rules, "why_not", always_free)
        responses = await race([create(client, h, shop, monday_at(10)) for h in racers], counter)
    await assert_winners(sqlite_app, responses)
