"""Register, login, refresh, logout and /auth/me through the API."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, assert_error, fields_of, register, registration


async def test_register_returns_the_seed_shape(client: httpx.AsyncClient) -> None:
    body = registration(email="Jane.Doe@Example.com")
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201
    payload = response.json()
    assert payload["success"] is True
    user = payload["data"]["user"]
    assert user["email"] == "jane.doe@example.com"
    assert user["firstName"] == "Test"
    assert user["userType"] == "customer"
    assert user["profileComplete"] is True
    assert user["loyaltyPoints"] == 0
    tokens = payload["data"]["tokens"]
    assert tokens["expiresIn"] == 3600
    assert tokens["accessToken"].count(".") == 2
    assert tokens["refreshToken"]


async def test_register_duplicate_email_is_409(client: httpx.AsyncClient) -> None:
    await register(client, email="dup@example.com")
    response = await client.post(
        "/api/v1/auth/register", json=registration(email="DUP@example.com")
    )
    error = assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert fields_of(error) == {"email"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"password": "password123"}, "password"),
        ({"firstName": ""}, "firstName"),
        ({"userType": "super_admin"}, "userType"),
        ({"phoneNumber": "12345"}, "phoneNumber"),
        ({"unknownField": 1}, "unknownField"),
        ({"telegramId": "123456"}, "telegramId"),
    ],
)
async def test_register_rejects_bad_fields_with_400(
    client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    response = await client.post("/api/v1/auth/register", json=registration(**change))
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in fields_of(error)


async def test_register_missing_fields_names_each(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/register", json={"email": "a@example.com"})
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert {"password", "firstName", "lastName"} <= fields_of(error)
    assert all(d["code"] == "REQUIRED" for d in error["details"])


async def test_login_and_me(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        "/api/v1/auth/login",
        json={
            "email": account.email.upper(),
            "password": DEFAULT_PASSWORD,
            "platform": "telegram_bot",
        },
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["user"]["id"] == account.id
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {data['tokens']['accessToken']}"}
    )
    assert me.status_code == 200
    assert me.json()["data"]["user"]["email"] == account.email


async def test_login_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": "Wrong-pass-123"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "Wrong-pass-123"}
    )
    assert (
        assert_error(wrong, 401, "AUTHENTICATION_REQUIRED")["message"]
        == assert_error(unknown, 401, "AUTHENTICATION_REQUIRED")["message"]
    )


async def test_login_rejects_unknown_platform(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "a@example.com", "password": "x", "platform": "fax"},
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"platform"}


async def test_me_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_refresh_rotates_the_token(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        "/api/v1/auth/refresh", json={"refreshToken": account.refresh_token}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["refreshToken"] != account.refresh_token
    assert data["expiresIn"] == 3600
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {data['accessToken']}"}
    )
    assert me.status_code == 200
    again = await client.post("/api/v1/auth/refresh", json={"refreshToken": data["refreshToken"]})
    assert again.status_code == 200


async def test_refresh_reuse_revokes_the_whole_family(client: httpx.AsyncClient) -> None:
    account = await register(client)
    first = await client.post("/api/v1/auth/refresh", json={"refreshToken": account.refresh_token})
    newest = first.json()["data"]
    # The old token comes back: someone else holds a copy.
    reused = await client.post("/api/v1/auth/refresh", json={"refreshToken": account.refresh_token})
    assert_error(reused, 401, "AUTHENTICATION_REQUIRED")
    # Every token of that sign-in is dead now: the newest refresh and access tokens too.
    newest_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refreshToken": newest["refreshToken"]}
    )
    assert_error(newest_refresh, 401, "AUTHENTICATION_REQUIRED")
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {newest['accessToken']}"}
    )
    assert_error(me, 401, "AUTHENTICATION_REQUIRED")
    # Another sign-in of the same user is untouched.
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status_code == 200


async def test_refresh_with_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refreshToken": "rt_nope"})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        "/api/v1/auth/logout", headers=account.headers, json={"refreshToken": account.refresh_token}
    )
    assert response.status_code == 200
    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert_error(me, 401, "AUTHENTICATION_REQUIRED")
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refreshToken": account.refresh_token}
    )
    assert_error(refreshed, 401, "AUTHENTICATION_REQUIRED")


async def test_logout_with_refresh_token_only(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        "/api/v1/auth/logout", json={"refreshToken": account.refresh_token}
    )
    assert response.status_code == 200
    me = await client.get("/api/v1/auth/me", headers=account.headers)
    assert_error(me, 401, "AUTHENTICATION_REQUIRED")


async def test_logout_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/api/v1/auth/logout"), 401, "AUTHENTICATION_REQUIRED")
