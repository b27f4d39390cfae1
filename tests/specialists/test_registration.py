"""Registering as a specialist opens a one-person business in the same transaction."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import AuditEntry, Business, BusinessRole, BusinessStatus, Master, Membership
from bookwell.specialists.service import free_subdomain, subdomain_base
from tests.businesses.factories import admin_headers
from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, fields_of, register, registration, verify_email


async def _business_of(app: FastAPI, user_id: str) -> tuple[Business, list[Membership], Master]:
    database: Database = app.state.db
    async with database.session() as session:
        memberships = list(
            (
                await session.execute(
                    select(Membership).where(Membership.user_id == uuid.UUID(user_id))
                )
            ).scalars()
        )
        assert memberships, "no membership"
        business = await session.get(Business, memberships[0].business_id)
        master = (
            await session.execute(select(Master).where(Master.user_id == uuid.UUID(user_id)))
        ).scalar_one()
        assert business is not None
        return business, memberships, master


async def test_specialist_gets_a_one_person_business_active_once_the_email_is_verified(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await register(client, userType="specialist", firstName="Anna", lastName="Smith")
    business, memberships, master = await _business_of(app, account.id)
    assert business.status is BusinessStatus.PENDING
    public = await client.get(f"/api/v1/specialists/{master.id}")
    assert_error(public, 404, "RESOURCE_NOT_FOUND")
    own = await client.get("/api/v1/specialists/profile", headers=account.headers)
    assert own.status_code == 200

    await verify_email(client, account)
    business, memberships, master = await _business_of(app, account.id)
    assert (await client.get(f"/api/v1/specialists/{master.id}")).status_code == 200
    assert business.is_solo is True
    assert business.status is BusinessStatus.ACTIVE
    assert business.name == "Anna Smith"
    assert business.subdomain == "anna-smith"
    assert business.timezone == "UTC"
    assert business.currency == "USD"
    assert business.contact_email == account.email
    assert {m.role for m in memberships} == {BusinessRole.OWNER, BusinessRole.MASTER}
    assert {m.business_id for m in memberships} == {business.id}
    assert master.business_id == business.id
    assert master.timezone == "UTC"
    database: Database = app.state.db
    async with database.session() as session:
        audited = (
            await session.execute(
                select(AuditEntry.entity_type).where(AuditEntry.business_id == business.id)
            )
        ).scalars()
        assert sorted(audited) == ["business", "business", "master"]


async def test_same_names_get_numbered_subdomains(app: FastAPI, client: httpx.AsyncClient) -> None:
    first = await register(client, userType="specialist", firstName="Ivan", lastName="Petrov")
    second = await register(client, userType="specialist", firstName="Ivan", lastName="Petrov")
    third = await register(client, userType="specialist", firstName="Иван", lastName="Петров")
    subdomains = [(await _business_of(app, a.id))[0].subdomain for a in (first, second, third)]
    assert subdomains == ["ivan-petrov", "ivan-petrov-2", "ivan-petrov-3"]


async def test_long_names_fit(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await register(client, userType="specialist", firstName="A" * 100, lastName="B" * 100)
    business, _, _ = await _business_of(app, account.id)
    assert business.name == "A" * 100 + " " + "B" * 99
    assert business.subdomain == "a" * 55


async def test_timezone_is_taken_from_registration(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await register(client, userType="specialist", timezone="Asia/Almaty")
    business, _, master = await _business_of(app, account.id)
    assert business.timezone == master.timezone == "Asia/Almaty"
    response = await client.post(
        "/api/v1/auth/register", json=registration(userType="specialist", timezone="Mars/Olympus")
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"timezone"}


async def test_customer_gets_no_business(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await register(client)
    database: Database = app.state.db
    async with database.session() as session:
        found = await session.execute(
            select(Membership).where(Membership.user_id == uuid.UUID(account.id))
        )
        assert found.first() is None
    profile = await client.get("/api/v1/specialists/profile", headers=account.headers)
    assert_error(profile, 403, "INSUFFICIENT_PERMISSIONS")


async def test_business_waits_for_approval_when_configured(app_factory: AppFactory) -> None:
    app = await app_factory(solo_specialist_needs_approval=True)
    async with client_for(app) as http:
        account = await register(http, userType="specialist")
        business, _, master = await _business_of(app, account.id)
        assert business.status is BusinessStatus.PENDING
        # The specialist manages the profile meanwhile; the public cannot see it yet.
        own = await http.get("/api/v1/specialists/profile", headers=account.headers)
        assert own.status_code == 200
        public = await http.get(f"/api/v1/specialists/{master.id}")
        assert_error(public, 404, "RESOURCE_NOT_FOUND")
        # Verifying does not skip the approval; the approval waits for verifying.
        admin = await admin_headers(app, http)
        approve = f"/api/v1/admin/tenants/{business.id}/approve"
        refused = assert_error(
            await http.put(approve, headers=admin), 422, "BUSINESS_RULE_VIOLATION"
        )
        assert "verified their email" in refused["message"]
        await verify_email(http, account)
        business, _, _ = await _business_of(app, account.id)
        assert business.status is BusinessStatus.PENDING
        assert (await http.put(approve, headers=admin)).status_code == 200
        assert (await http.get(f"/api/v1/specialists/{master.id}")).status_code == 200


async def test_a_name_that_slugs_to_a_reserved_word_gets_a_suffix(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # "Services" and "!" slug to `services`, a path word of the public pages.
    account = await register(client, userType="specialist", firstName="Services", lastName="!")
    business, _, _ = await _business_of(app, account.id)
    assert business.subdomain == "services-2"
    other = await register(client, userType="specialist", firstName="Services", lastName="Li")
    assert (await _business_of(app, other.id))[0].subdomain == "services-li"


async def test_failed_registration_leaves_no_business(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = registration(userType="specialist", firstName="Weak", lastName="Password")
    body["password"] = "short"
    assert_error(await client.post("/api/v1/auth/register", json=body), 400, "VALIDATION_ERROR")
    database: Database = app.state.db
    async with database.session() as session:
        assert (await session.execute(select(Business))).first() is None


def test_subdomain_base_is_dns_safe() -> None:
    assert subdomain_base("Ana Müller") == "ana-muller"
    assert subdomain_base("Айгүл Қасымова") == "aygul-qasymova"
    assert subdomain_base("  --O'Neil & Co!! ") == "o-neil-co"
    assert subdomain_base("李") == "specialist"
    assert subdomain_base("Al") == "al-specialist"
    long = subdomain_base("x" * 40 + " " + "y" * 40)
    assert len(long) <= 55
    assert not long.endswith("-")
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in long)


def test_free_subdomain_takes_the_smallest_free_suffix() -> None:
    assert free_subdomain("anna", set()) == "anna"
    assert free_subdomain("anna", {"anna", "anna-2", "anna-4"}) == "anna-3"
    assert free_subdomain("admin", set()) == "admin-2"
    # Every name business registration refuses is skipped, not only a few hosts.
    assert free_subdomain("services", set()) == "services-2"
    assert free_subdomain("master", {"master-2"}) == "master-3"
    assert len(free_subdomain("a" * 55, {"a" * 55})) <= 63
