"""Admin bodies: tenants and their decisions, platform statistics."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from bookwell.businesses.schemas import BusinessOut
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import Business, User

Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class OwnerOut(CamelModel):
    id: uuid.UUID
    email: str | None
    first_name: str
    last_name: str

    @classmethod
    def of(cls, user: User) -> OwnerOut:
        return cls(
            id=user.id, email=user.email, first_name=user.first_name, last_name=user.last_name
        )


class TenantOut(BusinessOut):
    owners: list[OwnerOut]

    @classmethod
    def with_owners(cls, business: Business, owners: list[User]) -> TenantOut:
        return cls(**BusinessOut.of(business).model_dump(), owners=[OwnerOut.of(u) for u in owners])


class RejectIn(RequestModel):
    reason: Reason = Field(description="Why the business is refused; shown to its owner")


class SuspendIn(RequestModel):
    reason: Reason | None = None


class TenantCounts(CamelModel):
    pending: int
    active: int
    rejected: int
    suspended: int
    total: int


class UserCounts(CamelModel):
    customer: int
    specialist: int
    super_admin: int
    total: int


class ActiveCounts(CamelModel):
    total: int
    active: int


class StatisticsOut(CamelModel):
    tenants: TenantCounts
    users: UserCounts
    services: ActiveCounts
    masters: ActiveCounts
    bookings: None = Field(
        None,
        description=(
            "Always null for now: bookings arrive with a later issue; the numbers will be "
            "real counts then, never estimates"
        ),
    )
    note: str = Field(description="Why a section is null")
