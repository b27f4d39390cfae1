"""GET /services/{serviceId}: the full public view, and 404 for what is not public."""

from __future__ import annotations

import uuid

import httpx

from bookwell.models import BusinessStatus
from tests.catalog.builders import CatalogBuilder
from tests.factories import assert_error, fields_of


def url(service_id: uuid.UUID | str) -> str:
    return f"/api/v1/services/{service_id}"


async def test_details_with_every_master(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("consultation")
    business = await catalog.business("John's Consulting", currency="KZT")
    john = await catalog.master(
        business, "John", "Doe", rating="4.80", total_reviews=127, specialties=["business"]
    )
    jane = await catalog.master(business, "Jane", "Roe", auto_confirm=True)
    hidden = await catalog.master(business, "Off", "Duty", is_active=False)
    service_id = await catalog.service(
        business,
        "Business Strategy Consultation",
        description="Comprehensive 1-hour strategic planning session",
        long_description="Detailed service description...",
        price=1_500_000,
        category="consultation",
        requirements=["Prepare business overview"],
        deliverables=["Strategic roadmap", "Action items"],
        masters=[john, jane, hidden],
    )

    response = await client.get(url(service_id))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    john_profile = {
        "id": str(john),
        "businessName": "John's Consulting",
        "firstName": "John",
        "lastName": "Doe",
        "avatar": None,
        "rating": 4.8,
        "totalReviews": 127,
        "isVerified": False,
        "responseTime": None,
        "description": "John Doe at work",
        "specialties": ["business"],
        "experienceYears": 0,
    }
    # Its values are tested in test_next_available.py.
    assert set(data.pop("availability")) == {"nextAvailable", "masters"}
    assert data == {
        "id": str(service_id),
        "name": "Business Strategy Consultation",
        "description": "Comprehensive 1-hour strategic planning session",
        "longDescription": "Detailed service description...",
        "price": 15000,
        "currency": "KZT",
        "duration": 60,
        "category": "consultation",
        "requirements": ["Prepare business overview"],
        "deliverables": ["Strategic roadmap", "Action items"],
        "specialist": john_profile,
        "masters": [
            john_profile,
            {
                **john_profile,
                "id": str(jane),
                "firstName": "Jane",
                "lastName": "Roe",
                "rating": 4.5,
                "totalReviews": 10,
                "responseTime": "instant",
                "description": "Jane Roe at work",
                "specialties": [],
            },
        ],
        "reviews": [],
    }


async def test_what_the_public_may_not_see_is_404(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    hidden: list[uuid.UUID] = []
    for status in (BusinessStatus.PENDING, BusinessStatus.REJECTED, BusinessStatus.SUSPENDED):
        business = await catalog.business(status=status)
        master = await catalog.master(business)
        hidden.append(await catalog.service(business, "Not approved", masters=[master]))
    business = await catalog.business()
    master = await catalog.master(business)
    hidden.append(await catalog.service(business, "Off", masters=[master], is_active=False))
    hidden.append(await catalog.service(business, "Nobody offers it", masters=[]))
    resting = await catalog.master(business, is_active=False)
    hidden.append(await catalog.service(business, "Only resting", masters=[resting]))
    hidden.append(uuid.uuid4())

    for service_id in hidden:
        assert_error(await client.get(url(service_id)), 404, "RESOURCE_NOT_FOUND")


async def test_a_malformed_id_is_400(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get(url("not-a-uuid")), 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"serviceId"}
