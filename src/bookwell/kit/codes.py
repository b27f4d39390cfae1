"""One-time codes: six digits sent to an email or phone, stored only as an HMAC, checked
once, dead after MAX_ATTEMPTS wrong guesses.

Two kinds share `verification_codes` and these rules: a guest's code for one business
(guests/, `business_id` set) and an account's email verification (auth/, `business_id`
NULL). The scope keeps them apart: a code of one never answers for the other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.errors import ErrorDetail, ValidationFailed
from bookwell.kit.clock import utcnow
from bookwell.models import Channel, VerificationCode

CODE_DIGITS = 6
# Wrong guesses a code survives; then it is dead and its owner asks for a new one.
MAX_ATTEMPTS = 5
ASK_AGAIN = "ask for a new code"


class CodeRepository:
    """The codes of one scope: a business's guests, or (None) accounts."""

    def __init__(self, session: AsyncSession, business_id: uuid.UUID | None) -> None:
        self.session = session
        self.business_id = business_id

    def _in_scope(self) -> ColumnElement[bool]:
        if self.business_id is None:
            return VerificationCode.business_id.is_(None)
        return VerificationCode.business_id == self.business_id

    async def add(self, row: VerificationCode) -> None:
        row.business_id = self.business_id
        self.session.add(row)
        await self.session.flush()

    async def latest(self, channel: Channel, destination: str) -> VerificationCode | None:
        """The code sent last to this destination in this scope: a new code replaces
        the ones before it."""
        result = await self.session.execute(
            select(VerificationCode)
            .where(
                self._in_scope(),
                VerificationCode.channel == channel.value,
                VerificationCode.destination == destination,
            )
            .order_by(VerificationCode.created_at.desc(), VerificationCode.id)
            .limit(1)
        )
        code: VerificationCode | None = result.scalar_one_or_none()
        return code

    def _still_open(self, code_id: uuid.UUID) -> list[ColumnElement[bool]]:
        """The code, in scope, neither used nor used up."""
        return [
            VerificationCode.id == code_id,
            self._in_scope(),
            VerificationCode.attempts < MAX_ATTEMPTS,
            VerificationCode.verified_at.is_(None),
        ]

    async def count_wrong_attempt(self, code_id: uuid.UUID) -> int | None:
        """Add one wrong attempt unless the code is already used up; the attempts made
        so far, or None when there was none left (a parallel request took it)."""
        result = await self.session.execute(
            update(VerificationCode)
            .where(*self._still_open(code_id))
            .values(attempts=VerificationCode.attempts + 1)
            .returning(VerificationCode.attempts)
            .execution_options(synchronize_session=False)
        )
        attempts: int | None = result.scalar_one_or_none()
        return attempts

    async def mark_used(self, code_id: uuid.UUID, now: datetime) -> bool:
        """Use the code once: False when a parallel request used it (or used it up) first."""
        result = await self.session.execute(
            update(VerificationCode)
            .where(*self._still_open(code_id))
            .values(verified_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _digest(settings: Settings, code_id: uuid.UUID, code: str) -> str:
    """Keyed with the signing secret and salted with the row id: a million possible
    codes are no secret once the table leaks, unless the key stays away from it."""
    message = f"{code_id}:{code}".encode()
    return hmac.new(settings.signing_secret.encode(), message, hashlib.sha256).hexdigest()


async def issue_code(
    codes: CodeRepository,
    settings: Settings,
    channel: Channel,
    destination: str,
    ttl: timedelta,
) -> tuple[str, VerificationCode]:
    """A new code for the destination (only its digest is stored) and its row; the
    caller sends the plain code, in the same transaction."""
    now = utcnow()
    code = _new_code()
    row = VerificationCode(
        id=uuid.uuid4(),
        channel=channel.value,
        destination=destination,
        created_at=now,
        expires_at=now + ttl,
    )
    row.code_hash = _digest(settings, row.id, code)
    await codes.add(row)
    return code, row


def _refused(message: str, code: str, *, keep_changes: bool = False) -> ValidationFailed:
    return ValidationFailed(
        message, details=[ErrorDetail("code", message, code)], keep_changes=keep_changes
    )


def _dead_code() -> ValidationFailed:
    return _refused(
        f"Too many wrong attempts: this code no longer works; {ASK_AGAIN}", "TOO_MANY_ATTEMPTS"
    )


async def use_code(
    codes: CodeRepository,
    settings: Settings,
    channel: Channel,
    destination: str,
    code: str,
    *,
    noun: str,
) -> None:
    """Use up the latest code sent to the destination, or refuse (400 on `code`). A
    code works once, until it expires, and survives MAX_ATTEMPTS wrong guesses; a
    wrong guess is counted even though the request fails. `noun` names the
    destination in messages ("email", "phone number")."""
    row = await codes.latest(channel, destination)
    now = utcnow()
    if row is None:
        raise _refused(f"No code was sent to this {noun}; {ASK_AGAIN}", "NO_CODE")
    if row.verified_at is not None:
        raise _refused(f"This code has already been used; {ASK_AGAIN}", "CODE_USED")
    if row.expires_at <= now:
        raise _refused(f"This code has expired; {ASK_AGAIN}", "CODE_EXPIRED")
    if row.attempts >= MAX_ATTEMPTS:
        raise _dead_code()
    if not hmac.compare_digest(row.code_hash, _digest(settings, row.id, code)):
        attempts = await codes.count_wrong_attempt(row.id)
        if attempts is None:
            raise _dead_code()
        left = MAX_ATTEMPTS - attempts
        message = (
            f"The code is wrong; {left} attempt{'s' if left != 1 else ''} left"
            if left
            else f"The code is wrong and that was the last attempt; {ASK_AGAIN}"
        )
        raise _refused(message, "WRONG_CODE", keep_changes=True)
    if not await codes.mark_used(row.id, now):
        raise _refused(f"This code has already been used; {ASK_AGAIN}", "CODE_USED")
