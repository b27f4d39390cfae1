"""Bodies of the staff routes (masters, services, invitations), and the field types the
specialist routes share with them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from bookwell.kit.fields import Password, PersonName, PhoneNumber
from bookwell.kit.hours import check_timezone, normalize_week, week_for_display
from bookwell.kit.money import Amount, to_major
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import (
    Business,
    Invitation,
    InvitationStatus,
    Master,
    Membership,
    Service,
    User,
)

_INTERVAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "pattern": "^\\d\\d:\\d\\d$", "example": "09:00"},
        "end": {"type": "string", "pattern": "^\\d\\d:\\d\\d$", "example": "17:00"},
    },
    "required": ["start", "end"],
}

WorkingHours = Annotated[
    dict[str, list[dict[str, str]]],
    BeforeValidator(normalize_week),
    WithJsonSchema(
        {
            "type": "object",
            "description": (
                "Weekly hours keyed by weekday (monday ... sunday); a day is one "
                '`{"start": "HH:MM", "end": "HH:MM"}` or a list of them (breaks between); '
                "intervals of a day must not overlap; a missing day is closed."
            ),
            "additionalProperties": {
                "oneOf": [_INTERVAL_SCHEMA, {"type": "array", "items": _INTERVAL_SCHEMA}]
            },
            "example": {
                "monday": [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}],
                "tuesday": {"start": "09:00", "end": "17:00"},
            },
        }
    ),
]
Timezone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(check_timezone),
    Field(description="IANA time zone, e.g. America/New_York"),
]
Specialty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Specialties = Annotated[list[Specialty], Field(max_length=20, description="At most 20")]
ListItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
TextList = Annotated[list[ListItem], Field(max_length=50)]
ServiceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CategoryId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=5000)]
LongDescription = Annotated[str, StringConstraints(max_length=20000)]
Duration = Annotated[int, Field(ge=5, le=720, description="Minutes, 5 to 720")]
Buffer = Annotated[int, Field(ge=0, le=240, description="Minutes, 0 to 240")]
Notice = Annotated[
    int, Field(ge=0, le=43200, description="Minutes before the start, up to 30 days")
]
SlotStep = Annotated[int, Field(ge=5, le=240, description="Minutes between possible starts")]
Experience = Annotated[int, Field(ge=0, le=80, description="Years of experience, 0 to 80")]


# --- services ----------------------------------------------------------------


class ServiceCreateIn(RequestModel):
    """A new service. `price` is in major units of the business currency."""

    name: ServiceName
    description: Description = ""
    long_description: LongDescription = ""
    duration: Duration
    price: Amount
    category: CategoryId | None = Field(None, description="A category id, or null")
    requirements: TextList = Field(default_factory=list)
    deliverables: TextList = Field(default_factory=list)
    is_active: bool = True
    buffer_before: Buffer = 0
    buffer_after: Buffer = 0
    minimum_notice: Notice = 0
    slot_step: SlotStep = 15


class ServiceUpdateIn(RequestModel):
    """Only the fields given change; `category: null` removes the category."""

    name: ServiceName | None = None
    description: Description | None = None
    long_description: LongDescription | None = None
    duration: Duration | None = None
    price: Amount | None = None
    category: CategoryId | None = None
    requirements: TextList | None = None
    deliverables: TextList | None = None
    is_active: bool | None = None
    buffer_before: Buffer | None = None
    buffer_after: Buffer | None = None
    minimum_notice: Notice | None = None
    slot_step: SlotStep | None = None


class BusinessServiceCreateIn(ServiceCreateIn):
    master_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=500, description="Masters of this business"
    )


class BusinessServiceUpdateIn(ServiceUpdateIn):
    master_ids: list[uuid.UUID] | None = Field(
        None, max_length=500, description="Replaces the linked masters"
    )


class ServiceOut(CamelModel):
    id: uuid.UUID
    name: str
    description: str
    long_description: str
    duration: int
    price: int | float = Field(description="Major units of `currency`")
    currency: str
    category: str | None
    requirements: list[str]
    deliverables: list[str]
    is_active: bool
    buffer_before: int
    buffer_after: int
    minimum_notice: int
    slot_step: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fields_of(cls, service: Service, currency: str) -> dict[str, Any]:
        return {
            "id": service.id,
            "name": service.name,
            "description": service.description,
            "long_description": service.long_description,
            "duration": service.duration_minutes,
            "price": to_major(service.price, currency),
            "currency": currency,
            "category": service.category_id,
            "requirements": service.requirements,
            "deliverables": service.deliverables,
            "is_active": service.is_active,
            "buffer_before": service.buffer_before_minutes,
            "buffer_after": service.buffer_after_minutes,
            "minimum_notice": service.min_notice_minutes,
            "slot_step": service.slot_step_minutes,
            "created_at": service.created_at,
            "updated_at": service.updated_at,
        }

    @classmethod
    def of(cls, service: Service, currency: str) -> ServiceOut:
        return cls(**cls.fields_of(service, currency))


class BusinessServiceOut(ServiceOut):
    master_ids: list[uuid.UUID]

    @classmethod
    def with_masters(
        cls, service: Service, currency: str, master_ids: list[uuid.UUID]
    ) -> BusinessServiceOut:
        return cls(**cls.fields_of(service, currency), master_ids=master_ids)


# --- masters -----------------------------------------------------------------


class MasterCreateIn(RequestModel):
    """Invite a master by email. Nobody is linked until the owner of the email accepts;
    the other fields wait in the invitation and apply then (the names and phone only
    to an account the invitation link creates)."""

    email: EmailStr
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone_number: PhoneNumber | None = None
    location_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    description: Description = ""
    specialties: Specialties = Field(default_factory=list)


class MasterUpdateIn(RequestModel):
    """Only the fields given change."""

    description: Description | None = None
    specialties: Specialties | None = None
    experience: Experience | None = None
    location_ids: list[uuid.UUID] | None = Field(None, max_length=100)
    is_active: bool | None = None
    working_hours: WorkingHours | None = None
    timezone: Timezone | None = None


class MasterOut(CamelModel):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str | None
    first_name: str
    last_name: str
    phone_number: str | None
    avatar: str | None
    description: str
    specialties: list[str]
    experience: int
    timezone: str
    working_hours: dict[str, Any]
    location_ids: list[uuid.UUID]
    is_active: bool
    rating: float
    total_reviews: int
    is_verified: bool
    created_at: datetime

    @classmethod
    def of(cls, master: Master, user: User) -> MasterOut:
        return cls(
            id=master.id,
            user_id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            phone_number=user.phone_number,
            avatar=user.avatar_url,
            description=master.description,
            specialties=master.specialties,
            experience=master.experience_years,
            timezone=master.timezone,
            working_hours=week_for_display(master.working_hours),
            location_ids=sorted(location.id for location in master.locations),
            is_active=master.is_active,
            rating=float(master.rating),
            total_reviews=master.total_reviews,
            is_verified=master.is_verified,
            created_at=master.created_at,
        )


# --- managers ----------------------------------------------------------------

ManagerLocations = Annotated[
    list[uuid.UUID],
    Field(min_length=1, max_length=100, description="Locations of this business, at least one"),
]


class ManagerCreateIn(RequestModel):
    """Invite a manager of these locations by email; nobody is linked until the owner
    of the email accepts (the names apply only to an account the link creates)."""

    email: EmailStr
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    location_ids: ManagerLocations


class ManagerUpdateIn(RequestModel):
    """Replaces the manager's locations."""

    location_ids: ManagerLocations


