"""Client tokens: what a guest earns by entering a one-time code.

They are signed like access tokens (same key, algorithm and issuer, auth/tokens.py)
but can never stand in for one, nor the other way round: their audience is
`<JWT_AUDIENCE>:client` (an access token's is `<JWT_AUDIENCE>`), they carry
`typ: "client"`, and they have no session id (`sid`), which access tokens require.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from bookwell.auth.tokens import ALGORITHM
from bookwell.config import Settings
from bookwell.errors import AuthenticationRequired
from bookwell.kit.clock import utcnow
from bookwell.models import Channel

CLIENT_TYP = "client"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud", "typ", "bid", "ch"]
_CHANNELS = {Channel.EMAIL.value: Channel.EMAIL, Channel.SMS.value: Channel.SMS}


@dataclass(frozen=True, slots=True)
class Contact:
    """A guest's email (channel email) or E.164 phone number (channel sms)."""

    channel: Channel
    destination: str

    @property
    def email(self) -> str | None:
        return self.destination if self.channel is Channel.EMAIL else None

    @property
    def phone(self) -> str | None:
        return self.destination if self.channel is Channel.SMS else None


@dataclass(frozen=True, slots=True)
class ClientClaims:
    business_id: uuid.UUID
    contact: Contact


def client_audience(settings: Settings) -> str:
    return f"{settings.jwt_audience}:client"


def issue_client_token(
    settings: Settings, business_id: uuid.UUID, contact: Contact
) -> tuple[str, datetime]:
    """A token naming the business and the verified contact, and when it expires."""
    now = utcnow()
    expires_at = now + timedelta(days=settings.client_token_ttl_days)
    claims = {
        "sub": contact.destination,
        "ch": contact.channel.value,
        "bid": str(business_id),
        "typ": CLIENT_TYP,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": expires_at,
        "iss": settings.jwt_issuer,
        "aud": client_audience(settings),
    }
    token = jwt.encode(claims, settings.signing_secret, algorithm=ALGORITHM)
    # The JWT keeps whole seconds: report the expiry the token really has.
    return token, expires_at.replace(microsecond=0)


def read_client_token(settings: Settings, token: str) -> ClientClaims:
    """Check signature, algorithm, expiry, issuer, audience and type; 401 on any failure."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_secret,
            algorithms=[ALGORITHM],
            audience=client_audience(settings),
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED_CLAIMS},
            leeway=5,
        )
        if claims["typ"] != CLIENT_TYP or not isinstance(claims["sub"], str):
            raise jwt.InvalidTokenError("not a client token")
        return ClientClaims(
            business_id=uuid.UUID(claims["bid"]),
            contact=Contact(channel=_CHANNELS[claims["ch"]], destination=claims["sub"]),
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationRequired(
            "The client token has expired; verify your email or phone again"
        ) from None
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError, AttributeError):
        raise AuthenticationRequired("The client token is invalid") from None
