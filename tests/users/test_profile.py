"""GET and PUT /api/v1/users/profile through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import Account, assert_error, fields_of, register

PROFILE = "/api/v1/users/profile"


async def get_profile(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await client.get(PROFILE, headers=account.headers)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    data: dict[str, Any] = payload["data"]
    return data


async def put_profile(client: httpx.AsyncClient, account: Account, body: Any) -> httpx.Response:
    return await client.put(PROFILE, json=body, headers=account.headers)


async def updated(client: httpx.AsyncClient, account: Account, body: Any) -> dict[str, Any]:
    response = await put_profile(client, account, body)
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    data: dict[str, Any] = response.json()["data"]
    return data


# --- GET ---------------------------------------------------------------------


async def test_get_profile_returns_the_seed_shape(client: httpx.AsyncClient) -> None:
    account = await register(client, firstName="Jane", lastName="Doe")
    profile = await get_profile(client, account)
    expected_keys = {
        "id",
        "email",
        "firstName",
        "lastName",
        "phoneNumber",
        "avatar",
        "userType",
        "loyaltyPoints",
        "totalBookings",
        "memberSince",
        "preferences",
    }
    assert expected_keys <= set(profile)
    assert profile["id"] == account.id
    assert profile["email"] == account.email
    assert profile["firstName"] == "Jane"
    assert profile["lastName"] == "Doe"
    assert profile["phoneNumber"] == "+14155550100"
    assert profile["avatar"] is None
    assert profile["userType"] == "customer"
    assert profile["loyaltyPoints"] == 0
    assert profile["totalBookings"] == 0
    assert profile["memberSince"] == account.body["user"]["createdAt"]
    assert profile["memberSince"].endswith("Z")
    assert profile["preferences"] == {
        "language": "en",
        "currency": "USD",
        "notifications": {"email": True, "push": True, "telegram": True},
    }


async def test_get_profile_is_the_callers_own(client: httpx.AsyncClient) -> None:
    first = await register(client)
    second = await register(client, userType="specialist")
    assert (await get_profile(client, first))["id"] == first.id
    other = await get_profile(client, second)
    assert other["id"] == second.id
    assert other["userType"] == "specialist"


async def test_get_profile_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(PROFILE)
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_get_profile_with_bad_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(PROFILE, headers={"Authorization": "Bearer not.a.token"})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


async def test_get_profile_after_logout_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert response.status_code == 200, response.text
    assert_error(await client.get(PROFILE, headers=account.headers), 401, "AUTHENTICATION_REQUIRED")


# --- PUT: what changes ---------------------------------------------------------


async def test_put_changes_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    account = await register(client, firstName="Jane", lastName="Doe")
    before = await get_profile(client, account)

    data = await updated(client, account, {"lastName": "Smith"})
    assert data["lastName"] == "Smith"
    assert {k: v for k, v in data.items() if k != "lastName"} == {
        k: v for k, v in before.items() if k != "lastName"
    }
    # Persisted, not just echoed.
    assert await get_profile(client, account) == data


async def test_put_nested_preferences_change_only_what_is_sent(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    data = await updated(client, account, {"preferences": {"notifications": {"push": False}}})
    assert data["preferences"] == {
        "language": "en",
        "currency": "USD",
        "notifications": {"email": True, "push": False, "telegram": True},
    }
    data = await updated(client, account, {"preferences": {"language": "ru"}})
    assert data["preferences"] == {
        "language": "ru",
        "currency": "USD",
        "notifications": {"email": True, "push": False, "telegram": True},
    }
    data = await updated(
        client,
        account,
        {"preferences": {"currency": "EUR", "notifications": {"email": False, "telegram": False}}},
    )
    assert data["preferences"] == {
        "language": "ru",
        "currency": "EUR",
        "notifications": {"email": False, "push": False, "telegram": False},
    }
    assert (await get_profile(client, account))["preferences"] == data["preferences"]


async def test_put_several_fields_at_once(client: httpx.AsyncClient) -> None:
    account = await register(client)
    data = await updated(
        client,
        account,
        {
            "firstName": "  Aigerim ",
            "lastName": "Nurlanova",
            "phoneNumber": "+7 (701) 234-56-78",
            "preferences": {"language": "kk", "currency": "kzt"},
        },
    )
    assert data["firstName"] == "Aigerim"
    assert data["lastName"] == "Nurlanova"
    assert data["phoneNumber"] == "+77012345678"
    assert data["preferences"]["language"] == "kk"
    assert data["preferences"]["currency"] == "KZT"
    assert await get_profile(client, account) == data


async def test_put_empty_object_changes_nothing(client: httpx.AsyncClient) -> None:
    account = await register(client)
    before = await get_profile(client, account)
    assert await updated(client, account, {}) == before
    assert await updated(client, account, {"preferences": {}}) == before
    assert await updated(client, account, {"preferences": {"notifications": {}}}) == before


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
async def test_put_accepts_each_supported_language(
    client: httpx.AsyncClient, language: str
) -> None:
    account = await register(client)
    if language == "en":  # make the change visible
        await updated(client, account, {"preferences": {"language": "ru"}})
    data = await updated(client, account, {"preferences": {"language": language}})
    assert data["preferences"]["language"] == language
    assert (await get_profile(client, account))["preferences"]["language"] == language


@pytest.mark.parametrize(("sent", "stored"), [("kzt", "KZT"), ("Rub", "RUB"), ("EUR", "EUR")])
async def test_put_normalises_the_currency_to_upper_case(
    client: httpx.AsyncClient, sent: str, stored: str
) -> None:
    account = await register(client)
    data = await updated(client, account, {"preferences": {"currency": sent}})
    assert data["preferences"]["currency"] == stored
    assert (await get_profile(client, account))["preferences"]["currency"] == stored


async def test_put_phone_number_null_clears_it(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert (await get_profile(client, account))["phoneNumber"] == "+14155550100"
    data = await updated(client, account, {"phoneNumber": None})
    assert data["phoneNumber"] is None
    assert (await get_profile(client, account))["phoneNumber"] is None
    # A profile without a phone number is no longer complete.
    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["user"]["profileComplete"] is False


async def test_put_omitting_phone_number_keeps_it(client: httpx.AsyncClient) -> None:
    account = await register(client)
    data = await updated(client, account, {"firstName": "Other"})
    assert data["phoneNumber"] == "+14155550100"


# --- PUT: what is refused --------------------------------------------------------


async def test_put_unknown_language_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await put_profile(client, account, {"preferences": {"language": "de"}})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"preferences.language"}
    assert error["details"][0]["code"] == "INVALID_CHOICE"
    assert (await get_profile(client, account))["preferences"]["language"] == "en"


@pytest.mark.parametrize("currency", ["XYZ", "US", "USDT", "12$", ""])
async def test_put_unknown_currency_is_400(client: httpx.AsyncClient, currency: str) -> None:
    account = await register(client)
    response = await put_profile(client, account, {"preferences": {"currency": currency}})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"preferences.currency"}
    assert (await get_profile(client, account))["preferences"]["currency"] == "USD"


@pytest.mark.parametrize("phone", ["12345", "+0123456789", "call me", "+1415555010012345678"])
async def test_put_bad_phone_number_is_400(client: httpx.AsyncClient, phone: str) -> None:
    account = await register(client)
    response = await put_profile(client, account, {"phoneNumber": phone})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"phoneNumber"}
    assert (await get_profile(client, account))["phoneNumber"] == "+14155550100"


@pytest.mark.parametrize("field", ["firstName", "lastName"])
@pytest.mark.parametrize("value", [None, "", "   ", "x" * 101])
async def test_put_empty_or_overlong_name_is_400(
    client: httpx.AsyncClient, field: str, value: str | None
) -> None:
    account = await register(client, firstName="Jane", lastName="Doe")
    response = await put_profile(client, account, {field: value})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}
    profile = await get_profile(client, account)
    assert (profile["firstName"], profile["lastName"]) == ("Jane", "Doe")


async def test_put_refused_request_changes_nothing(client: httpx.AsyncClient) -> None:
    """firstName is applied before lastName is refused: the transaction must roll back."""
    account = await register(client, firstName="Jane", lastName="Doe")
    response = await put_profile(client, account, {"firstName": "Changed", "lastName": None})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"lastName"}
    assert (await get_profile(client, account))["firstName"] == "Jane"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "new@example.com"}, "email"),
        ({"userType": "super_admin"}, "userType"),
        ({"loyaltyPoints": 1000}, "loyaltyPoints"),
        ({"avatar": "http://evil.example/a.png"}, "avatar"),
        ({"preferences": {"theme": "dark"}}, "preferences.theme"),
        ({"preferences": {"notifications": {"sms": True}}}, "preferences.notifications.sms"),
    ],
)
async def test_put_unknown_field_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    account = await register(client)
    before = await get_profile(client, account)
    response = await put_profile(client, account, body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}
    assert error["details"][0]["code"] == "UNKNOWN_FIELD"
    assert await get_profile(client, account) == before


@pytest.mark.parametrize(
    "raw",
    [b'[{"firstName": "Jane"}]', b"[]", b'"firstName=Jane"', b"42", b"true", b"null"],
    ids=["list", "empty-list", "string", "number", "bool", "null"],
)
async def test_put_non_object_body_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    account = await register(client, firstName="Jane")
    response = await client.put(
        PROFILE, content=raw, headers={**account.headers, "Content-Type": "application/json"}
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"] == [
        {"field": "body", "message": "Expected a JSON object", "code": "MODEL_ATTRIBUTES_TYPE"}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": "en"},
        {"preferences": ["en"]},
        {"preferences": {"notifications": True}},
        {"preferences": {"notifications": {"email": "maybe"}}},
        {"firstName": 12},
    ],
)
async def test_put_wrongly_typed_value_is_400(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    account = await register(client)
    before = await get_profile(client, account)
    response = await put_profile(client, account, body)
    assert_error(response, 400, "VALIDATION_ERROR")
    assert await get_profile(client, account) == before


async def test_put_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.put(
        PROFILE,
        content=b'{"firstName": "Jane"',
        headers={**account.headers, "Content-Type": "application/json"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "MALFORMED_JSON"


async def test_put_without_body_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.put(PROFILE, headers=account.headers)
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_put_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.put(PROFILE, json={"firstName": "Jane"})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


async def test_put_with_a_revoked_session_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client, firstName="Jane")
    logout = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert logout.status_code == 200, logout.text
    response = await put_profile(client, account, {"firstName": "Mallory"})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
