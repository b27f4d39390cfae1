"""HTTP routes of /specialists: the specialist's own profile and services, and the
public profile."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from bookwell.auth.dependencies import SpecialistDep
from bookwell.deps import CacheDep, SessionDep
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok
from bookwell.specialists import service
from bookwell.specialists.access import own_business_writable
from bookwell.specialists.schemas import (
    PublicSpecialistOut,
    SpecialistProfileIn,
    SpecialistProfileOut,
)
from bookwell.staff.schemas import ServiceCreateIn, ServiceOut, ServiceUpdateIn

# Changes follow the status of the specialist's business (suspended: none).
router = APIRouter(
    prefix="/specialists",
    tags=["specialists"],
    dependencies=[Depends(own_business_writable)],
)

ServiceId = Annotated[uuid.UUID, Path(alias="serviceId")]


def _profile_out(specialist: service.Specialist) -> SpecialistProfileOut:
    return SpecialistProfileOut.of(specialist.business, specialist.master)


@router.get(
    "/profile",
    summary="The signed-in specialist's profile",
    description=(
        "The master profile in the specialist's one-person business or, without one, "
        "in the business where they first became a master."
    ),
    responses=error_responses(401, 403, 404),
)
async def get_profile(user: SpecialistDep, session: SessionDep) -> Envelope[SpecialistProfileOut]:
    return ok(_profile_out(await service.load_profile(session, user.user)))


@router.put(
    "/profile",
    summary="Update the specialist's profile (only the fields given change)",
    description=(
        "`businessName` renames the one-person business; `pricing.currency` changes its "
        "currency (422 once it has services); `availability` sets the time zone and "
        "weekly hours of the specialist and of the one-person business. A master of "
        "another business changes only their own profile (403 for `businessName` and "
        "`pricing.currency`)."
    ),
    responses=error_responses(400, 401, 403, 404),
)
async def put_profile(
    body: SpecialistProfileIn, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[SpecialistProfileOut]:
    return ok(_profile_out(await service.update_profile(session, cache, user.user, body)))


@router.get(
    "/services",
    summary="The specialist's services, inactive ones too",
    responses=error_responses(401, 403, 404),
)
async def list_services(user: SpecialistDep, session: SessionDep) -> Envelope[list[ServiceOut]]:
    business, services = await service.list_services(session, user.user)
    return ok([ServiceOut.of(row, business.currency) for row in services])


@router.post(
    "/services",
    status_code=status.HTTP_201_CREATED,
    summary="Create a service; `price` in major units of the business currency",
    responses=error_responses(400, 401, 403, 404),
)
async def create_service(
    body: ServiceCreateIn, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[ServiceOut]:
    business, row = await service.create_service(session, cache, user.user, body)
    return ok(ServiceOut.of(row, business.currency))


@router.put(
    "/services/{serviceId}",
    summary="Update one of the specialist's services (only the fields given change)",
    responses=error_responses(400, 401, 403, 404),
)
async def update_service(
    service_id: ServiceId,
    body: ServiceUpdateIn,
    user: SpecialistDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[ServiceOut]:
    business, row = await service.update_service(session, cache, user.user, service_id, body)
    return ok(ServiceOut.of(row, business.currency))


@router.delete(
    "/services/{serviceId}",
    summary="Delete one of the specialist's services",
    responses=error_responses(401, 403, 404),
)
async def delete_service(
    service_id: ServiceId, user: SpecialistDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    deleted = await service.delete_service(session, cache, user.user, service_id)
    kept = "Service deactivated instead of deleted: it has bookings to come"
    return ok(MessageOut(message="Service deleted" if deleted else kept))


# The `uuid` converter keeps this route from swallowing /specialists/<word> routes.
@router.get(
    "/{specialistId:uuid}",
    summary="A specialist's public profile with their active services",
    responses=error_responses(404),
)
async def public_profile(
    specialist_id: Annotated[uuid.UUID, Path(alias="specialistId")], session: SessionDep
) -> Envelope[PublicSpecialistOut]:
    found = await service.public_profile(session, specialist_id)
    return ok(PublicSpecialistOut.of(found.business, found.master, found.user, found.services))
