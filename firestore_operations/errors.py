"""The data layer's own errors: the only failures that leave `firestore_operations`.

Google's exception classes stay below this line, so services, the exception handler, pages and
consumers never import `google.*`. Services decide what a data error means for the user (a missing
course is a 404, a contention a 409); this module only says what happened to the data.
"""

from __future__ import annotations

from google.api_core import exceptions as google_exceptions


class DataError(Exception):
    """Base of every data-layer failure. Never raised directly."""


class Missing(DataError):
    """A document the operation needs does not exist (an update of a deleted record)."""


class AlreadyExists(DataError):
    """A document that must be new exists already (a create that lost a race, a duplicate id)."""


class PreconditionFailed(DataError):
    """A document changed since it was read; the caller may re-read and try again."""


class Contention(DataError):
    """Too many simultaneous changes to the same documents: retries were exhausted."""


class InvalidCursor(DataError, ValueError):
    """A list cursor that was not made by us, or was made for another list."""


class Unavailable(DataError):
    """Firestore or Cloud Storage did not answer in time or refused the call; retrying may help."""


class StorageUnreachable(Unavailable):
    """Cloud Storage refused the connection or did not answer within STORAGE_TIMEOUT_SECONDS.

    Raised from inside google-cloud-storage's HTTP session (firestore_operations.client), so its
    own retry loop, which knows only requests' exceptions, gives up at once instead of for 120 s.
    """


_TRANSLATIONS: tuple[tuple[type[Exception] | tuple[type[Exception], ...], type[DataError]], ...] = (
    (google_exceptions.NotFound, Missing),
    (google_exceptions.AlreadyExists, AlreadyExists),
    (google_exceptions.FailedPrecondition, PreconditionFailed),
    (google_exceptions.Aborted, Contention),
    (
        (
            google_exceptions.DeadlineExceeded,
            google_exceptions.ServiceUnavailable,
            google_exceptions.InternalServerError,
            google_exceptions.ResourceExhausted,
            # A deadline-bounded retry of UNAVAILABLE that ran out (firestore_operations.client).
            google_exceptions.RetryError,
        ),
        Unavailable,
    ),
)


def translate(exc: BaseException) -> DataError | None:
    """The data error a backend exception stands for, or None when it is not a backend failure.

    The one place a google exception becomes something the rest of the code understands; the
    exception handler calls it for whatever escapes a data function unconverted.
    """
    if isinstance(exc, DataError):
        return exc
    for google_type, data_type in _TRANSLATIONS:
        if isinstance(exc, google_type):
            error = data_type(str(exc))
            error.__cause__ = exc
            return error
    return None
