"""Business, location, API key and audit log bodies (API.md "Seed 002")."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StringConstraints

from bookwell.auth.schemas import TokensOut, UserOut
from bookwell.kit.fields import Password, PersonName, PhoneNumber
from bookwell.kit.hours import check_timezone, normalize_week, week_for_display
from bookwell.kit.money import Amount, to_major
from bookwell.kit.pagination import Pagination
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import ApiKey, AuditEntry, Business, Location
from bookwell.users.schemas import Currency

ItemT = TypeVar("ItemT")

Timezone = Annotated[str, StringConstraints(max_length=64), AfterValidator(check_timezone)]
OpeningHours = Annotated[dict[str, Any], BeforeValidator(normalize_week)]
BusinessName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
# Checked by the service (format and reserved names, with a code per problem).
Subdomain = Annotated[str, StringConstraints(min_length=1, max_length=100)]
NoticeHours = Annotated[int, Field(ge=0, le=24 * 365)]
HorizonDays = Annotated[int, Field(ge=1, le=3650, description="How far ahead clients may book")]
PaymentWindow = Annotated[
    int, Field(ge=1, le=1440, description="Minutes a booking waits for its deposit")
]


class BusinessIn(RequestModel):
    """Register a business. Signed in, the caller becomes its owner; without a token
    the owner's `email`, `password`, `firstName` and `lastName` create that account."""

    name: BusinessName
    subdomain: Subdomain = Field(
        description=(
            "3-63 characters: lowercase letters, digits and hyphens, not starting or "
            "ending with a hyphen, no `--`. Uppercase is refused, not lowercased."
        )
    )
    timezone: Timezone
    currency: Currency
    description: Description = ""
    opening_hours: OpeningHours | None = Field(
        None, description="Default: Monday-Friday 09:00-17:00 in the business's zone"
    )
    cancellation_notice_hours: NoticeHours = 24
    booking_horizon_days: HorizonDays = 365
    payment_window_minutes: PaymentWindow = 15
    deposit_amount: Amount = Field(
        Decimal(0), description="Default deposit per booking, in major units of the currency"
    )
    auto_confirm: bool = False
    contact_email: EmailStr | None = None
    contact_phone: PhoneNumber | None = None
    # The owner's account, only without a Bearer token.
    email: EmailStr | None = None
    password: Password | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone_number: PhoneNumber | None = None


class BusinessUpdateIn(RequestModel):
    """Only the fields given change. `subdomain` and `status` cannot be changed here."""

    name: BusinessName | None = None
    timezone: Timezone | None = None
    currency: Currency | None = None
    description: Description | None = None
    opening_hours: OpeningHours | None = None
    cancellation_notice_hours: NoticeHours | None = None
    booking_horizon_days: HorizonDays | None = None
    payment_window_minutes: PaymentWindow | None = None
    deposit_amount: Amount | None = None
    auto_confirm: bool | None = None
    contact_email: EmailStr | None = None
    contact_phone: PhoneNumber | None = None


class BusinessOut(CamelModel):
    id: uuid.UUID
    name: str
    subdomain: str
    status: str
    description: str
    timezone: str
    currency: str
    opening_hours: dict[str, Any]
    cancellation_notice_hours: int
    booking_horizon_days: int
    payment_window_minutes: int
    deposit_amount: int | float = Field(description="Major units of `currency`")
    auto_confirm: bool
    contact_email: str | None
    contact_phone: str | None
    rejection_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, business: Business) -> BusinessOut:
        return cls(
            id=business.id,
            name=business.name,
            subdomain=business.subdomain,
            status=business.status.value,
            description=business.description,
            timezone=business.timezone,
            currency=business.currency,
            opening_hours=week_for_display(business.opening_hours),
            cancellation_notice_hours=business.cancellation_notice_hours,
            booking_horizon_days=business.booking_horizon_days,
            payment_window_minutes=business.payment_window_minutes,
            deposit_amount=to_major(business.deposit_amount, business.currency),
            auto_confirm=business.auto_confirm,
            contact_email=business.contact_email,
            contact_phone=business.contact_phone,
            rejection_reason=business.rejection_reason,
            decided_at=business.decided_at,
            created_at=business.created_at,
            updated_at=business.updated_at,
        )


class MyBusinessOut(BusinessOut):
    roles: list[str] = Field(description="The caller's roles: owner, manager, master")


class BusinessCreatedOut(CamelModel):
    business: BusinessOut
    user: UserOut | None = Field(
        description="The owner account created with the business; null when signed in"
    )
    tokens: TokensOut | None = Field(description="The new owner's tokens; null when signed in")


class LocationIn(RequestModel):
    name: BusinessName
    address: Annotated[str, StringConstraints(max_length=500)] = ""
    timezone: Timezone | None = Field(None, description="Default: the business's zone")
    phone: PhoneNumber | None = None


class LocationUpdateIn(RequestModel):
    """Only the fields given change; `phone: null` clears the number."""

    name: BusinessName | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    timezone: Timezone | None = None
    phone: PhoneNumber | None = None


class LocationOut(CamelModel):
    id: uuid.UUID
    name: str
    address: str
    timezone: str
    phone: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, location: Location) -> LocationOut:
        return cls(
            id=location.id,
            name=location.name,
            address=location.address,
            timezone=location.timezone,
            phone=location.phone,
            created_at=location.created_at,
            updated_at=location.updated_at,
        )


class ApiKeyIn(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ApiKeyOut(CamelModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )


class ApiKeyCreatedOut(CamelModel):
    id: uuid.UUID
    name: str
    key: str = Field(description="The key itself: shown this once, only its hash is kept")
    prefix: str
    created_at: datetime


class AuditActorOut(CamelModel):
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None


class AuditEntryOut(CamelModel):
    id: uuid.UUID
    business_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: str
    actor: AuditActorOut
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            business_id=entry.business_id,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            actor=AuditActorOut(user_id=entry.actor_user_id, api_key_id=entry.actor_api_key_id),
            before=entry.before,
            after=entry.after,
            created_at=entry.created_at,
        )


class Paged(CamelModel, Generic[ItemT]):
    """The success envelope of a list that pages."""

    success: bool = True
    data: list[ItemT]
    pagination: Pagination
