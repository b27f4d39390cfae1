"""Idempotency-Key on POST /bookings: a retry gets the first answer, never a second
booking."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select, update

from bookwell.bookings.schemas import BookingCreateIn
from bookwell.kit.clock import utcnow
from bookwell.kit.idempotency import fingerprint
from bookwell.models import IdempotencyRecord
from tests.bookings.factories import book, booking_body, count_bookings, specialist, weekday_at
from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, register


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_the_same_key_and_body_replay_the_first_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, deposit=5)
    customer = await register(client)
    headers = key()
    start = weekday_at(10)

    first = await book(client, customer, host, start, headers=headers, notes="hi")
    # The same request written differently: another offset, keys in another order.
    body = booking_body(host, start.astimezone(), notes="hi")
    again = await client.post(
        "/api/v1/bookings",
        json=dict(reversed(body.items())),
        headers={**customer.headers, **headers},
    )

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_bookings(app, host.master_id) == 1


async def test_the_same_key_with_another_body_is_422(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    headers = key()
    await book(client, customer, host, weekday_at(10), headers=headers)

    other = await book(client, customer, host, weekday_at(12), headers=headers)

    error = assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert await count_bookings(app, host.master_id) == 1


async def test_keys_belong_to_their_sender(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    first, second = await register(client), await register(client)
    headers = key()
    mine = await book(client, first, host, weekday_at(10), headers=headers)
    theirs = await book(client, second, host, weekday_at(12), headers=headers)
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert "idempotent-replayed" not in theirs.headers


async def test_a_refused_request_does_not_use_up_its_key(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer, rival = await register(client), await register(client)
    start = weekday_at(10)
    blocker = await book(client, rival, host, start)
    headers = key()

    refused = await book(client, customer, host, start, headers=headers)
    assert_error(refused, 409, "BOOKING_CONFLICT")
    cancelled = await client.delete(
        f"/api/v1/bookings/{blocker.json()['data']['booking']['id']}", headers=host.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    retried = await book(client, customer, host, start, headers=headers)

    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers


async def test_a_key_still_in_use_is_409_until_its_claim_is_stale(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    start = weekday_at(10)
    headers = key()
    body = booking_body(host, start)
    async with app.state.db.session() as session:
        # As a first request that is still running (or died) would have left it.
        await session.execute(
            insert(IdempotencyRecord).values(
                scope=f"user:{customer.id} POST /bookings",
                key=headers["Idempotency-Key"],
                request_hash=fingerprint(
                    BookingCreateIn.model_validate(body).model_dump(mode="json")
                ),
                status_code=None,
                response=None,
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(hours=24),
            )
        )

    busy = await book(client, customer, host, start, headers=headers)
    assert_error(busy, 409, "IDEMPOTENCY_KEY_IN_USE")
    assert busy.headers["retry-after"] == "1"

    async with app.state.db.session() as session:
        await session.execute(
            update(IdempotencyRecord).values(created_at=utcnow() - timedelta(minutes=5))
        )
    taken_over = await book(client, customer, host, start, headers=headers)
    assert taken_over.status_code == 201, taken_over.text


async def test_an_expired_key_is_used_afresh(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    headers = key()
    first = await book(client, customer, host, weekday_at(10), headers=headers)
    assert first.status_code == 201
    async with app.state.db.session() as session:
        record = await session.scalar(select(IdempotencyRecord))
        assert record is not None
        assert record.expires_at - record.created_at == timedelta(hours=24)
        record.expires_at = utcnow() - timedelta(seconds=1)

    other = await book(client, customer, host, weekday_at(12), headers=headers)

    assert other.status_code == 201, other.text
    assert other.json()["data"]["booking"]["id"] != first.json()["data"]["booking"]["id"]
    assert await count_bookings(app, host.master_id) == 2


async def test_a_malformed_key_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    for bad in ("x" * 256, "has space"):
        response = await book(
            client, customer, host, weekday_at(10), headers={"Idempotency-Key": bad}
        )
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert error["details"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("same_body", [True, False], ids=["same-body", "other-bodies"])
async def test_ten_requests_with_one_key_at_once_make_one_booking(
    app_factory: AppFactory, same_body: bool
) -> None:
    app = await app_factory(rate_limits_enabled=False)
    async with client_for(app) as client:
        host = await specialist(app, client)
        customer = await register(client)
        headers = key()
        starts = [weekday_at(9 + (0 if same_body else i % 8)) for i in range(10)]

        responses = await asyncio.gather(
            *(book(client, customer, host, start, headers=headers) for start in starts)
        )

    statuses = sorted(response.status_code for response in responses)
    created = [r for r in responses if r.status_code == 201]
    assert await count_bookings(app, host.master_id) == 1, statuses
    assert set(statuses) <= {201, 409, 422}, [r.text for r in responses]
    originals = [r for r in created if "idempotent-replayed" not in r.headers]
    assert len(originals) == 1, statuses
    for replay in created:
        assert replay.json() == originals[0].json()
    codes = {r.json()["error"]["code"] for r in responses if r.status_code != 201}
    assert codes <= {"IDEMPOTENCY_KEY_IN_USE", "IDEMPOTENCY_KEY_REUSED"}, codes
