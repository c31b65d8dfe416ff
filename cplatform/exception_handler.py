"""One place that turns errors into the API's error shape: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from redis import exceptions as redis_exceptions
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from authentication import identity
from cplatform import errors
from firestore_operations import errors as data_errors

logger = logging.getLogger(__name__)


def to_domain_error(exc: Exception) -> errors.DomainError | None:
    """Map framework and backend exceptions onto domain errors; None for a genuine bug."""
    if isinstance(exc, errors.DomainError):
        return exc
    if isinstance(exc, drf_exceptions.ValidationError):
        return errors.ValidationError(_first_message(exc.detail), fields=_fields(exc.detail))
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "not_authenticated"
        return errors.Unauthenticated(str(exc.detail), code=code)
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return errors.PermissionDenied(str(exc.detail))
    if isinstance(exc, drf_exceptions.NotFound | Http404):
        return errors.NotFound("Not found.")
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        err = errors.DomainError(str(exc.detail), code="method_not_allowed")
        err.status = 405
        return err
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return errors.UnsupportedMediaType(str(exc.detail))
    if isinstance(exc, drf_exceptions.ParseError):
        return errors.ValidationError(f"Malformed request body: {exc.detail}", code="parse_error")
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge("The request body is too large.")
    if isinstance(exc, SuspiciousOperation):
        # Django's parser limits (too many fields or files): a malformed request, not a server fault.
        return errors.ValidationError(f"Malformed request: {exc}", code="parse_error")
    if isinstance(exc, drf_exceptions.Throttled):
        return errors.RateLimited(str(exc.detail), retry_after=int(exc.wait or 1))
    if identity.unavailable(exc):
        return errors.ServiceUnavailable("The sign-in service is not answering; please retry shortly.")
    if isinstance(exc, redis_exceptions.ConnectionError | redis_exceptions.TimeoutError):
        # The shared cache and channel layer: rate limits, revocation state, live delivery.
        return errors.ServiceUnavailable("A backing service is not answering; please retry shortly.")
    return _data_error(data_errors.translate(exc))


def _data_error(exc: data_errors.DataError | None) -> errors.DomainError | None:
    """What a data failure no service turned into a domain error means for the client."""
    if isinstance(exc, data_errors.InvalidCursor):
        return errors.ValidationError(
            "This cursor does not belong to this list; start again without it.",
            fields={"cursor": ["Invalid."]},
            code="invalid_cursor",
        )
    if isinstance(exc, data_errors.Contention | data_errors.PreconditionFailed):
        return errors.Conflict("Too many simultaneous changes to the same record; please retry.", code="contention")
    if isinstance(exc, data_errors.Unavailable):
        return errors.ServiceUnavailable("A backing service is not answering; please retry shortly.")
    if isinstance(exc, data_errors.Missing):
        return errors.NotFound("Not found.")
    if isinstance(exc, data_errors.AlreadyExists):
        return errors.Conflict("This record exists already.")
    return None


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return {}


def _flatten(value):
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return {key: _flatten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_flatten(item) for item in value]
    return str(value)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail) or "Invalid input."


def error_response(err: errors.DomainError) -> Response:
    response = Response(err.as_dict(), status=err.status)
    if isinstance(err, errors.RateLimited):
        response["Retry-After"] = str(err.retry_after)
    if isinstance(err, errors.Unauthenticated):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    err = to_domain_error(exc)
    if err is None:
        logger.exception("unhandled error in %s", context.get("view"))
        err = errors.DomainError("Something went wrong on our side; it has been logged.", code="server_error")
        err.status = 500
    return error_response(err)
