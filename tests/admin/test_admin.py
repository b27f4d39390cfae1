"""The super admin: tenant decisions, statistics, the platform audit log."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from bookwell.kit.cache import CATALOG, Cache
from tests.businesses.factories import (
    active_business,
    add_master,
    add_service,
    admin_headers,
    create_business,
)
from tests.factories import assert_error, fields_of, register

TENANTS = "/api/v1/admin/tenants"


async def test_pending_queue_and_approval(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await admin_headers(app, client)
    owner = await register(client, verified=True, firstName="Olga")
    first = await create_business(client, owner.headers)
    second = await create_business(client, owner.headers)
    pending = await client.get(f"{TENANTS}?status=pending", headers=admin)
    assert pending.status_code == 200, pending.text
    assert [t["id"] for t in pending.json()["data"]] == [first["id"], second["id"]]
    assert pending.json()["data"][0]["owners"] == [
        {
            "id": owner.id,
            "email": owner.email,
            "firstName": "Olga",
            "lastName": owner.body["user"]["lastName"],
        }
    ]
    assert pending.json()["pagination"]["totalItems"] == 2

    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)
    approved = await client.put(f"{TENANTS}/{first['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["status"] == "active"
    assert approved.json()["data"]["decidedAt"] is not None
    assert await cache.version(CATALOG) == version + 1

    assert [
        t["id"]
        for t in (await client.get(f"{TENANTS}?status=pending", headers=admin)).json()["data"]
    ] == [second["id"]]
    assert [
        t["id"]
        for t in (await client.get(f"{TENANTS}?status=active", headers=admin)).json()["data"]
    ] == [first["id"]]
    paged = await client.get(f"{TENANTS}?limit=1&page=2", headers=admin)
    assert [t["id"] for t in paged.json()["data"]] == [second["id"]]
    assert paged.json()["pagination"]["totalPages"] == 2
    bad = await client.get(f"{TENANTS}?status=sleeping", headers=admin)
    assert fields_of(assert_error(bad, 400, "VALIDATION_ERROR")) == {"status"}


async def test_rejection_needs_a_reason_that_the_owner_sees(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await admin_headers(app, client)
    owner = await register(client, verified=True)
    business = await create_business(client, owner.headers)
    url = f"{TENANTS}/{business['id']}/reject"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}):
        response = await client.put(url, json=body, headers=admin)
        assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"reason"}
    assert_error(await client.put(url, headers=admin), 400, "VALIDATION_ERROR")
    rejected = await client.put(url, json={"reason": "Not a real business"}, headers=admin)
    assert rejected.json()["data"]["status"] == "rejected"
    seen = (await client.get(f"/api/v1/businesses/{business['id']}", headers=owner.headers)).json()
    assert (seen["data"]["status"], seen["data"]["rejectionReason"]) == (
        "rejected",
        "Not a real business",
    )
    again = await client.put(url, json={"reason": "twice"}, headers=admin)
    assert_error(again, 422, "BUSINESS_RULE_VIOLATION")
    # An admin may change their mind: approving clears the reason.
    approved = await client.put(f"{TENANTS}/{business['id']}/approve", headers=admin)
    assert (approved.json()["data"]["status"], approved.json()["data"]["rejectionReason"]) == (
        "active",
        None,
    )


@pytest.mark.parametrize(
    ("path", "from_status", "message"),
    [
        (
            "approve",
            "active",
            "An active business cannot be approved; only pending or rejected businesses can be",
        ),
        (
            "reject",
            "active",
            "An active business cannot be rejected; only pending businesses can be",
        ),
        (
            "reactivate",
            "active",
            "An active business cannot be reactivated; only suspended businesses can be",
        ),
        (
            "suspend",
            "pending",
            "A pending business cannot be suspended; only active businesses can be",
        ),
        (
            "reactivate",
            "pending",
            "A pending business cannot be reactivated; only suspended businesses can be",
        ),
        (
            "suspend",
            "suspended",
            "A suspended business cannot be suspended; only active businesses can be",
        ),
        (
            "approve",
            "suspended",
            "A suspended business cannot be approved; only pending or rejected businesses can be",
        ),
    ],
)
async def test_illegal_transitions_are_422(
    app: FastAPI, client: httpx.AsyncClient, path: str, from_status: str, message: str
) -> None:
    admin = await admin_headers(app, client)
    owner = await register(client, verified=True)
    business = await create_business(client, owner.headers)
    url = f"{TENANTS}/{business['id']}"
    if from_status in {"active", "suspended"}:
        assert (await client.put(f"{url}/approve", headers=admin)).status_code == 200
    if from_status == "suspended":
        assert (await client.put(f"{url}/suspend", headers=admin)).status_code == 200
    response = await client.put(f"{url}/{path}", json={"reason": "because"}, headers=admin)
    assert assert_error(response, 422, "BUSINESS_RULE_VIOLATION")["message"] == message
    status = (await client.get(f"/api/v1/businesses/{business['id']}", headers=admin)).json()
    assert status["data"]["status"] == from_status


async def test_suspend_and_reactivate(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    url = f"{TENANTS}/{tenant.id}"
    suspended = await client.put(
        f"{url}/suspend", json={"reason": "Complaints"}, headers=tenant.admin
    )
    assert (suspended.json()["data"]["status"], suspended.json()["data"]["rejectionReason"]) == (
        "suspended",
        "Complaints",
    )
    without_body = await active_business(app, client)
    assert (
        await client.put(f"{TENANTS}/{without_body.id}/suspend", headers=tenant.admin)
    ).status_code == 200
    back = await client.put(f"{url}/reactivate", headers=tenant.admin)
    assert back.json()["data"]["status"] == "active"


async def test_admin_routes_are_the_super_admins(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    routes = [
        ("GET", TENANTS),
        ("PUT", f"{TENANTS}/{tenant.id}/approve"),
        ("PUT", f"{TENANTS}/{tenant.id}/reject"),
        ("PUT", f"{TENANTS}/{tenant.id}/suspend"),
        ("PUT", f"{TENANTS}/{tenant.id}/reactivate"),
        ("GET", "/api/v1/admin/statistics"),
        ("GET", "/api/v1/admin/audit-log"),
    ]
    specialist = await register(client, userType="specialist")
    for method, url in routes:
        body = {"reason": "r"} if url.endswith("reject") else None
        assert_error(await client.request(method, url, json=body), 401, "AUTHENTICATION_REQUIRED")
        for headers in (tenant.owner.headers, specialist.headers):
            response = await client.request(method, url, json=body, headers=headers)
            assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")
    missing = await client.put(
        f"{TENANTS}/00000000-0000-4000-8000-000000000000/approve", headers=tenant.admin
    )
    assert_error(missing, 404, "RESOURCE_NOT_FOUND")
    assert_error(
        await client.put(f"{TENANTS}/nope/approve", headers=tenant.admin), 400, "VALIDATION_ERROR"
    )


async def test_statistics_count_what_exists(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await admin_headers(app, client)
    url = "/api/v1/admin/statistics"
    empty = (await client.get(url, headers=admin)).json()["data"]
    assert empty["tenants"] == {
        "pending": 0,
        "active": 0,
        "rejected": 0,
        "suspended": 0,
        "total": 0,
    }
    assert empty["users"] == {"customer": 0, "specialist": 0, "superAdmin": 1, "total": 1}
    assert empty["services"] == {"total": 0, "active": 0}
    assert empty["bookings"] is None
    assert "later issue" in empty["note"]

    # Registering a specialist may set up their own business: count from here on.
    specialist = await register(client, userType="specialist")
    before = (await client.get(url, headers=admin)).json()["data"]
    assert before["users"]["specialist"] == 1

    tenant = await active_business(app, client)  # one more customer (the owner)
    await create_business(client, tenant.owner.headers)  # pending
    rejected = await create_business(client, tenant.owner.headers)
    await client.put(f"{TENANTS}/{rejected['id']}/reject", json={"reason": "No"}, headers=admin)
    master_id = await add_master(app, tenant.id, specialist.id)
    await add_master(app, tenant.id, (await register(client)).id, is_active=False)
    await add_service(app, tenant.id, [master_id])
    await add_service(app, tenant.id, is_active=False)
    await add_service(app, tenant.id)

    stats = (await client.get(url, headers=admin)).json()["data"]

    def grown(section: str) -> dict[str, int]:
        return {k: stats[section][k] - before[section][k] for k in stats[section]}

    assert grown("tenants") == {
        "pending": 1,
        "active": 1,
        "rejected": 1,
        "suspended": 0,
        "total": 3,
    }
    assert grown("users") == {"customer": 2, "specialist": 0, "superAdmin": 0, "total": 2}
    assert grown("services") == {"total": 3, "active": 2}
    assert grown("masters") == {"total": 2, "active": 1}
    assert stats["bookings"] is None


async def test_platform_audit_log_filters(app: FastAPI, client: httpx.AsyncClient) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    await client.put(f"{TENANTS}/{b.id}/suspend", headers=a.admin)
    url = "/api/v1/admin/audit-log"
    everything = (await client.get(url, headers=a.admin)).json()
    assert [(e["action"], e["businessId"]) for e in everything["data"]] == [
        ("suspend", b.id),
        ("approve", b.id),
        ("create", b.id),
        ("approve", a.id),
        ("create", a.id),
    ]
    only_a = (await client.get(f"{url}?businessId={a.id}", headers=a.admin)).json()["data"]
    assert {e["businessId"] for e in only_a} == {a.id}
    assert len(only_a) == 2
    approvals = (await client.get(f"{url}?action=approve", headers=a.admin)).json()["data"]
    assert [e["businessId"] for e in approvals] == [b.id, a.id]
    assert approvals[0]["actor"]["userId"] is not None
    by_type = await client.get(f"{url}?entityType=location", headers=a.admin)
    assert by_type.json()["data"] == []
    assert by_type.json()["pagination"]["totalItems"] == 0
    bad = await client.get(f"{url}?businessId=abc", headers=a.admin)
    assert fields_of(assert_error(bad, 400, "VALIDATION_ERROR")) == {"businessId"}
