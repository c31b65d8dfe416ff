"""Domain errors. Services raise them; one handler turns them into the API, page and socket answers.

Each class says when to use it; `code` is the stable machine-readable string clients switch on.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client may see. Never raised directly."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return {"error": body}


class ValidationError(DomainError):
    """The input is well-formed but breaks a rule (bad value, out of range). `fields` names the culprits."""

    code = "invalid"
    status = 400


class Unauthenticated(DomainError):
    """No credentials, or credentials that are invalid, expired or revoked."""

    code = "not_authenticated"
    status = 401


class PermissionDenied(DomainError):
    """The actor is known but may not do this (wrong role, not the owner, not a member)."""

    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    """The object does not exist (or the actor may not know that it does)."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, overlapping, wrong status)."""

    code = "conflict"
    status = 409


class PaymentRequired(DomainError):
    """The action needs a completed payment first."""

    code = "payment_required"
    status = 402


class PayloadTooLarge(DomainError):
    """An upload is over its size limit."""

    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    """An upload's content is not one of the accepted types (judged by content, not by name)."""

    code = "unsupported_media_type"
    status = 415


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds tells the client when to try again."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A backing service (Firestore, Auth, Storage) failed or is unreachable; retrying may help."""

    code = "unavailable"
    status = 503
