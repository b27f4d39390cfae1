"""Bookings as iCalendar (RFC 5545): one booking as a file, and a private feed per
user that calendar apps subscribe to.

- UID `<booking id>@bookwell` never changes, so a re-imported or re-fetched event
  updates the same entry; SEQUENCE is the booking's version.
- DTSTART/DTEND are UTC instants (`...Z`); the apps show them in their own zone.
- STATUS: unpaid and pending bookings are TENTATIVE, confirmed and completed ones
  CONFIRMED, cancelled, expired and no-show ones CANCELLED. The file of a cancelled
  booking is METHOD:CANCEL, so importing it removes the event.
- The feed's address carries a random token; only its hash is stored. Creating a new
  address revokes the old one; a revoked or unknown token is 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings import repository
from bookwell.bookings.rules import current_status
from bookwell.errors import NotFound
from bookwell.kit.secrets import hash_secret, new_secret
from bookwell.models import Booking, BookingKind, BookingStatus, Business, CalendarFeed, User

S = BookingStatus
MEDIA_TYPE = "text/calendar; charset=utf-8"
FEED_PAST = timedelta(days=30)
# A feed is for a calendar app, not an archive: the next bookings, at most this many.
FEED_LIMIT = 1000
_PRODID = "-//Bookwell//Bookings//EN"
_STATUS = {
    S.PENDING_PAYMENT: "TENTATIVE",
    S.PENDING: "TENTATIVE",
    S.CONFIRMED: "CONFIRMED",
    S.COMPLETED: "CONFIRMED",
    S.CANCELLED: "CANCELLED",
    S.EXPIRED: "CANCELLED",
    S.NO_SHOW: "CANCELLED",
}


def uid_of(booking: Booking) -> str:
    return f"{booking.id}@bookwell"


def _event(booking: Booking, business: Business, now: datetime) -> Event:
    status = current_status(booking, now)
    if booking.kind is BookingKind.INQUIRY:
        summary = f"Call with {business.name}"
    else:
        summary = booking.service_name or f"Booking at {business.name}"
    event = Event()
    event.add("uid", uid_of(booking))
    event.add("dtstamp", now)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", summary)
    event.add("status", _STATUS[status])
    event.add("sequence", booking.version)
    event.add("last-modified", booking.updated_at)
    event.add("location", business.name)
    lines = [line for line in (booking.notes, booking.preparation_notes) if line]
    if booking.meeting_link:
        event.add("url", booking.meeting_link)
        lines.append(f"Meeting: {booking.meeting_link}")
    if lines:
        event.add("description", "\n\n".join(lines))
    return event


def _calendar(events: Iterable[Event], *, method: str | None, name: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    if method is not None:
        calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def booking_file(booking: Booking, business: Business, now: datetime) -> bytes:
    """One booking, to import: PUBLISH, or CANCEL once it no longer takes place."""
    event = _event(booking, business, now)
    cancelled = _STATUS[current_status(booking, now)] == "CANCELLED"
    return _calendar([event], method="CANCEL" if cancelled else "PUBLISH")


async def open_feed(session: AsyncSession, user: User, now: datetime) -> str:
    """A new private feed token for the user (returned once); the old one stops."""
    await repository.revoke_feeds(session, user.id, now)
    token = new_secret("cal_")
    session.add(CalendarFeed(user_id=user.id, token_hash=hash_secret(token), created_at=now))
    await session.flush()
    return token


async def close_feeds(session: AsyncSession, user: User, now: datetime) -> int:
    """Revoke the user's feed; how many addresses stopped working (0 or 1)."""
    return await repository.revoke_feeds(session, user.id, now)


async def feed(session: AsyncSession, token: str, now: datetime) -> bytes:
    """The feed behind a token: the user's bookings as customer and as master, from
    30 days back."""
    user = await repository.feed_owner(session, hash_secret(token))
    if user is None:
        raise NotFound("Calendar feed not found")
    rows = await repository.bookings_of_person(session, user.id, now - FEED_PAST, FEED_LIMIT)
    events = [_event(booking, business, now) for booking, business in rows]
    return _calendar(events, method=None, name="Bookwell bookings")
