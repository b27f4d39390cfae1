"""Discovery responses (seed 001 "Service Discovery & Search Endpoints").

Prices are in major units of `currency` (150 = 150.00 USD); storage keeps minor units.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field

from bookwell.catalog.repository import SearchHit, SpecialistRow
from bookwell.kit.money import to_major
from bookwell.kit.pagination import Pagination
from bookwell.kit.schemas import CamelModel
from bookwell.models import Category, Service

_RESPONSE_TIME = (
    '"instant" when the specialist\'s bookings are confirmed automatically; null '
    "otherwise (response times are not measured yet)"
)


class SpecialistOut(CamelModel):
    """The master who delivers the service (seed 001's "specialist")."""

    id: uuid.UUID = Field(description="The master's id")
    business_name: str
    first_name: str
    last_name: str
    avatar: str | None
    rating: float = Field(description="Average review rating, 0 to 5")
    total_reviews: int
    is_verified: bool
    response_time: str | None = Field(description=_RESPONSE_TIME)

    @staticmethod
    def fields_of(row: SpecialistRow) -> dict[str, Any]:
        return {
            "id": row.master_id,
            "business_name": row.business_name,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "avatar": row.avatar_url,
            "rating": float(row.rating),
            "total_reviews": row.total_reviews,
            "is_verified": row.is_verified,
            "response_time": "instant" if row.auto_confirm else None,
        }

    @classmethod
    def of(cls, row: SpecialistRow) -> SpecialistOut:
        return cls(**cls.fields_of(row))


class SpecialistProfileOut(SpecialistOut):
    """The full public profile of a master."""

    description: str
    specialties: list[str]
    experience_years: int

    @classmethod
    def of(cls, row: SpecialistRow) -> SpecialistProfileOut:
        return cls(
            **cls.fields_of(row),
            description=row.description,
            specialties=row.specialties,
            experience_years=row.experience_years,
        )


class SearchServiceOut(CamelModel):
    """One (service, master) pair: a service offered by several masters appears once
    per master, each time with that master as `specialist`."""

    id: uuid.UUID
    name: str
    description: str
    price: int | float = Field(description="Major units of `currency`")
    currency: str
    duration: int = Field(description="Minutes")
    category: str | None
    specialist: SpecialistOut
    next_available: datetime | None = Field(
        default=None,
        description="The first bookable start with this master in the next 14 days (null: none)",
    )

    @classmethod
    def of(cls, hit: SearchHit, next_available: datetime | None) -> SearchServiceOut:
        return cls(
            id=hit.service_id,
            name=hit.name,
            description=hit.description,
            price=to_major(hit.price, hit.currency),
            currency=hit.currency,
            duration=hit.duration_minutes,
            category=hit.category_id,
            specialist=SpecialistOut.of(hit.specialist),
            next_available=next_available,
        )


class PriceRangeOut(CamelModel):
    min: int = Field(description="Major units, inclusive")
    max: int | None = Field(
        description="Major units; the range ends before the next range's `min` (null: no upper end)"
    )
    count: int


class SearchFiltersOut(CamelModel):
    categories: list[str] = Field(description="Category ids present in the whole result set")
    price_ranges: list[PriceRangeOut] = Field(description="Non-empty price ranges of the result")


class MasterNextAvailableOut(CamelModel):
    specialist_id: uuid.UUID
    next_available: datetime | None


class NextAvailableOut(CamelModel):
    next_available: datetime | None = Field(description="The earliest over every master")
    masters: list[MasterNextAvailableOut]


class SearchOut(CamelModel):
    services: list[SearchServiceOut]
    pagination: Pagination
    filters: SearchFiltersOut


class CategoryOut(CamelModel):
    id: str
    name: str = Field(description="In the Accept-Language language (en, ru, kk; default en)")
    description: str
    icon: str
    service_count: int = Field(description="Services a search can show in this category")

    @classmethod
    def of(cls, category: Category, service_count: int, language: str) -> CategoryOut:
        names: dict[str, Any] = category.names or {}
        descriptions: dict[str, Any] = category.descriptions or {}
        return cls(
            id=category.id,
            name=str(names.get(language) or names.get("en") or category.id),
            description=str(descriptions.get(language) or descriptions.get("en") or ""),
            icon=category.icon,
            service_count=service_count,
        )


class ReviewOut(CamelModel):
    id: uuid.UUID
    rating: int
    comment: str
    customer_name: str
    customer_avatar: str | None
    created_at: datetime


class ServiceDetailsOut(CamelModel):
    id: uuid.UUID
    name: str
    description: str
    long_description: str
    price: int | float = Field(description="Major units of `currency`")
    currency: str
    duration: int = Field(description="Minutes")
    category: str | None
    requirements: list[str]
    deliverables: list[str]
    specialist: SpecialistProfileOut = Field(
        description="The master who has offered the service the longest"
    )
    masters: list[SpecialistProfileOut] = Field(description="Every master offering it")
    reviews: list[ReviewOut] = Field(
        description="Empty until reviews are built (a later issue)", default_factory=list
    )
    availability: NextAvailableOut = Field(
        description="The next bookable starts in the next 14 days, overall and per master"
    )

    @classmethod
    def of(
        cls,
        service: Service,
        currency: str,
        masters: list[SpecialistRow],
        starts: Mapping[tuple[uuid.UUID, uuid.UUID], datetime | None],
    ) -> ServiceDetailsOut:
        profiles = [SpecialistProfileOut.of(row) for row in masters]
        per_master = [
            MasterNextAvailableOut(
                specialist_id=row.master_id, next_available=starts.get((service.id, row.master_id))
            )
            for row in masters
        ]
        known = [entry.next_available for entry in per_master if entry.next_available]
        return cls(
            id=service.id,
            name=service.name,
            description=service.description,
            long_description=service.long_description,
            price=to_major(service.price, currency),
            currency=currency,
            duration=service.duration_minutes,
            category=service.category_id,
            requirements=list(service.requirements or []),
            deliverables=list(service.deliverables or []),
            specialist=profiles[0],
            masters=profiles,
            availability=NextAvailableOut(
                next_available=min(known, default=None), masters=per_master
            ),
        )
