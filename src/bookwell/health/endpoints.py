"""Liveness (/health) and readiness with details (/api/v1/health)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bookwell import __version__
from bookwell.errors import ErrorDetail, ServiceUnavailable
from bookwell.exception_handlers import error_payload, request_id_of
from bookwell.kit.clock import utcnow
from bookwell.kit.openapi import error_responses

liveness_router = APIRouter(tags=["health"])
router = APIRouter(tags=["health"])

_CHECK_TIMEOUT = 3.0


@liveness_router.get("/health", summary="Liveness: the process is up (no dependencies checked)")
async def liveness() -> dict[str, str]:
    return {"status": "ok"}


async def _database_status(request: Request) -> dict[str, Any]:
    db = request.app.state.db
    status: dict[str, Any] = {"dialect": db.dialect, "pool": db.pool_stats()}
    try:
        latency = await asyncio.wait_for(db.ping(), _CHECK_TIMEOUT)
    except Exception as exc:
        status.update(status="down", error=type(exc).__name__)
    else:
        status.update(status="up", latencyMs=round(latency, 2))
    return status


async def _redis_status(request: Request) -> dict[str, Any]:
    redis = request.app.state.redis
    if redis is None:
        return {"status": "not_configured", "mode": "in-process"}
    started = time.perf_counter()
    try:
        await asyncio.wait_for(redis.ping(), _CHECK_TIMEOUT)
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up", "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


@router.get(
    "/health",
    summary="Readiness: database and Redis status, pool stats, version, uptime",
    description="503 when the database is down; `status: degraded` when only Redis is.",
    responses=error_responses(503),
)
async def readiness(request: Request) -> JSONResponse:
    database, redis = await asyncio.gather(_database_status(request), _redis_status(request))
    report = {
        "status": "healthy",
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "version": __version__,
        "uptimeSeconds": round(time.monotonic() - request.app.state.started_at, 1),
        "services": {"database": database, "redis": redis},
    }
    if database["status"] != "down":
        # Without Redis the API still serves (limits fail open): degraded, not down.
        if redis["status"] == "down":
            report["status"] = "degraded"
        return JSONResponse({"success": True, "data": report})
    report["status"] = "unhealthy"
    error = ServiceUnavailable(
        "The database is not reachable",
        details=[ErrorDetail("database", "is not reachable", "UNAVAILABLE")],
    )
    body = error_payload(error, request_id_of(request.scope.get("state")))
    body["data"] = report
    return JSONResponse(body, status_code=503)
