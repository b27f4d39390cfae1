"""Mounts every domain router under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from bookwell.auth.endpoints import router as auth_router
from bookwell.health.endpoints import router as health_router
from bookwell.users.endpoints import router as users_router

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
api_router.include_router(health_router)
api_router.include_router(auth_router)
api_router.include_router(users_router)
