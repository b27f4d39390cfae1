"""Public pages of active businesses, by subdomain in the path or in the Host."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.businesses.repository import LocationRepository
from bookwell.errors import NotFound
from bookwell.models import Business, Location, Master, Service, User
from bookwell.public.repository import (
    PublicBusinessRepository,
    PublicMasterRepository,
    PublicServiceRepository,
)


def subdomain_of_host(host: str, base_domain: str) -> str | None:
    """`acme` for the Host `acme.bookwell.test:8000` when BASE_DOMAIN is
    `bookwell.test`; None for any other host (the bare domain, deeper names, IPs)."""
    name = host.strip().lower()
    if name.startswith("["):
        return None
    head, colon, port = name.rpartition(":")
    if colon and port.isdigit():
        name = head
    name = name.rstrip(".")
    suffix = "." + base_domain.strip().lower().rstrip(".")
    if not name.endswith(suffix):
        return None
    label = name[: -len(suffix)]
    if not label or "." in label:
        return None
    return label


async def business_by_subdomain(session: AsyncSession, subdomain: str | None) -> Business:
    """The active business with this subdomain; pending, rejected and suspended ones
    are missing to the public, the same as unknown ones."""
    business = (
        await PublicBusinessRepository(session).active_by_subdomain(subdomain)
        if subdomain
        else None
    )
    if business is None:
        raise NotFound("Business not found")
    return business


async def locations(session: AsyncSession, business: Business) -> list[Location]:
    return await LocationRepository(session, business.id).active()


async def services(
    session: AsyncSession, business: Business
) -> list[tuple[Service, list[uuid.UUID]]]:
    """Active services with the ids of the active masters who deliver them."""
    found = await PublicServiceRepository(session, business.id).active()
    masters = await PublicMasterRepository(session, business.id).active_master_ids(
        [service.id for service in found]
    )
    return [(service, masters.get(service.id, [])) for service in found]


async def masters(session: AsyncSession, business: Business) -> list[tuple[Master, User]]:
    return await PublicMasterRepository(session, business.id).active()
