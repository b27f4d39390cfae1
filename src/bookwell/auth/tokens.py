"""Access tokens: HS256 JWTs with exp, iat, sub, jti, iss, aud and the session id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from bookwell.config import Settings
from bookwell.errors import AuthenticationRequired
from bookwell.kit.clock import utcnow

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud", "sid"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str


def issue_access_token(settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_seconds),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    return jwt.encode(claims, settings.signing_secret, algorithm=ALGORITHM)


def read_access_token(settings: Settings, token: str) -> AccessClaims:
    """Check signature, algorithm, expiry, issuer and audience; 401 on any failure."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED_CLAIMS},
            leeway=5,
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            token_id=str(claims["jti"]),
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationRequired("The access token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise AuthenticationRequired("The access token is invalid") from None
