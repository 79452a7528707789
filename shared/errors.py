"""Typed domain errors. Raised anywhere in ``shared/``; rendered once as problem+json by the API."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidTransition(DomainError):
    status, code, title = 409, "invalid_transition", "Action not allowed in this state"


class VersionMismatch(DomainError):
    status, code, title = 412, "version_mismatch", "The resource has changed"


class Invalid(DomainError):
    """A well-formed request whose values break a business rule (422)."""

    status, code, title = 422, "validation_error", "Invalid input"


class IdempotencyKeyReused(DomainError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused"


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"
