"""What a business's status leaves its side free to do (docs/architecture.md, tenancy).

A suspended business is read-only for its owner, managers and masters, and its API
keys are refused outright; a rejected one may only change its settings and be
resubmitted. A super admin is never refused, and a customer may still cancel their
own booking.

Every write route of the API is found in the OpenAPI document: one naming a business
(`{businessId}`), a specialist's own route (`/specialists/...`) or one booking
(`/bookings/{bookingId}`) is called for a suspended and for a rejected business and
must be refused with the status's code; any other write route must be listed in
NOT_A_BUSINESS_CHANGE with the reason, so a new route fails a test naming it until
someone has decided.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.models import Business, BusinessRole, BusinessStatus
from tests.bookings.factories import Specialist, booked, specialist, utc, weekday_at
from tests.businesses.factories import (
    add_master,
    add_member,
    admin_headers,
    create_business,
)
from tests.factories import Account, assert_error, outbox_to, register, verify_email
from tests.staff.factories import (
    ACCEPT_LINK,
    MINE,
    NEW_PASSWORD,
    invitation_token,
    invite,
    shop,
)

PREFIX = "/api/v1"
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
WRITES = {"post", "put", "patch", "delete"}

# Write routes that change no business's data, each with the reason. New bookings are
# here because they are only ever made at an active business (test below).
NOT_A_BUSINESS_CHANGE: dict[tuple[str, str], str] = {
    ("POST", "/auth/register"): "a new account",
    ("POST", "/auth/login"): "the caller's session",
    ("POST", "/auth/telegram"): "the caller's session",
    ("POST", "/auth/refresh"): "the caller's session",
    ("POST", "/auth/logout"): "the caller's session",
    ("POST", "/auth/invitations/accept"): "joins the invitation's business: refused by "
    "require_writable in staff/invitations._join (test_no_one_joins_a_suspended_business)",
    ("POST", "/users/invitations/{invitationId}/accept"): "as /auth/invitations/accept",
    ("POST", "/users/invitations/{invitationId}/decline"): "the invitee's own answer",
    ("POST", "/auth/verify-email"): "the caller's account",
    ("POST", "/auth/verify-email/request"): "the caller's account",
    ("PUT", "/users/profile"): "the caller's account",
    ("POST", "/users/avatar"): "the caller's account",
    ("PUT", "/users/change-password"): "the caller's account",
    ("POST", "/users/calendar-feed"): "the caller's feed address",
    ("DELETE", "/users/calendar-feed"): "the caller's feed address",
    ("POST", "/businesses"): "a new business (pending)",
    ("POST", "/bookings"): "new bookings: active businesses only",
    ("POST", "/public/booking"): "new bookings: active businesses only",
    ("POST", "/public/client/verify"): "a guest's e-mail check",
    ("PUT", "/admin/tenants/{id}/approve"): "the super admin's decision",
    ("PUT", "/admin/tenants/{id}/reject"): "the super admin's decision",
    ("PUT", "/admin/tenants/{id}/suspend"): "the super admin's decision",
    ("PUT", "/admin/tenants/{id}/reactivate"): "the super admin's decision",
}

# What a rejected business may still do: its settings, and ask again.
REJECTED_MAY = {("PUT", "/businesses/{businessId}"), ("POST", "/businesses/{businessId}/resubmit")}
# What a customer may still do to their own booking anywhere: cancel it.
CUSTOMER_MAY = {("DELETE", "/bookings/{bookingId}"), ("POST", "/bookings/{bookingId}/cancel")}

CODES = {"suspended": "BUSINESS_SUSPENDED", "rejected": "BUSINESS_REJECTED"}


def _template(path: str) -> str:
    """The OpenAPI path without /api/v1 and without converters ({x:uuid} -> {x})."""
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path.removeprefix(PREFIX))


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), _template(path))
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in WRITES
    )


def scope_of(path: str) -> str | None:
    """Whose data a write route changes: a business's, the signed-in specialist's own
    business's, or a booking's; None for the rest."""
    if "{businessId}" in path:
        return "business"
    if path.startswith("/specialists/"):
        return "specialist"
    if path.startswith("/bookings/{bookingId}"):
        return "booking"
    return None


def test_every_write_route_is_classified(app: FastAPI) -> None:
    routes = write_routes(app)
    unclassified = [
        f"{m} {p}" for m, p in routes if scope_of(p) is None and (m, p) not in NOT_A_BUSINESS_CHANGE
    ]
    assert not unclassified, (
        "write routes that neither name a business nor are listed in "
        "tests/test_business_status.py NOT_A_BUSINESS_CHANGE (does the status rule of "
        "kit/tenancy.require_writable apply to them?): " + ", ".join(unclassified)
    )
    stale = sorted(set(NOT_A_BUSINESS_CHANGE) - set(routes))
    assert not stale, f"NOT_A_BUSINESS_CHANGE lists routes that no longer exist: {stale}"
    # The discovery finds the routes it must, so an empty loop below cannot pass.
    assert {scope_of(p) for _, p in routes} >= {"business", "specialist", "booking"}
    assert set(routes) >= REJECTED_MAY | CUSTOMER_MAY


@dataclass
class World:
    """A specialist's one-person business S with a manager, a second master, an API
    key and a customer's booking; the super admin."""

    app: FastAPI
    client: httpx.AsyncClient
    spec: Specialist
    manager: Account
    master: Account
    customer: Account
    key: dict[str, str]
    admin: dict[str, str]
    booking_id: str

    @property
    def business_id(self) -> str:
        return self.spec.business_id

    def url(self, template: str) -> str:
        """The route for S: its ids where it has them, fresh ones elsewhere (the status
        is refused before any row is looked up)."""
        values = {
            "businessId": self.business_id,
            "masterId": self.spec.master_id,
            "serviceId": self.spec.service_id,
            "bookingId": self.booking_id,
            "date": "2031-01-06",
        }
        return PREFIX + _PARAM.sub(lambda m: values.get(m.group(1), str(uuid.uuid4())), template)

    async def set_status(self, status: str) -> None:
        """Suspended through the admin route; rejected in the database, since an
        active business with bookings is never rejected through the API."""
        if status == "suspended":
            response = await self.client.put(
                f"{PREFIX}/admin/tenants/{self.business_id}/suspend",
                json={"reason": "Complaints"},
                headers=self.admin,
            )
            assert response.status_code == 200, response.text
            return
        async with self.app.state.db.session() as session:
            await session.execute(
                update(Business)
                .where(Business.id == uuid.UUID(self.business_id))
                .values(status=BusinessStatus(status))
            )


