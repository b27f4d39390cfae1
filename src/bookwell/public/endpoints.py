"""HTTP routes of the public business pages (no sign-in).

A business is named by its subdomain in the path (`/public/business/acme`) or by the
Host (`acme.<BASE_DOMAIN>` + `/public/business`). The Host-routed paths are declared
first: `services`, `masters` and `availability` are reserved subdomains, so they never
shadow a tenant.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from bookwell.deps import SessionDep, SettingsDep
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, ok
from bookwell.models import Business
from bookwell.public import service
from bookwell.public.schemas import PublicBusinessOut, PublicMasterOut, PublicServiceOut

router = APIRouter(prefix="/public/business", tags=["public"])

_NOT_FOUND = error_responses(404)
_BY_HOST = (
    " The business is the one whose subdomain the request's Host names "
    "(`{subdomain}.BASE_DOMAIN`); any other Host is 404."
)


async def business_from_host(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Business:
    host = request.headers.get("host", "")
    return await service.business_by_subdomain(
        session, service.subdomain_of_host(host, settings.base_domain)
    )


async def business_from_path(
    subdomain: Annotated[str, Path(max_length=63)], session: SessionDep
) -> Business:
    return await service.business_by_subdomain(session, subdomain)


HostBusiness = Annotated[Business, Depends(business_from_host)]
PathBusiness = Annotated[Business, Depends(business_from_path)]


async def _page(session: SessionDep, business: Business) -> Envelope[PublicBusinessOut]:
    return ok(PublicBusinessOut.of(business, await service.locations(session, business)))


async def _services(session: SessionDep, business: Business) -> Envelope[list[PublicServiceOut]]:
    rows = await service.services(session, business)
    return ok([PublicServiceOut.of(s, business.currency, masters) for s, masters in rows])


async def _masters(session: SessionDep, business: Business) -> Envelope[list[PublicMasterOut]]:
    rows = await service.masters(session, business)
    return ok([PublicMasterOut.of(master, user) for master, user in rows])


@router.get(
    "",
    summary="The business of this Host: profile and locations",
    description=_BY_HOST,
    responses=_NOT_FOUND,
)
async def host_business(session: SessionDep, business: HostBusiness) -> Envelope[PublicBusinessOut]:
    return await _page(session, business)


@router.get(
    "/services",
    summary="Active services of the business of this Host",
    description=_BY_HOST,
    responses=_NOT_FOUND,
)
async def host_services(
    session: SessionDep, business: HostBusiness
) -> Envelope[list[PublicServiceOut]]:
    return await _services(session, business)


@router.get(
    "/masters",
    summary="Active masters of the business of this Host",
    description=_BY_HOST,
    responses=_NOT_FOUND,
)
async def host_masters(
    session: SessionDep, business: HostBusiness
) -> Envelope[list[PublicMasterOut]]:
    return await _masters(session, business)


@router.get(
    "/{subdomain}",
    summary="An active business: profile and locations",
    responses=_NOT_FOUND,
)
async def business_page(session: SessionDep, business: PathBusiness) -> Envelope[PublicBusinessOut]:
    return await _page(session, business)


@router.get(
    "/{subdomain}/services",
    summary="Active services of an active business (prices in major units)",
    responses=_NOT_FOUND,
)
async def business_services(
    session: SessionDep, business: PathBusiness
) -> Envelope[list[PublicServiceOut]]:
    return await _services(session, business)


@router.get(
    "/{subdomain}/masters",
    summary="Active masters of an active business",
    responses=_NOT_FOUND,
)
async def business_masters(
    session: SessionDep, business: PathBusiness
) -> Envelope[list[PublicMasterOut]]:
    return await _masters(session, business)
