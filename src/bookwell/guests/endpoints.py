"""HTTP routes of guest verification: POST /public/client/verify (send a code, or
check it for a client token) and GET /public/client/bookings (the verified guest's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from limits import parse

from bookwell.businesses.schemas import Paged
from bookwell.catalog.endpoints import preferred_language
from bookwell.deps import ClientDep, LimiterDep, SessionDep, SettingsDep
from bookwell.guests import service
from bookwell.guests.dependencies import CLIENT_HEADER, VerifiedClientDep
from bookwell.guests.schemas import (
    ClientBookingOut,
    ClientSessionOut,
    CodeSentOut,
    ContactOut,
    VerifyIn,
    channel_name,
)
from bookwell.guests.sender import MessageSenderDep
from bookwell.kit.codes import MAX_ATTEMPTS
from bookwell.kit.openapi import error_responses
from bookwell.kit.pagination import PageRequest, Pagination, page_request
from bookwell.kit.schemas import Envelope, ok
from bookwell.models import Business
from bookwell.public.service import business_by_subdomain, subdomain_of_host

router = APIRouter(prefix="/public/client", tags=["public"])

_VERIFY_DESCRIPTION = f"""\
**Send a code** (no `code` in the body): a 6-digit code goes to `email` (channel
`email`) or `phone` (channel `sms`), in the `Accept-Language` language (en, ru, kk;
default en). It works for this business until `expiresAt` (CLIENT_CODE_TTL_MINUTES,
10 by default). Answer 202 `{{sent, channel, expiresAt}}`; the code itself is never in
a response. A new code replaces the earlier ones sent to that contact. Limited per
email or phone, across businesses (RATE_LIMIT_CLIENT_CODE), and per client IP
(RATE_LIMIT_CLIENT_CODE_IP): 429.

**Check a code** (with `code`): answer 200 `{{clientToken, expiresAt, businessId,
contact}}`. Send the token as `{CLIENT_HEADER}` to the client routes; it lasts
CLIENT_TOKEN_TTL_DAYS (30 by default). A code works once; after
{MAX_ATTEMPTS} wrong attempts it is dead. Refusals are 400 with
`details[0].field = "code"` and `details[0].code` one of `WRONG_CODE`,
`TOO_MANY_ATTEMPTS`, `CODE_EXPIRED`, `CODE_USED`, `NO_CODE`: after any but
`WRONG_CODE`, ask for a new code.

The business is `business` (its subdomain) or, when left out, the one the Host names
(`{{subdomain}}.BASE_DOMAIN`); only active businesses answer, any other is 404.
Exactly one of `email` and `phone` (else 400 naming both)."""


async def _business(
    request: Request, session: SessionDep, settings: SettingsDep, subdomain: str | None
) -> Business:
    if subdomain is None:
        subdomain = subdomain_of_host(request.headers.get("host", ""), settings.base_domain)
    return await business_by_subdomain(session, subdomain)


@router.post(
    "/verify",
    summary="Send a one-time code to a guest's email or phone, or check it",
    description=_VERIFY_DESCRIPTION,
    response_description="With `code`: the client token (`ClientSessionOut`)",
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": Envelope[CodeSentOut],
            "description": "Without `code`: the code is on its way",
        },
        **error_responses(400, 404, 429),
    },
)
async def verify(
    body: VerifyIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: ClientDep,
    sender: MessageSenderDep,
    language: Annotated[str, Depends(preferred_language)],
) -> Envelope[ClientSessionOut | CodeSentOut]:
    contact = service.contact_of(body.email, body.phone)
    business = await _business(request, session, settings, body.business)
    if body.code is not None:
        verified = await service.check_code(session, settings, business, contact, body.code)
        return ok(
            ClientSessionOut(
                client_token=verified.token,
                expires_at=verified.expires_at,
                business_id=verified.business_id,
                contact=ContactOut.of(verified.contact),
            )
        )
    await limiter.enforce(
        parse(settings.rate_limit_client_code_ip), "client-code-ip", client.ip or "unknown"
    )
    await limiter.enforce(
        parse(settings.rate_limit_client_code), "client-code", contact.destination
    )
    sent = await service.send_code(session, settings, sender, business, contact, language)
    response.status_code = status.HTTP_202_ACCEPTED
    return ok(CodeSentOut(channel=channel_name(sent.channel), expires_at=sent.expires_at))


@router.get(
    "/bookings",
    summary="The verified guest's bookings at the business of their client token",
    description=(
        f"Needs `{CLIENT_HEADER}`. Bookings of the token's business made with its "
        "email (any case) or phone, latest start first; times carry the offset of the "
        "booking's `timezone`. On a tenant's Host, a token of another business is 401."
    ),
    responses=error_responses(400, 401, 404),
)
async def client_bookings(
    client: VerifiedClientDep,
    session: SessionDep,
    page: Annotated[PageRequest, Depends(page_request)],
) -> Paged[ClientBookingOut]:
    rows, total = await service.client_bookings(session, client.business_id, client.contact, page)
    return Paged[ClientBookingOut](
        data=[ClientBookingOut.of(booking) for booking in rows],
        pagination=Pagination.of(page, total),
    )
