"""Access token checks, seen through GET /api/v1/auth/me.

Every hand-made token starts from `claims_for(account)`, a claim set that is accepted
as is (see the control test), and changes one thing, so each 401 comes from one guard.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.models import User
from tests.conftest import JWT_SECRET
from tests.factories import Account, assert_error, register

ME = "/api/v1/auth/me"
ISSUER = "bookwell"
AUDIENCE = "bookwell-api"


# --- helpers -------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def b64url_decode_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def claims_for(account: Account, **changes: Any) -> dict[str, Any]:
    """A complete, valid claim set for the account's real session; a change of None
    drops that claim."""
    real = unverified_claims(account.access_token)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": real["sub"],
        "sid": real["sid"],
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(minutes=10),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def make_token(
    claims: dict[str, Any], *, secret: str = JWT_SECRET, algorithm: str = "HS256"
) -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me_with(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers=bearer(token))


def assert_unauthorized(response: httpx.Response, message_part: str | None = None) -> None:
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert response.headers.get("www-authenticate") == "Bearer"
    if message_part is not None:
        assert message_part in error["message"].lower(), error


def flip_char(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


# --- accepted tokens ---------------------------------------------------------------


async def test_a_valid_token_works(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await me_with(client, account.access_token)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["id"] == account.id
    claims = unverified_claims(account.access_token)
    assert claims["sub"] == account.id
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert jwt.get_unverified_header(account.access_token)["alg"] == "HS256"


async def test_a_hand_made_token_with_every_claim_works(client: httpx.AsyncClient) -> None:
    """The control for the tests below: their base claim set is accepted."""
    account = await register(client)
    response = await me_with(client, make_token(claims_for(account)))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["id"] == account.id


# --- tampering -------------------------------------------------------------------


@pytest.mark.parametrize("where", [0, 10, -2])
async def test_a_token_with_a_flipped_signature_character_is_401(
    client: httpx.AsyncClient, where: int
) -> None:
    account = await register(client)
    header, payload, signature = account.access_token.split(".")
    tampered = f"{header}.{payload}.{flip_char(signature, where % len(signature))}"
    assert tampered != account.access_token
    assert_unauthorized(await me_with(client, tampered), "invalid")
    # The untouched token still works: the 401 came from the flipped character.
    assert (await me_with(client, account.access_token)).status_code == 200


async def test_a_payload_with_a_changed_sub_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = await register(client)
    header, payload, signature = account.access_token.split(".")
    claims = b64url_decode_json(payload)
    claims["sub"] = other.id
    tampered = f"{header}.{b64url_json(claims)}.{signature}"
    assert_unauthorized(await me_with(client, tampered), "invalid")


async def test_a_payload_rewritten_to_another_users_session_is_401(
    client: httpx.AsyncClient,
) -> None:
    """Full impersonation: sub and sid of another user, the old signature kept."""
    account = await register(client)
    victim = await register(client)
    header, payload, signature = account.access_token.split(".")
    claims = b64url_decode_json(payload)
    victim_claims = unverified_claims(victim.access_token)
    claims["sub"] = victim_claims["sub"]
    claims["sid"] = victim_claims["sid"]
    tampered = f"{header}.{b64url_json(claims)}.{signature}"
    assert_unauthorized(await me_with(client, tampered), "invalid")


async def test_a_payload_with_a_pushed_back_expiry_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    header, payload, signature = account.access_token.split(".")
    claims = b64url_decode_json(payload)
    claims["exp"] = claims["exp"] + 365 * 24 * 3600
    tampered = f"{header}.{b64url_json(claims)}.{signature}"
    assert_unauthorized(await me_with(client, tampered), "invalid")


# --- expiry ----------------------------------------------------------------------


async def test_an_expired_token_is_401_and_says_so(client: httpx.AsyncClient) -> None:
    account = await register(client)
    now = datetime.now(UTC)
    token = make_token(
        claims_for(account, iat=now - timedelta(hours=2), exp=now - timedelta(hours=1))
    )
    assert_unauthorized(await me_with(client, token), "expired")


async def test_a_token_expired_a_minute_ago_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    now = datetime.now(UTC)
    token = make_token(
        claims_for(account, iat=now - timedelta(hours=1), exp=now - timedelta(minutes=1))
    )
    assert_unauthorized(await me_with(client, token), "expired")


# --- algorithms and keys ---------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_an_unsigned_alg_none_token_is_401(client: httpx.AsyncClient, alg: str) -> None:
    account = await register(client)
    claims = claims_for(account)
    payload = {
        **claims,
        "iat": int(claims["iat"].timestamp()),
        "exp": int(claims["exp"].timestamp()),
    }
    token = f"{b64url_json({'alg': alg, 'typ': 'JWT'})}.{b64url_json(payload)}."
    assert_unauthorized(await me_with(client, token), "invalid")


# The test secret is shorter than PyJWT recommends for HS512: that is not under test.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS512", "HS384"])
async def test_a_token_signed_with_another_hmac_algorithm_is_401(
    client: httpx.AsyncClient, algorithm: str
) -> None:
    account = await register(client)
    token = make_token(claims_for(account), algorithm=algorithm)
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    assert_unauthorized(await me_with(client, token), "invalid")


async def test_a_token_signed_with_another_secret_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    token = make_token(claims_for(account), secret="another-secret-" + "y" * 40)
    assert_unauthorized(await me_with(client, token), "invalid")


# --- claims ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "someone-else-api"),
        ("aud", ["someone-else-api"]),
        ("iss", "not-bookwell"),
        ("sub", "not-a-uuid"),
        ("sid", "not-a-uuid"),
    ],
)
async def test_a_token_with_a_wrong_claim_is_401(
    client: httpx.AsyncClient, claim: str, value: object
) -> None:
    account = await register(client)
    token = make_token(claims_for(account, **{claim: value}))
    assert_unauthorized(await me_with(client, token), "invalid")


@pytest.mark.parametrize("claim", ["sid", "jti", "exp", "iat", "sub", "iss", "aud"])
async def test_a_token_missing_a_required_claim_is_401(
    client: httpx.AsyncClient, claim: str
) -> None:
    account = await register(client)
    claims = claims_for(account, **{claim: None})
    assert claim not in claims
    token = make_token(claims)
    assert_unauthorized(await me_with(client, token), "invalid")


async def test_a_token_for_an_unknown_session_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    token = make_token(claims_for(account, sid=str(uuid.uuid4())))
    assert_unauthorized(await me_with(client, token), "session")


async def test_a_token_pairing_a_user_with_another_users_session_is_401(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    other = await register(client)
    other_sid = unverified_claims(other.access_token)["sid"]
    token = make_token(claims_for(account, sid=other_sid))
    assert_unauthorized(await me_with(client, token), "session")


# --- how the token is presented --------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Basic xxx",
        "Token {token}",
        "{token}",
        "Bearer",
        "Bearer ",
    ],
)
async def test_a_token_not_presented_as_bearer_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    account = await register(client)
    header = authorization.format(token=account.access_token)
    response = await client.get(ME, headers={"Authorization": header})
    assert_unauthorized(response)


async def test_garbage_bearer_tokens_are_401(client: httpx.AsyncClient) -> None:
    for token in ["x", "a.b.c", "a.b", ".."]:
        assert_unauthorized(await me_with(client, token))
    # Raw non-ASCII bytes in the header (httpx only encodes ASCII str headers itself).
    response = await client.get(ME, headers={"Authorization": "Bearer é.é.é".encode()})
    assert_unauthorized(response)


# --- sessions and accounts ---------------------------------------------------------


async def test_a_token_of_a_logged_out_session_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert (await me_with(client, account.access_token)).status_code == 200
    out = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert out.status_code == 200, out.text
    assert_unauthorized(await me_with(client, account.access_token), "session")
    # A fresh, correctly signed token for that ended session is refused too.
    assert_unauthorized(await me_with(client, make_token(claims_for(account))), "session")


async def test_logging_out_one_session_keeps_the_others(client: httpx.AsyncClient) -> None:
    account = await register(client)
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status_code == 200, login.text
    second = login.json()["data"]["tokens"]["accessToken"]
    out = await client.post("/api/v1/auth/logout", headers=bearer(second))
    assert out.status_code == 200, out.text
    assert_unauthorized(await me_with(client, second), "session")
    assert (await me_with(client, account.access_token)).status_code == 200


async def test_a_token_of_a_disabled_account_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    async with app.state.db.engine.begin() as connection:
        await connection.execute(
            update(User).where(User.id == uuid.UUID(account.id)).values(is_active=False)
        )
    assert_unauthorized(await me_with(client, account.access_token))
