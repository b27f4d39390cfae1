"""Staff invitations: nobody becomes staff of a business without saying yes.

A business invites an email to a role (master or manager). Until the owner of that
email accepts, no account is linked, created or even looked at beyond "is this
person already staff here", and the business learns nothing about any account. The
invitee accepts (or declines) either signed in, with that email verified, or
through the emailed link, which creates their account (its email verified by the
link) when the email has none. The master row or membership is made at acceptance,
from the inviter's choices kept in the invitation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.passwords import hash_password, password_problems
from bookwell.auth.schemas import Platform
from bookwell.auth.service import SignedIn, start_session
from bookwell.auth.verification import mark_email_verified, require_verified_email
from bookwell.config import Settings
from bookwell.deps import ClientInfo
from bookwell.errors import (
    BusinessRuleViolation,
    DuplicateResource,
    ErrorDetail,
    NotFound,
    ValidationFailed,
)
from bookwell.kit.audit import record, record_change, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret, new_secret
from bookwell.kit.tenancy import Actor, BusinessAccess, require_writable
from bookwell.models import (
    Business,
    BusinessRole,
    Channel,
    Invitation,
    InvitationStatus,
    Master,
    Membership,
    OutboxMessage,
    User,
    UserType,
)
from bookwell.staff.repository import (
    InvitationInbox,
    InvitationRepository,
    LocationRepository,
    MasterRepository,
    MembershipRepository,
)
from bookwell.staff.schemas import InvitationAcceptIn, shown_status
from bookwell.users.repository import UserRepository

INVITATION_TTL = timedelta(days=7)
ENTITY_INVITATION = "invitation"


def _accept_link(settings: Settings, token: str) -> str:
    return f"{settings.web_app_base}/accept-invitation?token={token}"


def _invitation_email(business: Business, role: BusinessRole, link: str) -> tuple[str, str]:
    return (
        f"{business.name} invites you to join them on Bookwell",
        (
            f"Hello,\n\n{business.name} invites you to work with them as a {role.value} "
            "on Bookwell. Nothing changes unless you accept.\n\n"
            "Already on Bookwell with this email? Sign in and accept or decline it "
            "among your invitations.\n\n"
            f"New to Bookwell? Accept it and create your account here:\n\n{link}\n\n"
            f"The invitation expires in {INVITATION_TTL.days} days. If you do not know "
            f"{business.name}, ignore this message.\n"
        ),
    )


async def invite(
    session: AsyncSession,
    settings: Settings,
    access: BusinessAccess,
    email: str,
    role: BusinessRole,
    details: dict[str, Any],
) -> Invitation:
    """Invite the owner of `email` to the role, with `details` applied at acceptance.
    The answer is the same whether or not the email has an account (only someone
    who is staff in that role here already is a 409, as the staff lists show)."""
    email = email.lower()
    now = utcnow()
    user = await UserRepository(session).get_by_email(email)
    if user is not None and role in await MembershipRepository(
        session, access.business_id
    ).roles_of(user.id):
        raise DuplicateResource(f"This person is already a {role.value} of this business")
    invitations = InvitationRepository(session, access.business_id)
    current = await invitations.pending(email, role)
    if current is not None:
        if current.expires_at > now:
            raise _already_invited(role)
        current.status = InvitationStatus.EXPIRED
        await session.flush()
    token = new_secret("inv_")
    invitation = Invitation(
        id=uuid.uuid4(),
        email=email,
        role=role,
        status=InvitationStatus.PENDING,
        token_hash=hash_secret(token),
        details=details,
        invited_by_id=access.actor.user_id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    if not await invitations.add_unique(invitation):
        raise _already_invited(role)
    subject, body = _invitation_email(access.business, role, _accept_link(settings, token))
    session.add(
        OutboxMessage(
            business_id=access.business_id,
            channel=Channel.EMAIL,
            recipient=email,
            subject=subject,
            body=body,
        )
    )
    await record_change(
        session,
        access,
        action="invite",
        entity_type=ENTITY_INVITATION,
        entity_id=invitation.id,
        after=snapshot(invitation),
    )
    return invitation


def _already_invited(role: BusinessRole) -> DuplicateResource:
    return DuplicateResource(
        f"This email already has a pending invitation as a {role.value}; withdraw it to "
        "send a new one",
        details=[ErrorDetail("email", "has a pending invitation", "DUPLICATE")],
    )


# --- the business's side -------------------------------------------------------


async def business_invitations(session: AsyncSession, access: BusinessAccess) -> list[Invitation]:
    """The business's invitations (owner and managers), newest first."""
    access.require_manager()
    return await InvitationRepository(session, access.business_id).listed()


