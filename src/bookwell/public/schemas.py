"""What visitors see of an active business (API.md "Seed 002" public routes)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from bookwell.kit.hours import week_for_display
from bookwell.kit.money import to_major
from bookwell.kit.schemas import CamelModel
from bookwell.models import Business, Location, Master, Service, User


class PublicLocationOut(CamelModel):
    id: uuid.UUID
    name: str
    address: str
    timezone: str
    phone: str | None

    @classmethod
    def of(cls, location: Location) -> PublicLocationOut:
        return cls(
            id=location.id,
            name=location.name,
            address=location.address,
            timezone=location.timezone,
            phone=location.phone,
        )


class PublicBusinessOut(CamelModel):
    id: uuid.UUID
    name: str
    subdomain: str
    description: str
    timezone: str
    currency: str
    opening_hours: dict[str, Any]
    cancellation_notice_hours: int
    deposit_amount: int | float = Field(description="Major units of `currency`")
    contact_email: str | None
    contact_phone: str | None
    locations: list[PublicLocationOut]

    @classmethod
    def of(cls, business: Business, locations: list[Location]) -> PublicBusinessOut:
        return cls(
            id=business.id,
            name=business.name,
            subdomain=business.subdomain,
            description=business.description,
            timezone=business.timezone,
            currency=business.currency,
            opening_hours=week_for_display(business.opening_hours),
            cancellation_notice_hours=business.cancellation_notice_hours,
            deposit_amount=to_major(business.deposit_amount, business.currency),
            contact_email=business.contact_email,
            contact_phone=business.contact_phone,
            locations=[PublicLocationOut.of(location) for location in locations],
        )


class PublicServiceOut(CamelModel):
    id: uuid.UUID
    name: str
    description: str
    duration: int = Field(description="Minutes")
    price: int | float = Field(description="Major units of `currency`")
    currency: str
    category: str | None
    masters: list[uuid.UUID] = Field(description="Ids of the active masters who deliver it")

    @classmethod
    def of(cls, service: Service, currency: str, masters: list[uuid.UUID]) -> PublicServiceOut:
        return cls(
            id=service.id,
            name=service.name,
            description=service.description,
            duration=service.duration_minutes,
            price=to_major(service.price, currency),
            currency=currency,
            category=service.category_id,
            masters=masters,
        )


class PublicMasterOut(CamelModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    avatar: str | None
    description: str
    specialties: list[str]
    rating: float
    total_reviews: int
    locations: list[uuid.UUID] = Field(description="Ids of the active locations they work at")

    @classmethod
    def of(cls, master: Master, user: User) -> PublicMasterOut:
        return cls(
            id=master.id,
            first_name=user.first_name,
            last_name=user.last_name,
            avatar=user.avatar_url,
            description=master.description,
            specialties=list(master.specialties),
            rating=float(master.rating),
            total_reviews=master.total_reviews,
            locations=[location.id for location in master.locations if location.is_active],
        )
