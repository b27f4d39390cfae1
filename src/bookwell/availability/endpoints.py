"""HTTP routes of availability: slots (the specialist's own, any public specialist's,
a business's public page), and blocks and date overrides, by the specialist for
themselves or by the business's staff for a master.

The Host-routed public path (`/public/business/availability`) is declared before the
public pages' `/public/business/{subdomain}`, which would take `availability` for a
subdomain; `availability` is a reserved subdomain, so no tenant is shadowed.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import Response

from bookwell.auth.dependencies import SpecialistDep
from bookwell.availability import changes, service
from bookwell.availability.schemas import (
    AvailabilityOut,
    BlockIn,
    BlockOut,
    BusinessAvailabilityOut,
    OverrideIn,
    OverrideOut,
)
from bookwell.businesses.access import BusinessAccessDep
from bookwell.deps import CacheDep, SessionDep
from bookwell.errors import ValidationFailed
from bookwell.kit.clock import utcnow
from bookwell.kit.fields import Day
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok
from bookwell.public.endpoints import HostBusiness, PathBusiness
from bookwell.specialists.access import own_business_writable

router = APIRouter()
# The specialist's own blocks and overrides: changes follow the status of their
# business (suspended: none), as on the staff routes through BusinessAccessDep.
own_router = APIRouter(dependencies=[Depends(own_business_writable)])

_TAGS: list[str | Enum] = ["availability"]
_OWN = "/specialists/availability"
_STAFF = "/businesses/{businessId}/masters/{masterId}/availability"
_DATES = (
    "Dates are days of `timezone` (default: the specialist's zone), from `startDate` "
    "(default today) to `endDate` (default a week on), at most 62 days. Every date is "
    "listed; each slot is one possible start of the service, with `reason` "
    "(booked, blocked, outside_hours, too_soon, too_far) when it cannot be booked."
)

MasterId = Annotated[uuid.UUID, Path(alias="masterId")]
BlockId = Annotated[uuid.UUID, Path(alias="blockId")]
DayPath = Annotated[Day, Path(alias="date", description="YYYY-MM-DD in the master's zone")]
OptionalServiceId = Annotated[
    uuid.UUID | None,
    Query(
        alias="serviceId",
        description="Default: the master's first active service, else a 60-minute default",
    ),
]
ServiceId = Annotated[uuid.UUID, Query(alias="serviceId")]
IncludePast = Annotated[bool, Query(alias="includePast", description="Also blocks that have ended")]


def period_query(
    start_date: Annotated[Day | None, Query(alias="startDate", description="YYYY-MM-DD")] = None,
    end_date: Annotated[Day | None, Query(alias="endDate", description="YYYY-MM-DD")] = None,
    timezone: Annotated[
        str | None, Query(max_length=64, description="IANA zone, e.g. America/New_York")
    ] = None,
) -> service.PeriodQuery:
    return service.PeriodQuery(start_date=start_date, end_date=end_date, timezone=timezone)


def date_range(
    start_date: Annotated[Day | None, Query(alias="startDate", description="YYYY-MM-DD")] = None,
    end_date: Annotated[Day | None, Query(alias="endDate", description="YYYY-MM-DD")] = None,
) -> service.PeriodQuery:
    return service.PeriodQuery(start_date=start_date, end_date=end_date)


PeriodDep = Annotated[service.PeriodQuery, Depends(period_query)]
DateRangeDep = Annotated[service.PeriodQuery, Depends(date_range)]
_OVERRIDES_RANGE = (
    "From `startDate` (default today in the master's zone) to `endDate` (default 90 "
    "days on), at most 366 days."
)


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


# --- public ----------------------------------------------------------------------


@router.get(
    "/specialists/{specialistId:uuid}/availability",
    summary="A specialist's slots for one of their services (public)",
    description=_DATES + " Only active specialists of active businesses; 404 otherwise.",
    responses=error_responses(400, 404),
    tags=_TAGS,
    response_model=Envelope[AvailabilityOut],
)
async def public_specialist_slots(
    specialist_id: Annotated[uuid.UUID, Path(alias="specialistId")],
    service_id: ServiceId,
    period: PeriodDep,
    session: SessionDep,
    cache: CacheDep,
) -> Response:
    return _json(
        await service.public_availability(
            session, cache, specialist_id, service_id, period, utcnow()
        )
    )


_BUSINESS_SLOTS = (
    "One `date` (default today) in `timezone` (default the business's zone). Without "
    "`masterId` (or with `any`) the slots of every master who delivers the service are "
    "merged: a slot is available when any of them is free, and `masterIds` says who."
)


def master_choice(
    master_id: Annotated[
        str | None,
        Query(alias="masterId", description="A master's id, or `any` (the default)"),
    ] = None,
) -> uuid.UUID | None:
    if master_id is None or master_id == "any":
        return None
    try:
        return uuid.UUID(master_id)
    except ValueError:
        raise ValidationFailed.on("masterId", "must be a master's id or `any`", "INVALID") from None


MasterChoice = Annotated[uuid.UUID | None, Depends(master_choice)]
OneDay = Annotated[Day | None, Query(alias="date", description="YYYY-MM-DD")]
Timezone = Annotated[str | None, Query(max_length=64, description="IANA zone")]


@router.get(
    "/public/business/availability",
    summary="Slots of the business of this Host for a service",
    description=_BUSINESS_SLOTS
    + " The business is the one whose subdomain the request's Host names.",
    responses=error_responses(400, 404),
    tags=_TAGS,
    response_model=Envelope[BusinessAvailabilityOut],
)
async def host_business_slots(
    business: HostBusiness,
    service_id: ServiceId,
    master_id: MasterChoice,
    session: SessionDep,
    cache: CacheDep,
    day: OneDay = None,
    timezone: Timezone = None,
) -> Response:
    return _json(
        await service.business_availability(
            session, cache, business, service_id, master_id, day, timezone, utcnow()
        )
    )


@router.get(
    "/public/business/{subdomain}/availability",
    summary="Slots of an active business for a service",
    description=_BUSINESS_SLOTS,
    responses=error_responses(400, 404),
    tags=_TAGS,
    response_model=Envelope[BusinessAvailabilityOut],
)
async def business_slots(
    business: PathBusiness,
    service_id: ServiceId,
    master_id: MasterChoice,
    session: SessionDep,
    cache: CacheDep,
    day: OneDay = None,
    timezone: Timezone = None,
) -> Response:
    return _json(
        await service.business_availability(
            session, cache, business, service_id, master_id, day, timezone, utcnow()
        )
    )


# --- the specialist's own ----------------------------------------------------------


@own_router.get(
    _OWN,
    summary="The signed-in specialist's slots",
    description=_DATES,
    responses=error_responses(400, 401, 403, 404),
    tags=_TAGS,
    response_model=Envelope[AvailabilityOut],
)
async def own_slots(
    user: SpecialistDep,
    period: PeriodDep,
    session: SessionDep,
    service_id: OptionalServiceId = None,
) -> Response:
    return _json(await service.own_availability(session, user.user, period, service_id, utcnow()))


_BLOCK = (
    "`startDateTime`/`endDateTime` with an offset or Z. `recurring: true` repeats it "
    "weekly; `rrule` (RFC 5545, no DTSTART) repeats it otherwise, at the same wall-clock "
    "time in the specialist's zone across DST; `repeatUntil` (a date or a time) ends "
    "the repetition. UNTIL in the rule is returned as `repeatUntil`."
)


@own_router.post(
    _OWN + "/block",
    tags=_TAGS,
    status_code=status.HTTP_201_CREATED,
    summary="Block time (one-off or recurring)",
    description=_BLOCK,
    responses=error_responses(400, 401, 403, 404),
)
async def own_add_block(
    body: BlockIn, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[BlockOut]:
    access, master = await service.own_schedule(session, user.user)
    block = await changes.add_block(session, cache, access, master, body, utcnow())
    return ok(BlockOut.of(block))


@own_router.delete(
    _OWN + "/block/{blockId}",
    tags=_TAGS,
    summary="Remove a block (every occurrence of a recurring one)",
    responses=error_responses(401, 403, 404),
)
async def own_remove_block(
    block_id: BlockId, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    access, master = await service.own_schedule(session, user.user)
    await changes.remove_block(session, cache, access, master, block_id)
    return ok(MessageOut(message="Block removed"))


@own_router.get(
    _OWN + "/blocks",
    tags=_TAGS,
    summary="The specialist's blocks, by start",
    responses=error_responses(400, 401, 403, 404),
)
async def own_blocks(
    user: SpecialistDep, session: SessionDep, include_past: IncludePast = False
) -> Envelope[list[BlockOut]]:
    access, master = await service.own_schedule(session, user.user)
    rows = await changes.list_blocks(session, access, master, include_past, utcnow())
    return ok([BlockOut.of(row) for row in rows])


_OVERRIDE = (
    "Other hours on one date of the specialist's zone, replacing the weekly hours that "
    "day; `hours: []` is a day off. Intervals follow the weekly-hours rules (HH:MM, "
    "start before end, no overlaps)."
)


@own_router.put(
    _OWN + "/overrides/{date}",
    tags=_TAGS,
    summary="Set the hours of one date (or a day off)",
    description=_OVERRIDE,
    responses=error_responses(400, 401, 403, 404),
)
async def own_set_override(
    day: DayPath, body: OverrideIn, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[OverrideOut]:
    access, master = await service.own_schedule(session, user.user)
    row = await changes.set_override(session, cache, access, master, day, body, utcnow())
    return ok(OverrideOut.of(row))


@own_router.delete(
    _OWN + "/overrides/{date}",
    tags=_TAGS,
    summary="Back to the weekly hours on one date",
    responses=error_responses(400, 401, 403, 404),
)
async def own_remove_override(
    day: DayPath, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    access, master = await service.own_schedule(session, user.user)
    await changes.remove_override(session, cache, access, master, day)
    return ok(MessageOut(message="Override removed"))


@own_router.get(
    _OWN + "/overrides",
    tags=_TAGS,
    summary="The specialist's date overrides",
    description=_OVERRIDES_RANGE,
    responses=error_responses(400, 401, 403, 404),
)
async def own_overrides(
    user: SpecialistDep, dates: DateRangeDep, session: SessionDep
) -> Envelope[list[OverrideOut]]:
    access, master = await service.own_schedule(session, user.user)
    rows = await changes.list_overrides(session, access, master, dates, utcnow())
    return ok([OverrideOut.of(row) for row in rows])


# --- a master's, by the business's staff ------------------------------------------

_WHO_MANAGES = (
    " The owner, a manager of the master's locations, or the master themselves; 403 "
    "for other staff."
)


@router.get(
    _STAFF,
    summary="A master's slots (any staff of the business)",
    description=_DATES.replace("specialist", "master"),
    responses=error_responses(400, 401, 404),
    tags=_TAGS,
    response_model=Envelope[AvailabilityOut],
)
async def staff_slots(
    master_id: MasterId,
    access: BusinessAccessDep,
    period: PeriodDep,
    session: SessionDep,
    service_id: OptionalServiceId = None,
) -> Response:
    master = await service.staff_master(session, access, master_id, manage=False)
    return _json(
        await service.master_availability(
            session, access.business, master, period, service_id, utcnow()
        )
    )


@router.get(
    _STAFF + "/blocks",
    tags=_TAGS,
    summary="A master's blocks, by start",
    description=_WHO_MANAGES.strip(),
    responses=error_responses(400, 401, 403, 404),
)
async def staff_blocks(
    master_id: MasterId,
    access: BusinessAccessDep,
    session: SessionDep,
    include_past: IncludePast = False,
) -> Envelope[list[BlockOut]]:
    master = await service.staff_master(session, access, master_id, manage=True)
    rows = await changes.list_blocks(session, access, master, include_past, utcnow())
    return ok([BlockOut.of(row) for row in rows])


@router.post(
    _STAFF + "/blocks",
    tags=_TAGS,
    status_code=status.HTTP_201_CREATED,
    summary="Block a master's time (one-off or recurring)",
    description=_BLOCK.replace("specialist", "master") + _WHO_MANAGES,
    responses=error_responses(400, 401, 403, 404),
)
async def staff_add_block(
    master_id: MasterId,
    body: BlockIn,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[BlockOut]:
    master = await service.staff_master(session, access, master_id, manage=True)
    block = await changes.add_block(session, cache, access, master, body, utcnow())
    return ok(BlockOut.of(block))


@router.delete(
    _STAFF + "/blocks/{blockId}",
    tags=_TAGS,
    summary="Remove a master's block",
    description=_WHO_MANAGES.strip(),
    responses=error_responses(401, 403, 404),
)
async def staff_remove_block(
    master_id: MasterId,
    block_id: BlockId,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[MessageOut]:
    master = await service.staff_master(session, access, master_id, manage=True)
    await changes.remove_block(session, cache, access, master, block_id)
    return ok(MessageOut(message="Block removed"))


@router.get(
    _STAFF + "/overrides",
    tags=_TAGS,
    summary="A master's date overrides",
    description=_OVERRIDES_RANGE + _WHO_MANAGES,
    responses=error_responses(400, 401, 403, 404),
)
async def staff_overrides(
    master_id: MasterId, dates: DateRangeDep, access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[OverrideOut]]:
    master = await service.staff_master(session, access, master_id, manage=True)
    rows = await changes.list_overrides(session, access, master, dates, utcnow())
    return ok([OverrideOut.of(row) for row in rows])


@router.put(
    _STAFF + "/overrides/{date}",
    tags=_TAGS,
    summary="Set a master's hours on one date (or a day off)",
    description=_OVERRIDE.replace("specialist", "master") + _WHO_MANAGES,
    responses=error_responses(400, 401, 403, 404),
)
async def staff_set_override(
    master_id: MasterId,
    day: DayPath,
    body: OverrideIn,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[OverrideOut]:
    master = await service.staff_master(session, access, master_id, manage=True)
    row = await changes.set_override(session, cache, access, master, day, body, utcnow())
    return ok(OverrideOut.of(row))


@router.delete(
    _STAFF + "/overrides/{date}",
    tags=_TAGS,
    summary="Back to a master's weekly hours on one date",
    description=_WHO_MANAGES.strip(),
    responses=error_responses(400, 401, 403, 404),
)
async def staff_remove_override(
    master_id: MasterId,
    day: DayPath,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[MessageOut]:
    master = await service.staff_master(session, access, master_id, manage=True)
    await changes.remove_override(session, cache, access, master, day)
    return ok(MessageOut(message="Override removed"))


router.include_router(own_router)
