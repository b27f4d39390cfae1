"""Mounts every domain router under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from bookwell.admin.endpoints import router as admin_router
from bookwell.auth.endpoints import router as auth_router
from bookwell.availability.endpoints import router as availability_router
from bookwell.bookings.endpoints import router as bookings_router
from bookwell.bookings.public import router as public_booking_router
from bookwell.businesses.endpoints import router as businesses_router
from bookwell.catalog.endpoints import router as catalog_router
from bookwell.guests.endpoints import router as guests_router
from bookwell.health.endpoints import router as health_router
from bookwell.public.endpoints import router as public_router
from bookwell.specialists.endpoints import router as specialists_router
from bookwell.staff.endpoints import router as staff_router
from bookwell.staff.invitation_endpoints import router as invitations_router
from bookwell.users.endpoints import router as users_router

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
for domain_router in (
    health_router,
    auth_router,
    users_router,
    businesses_router,
    specialists_router,
    staff_router,
    invitations_router,
    catalog_router,
    bookings_router,
    availability_router,  # before public_router: /public/business/availability
    public_router,
    public_booking_router,
    guests_router,
    admin_router,
):
    api_router.include_router(domain_router)