class ManagerOut(CamelModel):
    id: uuid.UUID = Field(description="The membership id")
    user_id: uuid.UUID
    email: str | None
    first_name: str
    last_name: str
    avatar: str | None
    location_ids: list[uuid.UUID]
    created_at: datetime

    @classmethod
    def of(cls, membership: Membership, user: User) -> ManagerOut:
        return cls(
            id=membership.id,
            user_id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            avatar=user.avatar_url,
            location_ids=sorted(location.id for location in membership.locations),
            created_at=membership.created_at,
        )


# --- invitations ---------------------------------------------------------------


def shown_status(invitation: Invitation, now: datetime) -> str:
    """The status a reader sees: a pending invitation past its expiry is expired."""
    if invitation.status is InvitationStatus.PENDING and invitation.expires_at <= now:
        return InvitationStatus.EXPIRED.value
    return invitation.status.value


InvitationRole = Literal["master", "manager"]
InvitationStatusName = Literal["pending", "accepted", "declined", "withdrawn", "expired"]


class InvitationOut(CamelModel):
    """An invitation as the business sees it: to an email, never to an account."""

    id: uuid.UUID
    email: str
    role: InvitationRole
    status: InvitationStatusName
    expires_at: datetime
    created_at: datetime
    responded_at: datetime | None

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> InvitationOut:
        return cls(
            id=invitation.id,
            email=invitation.email,
            role=invitation.role.value,
            status=shown_status(invitation, now),
            expires_at=invitation.expires_at,
            created_at=invitation.created_at,
            responded_at=invitation.responded_at,
        )


class InvitationSentOut(CamelModel):
    invitation: InvitationOut


class MyInvitationOut(CamelModel):
    """An invitation as its invitee sees it."""

    id: uuid.UUID
    business_id: uuid.UUID
    business_name: str
    role: InvitationRole
    status: InvitationStatusName
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation, business: Business, now: datetime) -> MyInvitationOut:
        return cls(
            id=invitation.id,
            business_id=business.id,
            business_name=business.name,
            role=invitation.role.value,
            status=shown_status(invitation, now),
            expires_at=invitation.expires_at,
        )


class InvitationAcceptIn(RequestModel):
    """Accept through the emailed link, without an account: the password (and names,
    else those the inviter gave) of the account it creates."""

    token: str = Field(min_length=1, max_length=512, description="From the invitation email")
    password: Password
    first_name: PersonName | None = None
    last_name: PersonName | None = None
