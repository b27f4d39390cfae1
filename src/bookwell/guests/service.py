"""Guest verification: a one-time code sent to an email or phone, checked once, and
traded for a client token; and what a verified guest may read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.errors import ErrorDetail, ValidationFailed
from bookwell.guests.messages import code_message
from bookwell.guests.repository import ClientBookingRepository
from bookwell.guests.sender import MessageSender, OutgoingMessage
from bookwell.guests.tokens import Contact, issue_client_token
from bookwell.kit.codes import CodeRepository, issue_code, use_code
from bookwell.kit.pagination import PageRequest
from bookwell.models import Booking, Business, Channel


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
    code, row = await issue_code(
        CodeRepository(session, business.id),
        settings,
        contact.channel,
        contact.destination,
        timedelta(minutes=settings.client_code_ttl_minutes),
    )
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


async def check_code(
    session: AsyncSession, settings: Settings, business: Business, contact: Contact, code: str
) -> ClientSession:
    """Trade the latest code sent to the contact for a client token (kit/codes.py says
    when a code works)."""
    noun = "phone number" if contact.channel is Channel.SMS else "email"
    await use_code(
        CodeRepository(session, business.id),
        settings,
        contact.channel,
        contact.destination,
        code,
        noun=noun,
    )
    token, expires_at = issue_client_token(settings, business.id, contact)
    return ClientSession(
        token=token, expires_at=expires_at, business_id=business.id, contact=contact
    )


async def client_bookings(
    session: AsyncSession, business_id: uuid.UUID, contact: Contact, page: PageRequest
) -> tuple[list[Booking], int]:
    """The business's bookings made with the verified contact, latest start first."""
    return await ClientBookingRepository(session, business_id).for_contact(
        contact, page.offset, page.limit
    )
