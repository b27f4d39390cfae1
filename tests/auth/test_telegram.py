"""POST /api/v1/auth/telegram, and the pure Telegram signature checks behind it.

Payloads are signed here the way Telegram signs them:
- Login Widget: secret = SHA256(bot_token); hash = HMAC-SHA256 hex over the fields
  (Telegram's names) sorted by name as `key=value` lines joined by newlines.
- Mini App initData: secret = HMAC-SHA256(key=b"WebAppData", msg=bot_token); hash over
  every field but `hash`, sorted, as `key=value` lines; sent as a urlencoded query string
  whose `user` is a JSON object.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from bookwell.auth.telegram import verify_init_data, verify_login_widget
from bookwell.errors import AuthenticationRequired, ValidationFailed
from bookwell.models import User
from tests.conftest import BOT_TOKEN
from tests.factories import assert_error, fields_of, register

URL = "/api/v1/auth/telegram"
OTHER_BOT_TOKEN = "654321:ANOTHER-bot-token"
DAY = 24 * 60 * 60
# Published known-good vectors (aiogram's tests), kept beside this file.
VECTORS_PATH = Path(__file__).with_name("telegram-vectors.json")

# Login Widget body names (camelCase) for Telegram's own field names.
WIDGET_NAMES = {
    "id": "telegramId",
    "first_name": "firstName",
    "last_name": "lastName",
    "username": "username",
    "photo_url": "photoUrl",
    "auth_date": "authDate",
}


# --- signing helpers -----------------------------------------------------------


def _check_string(fields: Mapping[str, object]) -> bytes:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields)).encode()


def widget_hash(fields: Mapping[str, object], bot_token: str = BOT_TOKEN) -> str:
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, _check_string(fields), hashlib.sha256).hexdigest()


def init_data_hash(fields: Mapping[str, str], bot_token: str = BOT_TOKEN) -> str:
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, _check_string(fields), hashlib.sha256).hexdigest()


def widget_fields(
    telegram_id: int = 777000111,
    first_name: str = "Ivan",
    *,
    auth_date: int | None = None,
    **extra: object,
) -> dict[str, object]:
    """Telegram's field names, as the Login Widget hands them to the page."""
    fields: dict[str, object] = {
        "id": telegram_id,
        "first_name": first_name,
        "auth_date": int(time.time()) if auth_date is None else auth_date,
    }
    fields.update(extra)
    return fields


def widget_body(
    fields: Mapping[str, object] | None = None, *, bot_token: str = BOT_TOKEN
) -> dict[str, object]:
    """The JSON body for the API: camelCase names plus the hash Telegram would give."""
    fields = widget_fields() if fields is None else fields
    body: dict[str, object] = {WIDGET_NAMES[key]: value for key, value in fields.items()}
    body["hash"] = widget_hash(fields, bot_token)
    return body


def sign_init_data(fields: Mapping[str, str], bot_token: str = BOT_TOKEN) -> str:
    return urlencode({**fields, "hash": init_data_hash(fields, bot_token)})


def init_data_fields(
    user: Mapping[str, object] | None = None, *, auth_date: int | None = None
) -> dict[str, str]:
    user = {"id": 555000222, "first_name": "Olga"} if user is None else user
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }


def init_data(
    user: Mapping[str, object] | None = None,
    *,
    auth_date: int | None = None,
    bot_token: str = BOT_TOKEN,
) -> str:
    return sign_init_data(init_data_fields(user, auth_date=auth_date), bot_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def user_count(app: FastAPI) -> int:
    async with app.state.db.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(User))
    assert count is not None
    return int(count)


# --- published vectors (pure functions) ---------------------------------------


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    assert VECTORS_PATH.is_file(), f"Telegram test vectors are missing: {VECTORS_PATH}"
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data


NOW = datetime.now(UTC)


def test_signing_helpers_reproduce_the_published_hashes(vectors: dict[str, Any]) -> None:
    widget = vectors["login_widget"]
    assert widget_hash(widget["fields"], widget["bot_token"]) == widget["hash"]
    mini = vectors["mini_app_init_data"]
    for valid in mini["valid"]:
        fields = dict(parse_qsl(valid))
        published = fields.pop("hash")
        assert init_data_hash(fields, mini["bot_token"]) == published


