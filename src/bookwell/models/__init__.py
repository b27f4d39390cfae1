"""All ORM models, imported here so that Alembic and the app see one metadata."""

from bookwell.models.audit import AuditEntry
from bookwell.models.auth import ApiKey, AuthSession, RefreshToken
from bookwell.models.base import Base
from bookwell.models.bookings import (
    ACTIVE_STATUSES,
    Booking,
    BookingKind,
    BookingStatus,
    BookingStatusChange,
    CalendarFeed,
    IdempotencyRecord,
    VerificationCode,
)
from bookwell.models.businesses import (
    Business,
    BusinessRole,
    BusinessStatus,
    Location,
    Membership,
    membership_locations,
)
from bookwell.models.catalog import Category, Service, service_masters
from bookwell.models.masters import Master, master_locations
from bookwell.models.messages import (
    Channel,
    DeliveryStatus,
    Invitation,
    InvitationStatus,
    OutboxMessage,
)
from bookwell.models.scheduling import AvailabilityBlock, AvailabilityOverride
from bookwell.models.search import SearchOffer
from bookwell.models.users import User, UserType

__all__ = [
    "ACTIVE_STATUSES",
    "ApiKey",
    "AuditEntry",
    "AuthSession",
    "AvailabilityBlock",
    "AvailabilityOverride",
    "Base",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "BookingStatusChange",
    "Business",
    "BusinessRole",
    "BusinessStatus",
    "CalendarFeed",
    "Category",
    "Channel",
    "DeliveryStatus",
    "IdempotencyRecord",
    "Invitation",
    "InvitationStatus",
    "Location",
    "Master",
    "Membership",
    "OutboxMessage",
    "RefreshToken",
    "SearchOffer",
    "Service",
    "User",
    "UserType",
    "VerificationCode",
    "master_locations",
    "membership_locations",
    "service_masters",
]
