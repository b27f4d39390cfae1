"""HTTP routes of the admin domain (super admin only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from bookwell.admin import service
from bookwell.admin.schemas import RejectIn, StatisticsOut, SuspendIn, TenantOut
from bookwell.auth.dependencies import SuperAdminDep
from bookwell.businesses.schemas import AuditEntryOut, Paged
from bookwell.deps import CacheDep, SessionDep
from bookwell.kit.openapi import error_responses
from bookwell.kit.pagination import PageRequest, Pagination, page_request
from bookwell.kit.schemas import Envelope, ok
from bookwell.models import Business, BusinessStatus

router = APIRouter(prefix="/admin", tags=["admin"])

TenantId = Annotated[uuid.UUID, Path(alias="id")]
PageDep = Annotated[PageRequest, Depends(page_request)]
_ADMIN = error_responses(400, 401, 403)
_DECISION = error_responses(400, 401, 403, 404, 422)


@router.get("/tenants", summary="Businesses, optionally of one status", responses=_ADMIN)
async def tenants(
    _admin: SuperAdminDep,
    session: SessionDep,
    page: PageDep,
    status: Annotated[BusinessStatus | None, Query(description="Only this status")] = None,
) -> Paged[TenantOut]:
    rows, total = await service.tenants(session, status, page)
    return Paged[TenantOut](
        data=[TenantOut.with_owners(business, owners) for business, owners in rows],
        pagination=Pagination.of(page, total),
    )


async def _tenant_out(session: SessionDep, business: Business) -> Envelope[TenantOut]:
    return ok(TenantOut.with_owners(business, await service.owners_of(session, business.id)))


@router.put(
    "/tenants/{id}/approve",
    summary="Approve a pending (or earlier rejected) business: it goes public",
    responses=_DECISION,
)
async def approve(
    tenant_id: TenantId, admin: SuperAdminDep, session: SessionDep, cache: CacheDep
) -> Envelope[TenantOut]:
    business = await service.decide(session, cache, admin.user, tenant_id, service.Decision.APPROVE)
    return await _tenant_out(session, business)


@router.put(
    "/tenants/{id}/reject",
    summary="Reject a pending business, with the reason its owner will see",
    responses=_DECISION,
)
async def reject(
    tenant_id: TenantId, body: RejectIn, admin: SuperAdminDep, session: SessionDep, cache: CacheDep
) -> Envelope[TenantOut]:
    business = await service.decide(
        session, cache, admin.user, tenant_id, service.Decision.REJECT, body.reason
    )
    return await _tenant_out(session, business)


@router.put(
    "/tenants/{id}/suspend",
    summary="Suspend an active business: hidden from the public until reactivated",
    responses=_DECISION,
)
async def suspend(
    tenant_id: TenantId,
    admin: SuperAdminDep,
    session: SessionDep,
    cache: CacheDep,
    body: SuspendIn | None = None,
) -> Envelope[TenantOut]:
    business = await service.decide(
        session,
        cache,
        admin.user,
        tenant_id,
        service.Decision.SUSPEND,
        body.reason if body else None,
    )
    return await _tenant_out(session, business)


@router.put(
    "/tenants/{id}/reactivate",
    summary="Reactivate a suspended business",
    responses=_DECISION,
)
async def reactivate(
    tenant_id: TenantId, admin: SuperAdminDep, session: SessionDep, cache: CacheDep
) -> Envelope[TenantOut]:
    business = await service.decide(
        session, cache, admin.user, tenant_id, service.Decision.REACTIVATE
    )
    return await _tenant_out(session, business)


@router.get(
    "/statistics",
    summary="Platform counts: tenants by status, users by type, services, masters",
    responses=_ADMIN,
)
async def statistics(_admin: SuperAdminDep, session: SessionDep) -> Envelope[StatisticsOut]:
    return ok(await service.statistics(session))


@router.get(
    "/audit-log",
    summary="Every audit entry of the platform, newest first",
    responses=_ADMIN,
)
async def audit_log(
    _admin: SuperAdminDep,
    session: SessionDep,
    page: PageDep,
    business_id: Annotated[uuid.UUID | None, Query(alias="businessId")] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    entity_type: Annotated[str | None, Query(alias="entityType", max_length=64)] = None,
) -> Paged[AuditEntryOut]:
    entries, total = await service.audit_log(
        session, business_id=business_id, action=action, entity_type=entity_type, page=page
    )
    return Paged[AuditEntryOut](
        data=[AuditEntryOut.of(entry) for entry in entries],
        pagination=Pagination.of(page, total),
    )