def _location_ids(invitation: Invitation) -> list[uuid.UUID]:
    return [uuid.UUID(value) for value in invitation.details.get("location_ids", [])]


def _require_inviter_rights(access: BusinessAccess, invitation: Invitation) -> None:
    """Who may invite to this role and these locations may withdraw the invitation."""
    if invitation.role is not BusinessRole.MASTER:
        access.require_full()
        return
    location_ids = _location_ids(invitation)
    if not location_ids:
        access.require_manager()
    for location_id in location_ids:
        access.require_manager(location_id)


async def withdraw(session: AsyncSession, access: BusinessAccess, invitation_id: uuid.UUID) -> None:
    """Withdraw a pending invitation: its link and its acceptance stop working."""
    invitation = await InvitationRepository(session, access.business_id).get(invitation_id)
    if invitation is None or invitation.status is InvitationStatus.WITHDRAWN:
        raise NotFound("Invitation not found")
    _require_inviter_rights(access, invitation)
    now = utcnow()
    status = shown_status(invitation, now)
    if status != InvitationStatus.PENDING.value:
        raise BusinessRuleViolation(f"This invitation is {status}; only pending ones are withdrawn")
    before = snapshot(invitation)
    if not await InvitationInbox(session).answer(invitation.id, InvitationStatus.WITHDRAWN, now):
        raise BusinessRuleViolation("This invitation was answered meanwhile")
    await session.refresh(invitation)
    await record_change(
        session,
        access,
        action="withdraw",
        entity_type=ENTITY_INVITATION,
        entity_id=invitation.id,
        before=before,
        after=snapshot(invitation),
    )


# --- the invitee's side --------------------------------------------------------


async def my_invitations(session: AsyncSession, user: User) -> list[tuple[Invitation, Business]]:
    """Pending invitations to the user's email, which they must have verified: else
    anyone registering an address would learn who invites its owner."""
    email = require_verified_email(user)
    return await InvitationInbox(session).pending_of_email(email, utcnow())


async def respond(
    session: AsyncSession,
    cache: Cache,
    user: User,
    invitation_id: uuid.UUID,
    *,
    accept: bool,
) -> tuple[Invitation, Business]:
    """Accept or decline an invitation to the signed-in user's verified email; an
    invitation to any other email does not exist for them (404)."""
    email = require_verified_email(user)
    inbox = InvitationInbox(session)
    invitation = await inbox.of_email(invitation_id, email)
    business = await inbox.business(invitation.business_id) if invitation else None
    if invitation is None or business is None:
        raise NotFound("Invitation not found")
    now = utcnow()
    status = shown_status(invitation, now)
    if status != InvitationStatus.PENDING.value:
        raise BusinessRuleViolation(f"This invitation is {status}; it can no longer be answered")
    answer = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    await _answer(session, inbox, invitation, answer, now)
    if accept:
        await _join(session, cache, invitation, business, user)
    else:
        await _audit_answer(session, invitation, user, "decline")
    return invitation, business


async def accept_with_token(
    session: AsyncSession,
    settings: Settings,
    cache: Cache,
    data: InvitationAcceptIn,
    client: ClientInfo,
) -> SignedIn:
    """Accept through the emailed link: create the account of the email (verified: the
    link reached it) and sign it in. An email that already has an account signs in
    and accepts there instead (409)."""
    inbox = InvitationInbox(session)
    invitation = await inbox.by_token_hash(hash_secret(data.token))
    now = utcnow()
    _check_token(invitation, now)
    assert invitation is not None
    business = await inbox.business(invitation.business_id)
    if business is None:
        raise ValidationFailed.on("token", "is not a valid invitation", "INVALID_TOKEN")
    user = await _account_for(session, invitation, data)
    await _answer(session, inbox, invitation, InvitationStatus.ACCEPTED, now, token=True)
    await _join(session, cache, invitation, business, user)
    await mark_email_verified(session, settings, cache, user)
    tokens = await start_session(session, settings, user, Platform.WEB, client)
    return SignedIn(user=user, tokens=tokens)


def _check_token(invitation: Invitation | None, now: datetime) -> None:
    if invitation is None or invitation.status in (
        InvitationStatus.WITHDRAWN,
        InvitationStatus.DECLINED,
    ):
        raise ValidationFailed.on("token", "is not a valid invitation", "INVALID_TOKEN")
    if invitation.status is InvitationStatus.ACCEPTED:
        raise ValidationFailed.on("token", "has already been used", "TOKEN_USED")
    if shown_status(invitation, now) != InvitationStatus.PENDING.value:
        raise ValidationFailed.on(
            "token", "has expired; ask the business for a new invitation", "TOKEN_EXPIRED"
        )


