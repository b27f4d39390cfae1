"""Who may act on a business: resolved once per request from memberships. Every
change (any method but GET, HEAD, OPTIONS) on a `{businessId}` route also passes the
business's status here (kit/tenancy.require_writable), so no handler can forget it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import select

from bookwell.auth.dependencies import CurrentUser, optional_api_key, optional_user
from bookwell.deps import SessionDep
from bookwell.errors import AuthenticationRequired, NotFound
from bookwell.kit.tenancy import READ_METHODS, Actor, BusinessAccess
from bookwell.models import ApiKey, Business, BusinessRole, Membership, membership_locations


async def get_actor(
    user: Annotated[CurrentUser | None, Depends(optional_user)],
    api_key: Annotated[ApiKey | None, Depends(optional_api_key)],
) -> Actor:
    """The caller as a signed-in user or an API key (401 when neither)."""
    if user is None and api_key is None:
        raise AuthenticationRequired()
    return Actor(user=user.user if user else None, api_key=api_key)


async def load_access(session: SessionDep, business_id: uuid.UUID, actor: Actor) -> BusinessAccess:
    """The actor's access to the business. A business the actor has nothing to do
    with is reported as missing (404), so its existence is not revealed."""
    business = await session.get(Business, business_id)
    if business is None:
        raise NotFound("Business not found")
    if actor.is_super_admin:
        return BusinessAccess(business=business, actor=actor)
    if actor.api_key is not None:
        if actor.api_key.business_id != business.id:
            raise NotFound("Business not found")
        return BusinessAccess(business=business, actor=actor)
    assert actor.user is not None
    rows = await session.execute(
        select(Membership.role, membership_locations.c.location_id)
        .outerjoin(membership_locations, membership_locations.c.membership_id == Membership.id)
        .where(Membership.business_id == business.id, Membership.user_id == actor.user.id)
    )
    roles: set[BusinessRole] = set()
    locations: set[uuid.UUID] = set()
    for role, location_id in rows:
        roles.add(role)
        if location_id is not None:
            locations.add(location_id)
    if not roles:
        raise NotFound("Business not found")
    return BusinessAccess(
        business=business, actor=actor, roles=frozenset(roles), location_ids=frozenset(locations)
    )


async def business_access(
    request: Request,
    business_id: Annotated[uuid.UUID, Path(alias="businessId")],
    session: SessionDep,
    actor: Annotated[Actor, Depends(get_actor)],
) -> BusinessAccess:
    """Access to the business named by the `{businessId}` path parameter; a change is
    refused (403) when the business's status does not allow it."""
    access = await load_access(session, business_id, actor)
    if request.method not in READ_METHODS:
        access.require_writable()
    return access


async def business_settings_access(
    request: Request,
    business_id: Annotated[uuid.UUID, Path(alias="businessId")],
    session: SessionDep,
    actor: Annotated[Actor, Depends(get_actor)],
) -> BusinessAccess:
    """As `business_access`, for the business's own settings and its resubmission,
    which a rejected business may still change."""
    access = await load_access(session, business_id, actor)
    if request.method not in READ_METHODS:
        access.require_writable(settings=True)
    return access


ActorDep = Annotated[Actor, Depends(get_actor)]
BusinessAccessDep = Annotated[BusinessAccess, Depends(business_access)]
BusinessSettingsAccessDep = Annotated[BusinessAccess, Depends(business_settings_access)]
