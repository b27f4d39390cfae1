"""Who may see a booking and who may act on it.

- Its customer sees it and may cancel or reschedule it until the cancellation
  deadline, and edit its notes.
- Its staff see it and may do everything, at any time: the owner of the business
  (and the super admin, and the business's API key); a manager when the booking is
  at one of their locations or at none (the staff rules of BusinessAccess); the
  master who delivers it.
- Everyone else gets 404, as if it did not exist.
- At a suspended or rejected business nobody but a super admin changes a booking
  (kit/tenancy.require_writable), except that its customer may still cancel it
  (until the deadline, as always): the customer is not to blame for the business.

The same rules exist twice: for one booking in Python (`booking_access`, on top of
BusinessAccess) and for lists as SQL conditions (`customer_condition`,
`staff_condition`, `business_staff_condition`); tests/bookings/test_lists.py
holds them to the same answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings import repository
from bookwell.bookings.rules import Who
from bookwell.businesses.access import load_access
from bookwell.errors import InsufficientPermissions, NotFound
from bookwell.kit.tenancy import Actor, BusinessAccess, require_writable
from bookwell.models import (
    Booking,
    Business,
    BusinessRole,
    Master,
    Membership,
    membership_locations,
)


@dataclass(frozen=True, slots=True)
class BookingAccess:
    """A booking the actor may see, and in which capacity."""

    booking: Booking
    business: Business
    actor: Actor
    is_customer: bool
    is_staff: bool

    @property
    def who(self) -> Who:
        return Who.of(self.actor)

    def require_staff(self) -> None:
        if not self.is_staff:
            raise InsufficientPermissions("Only the business's staff may do this")


async def _is_staff(session: AsyncSession, access: BusinessAccess, booking: Booking) -> bool:
    if access.can_manage_location(booking.location_id):
        return True
    if BusinessRole.MASTER not in access.roles or booking.master_id is None:
        return False
    owner = await repository.master_user_id(session, booking.master_id)
    return owner is not None and owner == access.actor.user_id


async def booking_access(
    session: AsyncSession,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    for_update: bool = False,
    cancel: bool = False,
) -> BookingAccess:
    """The booking with the actor's standing; 404 when the actor may not see it.
    `for_update` locks the row (PostgreSQL) for a change, which the business's status
    may refuse (403); `cancel` says the change is a cancellation, which its customer
    may make whatever the status."""
    booking = await session.get(Booking, booking_id, with_for_update=for_update)
    if booking is None:
        raise NotFound("Booking not found")
    try:
        business_access: BusinessAccess | None = await load_access(
            session, booking.business_id, actor
        )
    except NotFound:
        business_access = None
    is_staff = business_access is not None and await _is_staff(session, business_access, booking)
    is_customer = actor.user is not None and booking.customer_id == actor.user.id
    if not (is_staff or is_customer):
        raise NotFound("Booking not found")
    business = (
        business_access.business
        if business_access is not None
        else await session.get(Business, booking.business_id)
    )
    assert business is not None  # the foreign key holds it
    if for_update and not (cancel and is_customer):
        require_writable(business, actor)
    return BookingAccess(
        booking=booking,
        business=business,
        actor=actor,
        is_customer=is_customer,
        is_staff=is_staff,
    )


# --- the same rules as SQL, for lists ----------------------------------------------


def customer_condition(actor: Actor) -> ColumnElement[bool]:
    """The actor's own bookings as a customer."""
    if actor.user is None:
        return false()
    return Booking.customer_id == actor.user.id


def staff_condition(actor: Actor) -> ColumnElement[bool]:
    """The bookings the actor sees as staff, across businesses."""
    if actor.is_super_admin:
        return true()
    if actor.api_key is not None:
        if actor.api_key.business_id is None:
            return false()
        return Booking.business_id == actor.api_key.business_id
    if actor.user is None:
        return false()
    user_id = actor.user.id

    def businesses(role: BusinessRole) -> ColumnElement[bool]:
        return Booking.business_id.in_(
            select(Membership.business_id).where(
                Membership.user_id == user_id, Membership.role == role
            )
        )

    # As BusinessAccess: a manager's locations are those of all their memberships there.
    own_locations = (
        select(membership_locations.c.location_id)
        .join(Membership, Membership.id == membership_locations.c.membership_id)
        .where(Membership.user_id == user_id, Membership.business_id == Booking.business_id)
    )
    managed = and_(
        businesses(BusinessRole.MANAGER),
        or_(Booking.location_id.is_(None), Booking.location_id.in_(own_locations)),
    )
    delivered = Booking.master_id.in_(select(Master.id).where(Master.user_id == user_id))
    return or_(businesses(BusinessRole.OWNER), managed, delivered)


def business_staff_condition(access: BusinessAccess) -> ColumnElement[bool]:
    """The bookings of `access.business` the actor sees as staff."""
    if access.is_full:
        return true()
    seen: list[ColumnElement[bool]] = []
    if BusinessRole.MANAGER in access.roles:
        seen.append(
            or_(Booking.location_id.is_(None), Booking.location_id.in_(access.location_ids))
        )
    if BusinessRole.MASTER in access.roles and access.actor.user is not None:
        seen.append(
            Booking.master_id.in_(
                select(Master.id).where(
                    Master.user_id == access.actor.user.id,
                    Master.business_id == access.business_id,
                )
            )
        )
    return or_(*seen) if seen else false()
