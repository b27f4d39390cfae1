"""Every failure leaves in the error envelope, with the request ID and a timestamp."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bookwell.errors import (
    HTTP_STATUS_ERRORS,
    ConcurrentChange,
    DomainError,
    ErrorDetail,
    InternalError,
    ServiceUnavailable,
    ValidationFailed,
)
from bookwell.kit.clock import utcnow

log = structlog.get_logger(__name__)


def error_payload(error: DomainError, request_id: str) -> dict[str, Any]:
    return {
        "success": False,
        "error": {
            "code": error.code,
            "message": error.message,
            "details": [
                {"field": d.field, "message": d.message, "code": d.code} for d in error.details
            ],
            "requestId": request_id,
            "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        },
    }


def request_id_of(scope_state: dict[str, Any] | None) -> str:
    return str((scope_state or {}).get("request_id", ""))


def error_response(error: DomainError, request_id: str) -> JSONResponse:
    return JSONResponse(
        error_payload(error, request_id), status_code=error.status_code, headers=error.headers
    )


def _field_of(loc: tuple[int | str, ...]) -> str:
    # ("body", "preferences", "language") -> "preferences.language"; ("query", "page") -> "page"
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


_PYDANTIC_CODES = {
    "missing": "REQUIRED",
    "extra_forbidden": "UNKNOWN_FIELD",
    "json_invalid": "MALFORMED_JSON",
    "string_too_short": "TOO_SHORT",
    "string_too_long": "TOO_LONG",
    "literal_error": "INVALID_CHOICE",
    "enum": "INVALID_CHOICE",
    "value_error": "INVALID",
    "string_pattern_mismatch": "INVALID_FORMAT",
}


def validation_details(errors: list[dict[str, Any]]) -> list[ErrorDetail]:
    details = []
    for error in errors:
        kind = str(error.get("type", "invalid"))
        message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
        field = _field_of(tuple(error.get("loc", ()))) or "body"
        if kind == "json_invalid":
            message, field = "The request body is not valid JSON", "body"
        elif kind in {"model_attributes_type", "dict_type"}:
            message = "Expected a JSON object"
        details.append(
            ErrorDetail(
                field=field,
                message=message,
                code=_PYDANTIC_CODES.get(kind, kind.upper()),
            )
        )
    return details


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc, request_id_of(request.scope.get("state")))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    error = ValidationFailed(details=validation_details(list(exc.errors())))
    return error_response(error, request_id_of(request.scope.get("state")))


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_type = HTTP_STATUS_ERRORS.get(exc.status_code)
    if error_type is None:
        error: DomainError = InternalError()
    elif exc.status_code == 404:
        error = error_type(f"No route matches {request.method} {request.url.path}")
    elif exc.status_code == 405:
        error = error_type(f"{request.method} is not allowed on {request.url.path}")
    else:
        error = error_type(str(exc.detail) if exc.detail else None)
    response = error_response(error, request_id_of(request.scope.get("state")))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database_unavailable", error=type(exc).__name__, detail=str(exc)[:300])
    error = ServiceUnavailable(
        "The database is not reachable; try again shortly", headers={"Retry-After": "5"}
    )
    return error_response(error, request_id_of(request.scope.get("state")))


# PostgreSQL gave up on the transaction because of a concurrent one (deadlock,
# serialization failure): nothing was written, and the same request may succeed now.
_RETRYABLE_SQLSTATES = {"40P01", "40001"}


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
        raise exc  # a bug: the outermost middleware answers 500 and logs it
    log.warning("database_conflict", sqlstate=getattr(exc.orig, "sqlstate", None))
    error = ConcurrentChange(headers={"Retry-After": "1"})
    return error_response(error, request_id_of(request.scope.get("state")))


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    # Lost or refused database connections and an exhausted pool are outages, not bugs.
    for unreachable in (OperationalError, InterfaceError, SQLAlchemyTimeoutError, ConnectionError):
        app.add_exception_handler(unreachable, _on_database_unreachable)
    app.add_exception_handler(DBAPIError, _on_database_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
