"""Who is calling: a signed-in user (Bearer JWT) or an integration (API key); and the
role checks built on that, as reusable dependencies."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from bookwell.auth.repository import AuthRepository
from bookwell.auth.tokens import read_access_token
from bookwell.deps import SessionDep, SettingsDep
from bookwell.errors import AuthenticationRequired, InsufficientPermissions
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret
from bookwell.kit.tenancy import require_key_usable
from bookwell.models import ApiKey, Business, User, UserType

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Business API key (or `Authorization: ApiKey <key>`)",
)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    user: User
    session_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.user.id


async def optional_user(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser | None:
    """The signed-in user, or None without a Bearer token; a bad token is still 401."""
    if credentials is None:
        return None
    claims = read_access_token(settings, credentials.credentials)
    user = await AuthRepository(session).user_with_live_session(claims.user_id, claims.session_id)
    if user is None:
        raise AuthenticationRequired("The session has ended; sign in again")
    request.state.user_id = str(user.id)
    return CurrentUser(user=user, session_id=claims.session_id)


async def current_user(
    user: Annotated[CurrentUser | None, Depends(optional_user)],
) -> CurrentUser:
    if user is None:
        raise AuthenticationRequired()
    return user


def require_user_type(*allowed: UserType) -> Callable[..., Awaitable[CurrentUser]]:
    """A dependency that lets through only users of the given platform roles."""

    async def check(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if user.user.user_type not in allowed:
            raise InsufficientPermissions(
                "This requires the role " + " or ".join(t.value for t in allowed)
            )
        return user

    return check


def _presented_api_key(request: Request, header_key: str | None) -> str | None:
    if header_key:
        return header_key
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    return None


async def optional_api_key(
    request: Request,
    session: SessionDep,
    header_key: Annotated[str | None, Depends(_api_key_header)],
) -> ApiKey | None:
    """The API key presented as `X-API-Key` or `Authorization: ApiKey`, if any. The key
    of a suspended or rejected business is refused here (403), on every route."""
    presented = _presented_api_key(request, header_key)
    if presented is None:
        return None
    repository = AuthRepository(session)
    key = await repository.api_key_by_hash(hash_secret(presented))
    if key is None:
        raise AuthenticationRequired("The API key is invalid or revoked")
    if key.business_id is not None:
        business = await session.get(Business, key.business_id)
        assert business is not None  # the foreign key holds it
        require_key_usable(business)
    await repository.touch_api_key(key.id, utcnow())
    request.state.api_key_id = str(key.id)
    return key


async def require_api_key(key: Annotated[ApiKey | None, Depends(optional_api_key)]) -> ApiKey:
    if key is None:
        raise AuthenticationRequired("An API key is required")
    return key


CurrentUserDep = Annotated[CurrentUser, Depends(current_user)]
OptionalUserDep = Annotated[CurrentUser | None, Depends(optional_user)]
SuperAdminDep = Annotated[CurrentUser, Depends(require_user_type(UserType.SUPER_ADMIN))]
SpecialistDep = Annotated[CurrentUser, Depends(require_user_type(UserType.SPECIALIST))]
CustomerDep = Annotated[CurrentUser, Depends(require_user_type(UserType.CUSTOMER))]
ApiKeyDep = Annotated[ApiKey, Depends(require_api_key)]
