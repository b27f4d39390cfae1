"""HTTP routes of bookings for signed-in users and API keys (seed 001 "Booking
Management Endpoints", seed 003 with an API key, seed 002's business list), the
booking's calendar file and the user's private calendar feed."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response

from bookwell.auth.dependencies import CurrentUserDep
from bookwell.bookings import calendar, service
from bookwell.bookings.access import BookingAccess
from bookwell.bookings.repository import ListedBooking
from bookwell.bookings.schemas import (
    BookingCreatedOut,
    BookingCreateIn,
    BookingData,
    BookingDetailData,
    BookingDetailOut,
    BookingListItemOut,
    BookingListOut,
    BookingOut,
    BookingUpdateIn,
    CalendarFeedOut,
    CancelIn,
    CompleteIn,
    ConfirmedOut,
    ConfirmIn,
    FeedRevokedOut,
    PaymentIntentOut,
    RescheduleIn,
    StatusIn,
)
from bookwell.businesses.access import ActorDep, BusinessAccessDep
from bookwell.deps import SessionDep, SettingsDep
from bookwell.errors import ValidationFailed
from bookwell.kit.clock import utcnow
from bookwell.kit.fields import Day
from bookwell.kit.hours import check_timezone
from bookwell.kit.idempotency import (
    KEY_DESCRIPTION,
    KEY_PATTERN,
    IdempotentRequest,
    respond_once,
)
from bookwell.kit.openapi import error_responses
from bookwell.kit.pagination import PageRequest, Pagination, page_request
from bookwell.kit.schemas import Envelope, ok
from bookwell.models import Booking, BookingStatus, Business
from bookwell.scheduling.engine import local_day

router = APIRouter(tags=["bookings"])

BookingId = Annotated[uuid.UUID, Path(alias="bookingId")]
PageDep = Annotated[PageRequest, Depends(page_request)]
_ONE = "/bookings/{bookingId:uuid}"
_CHANGE = error_responses(400, 401, 403, 404, 422)


# --- list filters ----------------------------------------------------------------


def _one_of(first: date | None, second: date | None, names: tuple[str, str]) -> date | None:
    if first is not None and second is not None and first != second:
        raise ValidationFailed.on(names[1], f"differs from {names[0]}; send one", "CONFLICT")
    return first if first is not None else second


def booking_filters(
    booking_status: Annotated[
        BookingStatus | None,
        Query(alias="status", description="As shown: `expired` includes overdue unpaid ones"),
    ] = None,
    start_date: Annotated[
        Day | None, Query(alias="startDate", description="YYYY-MM-DD, first day included")
    ] = None,
    end_date: Annotated[
        Day | None, Query(alias="endDate", description="YYYY-MM-DD, last day included")
    ] = None,
    date_from: Annotated[
        Day | None, Query(alias="dateFrom", description="Seed 003's name of startDate")
    ] = None,
    date_to: Annotated[
        Day | None, Query(alias="dateTo", description="Seed 003's name of endDate")
    ] = None,
    email: Annotated[
        str | None,
        Query(max_length=320, description="The customer's email (any case)"),
    ] = None,
    timezone: Annotated[
        str | None,
        Query(
            max_length=64,
            description="IANA zone: days are read in it and times shown in it "
            "(default: days in UTC, times in each booking's zone)",
        ),
    ] = None,
) -> service.Filters:
    """Bookings starting on the days from `startDate` to `endDate` (both included)."""
    zone = None
    if timezone is not None:
        try:
            zone = ZoneInfo(check_timezone(timezone))
        except ValueError as exc:
            raise ValidationFailed.on("timezone", str(exc), "INVALID_TIMEZONE") from None
    first = _one_of(start_date, date_from, ("startDate", "dateFrom"))
    last = _one_of(end_date, date_to, ("endDate", "dateTo"))
    if first is not None and last is not None and last < first:
        raise ValidationFailed.on("endDate", "must not be before startDate", "INVALID_RANGE")
    days_in = zone or ZoneInfo("UTC")
    return service.Filters(
        status=booking_status,
        starts_from=local_day(first, days_in).start if first else None,
        starts_before=local_day(last, days_in).end if last else None,
        email=email.strip() if email and email.strip() else None,
        zone=zone,
    )


FiltersDep = Annotated[service.Filters, Depends(booking_filters)]


def _page(
    rows: list[ListedBooking], total: int, filters: service.Filters, page: PageRequest
) -> Envelope[BookingListOut]:
    now = utcnow()
    listed = [
        BookingListItemOut.of(
            row.booking,
            row.business,
            now,
            staff=row.as_staff,
            specialist=row.specialist,
            zone=filters.zone,
        )
        for row in rows
    ]
    return ok(BookingListOut(bookings=listed, pagination=Pagination.of(page, total)))


# --- creating --------------------------------------------------------------------


def _created(booking: Booking, business: Business, now: datetime) -> BookingCreatedOut:
    intent = None
    if booking.status is BookingStatus.PENDING_PAYMENT and booking.deposit_amount > 0:
        intent = PaymentIntentOut(amount=booking.deposit_amount, currency=booking.currency.lower())
    return BookingCreatedOut(
        booking=BookingOut.of(booking, business, now, staff=False), payment_intent=intent
    )


@router.post(
    "/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[BookingCreatedOut],
    summary="Book a service with a specialist for yourself",
    description=(
        "Any signed-in user books for themselves; the contact comes from the profile. "
        "With a deposit the booking is `pending_payment` until it is paid (before "
        "`paymentDeadline`; afterwards it expires and frees the time) and "
        "`paymentIntent` says what to pay; without one it is `pending`, or `confirmed` "
        "where the specialist confirms automatically. 409 BOOKING_CONFLICT when the "
        "time is taken; 422 when the rules refuse it (outside the hours, too soon, "
        "blocked, too far ahead), with the reason in `details[].code`."
    ),
    responses=error_responses(400, 401, 404, 409, 422, 429),
)
async def create_booking(
    body: BookingCreateIn,
    user: CurrentUserDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", pattern=KEY_PATTERN, description=KEY_DESCRIPTION),
    ] = None,
) -> JSONResponse:
    now = utcnow()

    async def place() -> tuple[int, dict[str, object]]:
        booking, business = await service.create_booking(session, user.user, body, now)
        envelope = ok(_created(booking, business, now))
        return status.HTTP_201_CREATED, envelope.model_dump(mode="json", by_alias=True)

    request = (
        IdempotentRequest.of(
            f"user:{user.id} POST /bookings", idempotency_key, body.model_dump(mode="json")
        )
        if idempotency_key is not None
        else None
    )
    return await respond_once(
        session,
        request,
        place,
        now=now,
        stale_after=timedelta(seconds=settings.request_timeout_seconds),
    )


# --- lists -------------------------------------------------------------------------


@router.get(
    "/bookings",
    summary="The bookings you may see (as customer, as staff, or both)",
    description=(
        "A customer sees their own bookings; staff see their business's as BusinessAccess "
        "allows (owner: all; manager: their locations' and those without a location; "
        "master: their own); an API key its business's. Someone who is both sees both "
        "unless `as` narrows it; `customer` (the contact) is shown only on bookings seen "
        "as staff. Sorted by start time."
    ),
    responses=error_responses(400, 401),
)
async def list_bookings(
    actor: ActorDep,
    session: SessionDep,
    page: PageDep,
    filters: FiltersDep,
    view: Annotated[
        Literal["customer", "staff"] | None,
        Query(alias="as", description="Only the bookings seen as customer, or as staff"),
    ] = None,
) -> Envelope[BookingListOut]:
    narrowed = dataclasses.replace(filters, view=view)
    rows, total = await service.list_bookings(session, actor, narrowed, page, utcnow())
    return _page(rows, total, filters, page)


@router.get(
    "/businesses/{businessId}/bookings",
    summary="The business's bookings (owner all, manager own locations, master own)",
    responses=error_responses(400, 401, 404),
)
async def list_business_bookings(
    access: BusinessAccessDep, session: SessionDep, page: PageDep, filters: FiltersDep
) -> Envelope[BookingListOut]:
    rows, total = await service.list_business_bookings(session, access, filters, page, utcnow())
    return _page(rows, total, filters, page)


# --- one booking -----------------------------------------------------------------


def _shaped(access: BookingAccess) -> Envelope[BookingData]:
    booking = BookingOut.of(access.booking, access.business, utcnow(), staff=access.is_staff)
    return ok(BookingData(booking=booking))


@router.get(
    _ONE,
    summary="One booking with its status history",
    description="Visible to its customer and its staff; 404 for everyone else.",
    responses=error_responses(400, 401, 404),
)
async def get_booking(
    booking_id: BookingId, actor: ActorDep, session: SessionDep
) -> Envelope[BookingDetailData]:
    found = await service.booking_details(session, actor, booking_id)
    access = found.access
    detail = BookingDetailOut.detailed(
        access.booking,
        access.business,
        utcnow(),
        staff=access.is_staff,
        specialist=found.specialist,
        history=found.history,
    )
    return ok(BookingDetailData(booking=detail))


@router.put(
    _ONE,
    summary="Change notes, inquiry text, meeting details, or the time",
    description=(
        "Only the fields given change. A new time (`scheduledAt`, or seed 003's "
        "`timeSlot`) is a reschedule, with its rules and its 409. `meetingLink` and "
        "`preparationNotes` are for staff (403 otherwise). A booking that is over "
        "(completed, cancelled, expired, no-show) no longer changes (422)."
    ),
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
async def update_booking(
    booking_id: BookingId, body: BookingUpdateIn, actor: ActorDep, session: SessionDep
) -> Envelope[BookingData]:
    return _shaped(await service.update_booking(session, actor, booking_id, body, utcnow()))


_CANCEL_DESCRIPTION = (
    "Customers until `cancellationDeadline` (later: 422 CANCELLATION_NOT_ALLOWED), staff "
    "and the business's API key at any time; a booking that is over is 422 "
    "BUSINESS_RULE_VIOLATION. The reason is kept. At a suspended or rejected business "
    "only the customer may still cancel (staff get 403 BUSINESS_SUSPENDED or "
    "BUSINESS_REJECTED)."
)


@router.delete(
    _ONE,
    summary="Cancel a booking",
    description=_CANCEL_DESCRIPTION,
    responses=_CHANGE,
)
async def delete_booking(
    booking_id: BookingId,
    actor: ActorDep,
    session: SessionDep,
    reason: Annotated[str, Query(max_length=500, description="Why it is cancelled")] = "",
) -> Envelope[BookingData]:
    return _shaped(await service.cancel_booking(session, actor, booking_id, reason, utcnow()))


@router.post(
    _ONE + "/cancel",
    summary="Cancel a booking (seed 004's form of DELETE)",
    description=_CANCEL_DESCRIPTION,
    responses=_CHANGE,
)
async def cancel_booking(
    booking_id: BookingId, actor: ActorDep, session: SessionDep, body: CancelIn | None = None
) -> Envelope[BookingData]:
    reason = body.reason if body is not None else ""
    return _shaped(await service.cancel_booking(session, actor, booking_id, reason, utcnow()))


@router.post(
    _ONE + "/confirm",
    summary="Confirm a pending booking (staff)",
    description=(
        "`notificationsSent` lists the channels the customer was told on; it stays "
        "empty until the notifications feature sends them."
    ),
    responses=_CHANGE,
)
async def confirm_booking(
    booking_id: BookingId, actor: ActorDep, session: SessionDep, body: ConfirmIn | None = None
) -> Envelope[ConfirmedOut]:
    access = await service.confirm_booking(
        session, actor, booking_id, body or ConfirmIn(), utcnow()
    )
    booking = BookingOut.of(access.booking, access.business, utcnow(), staff=True)
    return ok(ConfirmedOut(booking=booking, notifications_sent=[]))


@router.post(
    _ONE + "/complete",
    summary="Mark a confirmed booking completed (staff; not before it starts)",
    responses=_CHANGE,
)
async def complete_booking(
    booking_id: BookingId, actor: ActorDep, session: SessionDep, body: CompleteIn | None = None
) -> Envelope[BookingData]:
    return _shaped(
        await service.complete_booking(session, actor, booking_id, body or CompleteIn(), utcnow())
    )


@router.post(
    _ONE + "/reschedule",
    summary="Move a booking to another time",
    description=(
        "The checks of a new booking, the booking's own time left out; it keeps its "
        "length. Customers until `cancellationDeadline` (later: 422), staff at any time. "
        "409 BOOKING_CONFLICT when the time is taken: the booking keeps its old time. "
        "The move and its reason are in the history."
    ),
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
async def reschedule_booking(
    booking_id: BookingId, body: RescheduleIn, actor: ActorDep, session: SessionDep
) -> Envelope[BookingData]:
    access = await service.reschedule_booking(
        session, actor, booking_id, body.new_scheduled_at, body.reason, utcnow()
    )
    return _shaped(access)


@router.patch(
    _ONE,
    summary="Change the status (staff or API key; seed 003)",
    description=(
        "Along the status graph only (pending_payment → pending → confirmed → completed; "
        "any open status → cancelled; confirmed → no_show); anything else is 422 "
        "BUSINESS_RULE_VIOLATION. `completed` and `no_show` not before the start."
    ),
    responses=_CHANGE,
)
async def patch_booking(
    booking_id: BookingId, body: StatusIn, actor: ActorDep, session: SessionDep
) -> Envelope[BookingData]:
    return _shaped(await service.change_status(session, actor, booking_id, body, utcnow()))


# --- calendar ----------------------------------------------------------------------


def _ics(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=calendar.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_ICS_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "iCalendar"}
}


@router.get(
    _ONE + "/ics",
    summary="The booking as an iCalendar file",
    response_class=Response,
    responses={**_ICS_RESPONSE, **error_responses(400, 401, 404)},
)
async def booking_ics(booking_id: BookingId, actor: ActorDep, session: SessionDep) -> Response:
    found = await service.booking_details(session, actor, booking_id)
    content = calendar.booking_file(found.access.booking, found.access.business, utcnow())
    return _ics(content, f"booking-{booking_id}.ics")


@router.post(
    "/users/calendar-feed",
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    summary="A private calendar feed address of your bookings (replaces the old one)",
    description=(
        "The address holds a secret token: it is shown once, and any calendar app "
        "with it can read your bookings (as customer and as master, from 30 days back). "
        "Asking again revokes the previous address."
    ),
    responses=error_responses(401),
)
async def open_calendar_feed(
    user: CurrentUserDep, session: SessionDep, settings: SettingsDep, request: Request
) -> Envelope[CalendarFeedOut]:
    token = await calendar.open_feed(session, user.user, utcnow())
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return ok(CalendarFeedOut(url=f"{base}/api/v1/calendar/{token}.ics"))


@router.delete(
    "/users/calendar-feed",
    tags=["users"],
    summary="Revoke your calendar feed address",
    responses=error_responses(401),
)
async def close_calendar_feed(
    user: CurrentUserDep, session: SessionDep
) -> Envelope[FeedRevokedOut]:
    return ok(FeedRevokedOut(revoked=await calendar.close_feeds(session, user.user, utcnow())))


@router.get(
    "/calendar/{token}.ics",
    summary="A user's calendar feed (the token in the address is the credential)",
    response_class=Response,
    responses={**_ICS_RESPONSE, **error_responses(404)},
)
async def calendar_feed(
    token: Annotated[str, Path(max_length=200)], session: SessionDep
) -> Response:
    return _ics(await calendar.feed(session, token, utcnow()), "bookings.ics")
