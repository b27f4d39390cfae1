"""`nextAvailable` in search results and service details: the first bookable start,
never stale after a booking takes it (the answers are cached)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.catalog.builders import CatalogBuilder
from tests.factories import register

SEARCH = "/api/v1/services/search"


async def first_offer(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(SEARCH, params={"query": "consultation"})
    assert response.status_code == 200, response.text
    services: list[dict[str, Any]] = response.json()["data"]["services"]
    assert len(services) == 1
    return services[0]


async def details(client: httpx.AsyncClient, service_id: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 200, response.text
    availability: dict[str, Any] = response.json()["data"]["availability"]
    return availability


async def test_search_and_details_show_the_next_free_start_and_follow_bookings(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    business = await catalog.business("Advice Ltd")
    master = await catalog.master(business, "John", "Doe")
    service_id = await catalog.service(business, "Business consultation", masters=[master])

    offer = await first_offer(client)
    first = datetime.fromisoformat(offer["nextAvailable"].replace("Z", "+00:00"))
    # The builders' master works Monday to Friday 09:00-17:00 UTC; 15-minute grid.
    now = datetime.now(UTC)
    assert now < first < now + timedelta(days=14)
    assert first.weekday() < 5
    assert 9 <= first.hour < 17
    assert first.minute % 15 == 0
    shown = await details(client, service_id)
    assert shown["nextAvailable"] == offer["nextAvailable"]
    assert shown["masters"] == [
        {"specialistId": str(master), "nextAvailable": offer["nextAvailable"]}
    ]

    customer = await register(client)
    booked = await client.post(
        "/api/v1/bookings",
        json={
            "serviceId": str(service_id),
            "specialistId": str(master),
            "scheduledAt": offer["nextAvailable"],
        },
        headers=customer.headers,
    )
    assert booked.status_code == 201, booked.text

    # Both answers were cached; the booking must make them move on, not repeat the slot.
    later = (await first_offer(client))["nextAvailable"]
    assert later is not None
    assert datetime.fromisoformat(later.replace("Z", "+00:00")) > first
    assert (await details(client, service_id))["nextAvailable"] == later


async def test_no_free_time_in_the_next_two_weeks_is_null(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    business = await catalog.business("Closed Ltd")
    # Works only on Sundays, while the business opens Monday to Friday.
    master = await catalog.master(
        business, "Jane", "Roe", working_hours={"sunday": [{"start": "10:00", "end": "12:00"}]}
    )
    service_id = await catalog.service(business, "Tax consultation", masters=[master])

    assert (await first_offer(client))["nextAvailable"] is None
    assert (await details(client, service_id))["nextAvailable"] is None
