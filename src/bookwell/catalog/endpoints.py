"""HTTP routes of discovery: GET /services/search, /services/categories,
/services/{serviceId}. Public: no authentication."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response

from bookwell.catalog import service
from bookwell.catalog.repository import SortBy
from bookwell.catalog.schemas import CategoryOut, SearchOut, ServiceDetailsOut
from bookwell.deps import CacheDep, SessionDep
from bookwell.kit.fields import Day
from bookwell.kit.openapi import error_responses
from bookwell.kit.pagination import PageRequest, page_request
from bookwell.kit.schemas import Envelope

router = APIRouter(prefix="/services", tags=["catalog"])

LANGUAGES = ("en", "ru", "kk")
MAX_PRICE = Decimal(1_000_000_000)


def preferred_language(
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """The best of en, ru, kk by the Accept-Language q-values; en by default."""
    best, best_q = "en", 0.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        # q=0 means "not this one"; of equal q-values the first listed wins.
        if q > best_q:
            best, best_q = language, q
    return best


def _search_request(
    query: Annotated[
        str | None, Query(max_length=200, description="Words to find in name or description")
    ] = None,
    category: Annotated[str | None, Query(max_length=64, description="Category id")] = None,
    min_price: Annotated[
        Decimal | None,
        Query(alias="minPrice", ge=0, le=MAX_PRICE, description="Major units, inclusive"),
    ] = None,
    max_price: Annotated[
        Decimal | None,
        Query(alias="maxPrice", ge=0, le=MAX_PRICE, description="Major units, inclusive"),
    ] = None,
    rating: Annotated[
        Decimal | None, Query(ge=0, le=5, description="Minimum specialist rating")
    ] = None,
    location: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Part of a name or address of one of the business's locations "
            "(case-insensitive)",
        ),
    ] = None,
    availability: Annotated[
        Day | None,
        Query(
            description="YYYY-MM-DD. For now: the specialist works on that weekday; "
            "with the scheduling issue: has a free slot that day"
        ),
    ] = None,
    specialties: Annotated[
        str | None,
        Query(max_length=500, description="Comma-separated; the specialist has any of them"),
    ] = None,
    sort_by: Annotated[
        SortBy | None,
        Query(
            alias="sortBy",
            description="Default: relevance (name matches first) with a query, else rating",
        ),
    ] = None,
    sort_order: Annotated[
        Literal["asc", "desc"] | None,
        Query(alias="sortOrder", description="Default: asc for price, desc otherwise"),
    ] = None,
) -> service.SearchRequest:
    return service.SearchRequest(
        query=query,
        category=category,
        min_price=min_price,
        max_price=max_price,
        rating=rating,
        location=location,
        availability=availability,
        specialties=specialties,
        sort_by=sort_by,
        sort_order=sort_order,
    )


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


@router.get(
    "/search",
    summary="Search services (one row per service and master)",
    response_model=Envelope[SearchOut],
    responses=error_responses(400),
)
async def search_services(
    session: SessionDep,
    cache: CacheDep,
    request: Annotated[service.SearchRequest, Depends(_search_request)],
    page: Annotated[PageRequest, Depends(page_request)],
) -> Response:
    criteria = service.search_criteria(request)
    return _json(await service.search_services(session, cache, criteria, page))


@router.get(
    "/categories",
    summary="Service categories with their number of services",
    response_model=Envelope[list[CategoryOut]],
)
async def list_categories(
    session: SessionDep,
    cache: CacheDep,
    language: Annotated[str, Depends(preferred_language)],
) -> Response:
    return _json(await service.list_categories(session, cache, language))


@router.get(
    "/{serviceId}",
    summary="A service with its specialists",
    response_model=Envelope[ServiceDetailsOut],
    responses=error_responses(400, 404),
)
async def get_service(
    service_id: Annotated[uuid.UUID, Path(alias="serviceId")],
    session: SessionDep,
    cache: CacheDep,
) -> Response:
    return _json(await service.service_details(session, cache, service_id))