def test_widget_vector_signature_is_valid(vectors: dict[str, Any]) -> None:
    widget = vectors["login_widget"]
    identity = verify_login_widget(
        widget["fields"],
        widget["hash"],
        bot_token=widget["bot_token"],
        now=NOW,
        max_age_seconds=None,
    )
    assert identity.telegram_id == 42
    assert identity.first_name == "John"
    assert identity.last_name == "Smith"
    assert identity.username == "username"
    assert identity.photo_url == "https://t.me/i/userpic/320/picname.jpg"
    assert identity.auth_date == 1565810688
    assert identity.language_code is None


def test_widget_vector_is_stale_with_a_max_age(vectors: dict[str, Any]) -> None:
    widget = vectors["login_widget"]
    with pytest.raises(AuthenticationRequired, match="expired"):
        verify_login_widget(
            widget["fields"],
            widget["hash"],
            bot_token=widget["bot_token"],
            now=NOW,
            max_age_seconds=DAY,
        )


def test_widget_vector_with_another_token_is_refused(vectors: dict[str, Any]) -> None:
    widget = vectors["login_widget"]
    with pytest.raises(AuthenticationRequired, match="signature"):
        verify_login_widget(
            widget["fields"],
            widget["hash"],
            bot_token=OTHER_BOT_TOKEN,
            now=NOW,
            max_age_seconds=None,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 43),
        ("first_name", "Johnny"),
        ("last_name", "Smyth"),
        ("username", "someone_else"),
        ("photo_url", "https://evil.example/pic.jpg"),
        ("auth_date", 1565810689),
    ],
)
def test_widget_vector_with_a_changed_field_is_refused(
    vectors: dict[str, Any], field: str, value: object
) -> None:
    widget = vectors["login_widget"]
    fields = {**widget["fields"], field: value}
    with pytest.raises(AuthenticationRequired, match="signature"):
        verify_login_widget(
            fields, widget["hash"], bot_token=widget["bot_token"], now=NOW, max_age_seconds=None
        )


def test_widget_vector_with_a_dropped_field_is_refused(vectors: dict[str, Any]) -> None:
    widget = vectors["login_widget"]
    fields = {k: v for k, v in widget["fields"].items() if k != "last_name"}
    with pytest.raises(AuthenticationRequired, match="signature"):
        verify_login_widget(
            fields, widget["hash"], bot_token=widget["bot_token"], now=NOW, max_age_seconds=None
        )


def test_init_data_vector_signature_is_valid(vectors: dict[str, Any]) -> None:
    mini = vectors["mini_app_init_data"]
    for valid in mini["valid"]:
        identity = verify_init_data(
            valid, bot_token=mini["bot_token"], now=NOW, max_age_seconds=None
        )
        assert identity.telegram_id == 42
        assert identity.first_name == "Test"
        assert identity.auth_date == 1650385342


def test_init_data_vector_is_stale_with_a_max_age(vectors: dict[str, Any]) -> None:
    mini = vectors["mini_app_init_data"]
    for valid in mini["valid"]:
        with pytest.raises(AuthenticationRequired, match="expired"):
            verify_init_data(valid, bot_token=mini["bot_token"], now=NOW, max_age_seconds=DAY)


def test_init_data_vector_with_another_token_is_refused(vectors: dict[str, Any]) -> None:
    mini = vectors["mini_app_init_data"]
    for valid in mini["valid"]:
        with pytest.raises(AuthenticationRequired, match="signature"):
            verify_init_data(
                valid,
                bot_token=mini["invalid_with_other_token"],
                now=NOW,
                max_age_seconds=None,
            )


def test_init_data_invalid_vectors_are_refused(vectors: dict[str, Any]) -> None:
    mini = vectors["mini_app_init_data"]
    assert mini["invalid"], "the vector file lists no invalid initData"
    for invalid in mini["invalid"]:
        with pytest.raises(AuthenticationRequired):
            verify_init_data(invalid, bot_token=mini["bot_token"], now=NOW, max_age_seconds=None)