async def _account_for(
    session: AsyncSession, invitation: Invitation, data: InvitationAcceptIn
) -> User:
    """The new account of the invitation's email, or the password-less one an
    invitation made before invitations asked for consent (migration 20261205_0008)."""
    users = UserRepository(session)
    user = await users.get_by_email(invitation.email)
    if user is not None and (user.password_hash is not None or user.telegram_id is not None):
        raise DuplicateResource(
            "An account with this email exists: sign in with it and accept the invitation "
            "there (GET /users/invitations)",
            details=[ErrorDetail("token", "sign in to accept", "SIGN_IN_TO_ACCEPT")],
        )
    if user is not None and not user.is_active:
        raise ValidationFailed.on("token", "belongs to a disabled account", "INVALID_TOKEN")
    details = invitation.details
    first_name = data.first_name or (user.first_name if user else details.get("first_name"))
    last_name = data.last_name or (user.last_name if user else details.get("last_name"))
    missing = [
        ErrorDetail(field, "is required to create your account", "REQUIRED")
        for field, value in (("firstName", first_name), ("lastName", last_name))
        if not value
    ]
    problems = password_problems(data.password, field="password", email=invitation.email)
    if missing or problems:
        raise ValidationFailed(details=[*missing, *problems])
    assert first_name is not None
    assert last_name is not None
    password_hash = await hash_password(data.password)
    if user is not None:
        user.password_hash = password_hash
        user.first_name, user.last_name = first_name, last_name
        return user
    user = User(
        id=uuid.uuid4(),
        email=invitation.email,
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        phone_number=details.get("phone_number"),
        user_type=UserType.CUSTOMER,
    )
    if not await users.add_unique(user):
        raise DuplicateResource(
            "An account with this email was registered meanwhile: sign in and accept the "
            "invitation there"
        )
    return user


async def _answer(
    session: AsyncSession,
    inbox: InvitationInbox,
    invitation: Invitation,
    status: InvitationStatus,
    now: datetime,
    *,
    token: bool = False,
) -> None:
    """Claim the pending invitation for this answer, once."""
    if not await inbox.answer(invitation.id, status, now):
        if token:
            raise ValidationFailed.on("token", "has already been used", "TOKEN_USED")
        raise BusinessRuleViolation("This invitation was answered or withdrawn meanwhile")
    await session.refresh(invitation)


async def _audit_answer(
    session: AsyncSession, invitation: Invitation, user: User, action: str
) -> None:
    await record(
        session,
        actor=Actor(user=user),
        business_id=invitation.business_id,
        action=action,
        entity_type=ENTITY_INVITATION,
        entity_id=invitation.id,
        after=snapshot(invitation),
    )


async def _join(
    session: AsyncSession, cache: Cache, invitation: Invitation, business: Business, user: User
) -> None:
    """Make the user what the invitation offered, with the inviter's choices."""
    # Joining changes the business's staff: not while it is suspended or rejected.
    require_writable(business, Actor(user=user))
    await _audit_answer(session, invitation, user, "accept")
    locations = await LocationRepository(session, business.id).many(_location_ids(invitation))
    memberships = MembershipRepository(session, business.id)
    membership = await memberships.find(user.id, invitation.role)
    if membership is None:
        membership = Membership(user_id=user.id, role=invitation.role, locations=list(locations))
        if not await memberships.add_unique(membership):
            raise DuplicateResource(f"You are already a {invitation.role.value} of {business.name}")
    if invitation.role is BusinessRole.MANAGER:
        await _audit_created(session, user, business, "manager", membership.id, membership)
        return
    masters = MasterRepository(session, business.id)
    if await masters.by_user(user.id) is None:
        details = invitation.details
        master = Master(
            user_id=user.id,
            description=details.get("description", ""),
            specialties=list(details.get("specialties", [])),
            timezone=locations[0].timezone if locations else business.timezone,
            working_hours={day: list(hours) for day, hours in business.opening_hours.items()},
            locations=list(locations),
        )
        if not await masters.add_unique(master):
            raise DuplicateResource(f"You are already a master of {business.name}")
        await _audit_created(session, user, business, "master", master.id, master)
    catalog_changed(session, cache)


async def _audit_created(
    session: AsyncSession,
    user: User,
    business: Business,
    entity_type: str,
    entity_id: uuid.UUID,
    row: Master | Membership,
) -> None:
    after = snapshot(row)
    after["location_ids"] = sorted(str(location.id) for location in row.locations)
    await record(
        session,
        actor=Actor(user=user),
        business_id=business.id,
        action="create",
        entity_type=entity_type,
        entity_id=entity_id,
        after=after,
    )


def location_details(location_ids: Iterable[uuid.UUID]) -> list[str]:
    """Location ids as kept in an invitation's details."""
    return sorted(str(location_id) for location_id in location_ids)
