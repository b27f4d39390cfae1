"""Every query on users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import Master, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def is_master(self, user_id: uuid.UUID) -> bool:
        """Whether the user is a master of any business (and so shown in discovery)."""
        found = await self.session.scalar(
            select(Master.id).where(Master.user_id == user_id).limit(1)
        )
        return found is not None

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(select(User).where(User.email == email.lower()))
        return result.scalar_one_or_none()

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        result = await self.session.execute(select(User).where(User.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def link_telegram(self, user: User, telegram_id: int, username: str | None) -> bool:
        """Give the user this Telegram id; False if another user took it meanwhile."""
        try:
            async with self.session.begin_nested():
                user.telegram_id = telegram_id
                user.telegram_username = username
        except IntegrityError:
            await self.session.refresh(user)
            return False
        return True

    async def add_unique(self, user: User) -> bool:
        """Insert the user; False if the email or Telegram id was taken meanwhile."""
        try:
            async with self.session.begin_nested():
                self.session.add(user)
        except IntegrityError:
            return False
        return True