def test_init_data_vector_with_a_changed_user_is_refused(vectors: dict[str, Any]) -> None:
    mini = vectors["mini_app_init_data"]
    forged = mini["valid"][0].replace("%3A42%2C", "%3A43%2C")
    assert forged != mini["valid"][0]
    with pytest.raises(AuthenticationRequired, match="signature"):
        verify_init_data(forged, bot_token=mini["bot_token"], now=NOW, max_age_seconds=None)


# --- freshness and parsing (pure functions, frozen clock) ----------------------

AUTH_DATE = 1_700_000_000


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (0, True),
        (DAY, True),
        (DAY + 1, False),
        (-60, True),  # a client clock a minute ahead of ours
        (-3600, False),  # an hour in the future
    ],
)
def test_freshness_window(offset: int, accepted: bool) -> None:
    fields = widget_fields(auth_date=AUTH_DATE)
    signed_widget = widget_hash(fields)
    signed_init = init_data(auth_date=AUTH_DATE)
    now = _at(AUTH_DATE + offset)
    if accepted:
        verify_login_widget(
            fields, signed_widget, bot_token=BOT_TOKEN, now=now, max_age_seconds=DAY
        )
        verify_init_data(signed_init, bot_token=BOT_TOKEN, now=now, max_age_seconds=DAY)
    else:
        with pytest.raises(AuthenticationRequired):
            verify_login_widget(
                fields, signed_widget, bot_token=BOT_TOKEN, now=now, max_age_seconds=DAY
            )
        with pytest.raises(AuthenticationRequired):
            verify_init_data(signed_init, bot_token=BOT_TOKEN, now=now, max_age_seconds=DAY)


def test_init_data_reads_the_user() -> None:
    signed = init_data(
        {
            "id": 99,
            "first_name": "Анна",
            "last_name": "K",
            "username": "anna",
            "photo_url": "https://t.me/i/userpic/320/anna.jpg",
            "language_code": "kk",
        },
        auth_date=AUTH_DATE,
    )
    identity = verify_init_data(
        signed, bot_token=BOT_TOKEN, now=_at(AUTH_DATE), max_age_seconds=DAY
    )
    assert identity.telegram_id == 99
    assert identity.first_name == "Анна"
    assert identity.last_name == "K"
    assert identity.username == "anna"
    assert identity.photo_url == "https://t.me/i/userpic/320/anna.jpg"
    assert identity.language_code == "kk"


def test_init_data_with_a_repeated_field_is_refused() -> None:
    signed = init_data(auth_date=AUTH_DATE)
    doubled = signed + "&user=" + "%7B%22id%22%3A1%7D"
    with pytest.raises(ValidationFailed):
        verify_init_data(doubled, bot_token=BOT_TOKEN, now=_at(AUTH_DATE), max_age_seconds=DAY)


def test_init_data_with_a_non_ascii_hash_is_refused_not_crashing() -> None:
    fields = init_data_fields(auth_date=AUTH_DATE)
    with pytest.raises(AuthenticationRequired):
        verify_init_data(
            urlencode({**fields, "hash": "é" * 64}),
            bot_token=BOT_TOKEN,
            now=_at(AUTH_DATE),
            max_age_seconds=DAY,
        )


# --- Login Widget through the API ----------------------------------------------


async def test_widget_first_sign_in_creates_the_user_then_finds_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    fields = widget_fields(
        telegram_id=777000111,
        first_name="Ivan",
        last_name="Petrov",
        username="ivanp",
        photo_url="https://t.me/i/userpic/320/ivanp.jpg",
    )
    before = await user_count(app)
    response = await client.post(URL, json=widget_body(fields))
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    data = payload["data"]
    assert set(data) == {"user", "tokens", "isNewUser"}
    assert data["isNewUser"] is True
    user = data["user"]
    assert user["telegramId"] == "777000111"
    assert user["telegramUsername"] == "ivanp"
    assert user["firstName"] == "Ivan"
    assert user["lastName"] == "Petrov"
    assert user["avatar"] == "https://t.me/i/userpic/320/ivanp.jpg"
    assert user["email"] is None
    assert user["userType"] == "customer"
    tokens = data["tokens"]
    assert set(tokens) == {"accessToken", "refreshToken", "expiresIn"}
    assert tokens["accessToken"].count(".") == 2
    assert tokens["refreshToken"]
    assert tokens["expiresIn"] == 3600
    assert await user_count(app) == before + 1

    me = await client.get("/api/v1/auth/me", headers=bearer(tokens["accessToken"]))
    assert me.status_code == 200, me.text
    assert me.json()["data"]["user"]["id"] == user["id"]

    again = await client.post(
        URL, json=widget_body(widget_fields(telegram_id=777000111, first_name="Ivan"))
    )
    assert again.status_code == 200, again.text
    second = again.json()["data"]
    assert second["isNewUser"] is False
    assert second["user"]["id"] == user["id"]
    assert second["tokens"]["accessToken"] != tokens["accessToken"]
    assert await user_count(app) == before + 1


