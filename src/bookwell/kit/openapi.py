"""OpenAPI helpers: error responses in the envelope, and no FastAPI default 422."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from bookwell.kit.schemas import ErrorEnvelope

_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: the request is malformed; `details` names each bad field",
    401: "AUTHENTICATION_REQUIRED: missing, invalid or expired credentials",
    403: "INSUFFICIENT_PERMISSIONS, or EMAIL_NOT_VERIFIED where a verified email is required",
    404: "RESOURCE_NOT_FOUND",
    409: "DUPLICATE_RESOURCE or another conflict",
    413: "PAYLOAD_TOO_LARGE",
    422: "BUSINESS_RULE_VIOLATION",
    429: "RATE_LIMIT_EXCEEDED (see Retry-After and RateLimit-* headers)",
    503: "SERVICE_UNAVAILABLE",
}


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[code]} for code in status_codes
    }


def install_openapi(app: FastAPI, version: str) -> None:
    """Replace FastAPI's generated 422 responses with our 400 envelope."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=version,
            description=app.description,
            routes=app.routes,
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if "HTTPValidationError" not in str(responses.get("422", "")):
                    continue
                responses.pop("422")
                if "400" not in responses:
                    responses["400"] = {
                        "description": _DESCRIPTIONS[400],
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
                            }
                        },
                    }
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
