"""HTTP routes of a business's staff: masters, managers and services (invitations:
invitation_endpoints.py)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, status

from bookwell.businesses.access import BusinessAccessDep
from bookwell.deps import CacheDep, SessionDep, SettingsDep
from bookwell.kit.clock import utcnow
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok
from bookwell.models import Invitation
from bookwell.staff import managers, service
from bookwell.staff.schemas import (
    BusinessServiceCreateIn,
    BusinessServiceOut,
    BusinessServiceUpdateIn,
    InvitationOut,
    InvitationSentOut,
    ManagerCreateIn,
    ManagerOut,
    ManagerUpdateIn,
    MasterCreateIn,
    MasterOut,
    MasterUpdateIn,
)

router = APIRouter()

_TAGS: list[str | Enum] = ["staff"]
MasterId = Annotated[uuid.UUID, Path(alias="masterId")]
ServiceId = Annotated[uuid.UUID, Path(alias="serviceId")]
MembershipId = Annotated[uuid.UUID, Path(alias="membershipId")]

_MASTERS = "/businesses/{businessId}/masters"
_SERVICES = "/businesses/{businessId}/services"
_MANAGERS = "/businesses/{businessId}/managers"


def _master_out(staff: service.StaffMaster) -> MasterOut:
    return MasterOut.of(staff.master, staff.user)


def _sent(invitation: Invitation) -> Envelope[InvitationSentOut]:
    return ok(InvitationSentOut(invitation=InvitationOut.of(invitation, utcnow())))


_INVITED = (
    "Nobody becomes staff without saying yes: the owner of `email` gets an invitation "
    "(7 days) to accept or decline, signed in with that email verified, or through the "
    "emailed link `/accept-invitation?token=...`, which creates their account if the "
    "email has none. The answer is 202 with the invitation only, the same whether or "
    "not the email has an account; the person appears nowhere (staff lists, public "
    "pages, search) until they accept. 409 when this email already has a pending "
    "invitation to this role, or is already in this role here. See "
    "GET/DELETE `/businesses/{businessId}/invitations`."
)


@router.get(
    _MASTERS,
    tags=_TAGS,
    summary="Masters of the business (a master sees only themselves)",
    responses=error_responses(401, 404),
)
async def list_masters(access: BusinessAccessDep, session: SessionDep) -> Envelope[list[MasterOut]]:
    return ok([_master_out(staff) for staff in await service.list_masters(session, access)])


@router.post(
    _MASTERS,
    tags=_TAGS,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Invite a master by email (owner, or a manager of the locations given)",
    description=_INVITED
    + " `locationIds`, `description` and `specialties` apply when the master accepts; "
    "`firstName`, `lastName` and `phoneNumber` only to an account the link creates.",
    responses=error_responses(400, 401, 403, 404, 409),
)
async def add_master(
    body: MasterCreateIn,
    access: BusinessAccessDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Envelope[InvitationSentOut]:
    access.require_manager()
    return _sent(await service.add_master(session, settings, access, body))


@router.put(
    _MASTERS + "/{masterId}",
    tags=_TAGS,
    summary="Update a master (owner, or a manager of the master's locations)",
    responses=error_responses(400, 401, 403, 404),
)
async def update_master(
    master_id: MasterId,
    body: MasterUpdateIn,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[MasterOut]:
    access.require_manager()
    return ok(_master_out(await service.update_master(session, cache, access, master_id, body)))


@router.delete(
    _MASTERS + "/{masterId}",
    tags=_TAGS,
    summary="Remove a master from the business (the user account stays)",
    responses=error_responses(401, 403, 404, 422),
)
async def remove_master(
    master_id: MasterId, access: BusinessAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    access.require_manager()
    await service.remove_master(session, cache, access, master_id)
    return ok(MessageOut(message="Master removed"))


def _manager_out(staff: managers.StaffManager) -> ManagerOut:
    return ManagerOut.of(staff.membership, staff.user)


@router.get(
    _MANAGERS,
    tags=_TAGS,
    summary="Managers of the business (owner and managers)",
    responses=error_responses(401, 403, 404),
)
async def list_managers(
    access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[ManagerOut]]:
    return ok([_manager_out(staff) for staff in await managers.list_managers(session, access)])


@router.post(
    _MANAGERS,
    tags=_TAGS,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Invite a manager of some locations by email (owner)",
    description=_INVITED
    + " `locationIds` apply when the manager accepts; `firstName` and `lastName` only "
    "to an account the link creates.",
    responses=error_responses(400, 401, 403, 404, 409),
)
async def appoint_manager(
    body: ManagerCreateIn, access: BusinessAccessDep, session: SessionDep, settings: SettingsDep
) -> Envelope[InvitationSentOut]:
    return _sent(await managers.appoint_manager(session, settings, access, body))


@router.put(
    _MANAGERS + "/{membershipId}",
    tags=_TAGS,
    summary="Replace the locations of a manager (owner)",
    responses=error_responses(400, 401, 403, 404),
)
async def update_manager(
    membership_id: MembershipId,
    body: ManagerUpdateIn,
    access: BusinessAccessDep,
    session: SessionDep,
) -> Envelope[ManagerOut]:
    return ok(_manager_out(await managers.update_manager(session, access, membership_id, body)))


@router.delete(
    _MANAGERS + "/{membershipId}",
    tags=_TAGS,
    summary="End a manager's appointment (owner; the user account stays)",
    responses=error_responses(401, 403, 404),
)
async def remove_manager(
    membership_id: MembershipId, access: BusinessAccessDep, session: SessionDep
) -> Envelope[MessageOut]:
    await managers.remove_manager(session, access, membership_id)
    return ok(MessageOut(message="Manager removed"))


@router.get(
    _SERVICES,
    tags=_TAGS,
    summary="Every service of the business, inactive ones too (staff only)",
    responses=error_responses(401, 404),
)
async def list_services(
    access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[BusinessServiceOut]]:
    currency = access.business.currency
    return ok(
        [
            BusinessServiceOut.with_masters(row, currency, master_ids)
            for row, master_ids in await service.list_services(session, access)
        ]
    )


@router.post(
    _SERVICES,
    tags=_TAGS,
    status_code=status.HTTP_201_CREATED,
    summary="Create a service (owner or manager); `price` in major units",
    responses=error_responses(400, 401, 403, 404),
)
async def create_service(
    body: BusinessServiceCreateIn, access: BusinessAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[BusinessServiceOut]:
    access.require_manager()
    row, master_ids = await service.create_service(session, cache, access, body)
    return ok(BusinessServiceOut.with_masters(row, access.business.currency, master_ids))


@router.put(
    _SERVICES + "/{serviceId}",
    tags=_TAGS,
    summary="Update a service (owner or manager); only the fields given change",
    responses=error_responses(400, 401, 403, 404),
)
async def update_service(
    service_id: ServiceId,
    body: BusinessServiceUpdateIn,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[BusinessServiceOut]:
    access.require_manager()
    row, master_ids = await service.update_service(session, cache, access, service_id, body)
    return ok(BusinessServiceOut.with_masters(row, access.business.currency, master_ids))


@router.delete(
    _SERVICES + "/{serviceId}",
    tags=_TAGS,
    summary="Delete a service (owner or manager)",
    responses=error_responses(401, 403, 404),
)
async def delete_service(
    service_id: ServiceId, access: BusinessAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    access.require_manager()
    deleted = await service.delete_service(session, cache, access, service_id)
    kept = "Service deactivated instead of deleted: it has bookings to come"
    return ok(MessageOut(message="Service deleted" if deleted else kept))
