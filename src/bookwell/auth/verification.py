"""Proving an account's email: a one-time code (kit/codes.py, scope: accounts) sent
through the outbox at registration and on request, traded for `email_verified_at`.

An unverified account signs in and books; what gives an email a privilege (accepting
a staff invitation, an active business, payments) asks for a verified one
(`require_verified_email`, 403 EMAIL_NOT_VERIFIED)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.businesses.activation import owner_verified
from bookwell.config import Settings
from bookwell.errors import BusinessRuleViolation, EmailNotVerified
from bookwell.guests.messages import code_message
from bookwell.kit.cache import Cache
from bookwell.kit.clock import utcnow
from bookwell.kit.codes import CodeRepository, issue_code, use_code
from bookwell.models import Channel, OutboxMessage, User

PLATFORM_NAME = "Bookwell"


def require_verified_email(user: User) -> str:
    """The user's email, if they proved it; else 403 EMAIL_NOT_VERIFIED."""
    if user.email is None or not user.email_verified:
        raise EmailNotVerified()
    return user.email


async def send_email_code(session: AsyncSession, settings: Settings, user: User) -> datetime:
    """Queue a new code to the user's email (it replaces earlier ones); when it expires."""
    if user.email is None:
        raise BusinessRuleViolation("This account has no email to verify")
    if user.email_verified:
        raise BusinessRuleViolation("Your email is already verified")
    minutes = settings.email_code_ttl_minutes
    code, row = await issue_code(
        CodeRepository(session, None),
        settings,
        Channel.EMAIL,
        user.email,
        timedelta(minutes=minutes),
    )
    subject, body = code_message(Channel.EMAIL, user.language, PLATFORM_NAME, code, minutes)
    session.add(
        OutboxMessage(
            business_id=None,
            channel=Channel.EMAIL,
            recipient=user.email,
            subject=subject,
            body=body,
        )
    )
    return row.expires_at


async def verify_email(
    session: AsyncSession, settings: Settings, cache: Cache, user: User, code: str
) -> None:
    """Use up the latest code sent to the user's email and mark the email verified;
    nothing to do when it already is."""
    if user.email is None:
        raise BusinessRuleViolation("This account has no email to verify")
    if user.email_verified:
        return
    await use_code(
        CodeRepository(session, None), settings, Channel.EMAIL, user.email, code, noun="email"
    )
    await mark_email_verified(session, settings, cache, user)


async def mark_email_verified(
    session: AsyncSession, settings: Settings, cache: Cache, user: User
) -> None:
    """The owner of the email proved it (a code, or an invitation link sent to it)."""
    user.email_verified_at = utcnow()
    await owner_verified(session, settings, cache, user)
