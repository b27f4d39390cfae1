"""The tenant wall (ARCHITECTURE.md guarantee 5), as a matrix of routes and actors.

Every route whose path names a business (`{businessId}`) is found in the OpenAPI
document, so a new business route cannot slip past: it is still checked against every
outsider, and the test then fails naming it until a row in ROUTES says what A's own
staff may do there.

Actors: A's owner, a manager of A tied to another location than the one the request
targets, a master of A, A's API key, the super admin (A's side); B's owner, B's API
key, a plain customer and an anonymous caller (outsiders). Outsiders always get 401
(anonymous) or 404 (the business is not theirs, so it does not exist for them), and
no response to them ever carries A's ids or names.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.models import (
    AvailabilityBlock,
    AvailabilityOverride,
    BusinessRole,
    Invitation,
    InvitationStatus,
    Location,
    Membership,
)
from tests.businesses.factories import (
    Tenant,
    active_business,
    add_location,
    add_master,
    add_member,
    add_service,
)
from tests.factories import register

PREFIX = "/api/v1"
_BUSINESS_PARAM = re.compile(r"\{business_?[iI]d\}")
_PARAM = re.compile(r"\{(\w+)\}")
_emails = itertools.count(1)

INSIDERS = ("owner_a", "super_admin", "key_a", "manager_a", "master_a")
OUTSIDERS = ("owner_b", "key_b", "customer", "anonymous")


@dataclass(frozen=True)
class Row:
    """What A's side gets on one route. `full` is A's owner and the super admin;
    `key` (A's API key) defaults to `full`."""

    full: int
    manager: int
    master: int
    key: int | None = None
    # Built per call, from the world (for ids of A's rows the body must name).
    body: Callable[[World], dict[str, Any]] | None = None

    def expected(self, actor: str) -> int:
        return {
            "owner_a": self.full,
            "super_admin": self.full,
            "key_a": self.full if self.key is None else self.key,
            "manager_a": self.manager,
            "master_a": self.master,
        }[actor]


def _fresh_email() -> dict[str, Any]:
    return {"email": f"matrix{next(_emails)}-{uuid.uuid4().hex[:6]}@example.com"}


READ = Row(200, 200, 200)
B = "/businesses/{businessId}"
A = B + "/masters/{masterId}/availability"
ROUTES: dict[tuple[str, str], Row] = {
    ("GET", B): READ,
    ("PUT", B): Row(200, 403, 403, body=lambda _: {"description": "Set by the matrix"}),
    # Only a rejected business is resubmitted: A is active, so 422 for whom it is.
    ("POST", B + "/resubmit"): Row(422, 403, 403, key=403),
    ("GET", B + "/locations"): READ,
    ("POST", B + "/locations"): Row(201, 403, 403, body=lambda _: {"name": "Matrix branch"}),
    # The target location is not the manager's.
    ("PUT", B + "/locations/{locationId}"): Row(200, 403, 403, body=lambda _: {"address": "9 Rd"}),
    ("DELETE", B + "/locations/{locationId}"): Row(200, 403, 403),
    # A person's business: an API key neither mints keys nor reads the audit log.
    ("GET", B + "/api-keys"): Row(200, 403, 403, key=403),
    ("POST", B + "/api-keys"): Row(201, 403, 403, key=403, body=lambda _: {"name": "Matrix"}),
    ("DELETE", B + "/api-keys/{keyId}"): Row(200, 403, 403, key=403),
    ("GET", B + "/audit-log"): Row(200, 403, 403, key=403),
    ("GET", B + "/masters"): READ,
    # Invitations (202): nobody is staff before saying yes.
    (
        "POST",
        B + "/masters",
    ): Row(202, 202, 403, body=lambda _: {**_fresh_email(), "firstName": "Mat", "lastName": "Rix"}),
    # The target master works at a location that is not the manager's.
    ("PUT", B + "/masters/{masterId}"): Row(200, 403, 403, body=lambda _: {"description": "x"}),
    ("DELETE", B + "/masters/{masterId}"): Row(200, 403, 403),
    ("GET", B + "/managers"): Row(200, 200, 403),
    ("POST", B + "/managers"): Row(
        202,
        403,
        403,
        body=lambda world: {
            **_fresh_email(),
            "firstName": "Man",
            "lastName": "Ager",
            "locationIds": [world.main_location],
        },
    ),
    (
        "PUT",
        B + "/managers/{membershipId}",
    ): Row(200, 403, 403, body=lambda world: {"locationIds": [world.main_location]}),
    ("DELETE", B + "/managers/{membershipId}"): Row(200, 403, 403),
    ("GET", B + "/invitations"): Row(200, 200, 403),
    # The target invitation is to a master of a location that is not the manager's.
    ("DELETE", B + "/invitations/{invitationId}"): Row(200, 403, 403),
    ("GET", B + "/services"): READ,
    (
        "POST",
        B + "/services",
    ): Row(201, 201, 403, body=lambda _: {"name": "Matrix cut", "duration": 30, "price": 10}),
    ("PUT", B + "/services/{serviceId}"): Row(200, 200, 403, body=lambda _: {"name": "Renamed"}),
    ("DELETE", B + "/services/{serviceId}"): Row(200, 200, 403),
    # A master's schedule: slots for all staff; blocks and overrides for the owner, a
    # manager of the master's locations, or that master (not the one acting here).
    ("GET", A): READ,
    ("GET", A + "/blocks"): Row(200, 403, 403),
    (
        "POST",
        A + "/blocks",
    ): Row(
        201,
        403,
        403,
        body=lambda _: {
            "startDateTime": "2031-01-06T10:00:00Z",
            "endDateTime": "2031-01-06T11:00:00Z",
            "reason": "matrix",
        },
    ),
    ("DELETE", A + "/blocks/{blockId}"): Row(200, 403, 403),
    ("GET", A + "/overrides"): Row(200, 403, 403),
    (
        "PUT",
        A + "/overrides/{date}",
    ): Row(200, 403, 403, body=lambda _: {"hours": [{"start": "10:00", "end": "12:00"}]}),
    ("DELETE", A + "/overrides/{date}"): Row(200, 403, 403),
    # Role-filtered (owner all, manager own locations, master own): readable by each.
    ("GET", B + "/bookings"): READ,
}

OWN_ROUTES = {
    (method, path)
    for method, path in ROUTES
    if not path.endswith(
        ("/masters", "/services", "/managers", "{masterId}", "{serviceId}", "{membershipId}")
    )
}


def business_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path without /api/v1) of every route naming a business."""
    routes = []
    for path, item in app.openapi()["paths"].items():
        if not _BUSINESS_PARAM.search(path):
            continue
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                routes.append((method.upper(), path.removeprefix(PREFIX)))
    return sorted(routes)


@dataclass
class World:
    app: FastAPI
    client: httpx.AsyncClient
    a: Tenant
    b: Tenant
    main_location: str
    headers: dict[str, dict[str, str]]
    # Strings of A that must never reach an outsider, and of B that A's side never sees.
    secrets_of_a: list[str] = field(default_factory=list)
    secrets_of_b: list[str] = field(default_factory=list)
    # The last master made by target(), whose blocks and overrides follow in the path.
    last_master: str | None = None

    async def target(self, name: str) -> str:
        """A fresh row of A for a path parameter, so destructive calls do not
        disturb each other."""
        if name == "locationId":
            location = await add_location(
                self.client, self.a, name=f"Target {uuid.uuid4().hex[:6]}"
            )
            return str(location["id"])
        if name == "keyId":
            response = await self.client.post(
                f"{PREFIX}/businesses/{self.a.id}/api-keys",
                json={"name": "Target"},
                headers=self.a.owner.headers,
            )
            return str(response.json()["data"]["id"])
        if name == "masterId":
            user = await register(self.client)
            self.last_master = await add_master(self.app, self.a.id, user.id, [self.main_location])
            return self.last_master
        if name in ("blockId", "date"):
            assert self.last_master is not None, "{masterId} comes first in the path"
            return await add_schedule_row(self.app, self.a.id, self.last_master, name)
        if name == "serviceId":
            return await add_service(self.app, self.a.id)
        if name == "membershipId":
            user = await register(self.client)
            return await add_staff_row(self.app, self.a.id, user.id, self.main_location)
        if name == "invitationId":
            return await add_staff_row(self.app, self.a.id, None, self.main_location)
        raise AssertionError(
            f"test_isolation: no factory for the path parameter {{{name}}}; add one to World.target"
        )


async def add_staff_row(
    app: FastAPI, business_id: str, user_id: str | None, location_id: str
) -> str:
    """A manager membership of the user at the location (its id) or, without a user, a
    pending invitation of a master there (its id); in the database, as the owner's
    requests are rate limited."""
    location = uuid.UUID(location_id)
    database: Database = app.state.db
    async with database.session() as session:
        row: Membership | Invitation
        if user_id is not None:
            row = Membership(
                user_id=uuid.UUID(user_id),
                role=BusinessRole.MANAGER,
                locations=[await session.get(Location, location)],
            )
        else:
            row = Invitation(
                email=_fresh_email()["email"],
                role=BusinessRole.MASTER,
                status=InvitationStatus.PENDING,
                token_hash=uuid.uuid4().hex,
                details={"location_ids": [location_id]},
                expires_at=utcnow() + timedelta(days=7),
            )
        row.business_id = uuid.UUID(business_id)
        session.add(row)
        await session.flush()
    return str(row.id)


async def add_schedule_row(app: FastAPI, business_id: str, master_id: str, kind: str) -> str:
    """A block (its id) or a date override (its date) of the master."""
    day = date(2031, 1, 6)
    row: AvailabilityBlock | AvailabilityOverride
    if kind == "blockId":
        start = datetime.combine(day, time(9), tzinfo=UTC)
        row = AvailabilityBlock(starts_at=start, ends_at=start + timedelta(hours=1))
    else:
        row = AvailabilityOverride(day=day, hours=[])
    row.business_id, row.master_id = uuid.UUID(business_id), uuid.UUID(master_id)
    database: Database = app.state.db
    async with database.session() as session:
        session.add(row)
        await session.flush()
    return str(row.id) if kind == "blockId" else day.isoformat()


async def _api_key(client: httpx.AsyncClient, tenant: Tenant) -> str:
    response = await client.post(
        f"{PREFIX}/businesses/{tenant.id}/api-keys",
        json={"name": "k"},
        headers=tenant.owner.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["key"])


async def _world(app: FastAPI, client: httpx.AsyncClient) -> World:
    a = await active_business(app, client, name="Alpha Salon")
    b = await active_business(app, client, name="Bravo Barbers")
    main = await add_location(client, a, name="Alpha Main")
    other = await add_location(client, a, name="Alpha Annex")
    manager, master, customer = (
        await register(client),
        await register(client),
        await register(client),
    )
    await add_member(app, a.id, manager.id, BusinessRole.MANAGER, [other["id"]])
    await add_master(app, a.id, master.id, [main["id"]])
    headers = {
        "owner_a": a.owner.headers,
        "super_admin": a.admin,
        "key_a": {"X-API-Key": await _api_key(client, a)},
        "manager_a": manager.headers,
        "master_a": master.headers,
        "owner_b": b.owner.headers,
        "key_b": {"X-API-Key": await _api_key(client, b)},
        "customer": customer.headers,
        "anonymous": {},
    }
    return World(
        app=app,
        client=client,
        a=a,
        b=b,
        main_location=str(main["id"]),
        headers=headers,
        secrets_of_a=[a.id, a.business["name"], a.subdomain, str(main["id"]), "Alpha Main"],
        secrets_of_b=[b.id, b.business["name"], b.subdomain],
    )


async def _call(
    world: World, method: str, template: str, actor: str, body: dict[str, Any] | None
) -> tuple[httpx.Response, list[str]]:
    path = template.replace("{businessId}", world.a.id)
    targets = []
    for name in _PARAM.findall(path):
        value = await world.target(name)
        targets.append(value)
        path = path.replace("{" + name + "}", value)
    response = await world.client.request(
        method, PREFIX + path, json=body, headers=world.headers[actor]
    )
    return response, targets


_CODES = {
    401: "AUTHENTICATION_REQUIRED",
    403: "INSUFFICIENT_PERMISSIONS",
    404: "RESOURCE_NOT_FOUND",
}


def _check(problems: list[str], label: str, response: httpx.Response, expected: int) -> None:
    if response.status_code != expected:
        problems.append(
            f"{label}: expected {expected}, got {response.status_code}: {response.text[:300]}"
        )
    elif expected in _CODES and response.json()["error"]["code"] != _CODES[expected]:
        problems.append(f"{label}: expected code {_CODES[expected]}: {response.text[:300]}")


async def test_every_business_route_against_every_actor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = business_routes(app)
    assert set(routes) >= OWN_ROUTES, "route discovery missed routes it must find"
    world = await _world(app, client)
    problems: list[str] = []
    uncovered = [route for route in routes if route not in ROUTES]

    for method, template in routes:
        row = ROUTES.get((method, template))
        for actor in OUTSIDERS:
            body = row.body(world) if row and row.body else {}
            response, targets = await _call(world, method, template, actor, body)
            label = f"{method} {template} as {actor}"
            _check(problems, label, response, 401 if actor == "anonymous" else 404)
            leaked = [s for s in [*world.secrets_of_a, *targets] if s in response.text]
            if leaked:
                problems.append(f"{label}: response shows A's data {leaked}")
        if row is None:
            continue
        for actor in INSIDERS:
            body = row.body(world) if row.body else None
            response, _ = await _call(world, method, template, actor, body)
            label = f"{method} {template} as {actor}"
            _check(problems, label, response, row.expected(actor))
            leaked = [s for s in world.secrets_of_b if s in response.text]
            if leaked:
                problems.append(f"{label}: response shows B's data {leaked}")

    assert not problems, "tenant wall broken:\n" + "\n".join(problems)
    assert not uncovered, (
        "business routes without a row in tests/test_isolation.py ROUTES (outsiders were "
        "checked; say what A's staff may do): " + ", ".join(f"{m} {p}" for m, p in uncovered)
    )


async def test_b_cannot_reach_a_through_ids_of_a_under_b(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """B's owner and key name A's rows under B's own business: still nothing."""
    world = await _world(app, client)
    base = f"{PREFIX}/businesses/{world.b.id}"
    for actor in ("owner_b", "key_b"):
        headers = world.headers[actor]
        for method, path, body in (
            ("PUT", f"/locations/{world.main_location}", {"name": "Hijack"}),
            ("DELETE", f"/locations/{await world.target('locationId')}", None),
            ("DELETE", f"/api-keys/{await world.target('keyId')}", None),
        ):
            response = await client.request(method, base + path, json=body, headers=headers)
            if actor == "key_b" and "/api-keys/" in path:
                assert response.status_code == 403, response.text
            else:
                assert response.status_code == 404, (actor, method, path, response.text)
    locations = await client.get(
        f"{PREFIX}/businesses/{world.a.id}/locations", headers=world.a.owner.headers
    )
    assert "Alpha Main" in locations.text
    assert "Hijack" not in locations.text


async def test_only_a_and_the_super_admin_read_the_audit_trail_of_a(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    own = f"{PREFIX}/businesses/{world.a.id}/audit-log"
    platform = f"{PREFIX}/admin/audit-log?businessId={world.a.id}"
    for actor in ("owner_b", "key_b", "customer", "manager_a", "master_a", "key_a", "anonymous"):
        for url in (own, platform):
            response = await client.get(url, headers=world.headers[actor])
            assert response.status_code in {401, 403, 404}, (actor, url, response.text)
            assert "Alpha" not in response.text, (actor, url)
            assert world.a.id not in response.text, (actor, url)
    for actor in ("owner_a", "super_admin"):
        response = await client.get(own, headers=world.headers[actor])
        assert response.status_code == 200
        assert {e["businessId"] for e in response.json()["data"]} == {world.a.id}
    admin_view = await client.get(platform, headers=world.headers["super_admin"])
    assert {e["businessId"] for e in admin_view.json()["data"]} == {world.a.id}
