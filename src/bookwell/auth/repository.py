"""Every query on sign-in sessions, refresh tokens and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import ApiKey, AuthSession, RefreshToken, User


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: AuthSession | RefreshToken | ApiKey) -> None:
        self.session.add(row)
        await self.session.flush()

    async def user_with_live_session(
        self, user_id: uuid.UUID, session_id: uuid.UUID
    ) -> User | None:
        """The user, if active and the sign-in session is not revoked: one query."""
        result = await self.session.execute(
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                User.id == user_id,
                User.is_active.is_(True),
                AuthSession.id == session_id,
                AuthSession.revoked_at.is_(None),
            )
        )
        return result.scalar_one_or_none()

    async def refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        result = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )
        return result.scalar_one_or_none()

    async def get_session(self, session_id: uuid.UUID) -> AuthSession | None:
        return await self.session.get(AuthSession, session_id)

    async def mark_token_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Claim a refresh token; False when another request used it first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def touch_session(self, session_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_used_at=now)
        )

    async def revoke_session(self, session_id: uuid.UUID, now: datetime, reason: str) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_user_sessions(
        self, user_id: uuid.UUID, now: datetime, reason: str, *, keep: uuid.UUID | None = None
    ) -> None:
        statement = update(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(AuthSession.id != keep)
        await self.session.execute(statement.values(revoked_at=now, revoked_reason=reason))

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        result = await self.session.execute(
            select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )
        return result.scalar_one_or_none()

    async def touch_api_key(self, key_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now)
        )
