"""Demo data (`bookwell seed-demo`): what it creates, that its accounts sign in, that
it is reproducible and safe to run twice."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.db import Database
from bookwell.demo import DEMO_PASSWORD, DemoOptions, DemoSummary, seed_demo
from bookwell.demo_content import CATEGORIES
from bookwell.kit.hours import check_timezone, normalize_week
from bookwell.models import (
    Business,
    BusinessRole,
    Category,
    Location,
    Master,
    Membership,
    Service,
    User,
    UserType,
    service_masters,
)
from tests.conftest import AppFactory, client_for, make_settings
from tests.factories import assert_error
from tests.test_cli import data_dir, invoke, login, text_of

__all__ = ["data_dir"]  # the fixture, shared with the CLI tests

OPTIONS = DemoOptions(businesses=4, specialists=10, services_per_master=4, seed=7)
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


async def seed(database: Database, options: DemoOptions = OPTIONS) -> DemoSummary:
    async with database.session() as session:
        return await seed_demo(session, options)


async def count(session: AsyncSession, model: Any) -> int:
    return (await session.scalar(select(func.count()).select_from(model))) or 0


async def test_seed_demo_fills_businesses_people_and_services(app_factory: AppFactory) -> None:
    app = await app_factory()
    database: Database = app.state.db
    summary = await seed(database)

    assert not summary.skipped
    assert summary.businesses == OPTIONS.businesses + OPTIONS.specialists
    async with database.session() as session:
        assert {c.id for c in CATEGORIES} <= set(await session.scalars(select(Category.id)))
        businesses = list(await session.scalars(select(Business)))
        assert len(businesses) == summary.businesses
        assert Counter(b.is_solo for b in businesses) == {
            True: OPTIONS.specialists,
            False: OPTIONS.businesses,
        }
        assert {b.status.value for b in businesses} == {"active"}
        assert len({b.subdomain for b in businesses}) == len(businesses)
        for business in businesses:
            check_timezone(business.timezone)
            normalize_week(business.opening_hours)
        assert len({b.currency for b in businesses}) >= 3
        assert len({b.timezone for b in businesses}) >= 3

        per_business = Counter(await session.scalars(select(Location.business_id)))
        for business in businesses:
            assert per_business[business.id] in ({1} if business.is_solo else {2, 3})
        assert sum(per_business.values()) == summary.locations

        masters = list(await session.scalars(select(Master)))
        assert len(masters) == summary.masters
        for master in masters:
            normalize_week(master.working_hours)
            check_timezone(master.timezone)
            assert 0 <= master.rating <= 5
            assert len(master.locations) == 1
            assert master.description
        assert any(m.rating >= 4 and m.total_reviews > 0 for m in masters)

        services = list(await session.scalars(select(Service)))
        assert len(services) == summary.services
        assert all(s.price > 0 and s.duration_minutes > 0 and s.description for s in services)
        linked = set(await session.scalars(select(service_masters.c.service_id)))
        assert linked == {s.id for s in services}  # every service has a master
        names = [s.name for s in services]
        assert any(KAZAKH_LETTERS.search(n) for n in names)
        assert any(CYRILLIC.search(n) and not KAZAKH_LETTERS.search(n) for n in names)
        assert any(n.isascii() for n in names)

        memberships = (
            await session.execute(
                select(Membership.business_id, Membership.user_id, Membership.role)
            )
        ).all()
        roles = Counter(role for _, _, role in memberships)
        assert roles[BusinessRole.OWNER] == len(businesses)
        assert roles[BusinessRole.MASTER] == len(masters)
        assert roles[BusinessRole.MANAGER] == summary.locations - OPTIONS.specialists
        solo = {b.id for b in businesses if b.is_solo}
        for business_id in solo:
            people = {(user, role) for bid, user, role in memberships if bid == business_id}
            (owner,) = {user for user, role in people if role is BusinessRole.OWNER}
            assert people == {(owner, BusinessRole.OWNER), (owner, BusinessRole.MASTER)}
            assert [m.user_id for m in masters if m.business_id == business_id] == [owner]

        users = list(await session.scalars(select(User)))
        assert len(users) == summary.users
        assert len({u.password_hash for u in users}) == 1  # hashed once
        specialists = {u.id for u in users if u.user_type is UserType.SPECIALIST}
        assert specialists == {m.user_id for m in masters}
        assert all(u.email and u.email.endswith(".demo") for u in users)


async def test_demo_accounts_sign_in_through_the_api(app_factory: AppFactory) -> None:
    app: FastAPI = await app_factory()
    summary = await seed(app.state.db)
    assert [who for who, _ in summary.logins] == [
        "business owner",
        "manager",
        "master",
        "solo specialist",
    ]
    async with client_for(app) as http:
        for who, email in summary.logins:
            response = await http.post(
                "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, (who, response.text)
            user = response.json()["data"]["user"]
            expected = "customer" if who in {"business owner", "manager"} else "specialist"
            assert user["userType"] == expected
        wrong = await http.post(
            "/api/v1/auth/login",
            json={"email": summary.logins[0][1], "password": DEMO_PASSWORD + "x"},
        )
        assert_error(wrong, 401, "AUTHENTICATION_REQUIRED")


async def test_second_run_changes_nothing_but_restores_missing_categories(
    app_factory: AppFactory,
) -> None:
    database: Database = (await app_factory()).state.db
    await seed(database)
    async with database.session() as session:
        before = [await count(session, model) for model in (Business, User, Service, Master)]
        await session.execute(delete(Category).where(Category.id == "legal"))

    again = await seed(database, DemoOptions(seed=99))
    assert again.skipped
    assert again.categories_added == 1
    async with database.session() as session:
        after = [await count(session, model) for model in (Business, User, Service, Master)]
        assert await session.get(Category, "legal") is not None
    assert after == before


async def _snapshot(database: Database) -> list[tuple[Any, ...]]:
    async with database.session() as session:
        rows = await session.execute(
            select(Service.id, Service.name, Service.price, Business.subdomain)
            .join(Business, Business.id == Service.business_id)
            .order_by(Service.id)
        )
        return [tuple(row) for row in rows]


async def test_the_same_seed_gives_the_same_data(tmp_path: Path, sqlite_template: Path) -> None:
    snapshots = []
    for name, seed_value in (("a", 5), ("b", 5), ("c", 6)):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        database = Database(make_settings(tmp_path, f"sqlite:///{path}"))
        try:
            await seed(database, DemoOptions(businesses=2, specialists=5, seed=seed_value))
            snapshots.append(await _snapshot(database))
        finally:
            await database.dispose()
    assert snapshots[0] == snapshots[1]
    assert snapshots[0] != snapshots[2]


def test_seed_demo_command_shows_progress_and_the_password(data_dir: Path, tmp_path: Path) -> None:
    args = ("seed-demo", "--businesses", "1", "--specialists", "3", "--services-per-master", "2")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    output = text_of(result)
    assert "4/4" in output  # the progress bar finished
    assert "businesses │ 4" in output
    assert DEMO_PASSWORD in output
    emails = re.findall(r"owner@[a-z0-9-]+\.demo", output)
    assert len(emails) == 2  # the business owner and a solo specialist

    database = data_dir / "bookwell.db"
    for email in emails:
        response = login(tmp_path, database, email, DEMO_PASSWORD)
        assert response.status_code == 200, response.text

    again = invoke(*args)
    assert again.exit_code == 0, again.output
    assert "already there" in text_of(again)
