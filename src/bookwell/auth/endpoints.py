"""HTTP routes of /auth."""

from __future__ import annotations

from fastapi import APIRouter, status
from limits import parse

from bookwell.auth import service, verification
from bookwell.auth.dependencies import CurrentUserDep, OptionalUserDep
from bookwell.auth.schemas import (
    AuthOut,
    EmailCodeSentOut,
    LoginIn,
    LogoutIn,
    MeOut,
    RefreshIn,
    RegisterIn,
    TelegramAuthOut,
    TelegramIn,
    TokensOut,
    UserOut,
    VerifyEmailIn,
)
from bookwell.deps import CacheDep, ClientDep, LimiterDep, SessionDep, SettingsDep
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, MessageOut, ok

router = APIRouter(prefix="/auth", tags=["auth"])


def _auth_out(signed_in: service.SignedIn) -> AuthOut:
    return AuthOut(
        user=UserOut.of(signed_in.user),
        tokens=TokensOut(
            access_token=signed_in.tokens.access_token,
            refresh_token=signed_in.tokens.refresh_token,
            expires_in=signed_in.tokens.expires_in,
        ),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Register a customer or specialist",
    responses=error_responses(400, 409, 429),
)
async def register(
    body: RegisterIn, session: SessionDep, settings: SettingsDep, client: ClientDep
) -> Envelope[AuthOut]:
    return ok(_auth_out(await service.register(session, settings, body, client)))


@router.post(
    "/login",
    summary="Sign in with email and password",
    description="Limited to 5 attempts per 15 minutes per client IP and email.",
    responses=error_responses(400, 401, 429),
)
async def login(
    body: LoginIn,
    session: SessionDep,
    settings: SettingsDep,
    client: ClientDep,
    limiter: LimiterDep,
) -> Envelope[AuthOut]:
    await limiter.enforce(limiter.rules.login, "login", client.ip or "unknown", body.email.lower())
    return ok(_auth_out(await service.login(session, settings, body, client)))


@router.post(
    "/telegram",
    summary="Sign in with Telegram (Login Widget or Mini App initData)",
    description=(
        "Send the Login Widget fields (`telegramId`, `firstName`, `lastName`, `username`, "
        "`photoUrl`, `authDate`, `hash`) or a Mini App's raw `initData`. The signature is "
        "checked against the bot token and must be younger than 24 hours. The first "
        "sign-in creates an account (`isNewUser: true`). With a Bearer token, the "
        "Telegram account is linked to the signed-in user instead."
    ),
    responses=error_responses(400, 401, 409, 503),
)
async def telegram(
    body: TelegramIn,
    session: SessionDep,
    settings: SettingsDep,
    client: ClientDep,
    signed_in: OptionalUserDep,
) -> Envelope[TelegramAuthOut]:
    result = await service.telegram_sign_in(
        session, settings, body, client, signed_in.user if signed_in else None
    )
    out = _auth_out(result)
    return ok(TelegramAuthOut(user=out.user, tokens=out.tokens, is_new_user=result.is_new_user))


@router.post(
    "/refresh",
    summary="Exchange a refresh token for a new token pair",
    description="The refresh token rotates: use the new one next time. Reusing an old one "
    "revokes the whole session.",
    responses=error_responses(400, 401),
)
async def refresh(
    body: RefreshIn, session: SessionDep, settings: SettingsDep
) -> Envelope[TokensOut]:
    tokens = await service.refresh(session, settings, body.refresh_token)
    return ok(
        TokensOut(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
        )
    )


@router.post(
    "/logout",
    summary="Sign out: revoke the session of the access token and/or refresh token",
    responses=error_responses(400, 401),
)
async def logout(
    session: SessionDep, signed_in: OptionalUserDep, body: LogoutIn | None = None
) -> Envelope[MessageOut]:
    await service.logout(
        session,
        session_id=signed_in.session_id if signed_in else None,
        refresh_token=body.refresh_token if body else None,
    )
    return ok(MessageOut(message="Signed out"))


@router.get("/me", summary="The signed-in user", responses=error_responses(401))
async def me(user: CurrentUserDep) -> Envelope[MeOut]:
    return ok(MeOut(user=UserOut.of(user.user)))


@router.post(
    "/verify-email/request",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a new code to the signed-in user's email",
    description=(
        "Registration already sends one. A 6-digit code goes to the account's email "
        "through the outbox; it works once, for EMAIL_CODE_TTL_MINUTES (30 by default), "
        "and replaces earlier codes. Limited per account (RATE_LIMIT_EMAIL_CODE, 5 per "
        "hour): 429. An account already verified, or without an email, is 422."
    ),
    responses=error_responses(401, 422, 429),
)
async def request_email_code(
    user: CurrentUserDep,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Envelope[EmailCodeSentOut]:
    await limiter.enforce(parse(settings.rate_limit_email_code), "email-code", str(user.id))
    expires_at = await verification.send_email_code(session, settings, user.user)
    return ok(EmailCodeSentOut(expires_at=expires_at))


@router.post(
    "/verify-email",
    summary="Verify the signed-in user's email with the code sent to it",
    description=(
        "Answers the user, now with `emailVerified: true`. Refusals are 400 with "
        '`details[0].field = "code"` and `details[0].code` one of `WRONG_CODE`, '
        "`TOO_MANY_ATTEMPTS` (5 wrong guesses kill a code), `CODE_EXPIRED`, `CODE_USED`, "
        "`NO_CODE`: after any but `WRONG_CODE`, ask for a new code. A specialist's "
        "one-person business waiting for this becomes active."
    ),
    responses=error_responses(400, 401, 422),
)
async def verify_email(
    body: VerifyEmailIn,
    user: CurrentUserDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
) -> Envelope[MeOut]:
    await verification.verify_email(session, settings, cache, user.user, body.code)
    return ok(MeOut(user=UserOut.of(user.user)))
