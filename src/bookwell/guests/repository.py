"""Every query of the guests domain: one-time codes and a verified guest's bookings."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.guests.tokens import Contact
from bookwell.kit.tenancy import TenantRepository
from bookwell.models import Booking, Business, BusinessStatus, Channel, VerificationCode


async def active_business(session: AsyncSession, business_id: uuid.UUID) -> Business | None:
    result = await session.execute(
        select(Business).where(Business.id == business_id, Business.status == BusinessStatus.ACTIVE)
    )
    return result.scalar_one_or_none()


class VerificationCodeRepository(TenantRepository[VerificationCode]):
    model = VerificationCode

    async def latest(self, contact: Contact) -> VerificationCode | None:
        """The code sent last to this contact by this business: a new code replaces
        the ones before it."""
        result = await self.session.execute(
            self.scoped()
            .where(
                VerificationCode.channel == contact.channel.value,
                VerificationCode.destination == contact.destination,
            )
            .order_by(VerificationCode.created_at.desc(), VerificationCode.id)
            .limit(1)
        )
        code: VerificationCode | None = result.scalar_one_or_none()
        return code

    async def count_wrong_attempt(self, code_id: uuid.UUID, max_attempts: int) -> int | None:
        """Add one wrong attempt unless the code is already used up; the attempts made
        so far, or None when there was none left (a parallel request took it)."""
        result = await self.session.execute(
            update(VerificationCode)
            .where(
                VerificationCode.id == code_id,
                VerificationCode.business_id == self.business_id,
                VerificationCode.attempts < max_attempts,
                VerificationCode.verified_at.is_(None),
            )
            .values(attempts=VerificationCode.attempts + 1)
            .returning(VerificationCode.attempts)
            .execution_options(synchronize_session=False)
        )
        attempts: int | None = result.scalar_one_or_none()
        return attempts

    async def mark_used(self, code_id: uuid.UUID, max_attempts: int, now: datetime) -> bool:
        """Use the code once: False when a parallel request used it (or used it up) first."""
        result = await self.session.execute(
            update(VerificationCode)
            .where(
                VerificationCode.id == code_id,
                VerificationCode.business_id == self.business_id,
                VerificationCode.attempts < max_attempts,
                VerificationCode.verified_at.is_(None),
            )
            .values(verified_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1


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
