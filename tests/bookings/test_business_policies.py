"""The booking horizon and the payment window are the business's to set."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx

from bookwell.kit.clock import utcnow
from tests.factories import Account, assert_error, fields_of, register


def weekday_at(days_ahead: int, hour: int) -> datetime:
    """The first Monday-to-Friday day at least `days_ahead` days from now, at `hour` UTC."""
    day = (utcnow() + timedelta(days=days_ahead)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def specialist(client: httpx.AsyncClient, **policies: int) -> tuple[Account, str, str]:
    """A specialist (UTC, default hours) with a deposit, one service, and `policies` set
    on the one-person business; returns the account, master id and service id."""
    account = await register(client, userType="specialist", verified=True)
    profile = {"availability": {"timezone": "UTC"}, "pricing": {"depositAmount": 5}}
    response = await client.put(
        "/api/v1/specialists/profile", json=profile, headers=account.headers
    )
    assert response.status_code == 200, response.text
    master_id = response.json()["data"]["id"]
    businesses = (await client.get("/api/v1/businesses", headers=account.headers)).json()["data"]
    business_id = businesses[0]["id"]
    response = await client.put(
        f"/api/v1/businesses/{business_id}", json=policies, headers=account.headers
    )
    assert response.status_code == 200, response.text
    for name, value in policies.items():
        assert response.json()["data"][name] == value
    service = {"name": "Consultation", "duration": 60, "price": 100}
    response = await client.post(
        "/api/v1/specialists/services", json=service, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return account, master_id, response.json()["data"]["id"]


async def book(
    client: httpx.AsyncClient, master_id: str, service_id: str, start: datetime
) -> httpx.Response:
    customer = await register(client)
    body = {"serviceId": service_id, "specialistId": master_id, "scheduledAt": start.isoformat()}
    return await client.post("/api/v1/bookings", json=body, headers=customer.headers)


async def test_the_horizon_limits_how_far_ahead_clients_book(client: httpx.AsyncClient) -> None:
    _owner, master_id, service_id = await specialist(client, bookingHorizonDays=4)
    error = assert_error(
        await book(client, master_id, service_id, weekday_at(8, 10)), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert fields_of(error) == {"scheduledAt"}
    assert error["details"][0]["code"] == "TOO_FAR"
    assert (await book(client, master_id, service_id, weekday_at(1, 10))).status_code == 201


async def test_the_payment_window_sets_the_deadline(client: httpx.AsyncClient) -> None:
    _owner, master_id, service_id = await specialist(client, paymentWindowMinutes=45)
    response = await book(client, master_id, service_id, weekday_at(2, 11))
    assert response.status_code == 201, response.text
    booking = response.json()["data"]["booking"]
    assert booking["status"] == "pending_payment"
    created = datetime.fromisoformat(booking["createdAt"].replace("Z", "+00:00"))
    deadline = datetime.fromisoformat(booking["paymentDeadline"].replace("Z", "+00:00"))
    assert deadline - created == timedelta(minutes=45)
