"""The signed-in specialist's own routes (/specialists/profile, /specialists/services,
/specialists/availability/...) change the business their profile lives in, so a
change there passes that business's status as on its `{businessId}` routes
(kit/tenancy.require_writable). Mounted on the routers, not per handler."""

from __future__ import annotations

from fastapi import Request

from bookwell.auth.dependencies import OptionalUserDep
from bookwell.deps import SessionDep
from bookwell.errors import NotFound
from bookwell.kit.tenancy import READ_METHODS, Actor, require_writable
from bookwell.models import UserType
from bookwell.specialists.service import load_profile


async def own_business_writable(
    request: Request, user: OptionalUserDep, session: SessionDep
) -> None:
    """Refuse a change (403) when the specialist's business is suspended or rejected.
    Reads, and callers the route refuses anyway (anonymous, not a specialist, no
    profile), pass through to the route's own answer."""
    if request.method in READ_METHODS or user is None:
        return
    if user.user.user_type is not UserType.SPECIALIST:
        return
    try:
        specialist = await load_profile(session, user.user)
    except NotFound:
        return
    require_writable(specialist.business, Actor(user=user.user))
