"""Text search: words in English, Russian and Kazakh, prefixes, relevance, typos, and
the same answers from SQLite FTS5 and PostgreSQL full text search."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.catalog.builders import CatalogBuilder
from tests.conftest import client_for

SEARCH = "/api/v1/services/search"

# (service name, description, master rating): ratings differ so that the order within
# a relevance tier is fixed.
SERVICES = [
    ("Business Strategy Consultation", "1-hour strategic planning session", "4.90"),
    ("Marketing consultation", "Campaigns and positioning for small business", "4.70"),
    ("Career coaching", "Consult on your next career step", "4.60"),
    ("Массаж спины", "Классический массаж, 60 минут", "4.95"),
    ("Спортивный массаж", "Восстановление после тренировок", "4.40"),
    ("Стрижка", "Мужская и женская стрижка, укладка", "4.30"),
    ("Шаш қию", "Ерлер мен әйелдерге арналған шаш қию", "4.85"),
    ("Шаш бояу", "Кәсіби шаш бояу қызметі", "4.20"),
    ("Маникюр", "Классический маникюр и покрытие гель-лаком", "4.10"),
    ("Тырнақ күтімі", "Маникюр және педикюр, тырнақ дизайны", "4.05"),
    ("Заң кеңесі", "Заңгердің жеке кеңесі", "3.90"),
    ("Deep tissue massage", "Relaxing session with warm oils", "4.80"),
]

QUERIES = [
    "массаж",
    "МАССАЖ",
    "массаж спины",
    "шаш",
    "шаш қию",
    "қи",
    "consult",
    "consultation",
    "business consult",
    "session",
    "маникюр",
    "тырнақ",
    "кеңес",
    "стриж",
    "massage",
    "coaching career",
    "нет такого",
]


async def build(catalog: CatalogBuilder) -> None:
    for name, description, rating in SERVICES:
        await catalog.offer(name, description=description, rating=rating)


async def found(client: httpx.AsyncClient, query: str, **params: Any) -> list[str]:
    response = await client.get(SEARCH, params={"query": query, "limit": 100, **params})
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()["data"]["services"]]


async def test_words_in_three_languages_with_a_prefix_last_word(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await build(catalog)
    # Names that match come first (by rating), then matches in the description only.
    assert await found(client, "массаж") == ["Массаж спины", "Спортивный массаж"]
    assert await found(client, "МАССАЖ спины") == ["Массаж спины"]
    assert await found(client, "шаш") == ["Шаш қию", "Шаш бояу"]
    assert await found(client, "қи") == ["Шаш қию"]
    assert await found(client, "consult") == [
        "Business Strategy Consultation",
        "Marketing consultation",
        "Career coaching",
    ]
    # Every word must be there, in name or description, in any order.
    assert await found(client, "business consult") == [
        "Business Strategy Consultation",
        "Marketing consultation",
    ]
    assert await found(client, "step career") == ["Career coaching"]
    assert await found(client, "маникюр") == ["Маникюр", "Тырнақ күтімі"]
    # Only the last word is a prefix.
    assert await found(client, "стриж") == ["Стрижка"]
    assert await found(client, "стриж укладка") == []


async def test_text_search_combines_with_filters_and_sorting(
    client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await build(catalog)
    assert await found(client, "массаж", rating="4.9") == ["Массаж спины"]
    assert await found(client, "consult", sortBy="rating", sortOrder="asc") == [
        "Career coaching",
        "Marketing consultation",
        "Business Strategy Consultation",
    ]


async def test_typos_are_forgiven_only_where_the_database_can(
    app: FastAPI, client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await build(catalog)
    typo = await found(client, "masage")
    if app.state.db.dialect == "postgresql":
        assert typo == ["Deep tissue massage"]
        assert await found(client, "масаж спины") == ["Массаж спины"]
    else:
        assert typo == []
    # Exact matches never mix with similar-looking names.
    assert await found(client, "massage") == ["Deep tissue massage"]
    assert await found(client, "qqqqqq") == []


@pytest.mark.postgres
async def test_sqlite_and_postgresql_find_the_same_services_in_the_same_order(
    sqlite_and_postgres_apps: tuple[FastAPI, FastAPI],
) -> None:
    results: dict[str, dict[str, list[str]]] = {}
    for app in sqlite_and_postgres_apps:
        await build(CatalogBuilder(app))
        async with client_for(app) as client:
            results[app.state.db.dialect] = {q: await found(client, q) for q in QUERIES}

    assert results["sqlite"] == results["postgresql"]
    # Not vacuous: all but the last query find something.
    assert all(results["sqlite"][q] for q in QUERIES[:-1])
    assert results["sqlite"]["нет такого"] == []
