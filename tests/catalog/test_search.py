"""GET /services/search: visibility, every filter and sort, paging, facets, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bookwell.models import BusinessStatus
from tests.catalog.builders import CatalogBuilder
from tests.factories import assert_error, fields_of

SEARCH = "/api/v1/services/search"


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(SEARCH, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    data: dict[str, Any] = body["data"]
    return data


def names(data: dict[str, Any]) -> list[str]:
    return [row["name"] for row in data["services"]]


async def test_only_active_services_of_active_businesses_with_active_masters(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.offer("Visible")
    pending = await catalog.business(status=BusinessStatus.PENDING)
    suspended = await catalog.business(status=BusinessStatus.SUSPENDED)
    for business_id, name in ((pending, "Pending business"), (suspended, "Suspended business")):
        master = await catalog.master(business_id)
        await catalog.service(business_id, name, masters=[master])
    active = await catalog.business()
    master = await catalog.master(active)
    await catalog.service(active, "Inactive service", masters=[master], is_active=False)
    await catalog.service(active, "No master", masters=[])
    off_master = await catalog.master(active, is_active=False)
    await catalog.service(active, "Inactive master", masters=[off_master])
    gone_user = await catalog.master(active, user_active=False)
    await catalog.service(active, "Deactivated user", masters=[gone_user])

    data = await search(client)
    assert names(data) == ["Visible"]
    assert data["pagination"]["totalItems"] == 1


async def test_one_row_per_service_and_master_with_the_seed_shape(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("consultation")
    business = await catalog.business("John's Consulting", auto_confirm=True)
    john = await catalog.master(
        business,
        "John",
        "Doe",
        rating="4.80",
        total_reviews=127,
        is_verified=True,
        avatar_url="https://cdn.example.com/john.jpg",
    )
    jane = await catalog.master(business, "Jane", "Roe", rating="4.20", auto_confirm=False)
    service_id = await catalog.service(
        business,
        "Business Strategy Consultation",
        description="1-hour strategic planning session",
        price=15_050,
        category="consultation",
        masters=[john, jane],
    )

    rows = (await search(client))["services"]
    assert [row["id"] for row in rows] == [str(service_id)] * 2
    # Its value is tested in test_next_available.py.
    assert rows[0].pop("nextAvailable") is not None
    assert rows[0] == {
        "id": str(service_id),
        "name": "Business Strategy Consultation",
        "description": "1-hour strategic planning session",
        "price": 150.5,
        "currency": "USD",
        "duration": 60,
        "category": "consultation",
        "specialist": {
            "id": str(john),
            "businessName": "John's Consulting",
            "firstName": "John",
            "lastName": "Doe",
            "avatar": "https://cdn.example.com/john.jpg",
            "rating": 4.8,
            "totalReviews": 127,
            "isVerified": True,
            "responseTime": "instant",
        },
    }
    # Jane's own setting overrides the business's automatic confirmation.
    assert rows[1]["specialist"]["id"] == str(jane)
    assert rows[1]["specialist"]["responseTime"] is None


async def test_price_filters_are_in_major_units_of_each_currency(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    for name, currency, minor in (
        ("Fifty dollars", "USD", 5_000),
        ("Hundred and a half dollars", "USD", 10_050),
        ("Hundred and fifty yen", "JPY", 150),
        ("Dinar and a half", "KWD", 1_500),
    ):
        business = await catalog.business(currency=currency)
        master = await catalog.master(business)
        await catalog.service(business, name, masters=[master], price=minor)

    in_range = await search(client, minPrice="50", maxPrice="100.5", sortBy="price")
    assert names(in_range) == ["Fifty dollars", "Hundred and a half dollars"]
    assert [row["price"] for row in in_range["services"]] == [50, 100.5]
    assert names(await search(client, minPrice="100.51")) == ["Hundred and fifty yen"]
    assert names(await search(client, minPrice="150", maxPrice="150")) == ["Hundred and fifty yen"]
    assert names(await search(client, maxPrice="1.5")) == ["Dinar and a half"]
    assert names(await search(client, maxPrice="1.499")) == []
    assert [row["price"] for row in (await search(client, maxPrice="2"))["services"]] == [1.5]


async def test_rating_category_and_specialty_filters(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("coaching")
    await catalog.category("legal")
    await catalog.offer(
        "Career coaching", category="coaching", rating="4.90", specialties=["Career", "Leadership"]
    )
    await catalog.offer(
        "Life coaching", category="coaching", rating="4.00", specialties=["Маркетинг"]
    )
    await catalog.offer(
        "Contract review", category="legal", rating="3.50", specialties=["contracts"]
    )

    assert names(await search(client, rating="4")) == ["Career coaching", "Life coaching"]
    assert names(await search(client, rating="4.9")) == ["Career coaching"]
    assert names(await search(client, rating="5")) == []
    assert names(await search(client, category="legal")) == ["Contract review"]
    assert names(await search(client, category="unknown")) == []
    assert names(await search(client, specialties="leadership")) == ["Career coaching"]
    assert names(await search(client, specialties="МАРКЕТИНГ, contracts")) == [
        "Life coaching",
        "Contract review",
    ]
    assert names(await search(client, specialties=" , ")) == [
        "Career coaching",
        "Life coaching",
        "Contract review",
    ]
    assert names(await search(client, specialties="cooking")) == []
    both = await search(client, category="coaching", rating="4.5")
    assert names(both) == ["Career coaching"]


async def test_location_matches_a_name_or_address_of_the_business_ignoring_case(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    almaty = await catalog.business(locations=[("Центр", "Алматы, проспект Абая 10")])
    nyc = await catalog.business(locations=[("Manhattan 100% Studio", "5th Ave/42nd St, New York")])
    for business, name in ((almaty, "Almaty service"), (nyc, "New York service")):
        await catalog.service(business, name, masters=[await catalog.master(business)])

    assert names(await search(client, location="АЛМАТЫ")) == ["Almaty service"]
    assert names(await search(client, location="центр")) == ["Almaty service"]
    assert names(await search(client, location="new york")) == ["New York service"]
    assert names(await search(client, location="manhattan")) == ["New York service"]
    # LIKE wildcards are plain characters.
    assert names(await search(client, location="100%")) == ["New York service"]
    assert names(await search(client, location="%")) == ["New York service"]
    assert names(await search(client, location="_")) == []
    # So is the escape character of the patterns.
    assert names(await search(client, location="ave/42")) == ["New York service"]
    assert names(await search(client, location="/%")) == []
    assert names(await search(client, location="Paris")) == []


async def test_availability_keeps_masters_working_that_weekday(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.offer("Weekday service")
    await catalog.offer(
        "Saturday service", working_hours={"saturday": [{"start": "10:00", "end": "14:00"}]}
    )
    await catalog.offer("Unscheduled service", working_hours={})

    # 2024-03-15 is a Friday, 2024-03-16 a Saturday, 2024-03-17 a Sunday.
    assert names(await search(client, availability="2024-03-15")) == ["Weekday service"]
    assert names(await search(client, availability="2024-03-16")) == ["Saturday service"]
    assert names(await search(client, availability="2024-03-17")) == []


async def test_sorting(client: httpx.AsyncClient, catalog: CatalogBuilder) -> None:
    await catalog.offer("Cheap", price=1_000, rating="3.00", total_reviews=500)
    await catalog.offer("Middle", price=5_000, rating="4.90", total_reviews=5)
    await catalog.offer("Dear", price=20_000, rating="4.50", total_reviews=50)

    assert names(await search(client)) == ["Middle", "Dear", "Cheap"]
    assert names(await search(client, sortBy="rating")) == ["Middle", "Dear", "Cheap"]
    assert names(await search(client, sortBy="rating", sortOrder="asc")) == [
        "Cheap",
        "Dear",
        "Middle",
    ]
    assert names(await search(client, sortBy="price")) == ["Cheap", "Middle", "Dear"]
    assert names(await search(client, sortBy="price", sortOrder="desc")) == [
        "Dear",
        "Middle",
        "Cheap",
    ]
    assert names(await search(client, sortBy="reviews")) == ["Cheap", "Dear", "Middle"]
    assert names(await search(client, sortBy="relevance")) == ["Middle", "Dear", "Cheap"]


async def test_pages_cover_every_row_once(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    # Equal ratings everywhere: the order falls back to the keys, stable across pages.
    for n in range(5):
        await catalog.offer(f"Service {n}")
    everything = await search(client, limit=100)
    assert len(everything["services"]) == 5

    seen: list[str] = []
    for page in (1, 2, 3):
        data = await search(client, page=page, limit=2)
        seen += [row["id"] for row in data["services"]]
        assert data["pagination"] == {
            "currentPage": page,
            "totalPages": 3,
            "totalItems": 5,
            "hasNext": page < 3,
            "hasPrev": page > 1,
        }
    assert seen == [row["id"] for row in everything["services"]]
    beyond = await search(client, page=4, limit=2)
    assert beyond["services"] == []
    assert beyond["pagination"]["totalItems"] == 5


async def test_filters_describe_the_whole_result_set(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("hair")
    await catalog.category("nails")
    await catalog.offer("A", price=2_000, category="hair", rating="5.00")
    await catalog.offer("B", price=5_000, category="nails", rating="4.00")
    await catalog.offer("C", price=5_050, category=None, rating="3.00")
    await catalog.offer("D", price=7_500, category="hair", rating="2.00")
    await catalog.offer("E", price=250_000, category="hair", rating="1.00")

    data = await search(client, limit=1)
    assert names(data) == ["A"]
    # A range ends just before the next one starts: 50.5 is in 0-50.
    assert data["filters"] == {
        "categories": ["hair", "nails"],
        "priceRanges": [
            {"min": 0, "max": 50, "count": 3},
            {"min": 51, "max": 100, "count": 1},
            {"min": 1001, "max": None, "count": 1},
        ],
    }
    narrowed = await search(client, category="nails")
    assert narrowed["filters"] == {
        "categories": ["nails"],
        "priceRanges": [{"min": 0, "max": 50, "count": 1}],
    }
    nothing = await search(client, category="none")
    assert nothing["filters"] == {"categories": [], "priceRanges": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"minPrice": "-1"}, "minPrice"),
        ({"maxPrice": "-0.01"}, "maxPrice"),
        ({"minPrice": "abc"}, "minPrice"),
        ({"minPrice": "NaN"}, "minPrice"),
        ({"maxPrice": "Infinity"}, "maxPrice"),
        ({"minPrice": "1e12"}, "minPrice"),
        ({"minPrice": "100", "maxPrice": "50"}, "maxPrice"),
        ({"rating": "6"}, "rating"),
        ({"rating": "-0.5"}, "rating"),
        ({"sortBy": "foo"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"availability": "2024-02-30"}, "availability"),
        ({"availability": "tomorrow"}, "availability"),
        ({"query": "x" * 201}, "query"),
        ({"location": "x" * 201}, "location"),
        ({"category": "x" * 65}, "category"),
        ({"specialties": ",".join(f"s{n}" for n in range(21))}, "specialties"),
    ],
)
async def test_bad_parameters_are_400_with_the_field(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    error = assert_error(await client.get(SEARCH, params=params), 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}


async def test_odd_text_is_searched_safely(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.offer("Yoga class")
    for query in ['"yoga', "yoga'", "yoga*", ":yoga:", "(yoga)", "-yoga;--"]:
        assert names(await search(client, query=query)) == ["Yoga class"], query
    # Every word must match: "or" and "1" do not.
    assert names(await search(client, query="yoga' OR 1=1 --")) == []
    # Nothing to search for in punctuation alone: no text filter.
    assert names(await search(client, query="!!! ...")) == ["Yoga class"]