async def test_widget_with_a_forged_hash_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = widget_body()
    body["hash"] = "0" * 64
    response = await client.post(URL, json=body)
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_widget_signed_with_another_bot_token_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post(URL, json=widget_body(bot_token=OTHER_BOT_TOKEN))
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "signature" in error["message"]
    assert await user_count(app) == 0


async def test_widget_older_than_a_day_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    stale = int(time.time()) - DAY - 3600
    response = await client.post(URL, json=widget_body(widget_fields(auth_date=stale)))
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "expired" in error["message"]
    assert await user_count(app) == 0


async def test_widget_from_the_future_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    future = int(time.time()) + DAY
    response = await client.post(URL, json=widget_body(widget_fields(auth_date=future)))
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "future" in error["message"]
    assert await user_count(app) == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("firstName", "Mallory"),
        ("telegramId", 1),
        ("username", "admin"),
        ("authDate", None),  # replaced by a fresh, different timestamp below
        ("lastName", "Added-after-signing"),
    ],
)
async def test_widget_changed_after_signing_is_401(
    app: FastAPI, client: httpx.AsyncClient, name: str, value: object
) -> None:
    signed_at = int(time.time()) - 60
    body = widget_body(widget_fields(auth_date=signed_at, username="ivanp"))
    body[name] = signed_at + 1 if value is None else value
    response = await client.post(URL, json=body)
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


