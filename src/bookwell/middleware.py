"""ASGI middleware: request context and access log, security headers, time limit,
rate limits. Pure ASGI (no BaseHTTPMiddleware) so streaming and cancellation work."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

import anyio
import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookwell.auth.tokens import read_access_token
from bookwell.config import Settings
from bookwell.errors import (
    AuthenticationRequired,
    DomainError,
    InternalError,
    RateLimitExceeded,
    ServiceUnavailable,
    ValidationFailed,
)
from bookwell.exception_handlers import error_response
from bookwell.kit.ratelimit import LimitState, RateLimiter
from bookwell.kit.text import MESSAGE, has_control_characters
from bookwell.metrics import Metrics

log = structlog.get_logger("bookwell.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def _security_headers(scope: Scope, settings: Settings) -> list[tuple[bytes, bytes]]:
    path: str = scope.get("path", "")
    if path.startswith("/api/docs/ui") or path.startswith("/api/docs/assets"):
        # Swagger UI runs its own scripts and styles, served from this origin.
        csp = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        )
    else:
        csp = "default-src 'none'; img-src 'self'; frame-ancestors 'none'"
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", csp.encode()),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if scope.get("scheme") == "https":
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


def _route_template(scope: Scope) -> str:
    """The matched route as a template (`/api/v1/users/{id}`), to keep metric labels few."""
    if "route" not in scope:
        return "unmatched"
    path: str = scope["path"]
    values = {str(value): name for name, value in scope.get("path_params", {}).items()}
    for value, name in values.items():
        if "/" in value and path.endswith(value):  # a mount's {path:path} remainder
            path = path.removesuffix(value) + "{" + name + "}"
    segments = [
        "{" + values[segment] + "}" if segment in values else segment for segment in path.split("/")
    ]
    return "/".join(segments)


class RequestContextMiddleware:
    """Outermost: gives every request an ID, logs it, counts it, adds security
    headers, and turns any uncaught exception into a 500 envelope."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else f"req_{uuid.uuid4()}"
        state = _state(scope)
        state["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        extra_headers = [(b"x-request-id", request_id.encode())]
        extra_headers += _security_headers(scope, self.settings)

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in extra_headers:
                    if name.decode() not in headers:
                        headers.append(name.decode(), value.decode())
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled_error", method=scope["method"], path=scope["path"])
            if not response_started:
                await error_response(InternalError(), request_id)(scope, receive, send_with_headers)
        finally:
            duration = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(duration)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(duration * 1000, 2),
                user_id=state.get("user_id"),
                client_ip=(scope.get("client") or ("", 0))[0],
            )
            structlog.contextvars.clear_contextvars()


class TimeoutMiddleware:
    """A request that runs past the limit is cancelled and answered 503."""

    def __init__(self, app: ASGIApp, timeout_seconds: float) -> None:
        self.app = app
        self.timeout = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with anyio.move_on_after(self.timeout) as deadline:
            await self.app(scope, receive, tracking_send)
        if deadline.cancelled_caught:
            log.warning("request_timeout", path=scope["path"], timeout_s=self.timeout)
            if not response_started:
                error = ServiceUnavailable(
                    f"The request took longer than {self.timeout:g} seconds and was stopped",
                    headers={"Retry-After": "5"},
                )
                await error_response(error, str(_state(scope).get("request_id", "")))(
                    scope, receive, send
                )


class PrintableInputMiddleware:
    """The path and the query string follow the text rule of kit/text.py (bodies get it
    from RequestModel): a control character is a 400 naming the parameter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = _unprintable_field(scope)
            if field is not None:
                error = ValidationFailed.on(field, MESSAGE, "CONTROL_CHARACTERS")
                await error_response(error, str(_state(scope).get("request_id", "")))(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


def _unprintable_field(scope: Scope) -> str | None:
    if has_control_characters(scope["path"]):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if has_control_characters(name) or has_control_characters(value):
            return name if not has_control_characters(name) else "query"
    return None


class RateLimitMiddleware:
    """Global limits per client IP, per-user limits per signed-in user (seed 001)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, settings: Settings) -> None:
        self.app = app
        self.limiter = limiter
        self.settings = settings

    def _user_of(self, scope: Scope) -> str | None:
        authorization = Headers(scope=scope).get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return str(read_access_token(self.settings, token.strip()).user_id)
        except AuthenticationRequired:
            return None

    async def _states(self, scope: Scope) -> list[LimitState]:
        rules = self.limiter.rules
        path: str = scope["path"]
        ip = (scope.get("client") or ("unknown", 0))[0]
        states = []
        if path.startswith("/api/v1/auth/"):
            state = await self.limiter.hit(rules.global_auth, "global-auth", ip)
        else:
            state = await self.limiter.hit(rules.global_default, "global", ip)
        if state:
            states.append(state)
        user_id = self._user_of(scope)
        if user_id is not None:
            writes = scope["method"] not in {"GET", "HEAD", "OPTIONS"}
            if writes and path.startswith("/api/v1/bookings"):
                item, bucket = rules.user_bookings, "user-bookings"
            elif writes and path.startswith("/api/v1/payments/"):
                item, bucket = rules.user_payments, "user-payments"
            else:
                item, bucket = rules.user_default, "user"
            state = await self.limiter.hit(item, bucket, user_id)
            if state:
                states.append(state)
        return states

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.limiter.enabled
            or not scope["path"].startswith("/api/v1/")
            or scope["path"] == "/api/v1/health"
        ):
            await self.app(scope, receive, send)
            return
        states = await self._states(scope)
        if not states:
            await self.app(scope, receive, send)
            return
        denied = [s for s in states if not s.allowed]
        shown = denied[0] if denied else min(states, key=lambda s: s.remaining)
        if denied:
            error: DomainError = _too_many(shown)
            await error_response(error, str(_state(scope).get("request_id", "")))(
                scope, receive, send
            )
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in shown.headers().items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_limits)


def _too_many(state: LimitState) -> DomainError:
    return RateLimitExceeded(
        f"Rate limit exceeded: {state.limit} requests allowed; retry in {state.reset_after} s",
        headers=state.headers(),
    )
