"""Profile changes, avatars and password changes."""

from __future__ import annotations

import uuid
from enum import StrEnum

import anyio
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.passwords import hash_password, password_problems, verify_password
from bookwell.auth.repository import AuthRepository
from bookwell.db import after_commit
from bookwell.errors import DuplicateResource, ValidationFailed
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.storage import FileStorage
from bookwell.models import User, UserType
from bookwell.users.avatars import process_avatar
from bookwell.users.repository import UserRepository
from bookwell.users.schemas import ProfileIn


async def _catalog_shows_changes_of(session: AsyncSession, cache: Cache, user: User) -> None:
    """Discovery shows masters' names and avatars: a master's change retires its cache."""
    if await UserRepository(session).is_master(user.id):
        catalog_changed(session, cache)


async def update_profile(session: AsyncSession, cache: Cache, user: User, data: ProfileIn) -> User:
    """Apply the fields the client sent (an explicit null clears the phone number)."""
    sent = data.model_fields_set
    shown_before = (user.first_name, user.last_name)
    if "first_name" in sent:
        if data.first_name is None:
            raise ValidationFailed.on("firstName", "cannot be empty", "REQUIRED")
        user.first_name = data.first_name
    if "last_name" in sent:
        if data.last_name is None:
            raise ValidationFailed.on("lastName", "cannot be empty", "REQUIRED")
        user.last_name = data.last_name
    if "phone_number" in sent:
        user.phone_number = data.phone_number
    preferences = data.preferences
    if preferences is not None:
        if preferences.language is not None:
            user.language = preferences.language
        if preferences.currency is not None:
            user.currency = preferences.currency
        flags = preferences.notifications
        if flags is not None:
            if flags.email is not None:
                user.notify_email = flags.email
            if flags.push is not None:
                user.notify_push = flags.push
            if flags.telegram is not None:
                user.notify_telegram = flags.telegram
    if (user.first_name, user.last_name) != shown_before:
        await _catalog_shows_changes_of(session, cache, user)
    return user


async def replace_avatar(
    session: AsyncSession,
    cache: Cache,
    user: User,
    raw: bytes,
    storage: FileStorage,
) -> str:
    """Store a checked, re-encoded avatar; the previous file goes once this commits."""
    # Decoding and re-encoding is CPU work: keep it off the event loop.
    image = await anyio.to_thread.run_sync(process_avatar, raw)
    key = f"avatars/{user.id}/{uuid.uuid4().hex}.{image.extension}"
    await storage.save(key, image.data, image.content_type)
    previous = user.avatar_key
    user.avatar_key = key
    user.avatar_url = storage.url(key)
    if previous:
        after_commit(session, lambda: storage.delete(previous))
    await _catalog_shows_changes_of(session, cache, user)
    return user.avatar_url


async def change_password(
    session: AsyncSession,
    user: User,
    current_session_id: uuid.UUID,
    current_password: str | None,
    new_password: str,
) -> None:
    """Set a new password and end every other sign-in session of the user."""
    if user.password_hash is not None:
        if not current_password:
            raise ValidationFailed.on("currentPassword", "is required", "REQUIRED")
        if not await verify_password(current_password, user.password_hash):
            raise ValidationFailed.on("currentPassword", "is incorrect", "INCORRECT")
        if await verify_password(new_password, user.password_hash):
            raise ValidationFailed.on(
                "newPassword", "must differ from the current password", "UNCHANGED"
            )
    problems = password_problems(new_password, field="newPassword", email=user.email)
    if problems:
        raise ValidationFailed(details=problems)
    user.password_hash = await hash_password(new_password)
    await AuthRepository(session).revoke_user_sessions(
        user.id, utcnow(), "password_changed", keep=current_session_id
    )


class AdminOutcome(StrEnum):
    CREATED = "created"
    EXISTS = "exists"
    PROMOTED = "promoted"


async def ensure_super_admin(
    session: AsyncSession, email: str, password: str, *, promote: bool = False
) -> AdminOutcome:
    """Create the super admin if missing. An existing non-admin user with that email
    is promoted only when asked to; an existing admin is left as it is."""
    try:
        address = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed.on("email", str(exc), "INVALID") from None
    users = UserRepository(session)
    existing = await users.get_by_email(address)
    if existing is not None:
        if existing.user_type is UserType.SUPER_ADMIN:
            return AdminOutcome.EXISTS
        if not promote:
            raise DuplicateResource(
                f"{address} is already a {existing.user_type.value}; use --promote to "
                "make that user a super admin"
            )
        existing.user_type = UserType.SUPER_ADMIN
        # The operator vouches for the address, as for a new admin.
        existing.email_verified_at = existing.email_verified_at or utcnow()
        return AdminOutcome.PROMOTED
    problems = password_problems(password, field="password", email=address)
    if problems:
        raise ValidationFailed(details=problems)
    admin = User(
        id=uuid.uuid4(),
        email=address,
        password_hash=await hash_password(password),
        first_name="Admin",
        last_name="",
        user_type=UserType.SUPER_ADMIN,
        email_verified_at=utcnow(),
    )
    if not await users.add_unique(admin):
        raise DuplicateResource(f"{address} was registered meanwhile; run the command again")
    return AdminOutcome.CREATED
