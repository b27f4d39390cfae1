"""GET /services/categories: names in the client's language, visible service counts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bookwell.models import BusinessStatus
from tests.catalog.builders import CatalogBuilder

CATEGORIES = "/api/v1/services/categories"
NAMES = {"en": "Hair", "ru": "Волосы", "kk": "Шаш"}
DESCRIPTIONS = {"en": "Haircuts", "ru": "Стрижки", "kk": "Шаш қию"}


async def categories(client: httpx.AsyncClient, language: str | None = None) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language is not None else {}
    response = await client.get(CATEGORIES, headers=headers)
    assert response.status_code == 200, response.text
    return {row["id"]: row for row in response.json()["data"]}


async def test_counts_only_what_a_search_can_show(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("t-hair", NAMES, DESCRIPTIONS, sort_order=1)
    await catalog.category("t-empty", {"en": "Empty"}, sort_order=2)
    business = await catalog.business()
    first, second = await catalog.master(business), await catalog.master(business)
    # Two masters offer one service: it counts once.
    await catalog.service(business, "Cut", masters=[first, second], category="t-hair")
    await catalog.service(business, "Colour", masters=[first], category="t-hair")
    await catalog.service(business, "Old", masters=[first], category="t-hair", is_active=False)
    await catalog.service(business, "Unstaffed", masters=[], category="t-hair")
    pending = await catalog.business(status=BusinessStatus.PENDING)
    await catalog.service(
        pending, "Pending", masters=[await catalog.master(pending)], category="t-hair"
    )

    rows = await categories(client)
    assert rows["t-hair"] == {
        "id": "t-hair",
        "name": "Hair",
        "description": "Haircuts",
        "icon": "t-hair-icon.svg",
        "serviceCount": 2,
    }
    assert rows["t-empty"]["serviceCount"] == 0
    assert rows["t-empty"]["description"] == ""
    ordered = [row for row in rows if row.startswith("t-")]
    assert ordered == ["t-hair", "t-empty"]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("ru", "ru"),
        ("kk", "kk"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("en;q=0.5, kk;q=0.9", "kk"),
        ("kk;q=0, ru", "ru"),
        ("de-DE, fr;q=0.9", "en"),
        ("*", "en"),
        ("ru;q=abc, kk", "kk"),
    ],
)
async def test_names_follow_accept_language(
    client: httpx.AsyncClient, catalog: CatalogBuilder, header: str | None, language: str
) -> None:
    await catalog.category("t-hair", NAMES, DESCRIPTIONS)
    row = (await categories(client, header))["t-hair"]
    assert (row["name"], row["description"]) == (NAMES[language], DESCRIPTIONS[language])


async def test_missing_translation_falls_back_to_english(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("t-new", {"en": "New"}, {"en": "Brand new"})
    row = (await categories(client, "kk"))["t-new"]
    assert (row["name"], row["description"]) == ("New", "Brand new")
