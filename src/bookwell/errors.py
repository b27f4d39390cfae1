"""Domain errors with stable codes, and the one table that maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    field: str
    message: str
    code: str


class DomainError(Exception):
    """An error the API reports to its client in the error envelope."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    status_code: ClassVar[int] = 500
    default_message: ClassVar[str] = "Something went wrong"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        # The request fails, but what it wrote so far (e.g. a revocation) is committed.
        self.keep_changes = keep_changes
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"
    status_code = 400
    default_message = "Invalid request data"

    @classmethod
    def on(cls, field_name: str, message: str, code: str = "INVALID") -> ValidationFailed:
        """A validation error about one field."""
        return cls(details=[ErrorDetail(field_name, message, code)])


class AuthenticationRequired(DomainError):
    code = "AUTHENTICATION_REQUIRED"
    status_code = 401
    default_message = "Valid authentication required"

    def __init__(self, message: str | None = None, *, keep_changes: bool = False) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"}, keep_changes=keep_changes)


class InsufficientPermissions(DomainError):
    code = "INSUFFICIENT_PERMISSIONS"
    status_code = 403
    default_message = "You do not have permission to do this"


class BusinessSuspended(InsufficientPermissions):
    """A suspended business is read-only for its side until a super admin reactivates it."""

    code = "BUSINESS_SUSPENDED"
    default_message = (
        "The business is suspended: its data can be read, but changes are refused "
        "until a super admin reactivates it"
    )


class BusinessRejected(InsufficientPermissions):
    """A rejected business may only be edited and resubmitted for approval."""

    code = "BUSINESS_REJECTED"
    default_message = (
        "The business was rejected: only its settings may change "
        "(PUT /businesses/{id}) before it is resubmitted for approval"
    )


class EmailNotVerified(DomainError):
    """The signed-in user must first prove they own their email (POST /auth/verify-email)."""

    code = "EMAIL_NOT_VERIFIED"
    status_code = 403
    default_message = (
        "Verify your email first: POST /auth/verify-email with the code sent to it "
        "(POST /auth/verify-email/request sends a new one)"
    )


class NotFound(DomainError):
    code = "RESOURCE_NOT_FOUND"
    status_code = 404
    default_message = "The requested resource does not exist"


class MethodNotAllowed(DomainError):
    code = "METHOD_NOT_ALLOWED"
    status_code = 405
    default_message = "This method is not allowed on this resource"


class DuplicateResource(DomainError):
    code = "DUPLICATE_RESOURCE"
    status_code = 409
    default_message = "The resource already exists"


class BookingConflict(DomainError):
    code = "BOOKING_CONFLICT"
    status_code = 409
    default_message = "The time slot is no longer available"


class ConcurrentChange(DomainError):
    code = "CONCURRENT_CHANGE"
    status_code = 409
    default_message = "Another request changed the same data at the same moment; try again"


class CancellationNotAllowed(DomainError):
    code = "CANCELLATION_NOT_ALLOWED"
    status_code = 422
    default_message = "The booking can no longer be cancelled"


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status_code = 422
    default_message = "The Idempotency-Key was used with another request"


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    status_code = 413
    default_message = "The request body is too large"


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status_code = 415
    default_message = "The request body has an unsupported content type"


class BusinessRuleViolation(DomainError):
    code = "BUSINESS_RULE_VIOLATION"
    status_code = 422
    default_message = "The request breaks a business rule"


class RateLimitExceeded(DomainError):
    code = "RATE_LIMIT_EXCEEDED"
    status_code = 429
    default_message = "Too many requests, try again later"


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    status_code = 503
    default_message = "The service is temporarily unavailable"


class InternalError(DomainError):
    code = "INTERNAL_ERROR"
    status_code = 500
    default_message = "An unexpected error occurred"


# Starlette's HTTPException statuses mapped onto our error types (routing errors).
HTTP_STATUS_ERRORS: dict[int, type[DomainError]] = {
    400: ValidationFailed,
    401: AuthenticationRequired,
    403: InsufficientPermissions,
    404: NotFound,
    405: MethodNotAllowed,
    409: DuplicateResource,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: BusinessRuleViolation,
    429: RateLimitExceeded,
    503: ServiceUnavailable,
}
