"""Catalog test data written straight to the database through `app.state.db`."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert

from bookwell.db import Database
from bookwell.models import (
    Business,
    BusinessStatus,
    Category,
    Location,
    Master,
    Service,
    User,
    service_masters,
)

_counter = itertools.count(1)
WEEKDAY_HOURS = {
    day: [{"start": "09:00", "end": "17:00"}]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}


@dataclass
class CatalogBuilder:
    app: FastAPI

    @property
    def db(self) -> Database:
        database: Database = self.app.state.db
        return database

    async def category(
        self,
        category_id: str,
        names: dict[str, str] | None = None,
        descriptions: dict[str, str] | None = None,
        sort_order: int = 0,
    ) -> str:
        """Create or overwrite a category (SQLite copies already hold the defaults)."""
        async with self.db.session() as session:
            await session.merge(
                Category(
                    id=category_id,
                    names=names or {"en": category_id.title()},
                    descriptions=descriptions or {},
                    icon=f"{category_id}-icon.svg",
                    sort_order=sort_order,
                )
            )
        return category_id

    async def business(
        self,
        name: str = "Studio",
        *,
        status: BusinessStatus = BusinessStatus.ACTIVE,
        currency: str = "USD",
        locations: list[tuple[str, str]] | None = None,
        auto_confirm: bool = False,
    ) -> uuid.UUID:
        n = next(_counter)
        async with self.db.session() as session:
            business = Business(
                name=name,
                subdomain=f"biz{n}-{uuid.uuid4().hex[:8]}",
                status=status,
                currency=currency,
                auto_confirm=auto_confirm,
            )
            session.add(business)
            await session.flush()
            for location_name, address in locations or []:
                session.add(
                    Location(
                        business_id=business.id,
                        name=location_name,
                        address=address,
                        timezone="UTC",
                    )
                )
            return business.id

    async def master(
        self,
        business_id: uuid.UUID,
        first_name: str = "Alex",
        last_name: str = "Smith",
        *,
        rating: str = "4.50",
        total_reviews: int = 10,
        specialties: list[str] | None = None,
        working_hours: dict[str, Any] | None = None,
        is_active: bool = True,
        user_active: bool = True,
        is_verified: bool = False,
        auto_confirm: bool | None = None,
        avatar_url: str | None = None,
    ) -> uuid.UUID:
        n = next(_counter)
        async with self.db.session() as session:
            user = User(
                email=f"master{n}-{uuid.uuid4().hex[:8]}@example.com",
                first_name=first_name,
                last_name=last_name,
                is_active=user_active,
                avatar_url=avatar_url,
            )
            session.add(user)
            await session.flush()
            master = Master(
                business_id=business_id,
                user_id=user.id,
                rating=Decimal(rating),
                total_reviews=total_reviews,
                specialties=specialties or [],
                working_hours=WEEKDAY_HOURS if working_hours is None else working_hours,
                is_active=is_active,
                is_verified=is_verified,
                auto_confirm=auto_confirm,
                description=f"{first_name} {last_name} at work",
            )
            session.add(master)
            await session.flush()
            return master.id

    async def service(
        self,
        business_id: uuid.UUID,
        name: str,
        *,
        masters: list[uuid.UUID],
        description: str = "",
        price: int = 10_000,
        category: str | None = None,
        is_active: bool = True,
        duration: int = 60,
        long_description: str = "",
        requirements: list[str] | None = None,
        deliverables: list[str] | None = None,
    ) -> uuid.UUID:
        """`price` in minor units of the business currency."""
        async with self.db.session() as session:
            service = Service(
                business_id=business_id,
                name=name,
                description=description,
                long_description=long_description,
                price=price,
                category_id=category,
                is_active=is_active,
                duration_minutes=duration,
                requirements=requirements or [],
                deliverables=deliverables or [],
            )
            session.add(service)
            await session.flush()
            if masters:
                await session.execute(
                    insert(service_masters),
                    [{"service_id": service.id, "master_id": m} for m in masters],
                )
            return service.id

    async def offer(
        self,
        name: str,
        *,
        description: str = "",
        price: int = 10_000,
        category: str | None = None,
        rating: str = "4.50",
        total_reviews: int = 10,
        **master_options: Any,
    ) -> uuid.UUID:
        """A service of a new active business with one new active master."""
        business_id = await self.business(f"{name} studio")
        master_id = await self.master(
            business_id, rating=rating, total_reviews=total_reviews, **master_options
        )
        return await self.service(
            business_id,
            name,
            masters=[master_id],
            description=description,
            price=price,
            category=category,
        )

    async def update_service(self, service_id: uuid.UUID, **values: Any) -> None:
        async with self.db.session() as session:
            service = await session.get(Service, service_id)
            assert service is not None
            for key, value in values.items():
                setattr(service, key, value)
