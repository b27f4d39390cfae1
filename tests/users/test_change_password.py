"""PUT /api/v1/users/change-password: the new password works, other sessions end."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import Account, assert_error, fields_of, register

CHANGE = "/api/v1/users/change-password"
NEW_PASSWORD = "N3w-and-quite-different"


async def change(client: httpx.AsyncClient, account: Account, body: Any) -> httpx.Response:
    return await client.put(CHANGE, json=body, headers=account.headers)


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def second_session(client: httpx.AsyncClient, account: Account) -> Account:
    """The same user signed in again (another device)."""
    response = await login(client, account.email, account.password)
    assert response.status_code == 200, response.text
    tokens = response.json()["data"]["tokens"]
    return Account(
        id=account.id,
        email=account.email,
        password=account.password,
        access_token=tokens["accessToken"],
        refresh_token=tokens["refreshToken"],
        body=response.json()["data"],
    )


async def me_status(client: httpx.AsyncClient, account: Account) -> int:
    return (await client.get("/api/v1/auth/me", headers=account.headers)).status_code


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refreshToken": refresh_token})


async def test_change_password_success(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await change(
        client, account, {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    assert payload["data"]["message"]

    assert_error(
        await login(client, account.email, account.password), 401, "AUTHENTICATION_REQUIRED"
    )
    signed_in = await login(client, account.email, NEW_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["data"]["user"]["id"] == account.id


async def test_other_sessions_end_and_the_callers_goes_on(client: httpx.AsyncClient) -> None:
    caller = await register(client)
    other = await second_session(client, caller)
    assert await me_status(client, other) == 200

    response = await change(
        client, caller, {"currentPassword": caller.password, "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text

    # The other device is signed out: its access token and its refresh token.
    assert_error(
        await client.get("/api/v1/auth/me", headers=other.headers), 401, "AUTHENTICATION_REQUIRED"
    )
    assert_error(await refresh(client, other.refresh_token), 401, "AUTHENTICATION_REQUIRED")
    assert_error(
        await client.get("/api/v1/users/profile", headers=other.headers),
        401,
        "AUTHENTICATION_REQUIRED",
    )

    # The caller's own session goes on, and its refresh token still works.
    assert await me_status(client, caller) == 200
    refreshed = await refresh(client, caller.refresh_token)
    assert refreshed.status_code == 200, refreshed.text
    new_access = refreshed.json()["data"]["accessToken"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new_access}"})
    assert me.status_code == 200, me.text


async def test_other_users_sessions_are_untouched(client: httpx.AsyncClient) -> None:
    caller = await register(client)
    bystander = await register(client)
    response = await change(
        client, caller, {"currentPassword": caller.password, "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert await me_status(client, bystander) == 200
    assert (await refresh(client, bystander.refresh_token)).status_code == 200
    assert (await login(client, bystander.email, bystander.password)).status_code == 200


async def test_wrong_current_password_is_400_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    other = await second_session(client, account)
    response = await change(
        client, account, {"currentPassword": "Wr0ng-password!", "newPassword": NEW_PASSWORD}
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("currentPassword", "INCORRECT")]
    # Nothing happened: the old password works, the new one does not, sessions live.
    assert await me_status(client, other) == 200
    assert_error(await login(client, account.email, NEW_PASSWORD), 401, "AUTHENTICATION_REQUIRED")
    assert (await login(client, account.email, account.password)).status_code == 200


@pytest.mark.parametrize(
    "new_password",
    ["short1", "onlyletters", "1234567890123", "password123", "x" * 120 + "1" * 9],
    ids=["too-short", "no-digit", "no-letter", "common", "too-long"],
)
async def test_weak_new_password_is_400(client: httpx.AsyncClient, new_password: str) -> None:
    account = await register(client)
    response = await change(
        client, account, {"currentPassword": account.password, "newPassword": new_password}
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("newPassword", "WEAK_PASSWORD")]
    assert (await login(client, account.email, account.password)).status_code == 200


async def test_new_password_equal_to_the_email_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client, email="pw4me@example.com")
    response = await change(
        client, account, {"currentPassword": account.password, "newPassword": "PW4me@example.com"}
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("newPassword", "WEAK_PASSWORD")]


async def test_same_password_as_current_is_400(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = await second_session(client, account)
    response = await change(
        client, account, {"currentPassword": account.password, "newPassword": account.password}
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("newPassword", "UNCHANGED")]
    # Not treated as a change: the other session is still signed in.
    assert await me_status(client, other) == 200


@pytest.mark.parametrize(
    "body",
    [{"newPassword": NEW_PASSWORD}, {"currentPassword": "", "newPassword": NEW_PASSWORD}],
    ids=["missing", "empty"],
)
async def test_missing_current_password_is_400(
    client: httpx.AsyncClient, body: dict[str, str]
) -> None:
    account = await register(client)
    other = await second_session(client, account)
    response = await change(client, account, body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("currentPassword", "REQUIRED")]
    assert await me_status(client, other) == 200
    assert (await login(client, account.email, account.password)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currentPassword": "x"}, "newPassword"),
        ({"currentPassword": "x", "newPassword": ""}, "newPassword"),
        ({"currentPassword": "x", "newPassword": 12345678}, "newPassword"),
        ({"currentPassword": "x", "newPassword": NEW_PASSWORD, "userId": "1"}, "userId"),
    ],
    ids=["missing-new", "empty-new", "number-new", "unknown-field"],
)
async def test_malformed_body_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    account = await register(client)
    response = await change(client, account, body)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in fields_of(error)


@pytest.mark.parametrize("raw", [b"[]", b'"secret"', b"null", b""])
async def test_non_object_body_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    account = await register(client)
    response = await client.put(
        CHANGE, content=raw, headers={**account.headers, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_without_token_is_401(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.put(
        CHANGE, json={"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    )
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert (await login(client, account.email, account.password)).status_code == 200


async def test_a_signed_out_session_cannot_change_the_password(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    other = await second_session(client, account)
    logout = await client.post("/api/v1/auth/logout", headers=other.headers)
    assert logout.status_code == 200, logout.text
    response = await change(
        client, other, {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    )
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert (await login(client, account.email, account.password)).status_code == 200


async def test_an_ended_session_cannot_change_it_back(client: httpx.AsyncClient) -> None:
    """A thief's session ended by the owner's password change cannot undo it."""
    owner = await register(client)
    thief = await second_session(client, owner)
    first = await change(
        client, owner, {"currentPassword": owner.password, "newPassword": NEW_PASSWORD}
    )
    assert first.status_code == 200, first.text
    response = await change(
        client, thief, {"currentPassword": NEW_PASSWORD, "newPassword": "Th1ef-takes-over"}
    )
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert (await login(client, owner.email, NEW_PASSWORD)).status_code == 200


async def test_password_can_be_changed_twice_in_a_row(client: httpx.AsyncClient) -> None:
    account = await register(client)
    first = await change(
        client, account, {"currentPassword": account.password, "newPassword": NEW_PASSWORD}
    )
    assert first.status_code == 200, first.text
    # The old password is no longer the current one.
    stale = await change(
        client, account, {"currentPassword": account.password, "newPassword": "Th1rd-password!"}
    )
    assert fields_of(assert_error(stale, 400, "VALIDATION_ERROR")) == {"currentPassword"}
    second = await change(
        client, account, {"currentPassword": NEW_PASSWORD, "newPassword": "Th1rd-password!"}
    )
    assert second.status_code == 200, second.text
    assert (await login(client, account.email, "Th1rd-password!")).status_code == 200


async def test_password_with_surrounding_spaces_logs_in_as_typed(
    client: httpx.AsyncClient,
) -> None:
    """Passwords are never trimmed: spaces at either end are part of them."""
    account = await register(client)
    padded_current = await change(
        client, account, {"currentPassword": f" {account.password} ", "newPassword": "x"}
    )
    assert fields_of(assert_error(padded_current, 400, "VALIDATION_ERROR")) == {"currentPassword"}
    padded = "  Sp4ce-padded secret  "
    response = await change(
        client, account, {"currentPassword": account.password, "newPassword": padded}
    )
    assert response.status_code == 200, response.text
    assert (await login(client, account.email, padded)).status_code == 200
    assert (await login(client, account.email, padded.strip())).status_code == 401