async def _world(app: FastAPI, client: httpx.AsyncClient) -> World:
    spec = await specialist(app, client)
    manager, master, customer = (
        await register(client),
        await register(client),
        await register(client),
    )
    await add_member(app, spec.business_id, manager.id, BusinessRole.MANAGER)
    await add_master(app, spec.business_id, master.id)
    key = await client.post(
        f"{PREFIX}/businesses/{spec.business_id}/api-keys",
        json={"name": "Till"},
        headers=spec.headers,
    )
    assert key.status_code == 201, key.text
    booking = await booked(client, customer, spec, weekday_at(10, days=3))
    return World(
        app=app,
        client=client,
        spec=spec,
        manager=manager,
        master=master,
        customer=customer,
        key={"X-API-Key": key.json()["data"]["key"]},
        admin=await admin_headers(app, client),
        booking_id=str(booking["id"]),
    )


def _body(method: str, path: str) -> dict[str, Any]:
    """Bodies for routes that validate theirs before the booking is looked up."""
    if path == "/bookings/{bookingId}/reschedule":
        return {"newScheduledAt": utc(weekday_at(11, days=4))}
    if (method, path) == ("PATCH", "/bookings/{bookingId}"):
        return {"status": "confirmed"}
    return {}


async def test_the_issue_a_suspended_owner_adds_neither_keys_nor_masters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The report: after the suspension the owner still made API keys and masters."""
    world = await _world(app, client)
    await world.set_status("suspended")
    for path, body in (
        ("/businesses/{businessId}/api-keys", {"name": "After"}),
        (
            "/businesses/{businessId}/masters",
            {"email": "late@example.com", "firstName": "Late", "lastName": "Comer"},
        ),
    ):
        response = await client.post(world.url(path), json=body, headers=world.spec.headers)
        assert_error(response, 403, "BUSINESS_SUSPENDED")
    keys = await client.get(
        world.url("/businesses/{businessId}/api-keys"), headers=world.spec.headers
    )
    assert [key["name"] for key in keys.json()["data"]] == ["Till"]
    masters = await client.get(
        world.url("/businesses/{businessId}/masters"), headers=world.spec.headers
    )
    assert "late@example.com" not in masters.text


@pytest.mark.parametrize("status", ["suspended", "rejected"])
async def test_every_change_is_refused_with_the_status_code(
    app: FastAPI, client: httpx.AsyncClient, status: str
) -> None:
    world = await _world(app, client)
    await world.set_status(status)
    who = {
        "business": {
            "owner": world.spec.headers,
            "manager": world.manager.headers,
            "master": world.master.headers,
        },
        "specialist": {"specialist": world.spec.headers},
        "booking": {"owner": world.spec.headers, "customer": world.customer.headers},
    }
    problems: list[str] = []
    checked = 0
    for method, path in write_routes(app):
        scope = scope_of(path)
        if scope is None or (status == "rejected" and (method, path) in REJECTED_MAY):
            continue
        for actor, headers in who[scope].items():
            if actor == "customer" and (method, path) in CUSTOMER_MAY:
                continue
            response = await client.request(
                method, world.url(path), json=_body(method, path), headers=headers
            )
            checked += 1
            code = response.json().get("error", {}).get("code") if response.content else None
            if (response.status_code, code) != (403, CODES[status]):
                problems.append(
                    f"{method} {path} as {actor}: {response.status_code} {response.text[:200]}"
                )
    assert checked > 40
    assert not problems, f"changes of a {status} business not refused:\n" + "\n".join(problems)


async def test_a_suspended_business_stays_readable_by_its_staff(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    await world.set_status("suspended")
    reads = sorted(
        _template(path)
        for path, item in app.openapi()["paths"].items()
        if "get" in item and "{businessId}" in path
    )
    assert len(reads) > 8
    for path in reads:
        response = await client.get(world.url(path), headers=world.spec.headers)
        assert response.status_code == 200, (path, response.text)
    for path in (
        "/bookings/{bookingId}",
        "/specialists/profile",
        "/specialists/services",
        "/specialists/availability/blocks",
    ):
        response = await client.get(world.url(path), headers=world.spec.headers)
        assert response.status_code == 200, (path, response.text)
    for headers in (world.manager.headers, world.master.headers):
        response = await client.get(world.url("/businesses/{businessId}"), headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["status"] == "suspended"
    mine = await client.get(f"{PREFIX}/bookings", headers=world.customer.headers)
    assert [b["id"] for b in mine.json()["data"]["bookings"]] == [world.booking_id]


@pytest.mark.parametrize("status", ["suspended", "rejected"])
async def test_its_api_keys_are_refused_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, status: str
) -> None:
    world = await _world(app, client)
    before = await client.get(world.url("/bookings/{bookingId}"), headers=world.key)
    assert before.status_code == 200, before.text
    await world.set_status(status)
    for method, path in (
        ("GET", "/businesses/{businessId}"),
        ("GET", "/businesses/{businessId}/bookings"),
        ("GET", "/bookings"),
        ("GET", "/bookings/{bookingId}"),
        ("GET", "/bookings/{bookingId}/ics"),
        ("POST", "/bookings/{bookingId}/confirm"),
    ):
        response = await client.request(method, world.url(path), headers=world.key)
        assert_error(response, 403, CODES[status])
    assert "reactivate" in response.json()["error"]["message"] or status == "rejected"


async def test_the_customer_may_cancel_but_not_book_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    subdomain = (await client.get(world.url("/businesses/{businessId}"), headers=world.key)).json()[
        "data"
    ]["subdomain"]
    await world.set_status("suspended")
    cancelled = await client.post(
        world.url("/bookings/{bookingId}/cancel"),
        json={"reason": "The salon is closed"},
        headers=world.customer.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["booking"]["status"] == "cancelled"
    again = await client.post(
        f"{PREFIX}/bookings",
        json={
            "serviceId": world.spec.service_id,
            "specialistId": world.spec.master_id,
            "scheduledAt": utc(weekday_at(14, days=3)),
        },
        headers=world.customer.headers,
    )
    assert_error(again, 404, "RESOURCE_NOT_FOUND")
    as_guest = await client.post(
        f"{PREFIX}/public/booking",
        json={
            "business": subdomain,
            "serviceId": world.spec.service_id,
            "masterId": world.spec.master_id,
            "scheduledAt": utc(weekday_at(14, days=3)),
            "name": "Guest",
            "email": "guest@example.com",
        },
    )
    assert_error(as_guest, 404, "RESOURCE_NOT_FOUND")
    # Its public pages are gone, with the specialist's public profile and slots.
    for path in (
        f"/public/business/{subdomain}",
        f"/public/business/{subdomain}/services",
        f"/specialists/{world.spec.master_id}",
    ):
        response = await client.get(PREFIX + path)
        assert_error(response, 404, "RESOURCE_NOT_FOUND")


async def test_the_super_admin_keeps_full_access_and_reactivation_restores_writes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    await world.set_status("suspended")
    location = {"name": "Annex"}
    refused = await client.post(
        world.url("/businesses/{businessId}/locations"), json=location, headers=world.spec.headers
    )
    assert_error(refused, 403, "BUSINESS_SUSPENDED")
    assert "reactivates" in refused.json()["error"]["message"]
    for method, path, body in (
        ("PUT", "/businesses/{businessId}", {"description": "Under review"}),
        ("POST", "/businesses/{businessId}/locations", location),
        ("POST", "/bookings/{bookingId}/confirm", {}),
    ):
        response = await client.request(method, world.url(path), json=body, headers=world.admin)
        assert response.status_code in {200, 201}, (path, response.text)
    listed = await client.get(f"{PREFIX}/admin/tenants?status=suspended", headers=world.admin)
    assert world.business_id in listed.text
    reactivated = await client.put(
        f"{PREFIX}/admin/tenants/{world.business_id}/reactivate", headers=world.admin
    )
    assert reactivated.status_code == 200, reactivated.text
    for headers in (world.spec.headers, world.key):
        again = await client.post(
            world.url("/businesses/{businessId}/locations"), json=location, headers=headers
        )
        assert again.status_code == 201, again.text
    block = await client.post(
        world.url("/specialists/availability/block"),
        json={"startDateTime": "2031-01-06T10:00:00Z", "endDateTime": "2031-01-06T11:00:00Z"},
        headers=world.spec.headers,
    )
    assert block.status_code == 201, block.text


async def test_a_rejected_business_is_edited_and_resubmitted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await register(client, verified=True)  # approvable in the end
    business = await create_business(client, owner.headers)
    url = f"{PREFIX}/businesses/{business['id']}"
    admin = await admin_headers(app, client)
    # Pending: the owner prepares it, as before.
    early = await client.post(f"{url}/locations", json={"name": "First"}, headers=owner.headers)
    assert early.status_code == 201, early.text
    manager = await register(client)
    await add_member(app, business["id"], manager.id, BusinessRole.MANAGER)
    not_yet = await client.post(f"{url}/resubmit", headers=owner.headers)
    assert_error(not_yet, 422, "BUSINESS_RULE_VIOLATION")
    assert "pending business cannot be resubmitted" in not_yet.json()["error"]["message"]

    rejected = await client.put(
        f"{PREFIX}/admin/tenants/{business['id']}/reject",
        json={"reason": "Describe the services"},
        headers=admin,
    )
    assert rejected.status_code == 200, rejected.text
    edited = await client.put(url, json={"description": "Haircuts"}, headers=owner.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["data"]["description"] == "Haircuts"
    for path, body in (("/locations", {"name": "Second"}), ("/api-keys", {"name": "k"})):
        assert_error(
            await client.post(url + path, json=body, headers=owner.headers),
            403,
            "BUSINESS_REJECTED",
        )
    assert_error(
        await client.post(f"{url}/resubmit", headers=manager.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )

    resubmitted = await client.post(f"{url}/resubmit", headers=owner.headers)
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["data"]["status"] == "pending"
    log = await client.get(f"{url}/audit-log", headers=owner.headers)
    entry = log.json()["data"][0]
    assert (entry["action"], entry["entityType"]) == ("resubmit", "business")
    assert_error(
        await client.post(f"{url}/resubmit", headers=owner.headers), 422, "BUSINESS_RULE_VIOLATION"
    )
    # Pending again: prepared as before, and approvable.
    later = await client.post(f"{url}/locations", json={"name": "Third"}, headers=owner.headers)
    assert later.status_code == 201, later.text
    approved = await client.put(f"{PREFIX}/admin/tenants/{business['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["status"] == "active"
    assert_error(
        await client.post(f"{url}/resubmit", headers=owner.headers), 422, "BUSINESS_RULE_VIOLATION"
    )


@pytest.mark.parametrize("status", [BusinessStatus.SUSPENDED, BusinessStatus.REJECTED])
async def test_no_one_joins_a_suspended_or_rejected_business(
    app: FastAPI, client: httpx.AsyncClient, status: BusinessStatus
) -> None:
    """Invited while active, accepted after the super admin's decision: refused, by the
    link (no account made) and signed in (no staff row)."""
    business = await shop(app, client)
    newcomer = f"late-{uuid.uuid4().hex[:6]}@example.com"
    await invite(
        client, business, "/masters", {"email": newcomer, "firstName": "A", "lastName": "B"}
    )
    person = await register(client)
    await verify_email(client, person)
    await invite(client, business, "/masters", {"email": person.email})
    async with app.state.db.session() as session:
        await session.execute(
            update(Business).where(Business.id == uuid.UUID(business.id)).values(status=status)
        )
    code = "BUSINESS_SUSPENDED" if status is BusinessStatus.SUSPENDED else "BUSINESS_REJECTED"

    [message] = await outbox_to(app, newcomer)
    by_link = await client.post(
        ACCEPT_LINK, json={"token": invitation_token(message), "password": NEW_PASSWORD}
    )
    assert_error(by_link, 403, code)
    login = await client.post(
        "/api/v1/auth/login", json={"email": newcomer, "password": NEW_PASSWORD}
    )
    assert login.status_code == 401  # the account was not made

    mine = (await client.get(MINE, headers=person.headers)).json()["data"]
    [invitation] = [row for row in mine if row["businessId"] == business.id]
    signed_in = await client.post(f"{MINE}/{invitation['id']}/accept", headers=person.headers)
    assert_error(signed_in, 403, code)
    staff = await client.get(f"/api/v1/businesses/{business.id}", headers=person.headers)
    assert staff.status_code == 404  # not one of its staff
