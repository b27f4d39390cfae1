"""Guest verification: a one-time code sent to an email or phone, checked once, and
traded for a client token; and what a verified guest may read."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.errors import ErrorDetail, ValidationFailed
from bookwell.guests.messages import code_message
from bookwell.guests.repository import ClientBookingRepository, VerificationCodeRepository
from bookwell.guests.sender import MessageSender, OutgoingMessage
from bookwell.guests.tokens import Contact, issue_client_token
from bookwell.kit.clock import utcnow
from bookwell.kit.pagination import PageRequest
from bookwell.models import Booking, Business, Channel, VerificationCode

CODE_DIGITS = 6
# Wrong guesses a code survives; then it is dead and the guest asks for a new one.
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class SentCode:
    channel: Channel
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ClientSession:
    token: str
    expires_at: datetime
    business_id: uuid.UUID
    contact: Contact


def contact_of(email: str | None, phone: str | None) -> Contact:
    """The one contact given; both or neither is a 400 naming both fields. Emails are
    compared without case, phones in E.164 (the schema normalised them)."""
    if (email is None) == (phone is None):
        problem = "give either email or phone, not both" if email else "give email or phone"
        raise ValidationFailed(
            "Give exactly one of email or phone",
            details=[
                ErrorDetail("email", problem, "ONE_OF_REQUIRED"),
                ErrorDetail("phone", problem, "ONE_OF_REQUIRED"),
            ],
        )
    if email is not None:
        return Contact(Channel.EMAIL, email.lower())
    assert phone is not None
    return Contact(Channel.SMS, phone)


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _digest(settings: Settings, code_id: uuid.UUID, code: str) -> str:
    """Keyed with the signing secret and salted with the row id: a million possible
    codes are no secret once the table leaks, unless the key stays away from it."""
    message = f"{code_id}:{code}".encode()
    return hmac.new(settings.signing_secret.encode(), message, hashlib.sha256).hexdigest()


async def send_code(
    session: AsyncSession,
    settings: Settings,
    sender: MessageSender,
    business: Business,
    contact: Contact,
    language: str,
) -> SentCode:
    """Store a new code (only its digest) and queue the message carrying it, in this
    transaction. The new code replaces earlier ones sent to the same contact."""
    now = utcnow()
    ttl = timedelta(minutes=settings.client_code_ttl_minutes)
    code = _new_code()
    row = VerificationCode(
        id=uuid.uuid4(),
        channel=contact.channel.value,
        destination=contact.destination,
        created_at=now,
        expires_at=now + ttl,
    )
    row.code_hash = _digest(settings, row.id, code)
    await VerificationCodeRepository(session, business.id).add(row)
    subject, body = code_message(
        contact.channel, language, business.name, code, settings.client_code_ttl_minutes
    )
    await sender.send(
        session,
        OutgoingMessage(
            business_id=business.id,
            channel=contact.channel,
            recipient=contact.destination,
            subject=subject,
            body=body,
        ),
    )
    return SentCode(channel=contact.channel, expires_at=row.expires_at)


def _refused(message: str, code: str, *, keep_changes: bool = False) -> ValidationFailed:
    return ValidationFailed(
        message, details=[ErrorDetail("code", message, code)], keep_changes=keep_changes
    )


_ASK_AGAIN = "ask for a new code"


async def check_code(
    session: AsyncSession, settings: Settings, business: Business, contact: Contact, code: str
) -> ClientSession:
    """Trade the latest code sent to the contact for a client token. A code works once,
    until it expires, and survives MAX_ATTEMPTS wrong guesses; a wrong guess is
    counted even though the request fails."""
    codes = VerificationCodeRepository(session, business.id)
    row = await codes.latest(contact)
    now = utcnow()
    if row is None:
        raise _refused(f"No code was sent to this {_noun(contact)}; {_ASK_AGAIN}", "NO_CODE")
    if row.verified_at is not None:
        raise _refused(f"This code has already been used; {_ASK_AGAIN}", "CODE_USED")
    if row.expires_at <= now:
        raise _refused(f"This code has expired; {_ASK_AGAIN}", "CODE_EXPIRED")
    if row.attempts >= MAX_ATTEMPTS:
        raise _dead_code()
    if not hmac.compare_digest(row.code_hash, _digest(settings, row.id, code)):
        attempts = await codes.count_wrong_attempt(row.id, MAX_ATTEMPTS)
        if attempts is None:
            raise _dead_code()
        left = MAX_ATTEMPTS - attempts
        message = (
            f"The code is wrong; {left} attempt{'s' if left != 1 else ''} left"
            if left
            else f"The code is wrong and that was the last attempt; {_ASK_AGAIN}"
        )
        raise _refused(message, "WRONG_CODE", keep_changes=True)
    if not await codes.mark_used(row.id, MAX_ATTEMPTS, now):
        raise _refused(f"This code has already been used; {_ASK_AGAIN}", "CODE_USED")
    token, expires_at = issue_client_token(settings, business.id, contact)
    return ClientSession(
        token=token, expires_at=expires_at, business_id=business.id, contact=contact
    )


def _noun(contact: Contact) -> str:
    return "phone number" if contact.channel is Channel.SMS else "email"


def _dead_code() -> ValidationFailed:
    return _refused(
        f"Too many wrong attempts: this code no longer works; {_ASK_AGAIN}", "TOO_MANY_ATTEMPTS"
    )


async def client_bookings(
    session: AsyncSession, business_id: uuid.UUID, contact: Contact, page: PageRequest
) -> tuple[list[Booking], int]:
    """The business's bookings made with the verified contact, latest start first."""
    return await ClientBookingRepository(session, business_id).for_contact(
        contact, page.offset, page.limit
    )