@pytest.mark.parametrize("missing", ["hash", "authDate", "telegramId", "firstName"])
async def test_widget_missing_a_field_is_400(client: httpx.AsyncClient, missing: str) -> None:
    body = widget_body()
    del body[missing]
    response = await client.post(URL, json=body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert any(missing in detail["message"] for detail in error["details"]), error


@pytest.mark.parametrize("bad_hash", ["not-a-hash", "ab" * 31, "g" * 64])
async def test_widget_malformed_hash_is_400(client: httpx.AsyncClient, bad_hash: str) -> None:
    body = widget_body()
    body["hash"] = bad_hash
    response = await client.post(URL, json=body)
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_widget_with_an_unknown_field_is_400(client: httpx.AsyncClient) -> None:
    body = widget_body()
    body["isAdmin"] = True
    response = await client.post(URL, json=body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "isAdmin" in fields_of(error)


async def test_empty_body_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={})
    assert_error(response, 400, "VALIDATION_ERROR")


# --- Mini App initData through the API -----------------------------------------


async def test_init_data_creates_the_user_with_its_language(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = {
        "id": 555000222,
        "first_name": "Olga",
        "last_name": "Smirnova",
        "username": "olga_s",
        "language_code": "ru",
        "allows_write_to_pm": True,
    }
    response = await client.post(URL, json={"initData": init_data(user)})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {"user", "tokens", "isNewUser"}
    assert data["isNewUser"] is True
    assert data["user"]["telegramId"] == "555000222"
    assert data["user"]["telegramUsername"] == "olga_s"
    assert data["user"]["firstName"] == "Olga"
    assert data["user"]["lastName"] == "Smirnova"
    assert await user_count(app) == 1

    profile = await client.get(
        "/api/v1/users/profile", headers=bearer(data["tokens"]["accessToken"])
    )
    assert profile.status_code == 200, profile.text
    body = profile.json()["data"]
    assert body["id"] == data["user"]["id"]
    assert body["telegramId"] == "555000222"
    assert body["preferences"]["language"] == "ru"

    again = await client.post(URL, json={"initData": init_data(user)})
    assert again.status_code == 200, again.text
    assert again.json()["data"]["isNewUser"] is False
    assert again.json()["data"]["user"]["id"] == data["user"]["id"]
    assert await user_count(app) == 1


async def test_init_data_with_an_unsupported_language_falls_back_to_english(
    client: httpx.AsyncClient,
) -> None:
    signed = init_data({"id": 555000333, "first_name": "Hans", "language_code": "de"})
    response = await client.post(URL, json={"initData": signed})
    assert response.status_code == 200, response.text
    token = response.json()["data"]["tokens"]["accessToken"]
    profile = await client.get("/api/v1/users/profile", headers=bearer(token))
    assert profile.json()["data"]["preferences"]["language"] == "en"


async def test_init_data_with_a_forged_hash_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    fields = init_data_fields()
    forged = urlencode({**fields, "hash": "f" * 64})
    response = await client.post(URL, json={"initData": forged})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_init_data_with_a_changed_user_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    fields = init_data_fields({"id": 555000222, "first_name": "Olga"})
    signature = init_data_hash(fields)
    fields["user"] = json.dumps({"id": 1, "first_name": "Olga"}, separators=(",", ":"))
    response = await client.post(URL, json={"initData": urlencode({**fields, "hash": signature})})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_init_data_signed_with_another_bot_token_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post(URL, json={"initData": init_data(bot_token=OTHER_BOT_TOKEN)})
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "signature" in error["message"]
    assert await user_count(app) == 0


async def test_init_data_signed_the_login_widget_way_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The two schemes derive different secrets; one must not pass for the other."""
    fields = init_data_fields()
    signed = urlencode({**fields, "hash": widget_hash(fields)})
    response = await client.post(URL, json={"initData": signed})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_init_data_older_than_a_day_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    stale = int(time.time()) - DAY - 3600
    response = await client.post(URL, json={"initData": init_data(auth_date=stale)})
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "expired" in error["message"]
    assert await user_count(app) == 0


async def test_init_data_from_the_future_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    future = int(time.time()) + DAY
    response = await client.post(URL, json={"initData": init_data(auth_date=future)})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_init_data_without_a_hash_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"initData": urlencode(init_data_fields())})
    error = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert "no hash" in error["message"]
    assert await user_count(app) == 0


async def test_init_data_with_a_non_ascii_hash_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        URL, json={"initData": urlencode({**init_data_fields(), "hash": "ü" * 64})}
    )
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_init_data_without_a_user_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    fields = {"query_id": "AAH", "auth_date": str(int(time.time()))}
    response = await client.post(URL, json={"initData": sign_init_data(fields)})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"initData"}
    assert await user_count(app) == 0


@pytest.mark.parametrize("user", ["42", "[1, 2]", "{}", '{"id": "abc"}', "not json"])
async def test_init_data_with_a_user_without_an_id_is_400(
    app: FastAPI, client: httpx.AsyncClient, user: str
) -> None:
    fields = {"user": user, "auth_date": str(int(time.time()))}
    response = await client.post(URL, json={"initData": sign_init_data(fields)})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert all(field.startswith("initData") for field in fields_of(error))
    assert await user_count(app) == 0


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ({"id": 2**70, "first_name": "Big"}, "initData.user.id"),
        ({"id": -5, "first_name": "Negative"}, "initData.user.id"),
        ({"id": True, "first_name": "Bool"}, "initData.user.id"),
        ({"id": 555000223, "first_name": "Olga", "last_name": {"a": 1}}, "initData.user.last_name"),
        ({"id": 555000223, "first_name": "Olga", "username": ["x"]}, "initData.user.username"),
        ({"id": 555000223, "first_name": 12}, "initData.user.first_name"),
        (
            {"id": 555000223, "first_name": "Olga", "photo_url": "javascript:alert(1)"},
            "initData.user.photo_url",
        ),
        ({"id": 555000223, "first_name": "Ol\u0000ga"}, "initData.user.first_name"),
    ],
)
async def test_signed_init_data_with_malformed_user_fields_is_400(
    app: FastAPI, client: httpx.AsyncClient, user: dict[str, object], field: str
) -> None:
    """A valid signature proves who sent the data, not that its fields are sane."""
    response = await client.post(URL, json={"initData": init_data(user)})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}
    assert await user_count(app) == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"id": 2**70}, "telegramId"),
        ({"photo_url": "file:///etc/passwd"}, "photoUrl"),
        ({"last_name": "Iv\u0007an"}, "lastName"),
    ],
)
async def test_signed_widget_with_malformed_fields_is_400(
    app: FastAPI, client: httpx.AsyncClient, extra: dict[str, object], field: str
) -> None:
    fields = {**widget_fields(), **extra}
    response = await client.post(URL, json=widget_body(fields))
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in fields_of(error)
    assert await user_count(app) == 0


async def test_init_data_repeating_a_field_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    signed = init_data({"id": 555000222, "first_name": "Olga"})
    doubled = signed + "&user=" + "%7B%22id%22%3A1%2C%22first_name%22%3A%22X%22%7D"
    response = await client.post(URL, json={"initData": doubled})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"initData"}
    assert await user_count(app) == 0


# --- linking a signed-in account ------------------------------------------------


async def test_signed_in_user_links_telegram_without_a_new_user(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    before = await user_count(app)
    fields = widget_fields(telegram_id=888000111, first_name="Someone", username="linked_me")
    response = await client.post(URL, json=widget_body(fields), headers=account.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["isNewUser"] is False
    assert data["user"]["id"] == account.id
    assert data["user"]["email"] == account.email
    # The account keeps its own name: the Telegram name does not overwrite it.
    assert data["user"]["firstName"] == "Test"
    assert data["user"]["telegramId"] == "888000111"
    assert await user_count(app) == before

    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["user"]["telegramId"] == "888000111"
    assert me.json()["data"]["user"]["telegramUsername"] == "linked_me"

    # Signing in with Telegram now (no Bearer) reaches the same account.
    again = await client.post(
        URL, json=widget_body(widget_fields(telegram_id=888000111, first_name="Someone"))
    )
    assert again.status_code == 200, again.text
    assert again.json()["data"]["user"]["id"] == account.id
    assert again.json()["data"]["isNewUser"] is False
    assert await user_count(app) == before


async def test_signed_in_user_links_telegram_with_init_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    before = await user_count(app)
    signed = init_data({"id": 888000222, "first_name": "Mini"})
    response = await client.post(URL, json={"initData": signed}, headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["id"] == account.id
    assert response.json()["data"]["isNewUser"] is False
    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert me.json()["data"]["user"]["telegramId"] == "888000222"
    assert await user_count(app) == before


async def test_linking_a_telegram_account_of_another_user_is_409(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await client.post(URL, json=widget_body(widget_fields(telegram_id=999000111)))
    assert owner.status_code == 200, owner.text
    owner_id = owner.json()["data"]["user"]["id"]
    account = await register(client)
    before = await user_count(app)

    response = await client.post(
        URL, json=widget_body(widget_fields(telegram_id=999000111)), headers=account.headers
    )
    error = assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert fields_of(error) == {"telegramId"}
    assert await user_count(app) == before

    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert me.json()["data"]["user"]["telegramId"] is None
    still_owner = await client.post(URL, json=widget_body(widget_fields(telegram_id=999000111)))
    assert still_owner.json()["data"]["user"]["id"] == owner_id


async def test_a_bad_bearer_token_is_401_not_a_new_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post(URL, json=widget_body(), headers=bearer("not.a.token"))
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == 0


async def test_a_logged_out_bearer_cannot_link(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await register(client)
    out = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert out.status_code == 200, out.text
    before = await user_count(app)
    response = await client.post(URL, json=widget_body(), headers=account.headers)
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert await user_count(app) == before


# --- not configured ------------------------------------------------------------


async def test_without_a_bot_token_telegram_sign_in_is_503(app_factory: Any) -> None:
    app = await app_factory(telegram_bot_token=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        widget = await http.post(URL, json=widget_body())
        assert_error(widget, 503, "SERVICE_UNAVAILABLE")
        mini = await http.post(URL, json={"initData": init_data()})
        assert_error(mini, 503, "SERVICE_UNAVAILABLE")
    assert await user_count(app) == 0
