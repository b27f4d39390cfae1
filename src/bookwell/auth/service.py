"""Sign-up, sign-in (password and Telegram), token rotation and sign-out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.passwords import hash_password, password_problems, verify_password
from bookwell.auth.repository import AuthRepository
from bookwell.auth.schemas import LoginIn, Platform, RegisterIn, TelegramIn
from bookwell.auth.telegram import TelegramIdentity, verify_init_data, verify_login_widget
from bookwell.auth.tokens import issue_access_token
from bookwell.auth.verification import send_email_code
from bookwell.config import Settings, reveal
from bookwell.deps import ClientInfo
from bookwell.errors import (
    AuthenticationRequired,
    DuplicateResource,
    ErrorDetail,
    ServiceUnavailable,
    ValidationFailed,
)
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret, new_secret
from bookwell.models import ApiKey, AuthSession, RefreshToken, User, UserType
from bookwell.specialists.service import open_solo_business
from bookwell.users.repository import UserRepository

SUPPORTED_LANGUAGES = ("en", "ru", "kk")


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    tokens: IssuedTokens
    is_new_user: bool = False


async def _issue_refresh_token(
    repository: AuthRepository, settings: Settings, session_id: uuid.UUID
) -> str:
    token = new_secret("rt_")
    await repository.add(
        RefreshToken(
            session_id=session_id,
            token_hash=hash_secret(token),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_ttl_days),
        )
    )
    return token


async def start_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    platform: Platform,
    client: ClientInfo,
) -> IssuedTokens:
    """Open a sign-in session for the user and issue its first token pair."""
    repository = AuthRepository(session)
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        platform=platform.value,
        user_agent=client.user_agent,
        ip_address=client.ip,
    )
    await repository.add(auth_session)
    user.last_login_at = utcnow()
    return IssuedTokens(
        access_token=issue_access_token(settings, user.id, auth_session.id),
        refresh_token=await _issue_refresh_token(repository, settings, auth_session.id),
        expires_in=settings.access_token_ttl_seconds,
    )


async def register(
    session: AsyncSession, settings: Settings, data: RegisterIn, client: ClientInfo
) -> SignedIn:
    """Create a customer or specialist account, send the code that verifies its email,
    and sign it in. A specialist also gets their one-person business (pending until
    the email is verified), in the same transaction."""
    problems = password_problems(data.password, field="password", email=data.email)
    if problems:
        raise ValidationFailed(details=problems)
    users = UserRepository(session)
    if await users.get_by_email(data.email) is not None:
        raise _email_taken()
    user = User(
        id=uuid.uuid4(),
        email=data.email.lower(),
        password_hash=await hash_password(data.password),
        first_name=data.first_name,
        last_name=data.last_name,
        phone_number=data.phone_number,
        user_type=UserType(data.user_type),
    )
    if not await users.add_unique(user):
        raise _email_taken()
    await send_email_code(session, settings, user)
    if user.user_type is UserType.SPECIALIST:
        await open_solo_business(session, settings, user, data.timezone)
    tokens = await start_session(session, settings, user, data.platform, client)
    return SignedIn(user=user, tokens=tokens, is_new_user=True)


def _email_taken() -> DuplicateResource:
    return DuplicateResource(
        "An account with this email already exists",
        details=[ErrorDetail("email", "is already registered", "DUPLICATE")],
    )


async def login(
    session: AsyncSession, settings: Settings, data: LoginIn, client: ClientInfo
) -> SignedIn:
    """Check the email and password; the same answer for a wrong email or password."""
    user = await UserRepository(session).get_by_email(data.email)
    password_hash = user.password_hash if user is not None else None
    if not await verify_password(data.password, password_hash) or user is None:
        raise AuthenticationRequired("The email or password is incorrect")
    if not user.is_active:
        raise AuthenticationRequired("This account is disabled")
    tokens = await start_session(session, settings, user, data.platform, client)
    return SignedIn(user=user, tokens=tokens)


def _verify_telegram(settings: Settings, data: TelegramIn) -> TelegramIdentity:
    bot_token = reveal(settings.telegram_bot_token)
    if not bot_token:
        raise ServiceUnavailable("Telegram sign-in is not configured (TELEGRAM_BOT_TOKEN)")
    if data.init_data is not None:
        return verify_init_data(
            data.init_data,
            bot_token=bot_token,
            now=utcnow(),
            max_age_seconds=settings.telegram_auth_max_age_seconds,
        )
    assert data.hash is not None
    return verify_login_widget(
        data.widget_fields(),
        data.hash,
        bot_token=bot_token,
        now=utcnow(),
        max_age_seconds=settings.telegram_auth_max_age_seconds,
    )


async def telegram_sign_in(
    session: AsyncSession,
    settings: Settings,
    data: TelegramIn,
    client: ClientInfo,
    signed_in: User | None,
) -> SignedIn:
    """Sign in with Telegram's signed data; link it when a user is already signed in.

    The first sign-in with an unknown Telegram account creates a customer.
    """
    identity = _verify_telegram(settings, data)
    platform = data.platform or (
        Platform.TELEGRAM_MINI_APP if data.init_data is not None else Platform.WEB
    )
    users = UserRepository(session)
    owner = await users.get_by_telegram_id(identity.telegram_id)
    is_new = False
    if signed_in is not None:
        if owner is not None and owner.id != signed_in.id:
            raise DuplicateResource(
                "This Telegram account is linked to another user",
                details=[ErrorDetail("telegramId", "is linked to another user", "DUPLICATE")],
            )
        user = signed_in
        if not await users.link_telegram(user, identity.telegram_id, identity.username):
            raise DuplicateResource(
                "This Telegram account was just linked to another user",
                details=[ErrorDetail("telegramId", "is linked to another user", "DUPLICATE")],
            )
    elif owner is not None:
        user = owner
        user.telegram_username = identity.username
    else:
        user = User(
            id=uuid.uuid4(),
            first_name=identity.first_name or identity.username or "Telegram user",
            last_name=identity.last_name or "",
            telegram_id=identity.telegram_id,
            telegram_username=identity.username,
            avatar_url=identity.photo_url,
            language=identity.language_code
            if identity.language_code in SUPPORTED_LANGUAGES
            else "en",
        )
        if not await users.add_unique(user):
            raise DuplicateResource("This Telegram account was just registered; try again")
        is_new = True
    if not user.is_active:
        raise AuthenticationRequired("This account is disabled")
    tokens = await start_session(session, settings, user, platform, client)
    return SignedIn(user=user, tokens=tokens, is_new_user=is_new)


async def refresh(session: AsyncSession, settings: Settings, refresh_token: str) -> IssuedTokens:
    """Exchange a refresh token for a new pair. A token presented twice means it
    leaked: the whole session (every token descended from the sign-in) is revoked."""
    repository = AuthRepository(session)
    now = utcnow()
    stored = await repository.refresh_token_by_hash(hash_secret(refresh_token))
    if stored is None:
        raise AuthenticationRequired("The refresh token is invalid")
    auth_session = await repository.get_session(stored.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise AuthenticationRequired("The session has ended; sign in again")
    if stored.used_at is not None or not await repository.mark_token_used(stored.id, now):
        await repository.revoke_session(stored.session_id, now, "refresh_token_reuse")
        raise AuthenticationRequired(
            "The refresh token was already used; the session is revoked, sign in again",
            keep_changes=True,
        )
    if stored.expires_at <= now:
        raise AuthenticationRequired("The refresh token has expired; sign in again")
    user = await UserRepository(session).get(auth_session.user_id)
    if user is None or not user.is_active:
        raise AuthenticationRequired("This account is disabled")
    await repository.touch_session(auth_session.id, now)
    return IssuedTokens(
        access_token=issue_access_token(settings, user.id, auth_session.id),
        refresh_token=await _issue_refresh_token(repository, settings, auth_session.id),
        expires_in=settings.access_token_ttl_seconds,
    )


async def logout(
    session: AsyncSession,
    *,
    session_id: uuid.UUID | None,
    refresh_token: str | None,
) -> None:
    """End the caller's session (from its access token, its refresh token, or both)."""
    repository = AuthRepository(session)
    now = utcnow()
    ended = False
    if session_id is not None:
        await repository.revoke_session(session_id, now, "logout")
        ended = True
    if refresh_token:
        stored = await repository.refresh_token_by_hash(hash_secret(refresh_token))
        if stored is not None:
            await repository.revoke_session(stored.session_id, now, "logout")
            ended = True
    if not ended:
        raise AuthenticationRequired("Give an access token or a refresh token to sign out")


async def create_api_key(
    session: AsyncSession,
    name: str,
    created_by: uuid.UUID | None,
    *,
    business_id: uuid.UUID | None = None,
) -> tuple[ApiKey, str]:
    """Make a new API key acting for `business_id` (None: a platform key); the plain
    key is returned once and only its hash is kept."""
    plain = new_secret("bk_")
    key = ApiKey(
        business_id=business_id,
        name=name,
        prefix=plain[:10],
        key_hash=hash_secret(plain),
        created_by_id=created_by,
    )
    await AuthRepository(session).add(key)
    return key, plain
