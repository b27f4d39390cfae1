"""Every query of the bookings routes: what a booking is made of, pages of bookings
under a visibility condition (see access.py), history, calendar feeds.

Lists of one business (the business route, an API key) go through BookingRepository,
a TenantRepository. The signed-in user's own list spans businesses by nature (a
customer books anywhere); it is bounded by the visibility condition instead, which
names the user in every branch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from bookwell.kit.pagination import PageRequest
from bookwell.kit.tenancy import TenantRepository
from bookwell.models import (
    Booking,
    BookingStatus,
    BookingStatusChange,
    Business,
    BusinessStatus,
    CalendarFeed,
    Master,
    Service,
    User,
    master_locations,
    service_masters,
)
from bookwell.scheduling.repository import still_holds

S = BookingStatus


@dataclass(frozen=True, slots=True)
class Offer:
    """A service with the master asked for, as POST /bookings needs them."""

    service: Service
    business: Business
    master: Master | None
    master_user_active: bool
    offered: bool
    # The master's only location (None with none or several).
    only_location: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class SpecialistRef:
    master_id: uuid.UUID
    first_name: str
    last_name: str
    avatar: str | None


@dataclass(frozen=True, slots=True)
class ListedBooking:
    booking: Booking
    business: Business
    as_staff: bool
    specialist: SpecialistRef | None


def status_is(status: BookingStatus, now: datetime) -> ColumnElement[bool]:
    """SQL: the booking's status as of `now` (current_status) is `status`: an unpaid
    booking past its deadline counts as expired, not as pending_payment."""
    overdue = and_(Booking.status == S.PENDING_PAYMENT, Booking.payment_deadline <= now)
    if status is S.EXPIRED:
        return or_(Booking.status == S.EXPIRED, overdue)
    if status is S.PENDING_PAYMENT:
        return and_(
            Booking.status == S.PENDING_PAYMENT,
            or_(Booking.payment_deadline.is_(None), Booking.payment_deadline > now),
        )
    return Booking.status == status


async def offer(session: AsyncSession, service_id: uuid.UUID, master_id: uuid.UUID) -> Offer | None:
    """The active service of an active business, with the master of that business (if
    any has this id), in one round trip; None when there is no such service."""
    location_count = (
        select(func.count())
        .select_from(master_locations)
        .where(master_locations.c.master_id == master_id)
        .scalar_subquery()
    )
    one_location = (
        select(master_locations.c.location_id)
        .where(master_locations.c.master_id == master_id)
        .limit(1)
        .scalar_subquery()
    )
    offered = exists().where(
        service_masters.c.service_id == Service.id, service_masters.c.master_id == master_id
    )
    row = (
        await session.execute(
            select(
                Service,
                Business,
                Master,
                User.is_active,
                offered.label("offered"),
                location_count.label("location_count"),
                one_location.label("one_location"),
            )
            .join(Business, Business.id == Service.business_id)
            .outerjoin(Master, and_(Master.id == master_id, Master.business_id == Business.id))
            .outerjoin(User, User.id == Master.user_id)
            .where(
                Service.id == service_id,
                Service.is_active.is_(True),
                Business.status == BusinessStatus.ACTIVE,
            )
            # The master's locations come from the subqueries, not a second query.
            .options(lazyload(Master.locations))
        )
    ).one_or_none()
    if row is None:
        return None
    service, business, master, user_active, is_offered, count, location = row
    return Offer(
        service=service,
        business=business,
        master=master,
        master_user_active=bool(user_active),
        offered=bool(is_offered),
        only_location=location if count == 1 else None,
    )


def _listing(visible: ColumnElement[bool], as_staff: ColumnElement[bool]) -> Select[Any]:
    statement = (
        select(
            Booking,
            Business,
            as_staff.label("as_staff"),
            Master.id,
            User.first_name,
            User.last_name,
            User.avatar_url,
        )
        .join(Business, Business.id == Booking.business_id)
        .outerjoin(Master, Master.id == Booking.master_id)
        .outerjoin(User, User.id == Master.user_id)
        .where(visible)
    )
    return cast("Select[Any]", statement)


async def _page(
    session: AsyncSession,
    statement: Select[Any],
    counted: Select[Any],
    page: PageRequest,
) -> tuple[list[ListedBooking], int]:
    total = int(await session.scalar(counted) or 0)
    if total <= page.offset:
        return [], total
    rows = await session.execute(
        statement.order_by(Booking.starts_at, Booking.id).limit(page.limit).offset(page.offset)
    )
    listed = []
    for booking, business, as_staff, master_id, first_name, last_name, avatar in rows:
        specialist = (
            SpecialistRef(master_id, first_name or "", last_name or "", avatar)
            if master_id is not None
            else None
        )
        listed.append(ListedBooking(booking, business, bool(as_staff), specialist))
    return listed, total


async def page_of(
    session: AsyncSession,
    visible: ColumnElement[bool],
    as_staff: ColumnElement[bool],
    conditions: Sequence[ColumnElement[bool]],
    page: PageRequest,
) -> tuple[list[ListedBooking], int]:
    """One page of the bookings matching `visible` and the filters, by start time."""
    statement = _listing(visible, as_staff).where(*conditions)
    counted = select(func.count()).select_from(Booking).where(visible, *conditions)
    return await _page(session, statement, counted, page)


class BookingRepository(TenantRepository[Booking]):
    model = Booking

    async def page(
        self,
        visible: ColumnElement[bool],
        conditions: Sequence[ColumnElement[bool]],
        page: PageRequest,
    ) -> tuple[list[ListedBooking], int]:
        """One page of this business's bookings matching `visible` and the filters;
        every row is seen as staff."""
        statement = self.scoped(_listing(visible, true())).where(*conditions)
        counted = self.scoped(select(func.count()).select_from(Booking)).where(visible, *conditions)
        return await _page(self.session, statement, counted, page)

    async def service_has_future_bookings(self, service_id: uuid.UUID, now: datetime) -> bool:
        """Whether an active booking of the service starts after `now`."""
        found = await self.session.scalar(
            self.scoped(select(Booking.id))
            .where(Booking.service_id == service_id, Booking.starts_at > now, still_holds(now))
            .limit(1)
        )
        return found is not None


async def history(session: AsyncSession, booking_id: uuid.UUID) -> list[BookingStatusChange]:
    rows = await session.scalars(
        select(BookingStatusChange)
        .where(BookingStatusChange.booking_id == booking_id)
        # The creation (no previous status) first among entries of the same instant.
        .order_by(BookingStatusChange.changed_at, BookingStatusChange.from_status.is_not(None))
    )
    return list(rows)


async def specialist_of(session: AsyncSession, master_id: uuid.UUID | None) -> SpecialistRef | None:
    if master_id is None:
        return None
    row = (
        await session.execute(
            select(User.first_name, User.last_name, User.avatar_url)
            .join(Master, Master.user_id == User.id)
            .where(Master.id == master_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return SpecialistRef(master_id, row.first_name, row.last_name, row.avatar_url)


async def master_user_id(session: AsyncSession, master_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(
        select(Master.user_id).where(Master.id == master_id)
    )
    return found


async def count_completion(
    session: AsyncSession, master_id: uuid.UUID | None, customer_id: uuid.UUID | None
) -> None:
    """The running totals of completed bookings of the master and the customer."""
    if master_id is not None:
        await session.execute(
            update(Master)
            .where(Master.id == master_id)
            .values(total_bookings=Master.total_bookings + 1)
            .execution_options(synchronize_session=False)
        )
    if customer_id is not None:
        await session.execute(
            update(User)
            .where(User.id == customer_id)
            .values(total_bookings=User.total_bookings + 1)
            .execution_options(synchronize_session=False)
        )


# --- calendar feeds ------------------------------------------------------------


async def revoke_feeds(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """Revoke the user's live feeds; how many there were."""
    revoked = await session.scalars(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(CalendarFeed.id)
        .execution_options(synchronize_session=False)
    )
    return len(revoked.all())


async def feed_owner(session: AsyncSession, token_hash: str) -> User | None:
    """The active user of the live feed with this token hash."""
    user: User | None = await session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(
            CalendarFeed.token_hash == token_hash,
            CalendarFeed.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    )
    return user


async def bookings_of_person(
    session: AsyncSession, user_id: uuid.UUID, since: datetime, limit: int
) -> list[tuple[Booking, Business]]:
    """Bookings starting from `since` where the user is the customer or the master."""
    as_master = Booking.master_id.in_(select(Master.id).where(Master.user_id == user_id))
    rows = await session.execute(
        select(Booking, Business)
        .join(Business, Business.id == Booking.business_id)
        .where(or_(Booking.customer_id == user_id, as_master), Booking.starts_at >= since)
        .order_by(Booking.starts_at, Booking.id)
        .limit(limit)
    )
    return [(booking, business) for booking, business in rows]
