"""The tenant wall. Every query on tenant-owned rows goes through a TenantRepository,
which adds `business_id = :tenant` to every statement; who may act on a business is
decided once, in BusinessAccess; what a business's status leaves its side free to
change is decided once, in `require_writable` (and for its API keys in
`require_key_usable`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.errors import BusinessRejected, BusinessSuspended, InsufficientPermissions
from bookwell.models import ApiKey, Business, BusinessRole, BusinessStatus, User, UserType

ModelT = TypeVar("ModelT", bound=Any)

# HTTP methods that only read; every other method on a business's routes is a change.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def require_writable(business: Business, actor: Actor, *, settings: bool = False) -> None:
    """Refuse a change to the business that its status does not allow (403).

    Pending and active: as the actor's roles allow (the owner prepares a pending
    business). Suspended: nothing changes (BUSINESS_SUSPENDED) until it is reactivated;
    reads go on. Rejected: only its settings and the resubmission (`settings=True`);
    anything else is BUSINESS_REJECTED. A super admin, who decides about the business,
    is never refused."""
    if actor.is_super_admin:
        return
    if business.status is BusinessStatus.SUSPENDED:
        raise BusinessSuspended()
    if business.status is BusinessStatus.REJECTED and not settings:
        raise BusinessRejected()


def require_key_usable(business: Business) -> None:
    """A suspended or rejected business's API keys are refused outright, reads too:
    nobody is at the keyboard to be shown why, and the business is not trading."""
    if business.status is BusinessStatus.SUSPENDED:
        raise BusinessSuspended(
            "The API key's business is suspended: its keys are refused until a super "
            "admin reactivates it"
        )
    if business.status is BusinessStatus.REJECTED:
        raise BusinessRejected(
            "The API key's business was rejected: its keys are refused unless it is "
            "resubmitted and approved"
        )


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

    def require_writable(self, *, settings: bool = False) -> None:
        """The business's status allows this actor a change (see `require_writable`)."""
        require_writable(self.business, self.actor, settings=settings)

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
