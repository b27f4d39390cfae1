"""The tenant wall. Every query on tenant-owned rows goes through a TenantRepository,
which adds `business_id = :tenant` to every statement; who may act on a business is
decided once, in BusinessAccess."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.errors import InsufficientPermissions
from bookwell.models import ApiKey, Business, BusinessRole, User, UserType

ModelT = TypeVar("ModelT", bound=Any)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, an API key, or (for public routes) nobody."""

    user: User | None = None
    api_key: ApiKey | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None

    @property
    def api_key_id(self) -> uuid.UUID | None:
        return self.api_key.id if self.api_key else None

    @property
    def is_super_admin(self) -> bool:
        return self.user is not None and self.user.user_type is UserType.SUPER_ADMIN


@dataclass(frozen=True, slots=True)
class BusinessAccess:
    """What the actor may do in one business."""

    business: Business
    actor: Actor
    roles: frozenset[BusinessRole] = frozenset()
    # Locations a manager (or master) is tied to.
    location_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def business_id(self) -> uuid.UUID:
        return self.business.id

    @property
    def is_full(self) -> bool:
        """Owner, super admin, or the business's own API key: everything."""
        return (
            self.actor.is_super_admin
            or BusinessRole.OWNER in self.roles
            or (
                self.actor.api_key is not None
                and self.actor.api_key.business_id == self.business.id
            )
        )

    def can_manage_location(self, location_id: uuid.UUID | None) -> bool:
        if self.is_full:
            return True
        if BusinessRole.MANAGER not in self.roles:
            return False
        return location_id is None or location_id in self.location_ids

    @property
    def is_manager(self) -> bool:
        return self.is_full or BusinessRole.MANAGER in self.roles

    def require_full(self) -> None:
        if not self.is_full:
            raise InsufficientPermissions("Only the business owner may do this")

    def require_manager(self, location_id: uuid.UUID | None = None) -> None:
        if not self.can_manage_location(location_id):
            raise InsufficientPermissions(
                "Only the owner or a manager of this location may do this"
            )


class TenantRepository(Generic[ModelT]):
    """Base of every repository of tenant-owned rows: all statements are scoped."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, business_id: uuid.UUID) -> None:
        self.session = session
        self.business_id = business_id

    def scoped(self, statement: Select[Any] | None = None) -> Select[Any]:
        base = statement if statement is not None else select(self.model)
        return base.where(self.model.business_id == self.business_id)

    async def get(self, row_id: uuid.UUID) -> ModelT | None:
        result = await self.session.execute(self.scoped().where(self.model.id == row_id))
        row: ModelT | None = result.scalar_one_or_none()
        return row

    async def count(self, statement: Select[Any] | None = None) -> int:
        query = self.scoped(statement if statement is not None else select(self.model))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        return int(total or 0)

    async def add(self, row: ModelT) -> ModelT:
        row.business_id = self.business_id
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, row: ModelT) -> None:
        if row.business_id != self.business_id:
            raise InsufficientPermissions("Row belongs to another business")
        await self.session.delete(row)
        await self.session.flush()
