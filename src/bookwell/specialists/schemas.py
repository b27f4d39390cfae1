"""Specialist profile bodies (seed 001 "Specialist Management")."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from bookwell.kit.hours import week_for_display
from bookwell.kit.money import Amount, to_major
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import Business, Master, Service, User
from bookwell.staff.schemas import (
    Description,
    Experience,
    Specialties,
    Timezone,
    WorkingHours,
)
from bookwell.users.schemas import Currency

BusinessName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class AvailabilityOut(CamelModel):
    timezone: str
    working_hours: dict[str, Any]

    @classmethod
    def of(cls, master: Master) -> AvailabilityOut:
        return cls(timezone=master.timezone, working_hours=week_for_display(master.working_hours))


class PricingOut(CamelModel):
    """Major units of `currency`. `depositAmount` is the master's own deposit or, when
    they have none, the business default; 0 means no deposit."""

    base_rate: int | float
    currency: str
    deposit_amount: int | float

    @classmethod
    def of(cls, business: Business, master: Master) -> PricingOut:
        deposit = (
            master.deposit_amount if master.deposit_amount is not None else business.deposit_amount
        )
        return cls(
            base_rate=to_major(master.base_rate, business.currency),
            currency=business.currency,
            deposit_amount=to_major(deposit, business.currency),
        )


class RevenueOut(CamelModel):
    """Money from completed bookings, in major units of the business currency.

    Revenue counts completed bookings, which exist from the bookings feature onward;
    until then every sum is over no bookings and therefore 0."""

    this_month: int | float
    last_month: int | float
    total: int | float


class SpecialistProfileOut(CamelModel):
    id: uuid.UUID = Field(description="The master id (the public specialist id)")
    user_id: uuid.UUID
    business_name: str
    description: str
    specialties: list[str]
    experience: int
    rating: float
    total_reviews: int
    total_bookings: int
    is_verified: bool
    availability: AvailabilityOut
    pricing: PricingOut
    revenue: RevenueOut

    @classmethod
    def of(cls, business: Business, master: Master) -> SpecialistProfileOut:
        return cls(
            id=master.id,
            user_id=master.user_id,
            business_name=business.name,
            description=master.description,
            specialties=master.specialties,
            experience=master.experience_years,
            rating=float(master.rating),
            total_reviews=master.total_reviews,
            total_bookings=master.total_bookings,
            is_verified=master.is_verified,
            availability=AvailabilityOut.of(master),
            pricing=PricingOut.of(business, master),
            # The sum over completed bookings: none exist before the bookings feature.
            revenue=RevenueOut(this_month=0, last_month=0, total=0),
        )


class AvailabilityIn(RequestModel):
    timezone: Timezone | None = None
    working_hours: WorkingHours | None = None


class PricingIn(RequestModel):
    """Amounts in major units of the currency (the new one, when it changes here).
    The currency is the one-person business's: as for PUT /businesses/{businessId}, it
    is fixed once the business has services (422); until then a change keeps the
    numbers of the base rate and deposits (150 USD becomes 150 EUR)."""

    base_rate: Amount | None = None
    currency: Currency | None = None
    deposit_amount: Amount | None = Field(None, description="0 means no deposit")


class SpecialistProfileIn(RequestModel):
    """Only the fields given change. `baseRate` may be sent at the top level (seed 001)
    or inside `pricing`; when both are sent they must agree."""

    business_name: BusinessName | None = None
    description: Description | None = None
    specialties: Specialties | None = None
    experience: Experience | None = None
    base_rate: Amount | None = None
    pricing: PricingIn | None = None
    availability: AvailabilityIn | None = None


class PublicServiceOut(CamelModel):
    id: uuid.UUID
    name: str
    duration: int
    price: int | float
    currency: str
    category: str | None

    @classmethod
    def of(cls, service: Service, currency: str) -> PublicServiceOut:
        return cls(
            id=service.id,
            name=service.name,
            duration=service.duration_minutes,
            price=to_major(service.price, currency),
            currency=currency,
            category=service.category_id,
        )


class PublicSpecialistOut(CamelModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    avatar: str | None
    business_name: str
    description: str
    specialties: list[str]
    experience: int
    rating: float
    total_reviews: int
    is_verified: bool
    availability: AvailabilityOut
    pricing: PricingOut
    services: list[PublicServiceOut]

    @classmethod
    def of(
        cls, business: Business, master: Master, user: User, services: list[Service]
    ) -> PublicSpecialistOut:
        return cls(
            id=master.id,
            first_name=user.first_name,
            last_name=user.last_name,
            avatar=user.avatar_url,
            business_name=business.name,
            description=master.description,
            specialties=master.specialties,
            experience=master.experience_years,
            rating=float(master.rating),
            total_reviews=master.total_reviews,
            is_verified=master.is_verified,
            availability=AvailabilityOut.of(master),
            pricing=PricingOut.of(business, master),
            services=[PublicServiceOut.of(service, business.currency) for service in services],
        )
