"""HTTP routes of the businesses domain: the business, its locations, API keys and
audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from bookwell.auth.dependencies import CurrentUserDep, OptionalUserDep
from bookwell.auth.schemas import TokensOut, UserOut
from bookwell.businesses import service
from bookwell.businesses.access import BusinessAccessDep, BusinessSettingsAccessDep
from bookwell.businesses.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    BusinessCreatedOut,
    BusinessIn,
    BusinessOut,
    BusinessUpdateIn,
    LocationIn,
    LocationOut,
    LocationUpdateIn,
    MyBusinessOut,
    Paged,
)
from bookwell.deps import CacheDep, ClientDep, SessionDep, SettingsDep
from bookwell.kit.openapi import error_responses
from bookwell.kit.pagination import PageRequest, Pagination, page_request
from bookwell.kit.schemas import Envelope, MessageOut, ok

router = APIRouter(prefix="/businesses", tags=["businesses"])

LocationId = Annotated[uuid.UUID, Path(alias="locationId")]
KeyId = Annotated[uuid.UUID, Path(alias="keyId")]
PageDep = Annotated[PageRequest, Depends(page_request)]

_STAFF = error_responses(400, 401, 404)
_OWNER = error_responses(400, 401, 403, 404)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a business (pending until a super admin approves it)",
    description=(
        "Signed in, the caller becomes the owner. Without a token the body also carries "
        "the owner's `email`, `password`, `firstName`, `lastName` (and optional "
        "`phoneNumber`): that account is created (platform role `customer`; the owner "
        "role is a membership of the business), a code to verify its email is sent, and "
        "its tokens are returned. A super admin can approve the business only once its "
        "owner has verified their email (POST /auth/verify-email)."
    ),
    responses=error_responses(400, 401, 409),
)
async def create_business(
    body: BusinessIn,
    session: SessionDep,
    settings: SettingsDep,
    client: ClientDep,
    signed_in: OptionalUserDep,
) -> Envelope[BusinessCreatedOut]:
    created = await service.create_business(
        session, settings, body, signed_in.user if signed_in else None, client
    )
    owner = created.owner_signed_in
    return ok(
        BusinessCreatedOut(
            business=BusinessOut.of(created.business),
            user=UserOut.of(owner.user) if owner else None,
            tokens=TokensOut(
                access_token=owner.tokens.access_token,
                refresh_token=owner.tokens.refresh_token,
                expires_in=owner.tokens.expires_in,
            )
            if owner
            else None,
        )
    )


@router.get(
    "",
    summary="The caller's businesses, with the caller's roles in each",
    responses=error_responses(401),
)
async def my_businesses(session: SessionDep, user: CurrentUserDep) -> Envelope[list[MyBusinessOut]]:
    rows = await service.businesses_of(session, user.user)
    return ok(
        [
            MyBusinessOut(
                **BusinessOut.of(business).model_dump(), roles=[role.value for role in roles]
            )
            for business, roles in rows
        ]
    )


@router.get(
    "/{businessId}",
    summary="A business (its staff, its API key, or a super admin)",
    responses=_STAFF,
)
async def get_business(access: BusinessAccessDep) -> Envelope[BusinessOut]:
    return ok(BusinessOut.of(access.business))


@router.put(
    "/{businessId}",
    summary="Change a business's settings (owner or super admin)",
    description=(
        "Only the fields given change. `status` and `subdomain` are not accepted. A "
        "rejected business may still change them (then resubmit); a suspended one may "
        "not (403 BUSINESS_SUSPENDED)."
    ),
    responses=_OWNER,
)
async def update_business(
    body: BusinessUpdateIn, access: BusinessSettingsAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[BusinessOut]:
    return ok(BusinessOut.of(await service.update_business(session, cache, access, body)))


@router.post(
    "/{businessId}/resubmit",
    summary="Resubmit a rejected business for approval: it is pending again (owner)",
    description=(
        "For the owner once the business was rejected (and edited with PUT). 422 from any "
        "other status. The change is in the audit log."
    ),
    responses=error_responses(400, 401, 403, 404, 422),
)
async def resubmit_business(
    access: BusinessSettingsAccessDep, session: SessionDep
) -> Envelope[BusinessOut]:
    return ok(BusinessOut.of(await service.resubmit_business(session, access)))


@router.get(
    "/{businessId}/locations",
    summary="Locations: all for the owner; managers and masters see their own",
    responses=_STAFF,
)
async def list_locations(
    access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[LocationOut]]:
    return ok([LocationOut.of(x) for x in await service.list_locations(session, access)])


@router.post(
    "/{businessId}/locations",
    status_code=status.HTTP_201_CREATED,
    summary="Add a location (owner)",
    responses=_OWNER,
)
async def create_location(
    body: LocationIn, access: BusinessAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[LocationOut]:
    return ok(LocationOut.of(await service.create_location(session, cache, access, body)))


@router.put(
    "/{businessId}/locations/{locationId}",
    summary="Change a location (owner, or a manager of that location)",
    responses=_OWNER,
)
async def update_location(
    location_id: LocationId,
    body: LocationUpdateIn,
    access: BusinessAccessDep,
    session: SessionDep,
    cache: CacheDep,
) -> Envelope[LocationOut]:
    location = await service.update_location(session, cache, access, location_id, body)
    return ok(LocationOut.of(location))


@router.delete(
    "/{businessId}/locations/{locationId}",
    summary="Close a location (owner)",
    responses=_OWNER,
)
async def delete_location(
    location_id: LocationId, access: BusinessAccessDep, session: SessionDep, cache: CacheDep
) -> Envelope[MessageOut]:
    await service.delete_location(session, cache, access, location_id)
    return ok(MessageOut(message="Location closed"))


@router.post(
    "/{businessId}/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key acting for this business (owner); the key is shown once",
    responses=_OWNER,
)
async def create_api_key(
    body: ApiKeyIn, access: BusinessAccessDep, session: SessionDep
) -> Envelope[ApiKeyCreatedOut]:
    key, plain = await service.create_api_key(session, access, body.name)
    return ok(
        ApiKeyCreatedOut(
            id=key.id, name=key.name, key=plain, prefix=key.prefix, created_at=key.created_at
        )
    )


@router.get(
    "/{businessId}/api-keys",
    summary="The business's live API keys, without the keys themselves (owner)",
    responses=_OWNER,
)
async def list_api_keys(
    access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[ApiKeyOut]]:
    return ok([ApiKeyOut.of(key) for key in await service.list_api_keys(session, access)])


@router.delete(
    "/{businessId}/api-keys/{keyId}",
    summary="Revoke an API key (owner)",
    responses=_OWNER,
)
async def revoke_api_key(
    key_id: KeyId, access: BusinessAccessDep, session: SessionDep
) -> Envelope[MessageOut]:
    await service.revoke_api_key(session, access, key_id)
    return ok(MessageOut(message="API key revoked"))


@router.get(
    "/{businessId}/audit-log",
    summary="Who changed what in this business, newest first (owner or super admin)",
    responses=_OWNER,
)
async def audit_log(
    access: BusinessAccessDep, session: SessionDep, page: PageDep
) -> Paged[AuditEntryOut]:
    entries, total = await service.audit_log(session, access, page)
    return Paged[AuditEntryOut](
        data=[AuditEntryOut.of(entry) for entry in entries],
        pagination=Pagination.of(page, total),
    )
