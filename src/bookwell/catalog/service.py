"""Discovery rules: what a search means, and caching that never serves stale data.

Responses are cached as serialized JSON under keys that carry the CATALOG namespace
version (kit/cache.py). Every change to the catalog calls `catalog_changed`, which
bumps the version after commit, so no reader asks for an older key again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.catalog.repository import CatalogRepository, SearchCriteria, SortBy
from bookwell.catalog.schemas import (
    CategoryOut,
    PriceRangeOut,
    SearchFiltersOut,
    SearchOut,
    SearchServiceOut,
    ServiceDetailsOut,
)
from bookwell.catalog.search import query_words
from bookwell.errors import NotFound, ValidationFailed
from bookwell.kit.cache import AVAILABILITY, CATALOG, Cache
from bookwell.kit.clock import utcnow
from bookwell.kit.hours import WEEKDAYS
from bookwell.kit.pagination import PageRequest, Pagination
from bookwell.kit.schemas import ok
from bookwell.scheduling.offers import next_available_starts

SEARCH_TTL_SECONDS = 300
DETAILS_TTL_SECONDS = 300
CATEGORIES_TTL_SECONDS = 300
MAX_SPECIALTIES = 20


@dataclasses.dataclass(frozen=True, slots=True)
class SearchRequest:
    """The search query parameters as the client sent them (already type-checked)."""

    query: str | None = None
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    rating: Decimal | None = None
    location: str | None = None
    availability: date | None = None
    specialties: str | None = None
    sort_by: SortBy | None = None
    sort_order: str | None = None


def search_criteria(request: SearchRequest) -> SearchCriteria:
    """Check the parameters together and normalize them.

    `availability` keeps services whose master has working hours on that weekday;
    with the scheduling issue it becomes a check for a free slot on that date.
    """
    if (
        request.min_price is not None
        and request.max_price is not None
        and request.min_price > request.max_price
    ):
        raise ValidationFailed.on(
            "maxPrice", "maxPrice must not be less than minPrice", "OUT_OF_RANGE"
        )
    specialties = tuple(
        dict.fromkeys(
            s.strip().lower() for s in (request.specialties or "").split(",") if s.strip()
        )
    )
    if len(specialties) > MAX_SPECIALTIES:
        raise ValidationFailed.on(
            "specialties", f"At most {MAX_SPECIALTIES} specialties", "TOO_MANY"
        )
    words = query_words(request.query or "")
    sort_by = request.sort_by or SortBy.RELEVANCE
    default_order = "asc" if sort_by is SortBy.PRICE else "desc"
    location = (request.location or "").strip()
    category = (request.category or "").strip()
    return SearchCriteria(
        words=words,
        category=category or None,
        min_price=request.min_price,
        max_price=request.max_price,
        min_rating=request.rating,
        location=location or None,
        works_on=WEEKDAYS[request.availability.weekday()] if request.availability else None,
        specialties=specialties,
        sort_by=sort_by,
        descending=(request.sort_order or default_order) == "desc",
    )


def _key(kind: str, version: int, parts: Any) -> str:
    digest = hashlib.sha256(
        json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()[:32]
    return f"{CATALOG}:v{version}:{kind}:{digest}"


async def _cached(
    cache: Cache,
    kind: str,
    parts: Any,
    ttl: int,
    build: Callable[[], Awaitable[bytes]],
    *,
    shows_free_time: bool = False,
) -> bytes:
    # The version is read before the database: a result built from data older than a
    # bump can then only be stored under a version no reader asks for anymore.
    version = await cache.version(CATALOG)
    if shows_free_time:
        parts = [parts, await cache.version(AVAILABILITY)]
    key = _key(kind, version, parts)
    body = await cache.get(key)
    if body is None:
        body = await build()
        await cache.set(key, body, ttl)
    return body


async def search_services(
    session: AsyncSession, cache: Cache, criteria: SearchCriteria, page: PageRequest
) -> bytes:
    """The search response envelope as JSON.

    Exact words first; when they match nothing, PostgreSQL retries with typo-tolerant
    name similarity (SQLite has none).
    """

    async def build() -> bytes:
        repository = CatalogRepository(session)
        result = await repository.search(criteria, page.offset, page.limit)
        if result.total == 0 and criteria.words:
            fuzzy = dataclasses.replace(criteria, fuzzy=True)
            result = await repository.search(fuzzy, page.offset, page.limit)
        starts = await next_available_starts(
            session, [(hit.service_id, hit.specialist.master_id) for hit in result.hits], utcnow()
        )
        out = SearchOut(
            services=[
                SearchServiceOut.of(hit, starts.get((hit.service_id, hit.specialist.master_id)))
                for hit in result.hits
            ],
            pagination=Pagination.of(page, result.total),
            filters=SearchFiltersOut(
                categories=result.categories,
                price_ranges=[
                    PriceRangeOut(min=r.start, max=r.end, count=r.count)
                    for r in result.price_ranges
                ],
            ),
        )
        return ok(out).model_dump_json(by_alias=True).encode()

    parts = [dataclasses.asdict(criteria), page.page, page.limit]
    return await _cached(cache, "search", parts, SEARCH_TTL_SECONDS, build, shows_free_time=True)


async def list_categories(session: AsyncSession, cache: Cache, language: str) -> bytes:
    """Every category with its count of visible services, named in `language`."""

    async def build() -> bytes:
        rows = await CatalogRepository(session).categories_with_counts()
        out = [CategoryOut.of(row.category, row.service_count, language) for row in rows]
        return ok(out).model_dump_json(by_alias=True).encode()

    return await _cached(cache, "categories", language, CATEGORIES_TTL_SECONDS, build)


async def service_details(session: AsyncSession, cache: Cache, service_id: uuid.UUID) -> bytes:
    """A visible service with its masters; NotFound when the public may not see it
    (inactive, its business not active, or no active master offers it)."""

    async def build() -> bytes:
        repository = CatalogRepository(session)
        found = await repository.visible_service(service_id)
        masters = await repository.masters_of(service_id) if found is not None else []
        if found is None or not masters:
            raise NotFound("Service not found")
        service, currency = found
        offers = [(service.id, master.master_id) for master in masters]
        starts = await next_available_starts(session, offers, utcnow())
        return (
            ok(ServiceDetailsOut.of(service, currency, masters, starts))
            .model_dump_json(by_alias=True)
            .encode()
        )

    return await _cached(
        cache, "service", str(service_id), DETAILS_TTL_SECONDS, build, shows_free_time=True
    )
