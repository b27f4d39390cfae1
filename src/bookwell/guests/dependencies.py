"""Who is calling as a guest: the verified client named by an `X-Client-Token`.

A separate header, not `Authorization`, so that a signed-in user can carry both their
access token and a client token, and neither is ever read as the other (the token
types are also kept apart by audience, guests/tokens.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from bookwell.deps import SessionDep, SettingsDep
from bookwell.errors import AuthenticationRequired, NotFound
from bookwell.guests.repository import active_business
from bookwell.guests.tokens import Contact, read_client_token
from bookwell.models import Business
from bookwell.public.service import subdomain_of_host

CLIENT_HEADER = "X-Client-Token"

_client_token = APIKeyHeader(
    name=CLIENT_HEADER,
    scheme_name="ClientToken",
    auto_error=False,
    description="Client token from POST /api/v1/public/client/verify (with `code`)",
)


@dataclass(frozen=True, slots=True)
class VerifiedClient:
    """A guest who proved this email or phone to this (active) business."""

    business: Business
    contact: Contact

    @property
    def business_id(self) -> uuid.UUID:
        return self.business.id


async def verified_client(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(_client_token)],
) -> VerifiedClient:
    """401 without a valid client token (an access token is not one); 401 too on a
    tenant's Host (`{subdomain}.BASE_DOMAIN`) when the token is another business's;
    404 once the business is no longer active."""
    if not token:
        raise AuthenticationRequired(
            f"A client token is required in {CLIENT_HEADER}: verify your email or "
            "phone with POST /api/v1/public/client/verify"
        )
    claims = read_client_token(settings, token.strip())
    business = await active_business(session, claims.business_id)
    if business is None:
        raise NotFound("Business not found")
    host_subdomain = subdomain_of_host(request.headers.get("host", ""), settings.base_domain)
    if host_subdomain is not None and host_subdomain != business.subdomain:
        raise AuthenticationRequired(
            "This client token was issued by another business; verify with this one"
        )
    return VerifiedClient(business=business, contact=claims.contact)


VerifiedClientDep = Annotated[VerifiedClient, Depends(verified_client)]
