"""HTTP routes of staff invitations: the business's list and withdrawal, and the
invitee's answer (signed in, or through the emailed link)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path

from bookwell.auth.dependencies import CurrentUserDep
from bookwell.auth.schemas import AuthOut, TokensOut, UserOut
from bookwell.businesses.access import BusinessAccessDep
from bookwell.deps import CacheDep, ClientDep, SessionDep, SettingsDep
from bookwell.kit.clock import utcnow
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok
from bookwell.staff import invitations
from bookwell.staff.schemas import InvitationAcceptIn, InvitationOut, MyInvitationOut

router = APIRouter()

InvitationId = Annotated[uuid.UUID, Path(alias="invitationId")]
_STAFF_TAGS: list[str | Enum] = ["staff"]
_MINE_TAGS: list[str | Enum] = ["users"]
_BUSINESS = "/businesses/{businessId}/invitations"
_MINE = "/users/invitations"
_VERIFIED = (
    " Needs the signed-in user's email verified (403 EMAIL_NOT_VERIFIED); an "
    "invitation to any other email is 404."
)


@router.get(
    _BUSINESS,
    tags=_STAFF_TAGS,
    summary="Invitations of the business (owner and managers), newest first",
    description=(
        "Each with the email it went to, `role` (master, manager), `status` (pending, "
        "accepted, declined, expired; withdrawn ones are left out) and when it expires. "
        "Nothing about any account."
    ),
    responses=error_responses(401, 403, 404),
)
async def business_invitations(
    access: BusinessAccessDep, session: SessionDep
) -> Envelope[list[InvitationOut]]:
    now = utcnow()
    rows = await invitations.business_invitations(session, access)
    return ok([InvitationOut.of(row, now) for row in rows])


@router.delete(
    _BUSINESS + "/{invitationId}",
    tags=_STAFF_TAGS,
    summary="Withdraw a pending invitation (who may send it may withdraw it)",
    description="Its link and its acceptance stop working; an answered one is 422.",
    responses=error_responses(401, 403, 404, 422),
)
async def withdraw_invitation(
    invitation_id: InvitationId, access: BusinessAccessDep, session: SessionDep
) -> Envelope[MessageOut]:
    await invitations.withdraw(session, access, invitation_id)
    return ok(MessageOut(message="Invitation withdrawn"))


@router.get(
    _MINE,
    tags=_MINE_TAGS,
    summary="My pending staff invitations, with the business's name",
    description="Invitations to the signed-in user's email that are pending and unexpired."
    + _VERIFIED,
    responses=error_responses(401, 403),
)
async def my_invitations(
    user: CurrentUserDep, session: SessionDep
) -> Envelope[list[MyInvitationOut]]:
    now = utcnow()
    rows = await invitations.my_invitations(session, user.user)
    return ok([MyInvitationOut.of(invitation, business, now) for invitation, business in rows])


@router.post(
    _MINE + "/{invitationId}/accept",
    tags=_MINE_TAGS,
    summary="Accept a staff invitation: become a master or manager of the business",
    description="An invitation no longer pending (answered, withdrawn, expired) is 422."
    + _VERIFIED,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def accept_invitation(
    invitation_id: InvitationId, user: CurrentUserDep, session: SessionDep, cache: CacheDep
) -> Envelope[MyInvitationOut]:
    invitation, business = await invitations.respond(
        session, cache, user.user, invitation_id, accept=True
    )
    return ok(MyInvitationOut.of(invitation, business, utcnow()))


@router.post(
    _MINE + "/{invitationId}/decline",
    tags=_MINE_TAGS,
    summary="Decline a staff invitation",
    description="An invitation no longer pending (answered, withdrawn, expired) is 422."
    + _VERIFIED,
    responses=error_responses(401, 403, 404, 422),
)
async def decline_invitation(
    invitation_id: InvitationId, user: CurrentUserDep, session: SessionDep, cache: CacheDep
) -> Envelope[MyInvitationOut]:
    invitation, business = await invitations.respond(
        session, cache, user.user, invitation_id, accept=False
    )
    return ok(MyInvitationOut.of(invitation, business, utcnow()))


@router.post(
    "/auth/invitations/accept",
    tags=["auth"],
    summary="Accept a staff invitation through its emailed link, creating the account",
    description=(
        "For an email without an account: the token from the invitation email, the new "
        "account's `password`, and `firstName`/`lastName` (default: the names the "
        "inviter gave; 400 when neither). The account is created with its email "
        "verified (the link reached it), becomes what the invitation offered, and is "
        "signed in. The token works once, for 7 days. When the email already has an "
        "account, 409 with `details[0].code = SIGN_IN_TO_ACCEPT`: sign in and use "
        "`/users/invitations`."
    ),
    responses=error_responses(400, 409, 429),
)
async def accept_with_token(
    body: InvitationAcceptIn,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    client: ClientDep,
) -> Envelope[AuthOut]:
    signed_in = await invitations.accept_with_token(session, settings, cache, body, client)
    tokens = signed_in.tokens
    return ok(
        AuthOut(
            user=UserOut.of(signed_in.user),
            tokens=TokensOut(
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                expires_in=tokens.expires_in,
            ),
        )
    )
