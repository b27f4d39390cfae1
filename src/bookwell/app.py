"""The application factory and the lifespan that owns the engine, Redis and limiter."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    generate_latest,
    start_http_server,
)
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bookwell import __version__
from bookwell.api import api_router
from bookwell.bookings.expiry import sweep_forever
from bookwell.config import Settings, load_settings, reveal
from bookwell.db import Database
from bookwell.errors import AuthenticationRequired
from bookwell.exception_handlers import install_exception_handlers
from bookwell.health.endpoints import liveness_router
from bookwell.kit.cache import MemoryCache, RedisCache
from bookwell.kit.openapi import install_openapi
from bookwell.kit.ratelimit import RateLimiter
from bookwell.kit.storage import MEDIA_PREFIX, LocalStorage, create_storage
from bookwell.logging import configure_logging
from bookwell.metrics import Metrics, metrics_registry
from bookwell.middleware import (
    PrintableInputMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    TimeoutMiddleware,
)

_SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """\
One API for the web app, the Telegram bot and the Telegram Mini App.

Every success is `{"success": true, "data": ...}`; every failure is
`{"success": false, "error": {"code", "message", "details", "requestId", "timestamp"}}`.
Authenticate with `Authorization: Bearer <accessToken>` (from `/api/v1/auth/login`),
or with a business API key (`X-API-Key` or `Authorization: ApiKey <key>`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    database = Database(settings)
    redis_url = reveal(settings.redis_url)
    redis = aioredis.from_url(redis_url) if redis_url else None
    limiter = RateLimiter(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.started_at = time.monotonic()
        metrics_listener = (
            # One worker process: this app's registry on its own port. With several,
            # `bookwell serve` listens once, in the parent process.
            start_http_server(settings.metrics_port, addr="127.0.0.1", registry=metrics.registry)[0]
            if settings.metrics_port and not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            else None
        )
        sweeper = (
            asyncio.create_task(sweep_forever(database, settings.expiry_sweep_seconds))
            if settings.expiry_sweep_seconds > 0
            else None
        )
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            if metrics_listener is not None:
                metrics_listener.shutdown()
                metrics_listener.server_close()
            await database.dispose()
            if redis is not None:
                await redis.aclose()

    app = FastAPI(
        title="Bookwell API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/docs",
        docs_url=None,
        redoc_url=None,
        debug=settings.debug,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.redis = redis
    app.state.rate_limiter = limiter
    app.state.metrics = metrics
    app.state.storage = create_storage(settings)
    app.state.cache = RedisCache(redis) if redis is not None else MemoryCache()
    app.state.started_at = time.monotonic()

    install_exception_handlers(app)
    install_openapi(app, __version__)
    app.include_router(liveness_router)
    app.include_router(api_router)
    _mount_docs_and_metrics(app, metrics)
    if isinstance(app.state.storage, LocalStorage):
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        app.mount(MEDIA_PREFIX, StaticFiles(directory=settings.uploads_dir), name="media")

    # Added inner to outer: the request context wraps everything, then CORS, time limit.
    app.add_middleware(PrintableInputMiddleware)
    app.add_middleware(RateLimitMiddleware, limiter=limiter, settings=settings)
    app.add_middleware(TimeoutMiddleware, timeout_seconds=settings.request_timeout_seconds)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    app.add_middleware(RequestContextMiddleware, settings=settings, metrics=metrics)
    if settings.forwarded_allow_ips:
        # Outermost: every per-IP limit, log line and session sees the same client
        # address, taken from X-Forwarded-For only when the peer is a trusted proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app


def _mount_docs_and_metrics(app: FastAPI, metrics: Metrics) -> None:
    app.mount("/api/docs/assets", StaticFiles(directory=_SWAGGER_ASSETS), name="docs-assets")

    @app.get("/api/docs/ui", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/docs",
            title="Bookwell API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon.png",
        )

    token = reveal(app.state.settings.metrics_token)
    if token is None:
        return  # /metrics on the API port only for whoever holds METRICS_TOKEN

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            raise AuthenticationRequired("/metrics needs Authorization: Bearer METRICS_TOKEN")
        return Response(generate_latest(metrics_registry(metrics)), media_type=CONTENT_TYPE_LATEST)
