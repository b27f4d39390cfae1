"""Every query of the guests domain: the active business and a verified guest's bookings
(one-time codes are kit/codes.py's)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.guests.tokens import Contact
from bookwell.kit.tenancy import TenantRepository
from bookwell.models import Booking, Business, BusinessStatus, Channel


async def active_business(session: AsyncSession, business_id: uuid.UUID) -> Business | None:
    result = await session.execute(
        select(Business).where(Business.id == business_id, Business.status == BusinessStatus.ACTIVE)
    )
    return result.scalar_one_or_none()


class ClientBookingRepository(TenantRepository[Booking]):
    model = Booking

    async def for_contact(
        self, contact: Contact, offset: int, limit: int
    ) -> tuple[list[Booking], int]:
        """The business's bookings made with this email (any case) or phone, latest
        start first."""
        if contact.channel is Channel.EMAIL:
            mine = func.lower(Booking.contact_email) == contact.destination
        else:
            mine = Booking.contact_phone == contact.destination
        total = await self.count(select(Booking).where(mine))
        result = await self.session.execute(
            self.scoped()
            .where(mine)
            .order_by(Booking.starts_at.desc(), Booking.id)
            .offset(offset)
            .limit(limit)
        )
        return list(result.scalars()), total
