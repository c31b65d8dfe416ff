"""What every web page shares: the role gate, error pages, form errors and one-shot flash messages.

Pages obey the same role sets (middlewares.roles) and the same check as the API's ApiView, so a rule
never differs between a page and the endpoint behind it. A page that forgets its roles is closed.
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from cplatform import errors
from cplatform.exception_handler import to_domain_error
from cplatform.serializers import validate_input
from cplatform.uploads import limits
from middlewares.firebase_auth import page_actor
from middlewares.roles import check_roles

LOGIN_URL = "/auth/login/"
FLASH_COOKIE = "flash"
FLASH_SALT = "cplatform.flash"
FIX_FIELDS = "Please correct the fields marked below."
STALE_LIST_PAGE = "That page of the list is out of date. Here is the first page."
# Statuses a form keeps when it fails: the others are all "your input needs fixing" (400), but a
# 429 or 503 tells the browser and any proxy that trying again later is the remedy.
_RETRY_STATUSES = (429, 503)
_REDIRECTS = (301, 302, 303, 307, 308)
ERROR_TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "That clashes with something",
    413: "File too large",
    415: "File type not accepted",
    429: "Slow down a little",
    500: "Something went wrong",
    503: "Back in a moment",
}


# --- the gate ------------------------------------------------------------------------------------


def page(*, roles, back: str | None = None):
    """Admit `roles` (a role set from middlewares.roles, or PUBLIC) to a page view.

    Anonymous visitors of a protected page go to the login page with `?next=`; signed-in users of
    the wrong role get the 403 page. Domain errors the view lets through become error pages (an
    expired session mid-request goes back to login). `request.actor` is the verified Actor (or the
    anonymous stand-in on public pages) and `request.flash` the message left by the previous page.

    Post/redirect/get: `back` (a path with the view's keyword arguments, "/courses/{course_id}/")
    is the page a POST-only view belongs to. A GET there is redirected to it (a bookmarked or
    reloaded form address never shows a bare 405; without `back`, the parent path), and a POST
    that answers with a page (a form with errors) tells the browser, through `request.page_url`
    (base.html, static/js/page.js), to show that page's address, so a reload never re-submits.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            home = back.format(**kwargs) if back else None
            if home and request.method in ("GET", "HEAD"):
                return HttpResponseRedirect(home)
            request.page_url = home or request.get_full_path()
            actor = page_actor(request)
            try:
                check_roles(actor, roles)
            except errors.Unauthenticated:
                return redirect_to_login(request)
            except errors.PermissionDenied as exc:
                return error_page(request, exc)
            if actor is not None:
                request.actor = actor
            request.flash = _read_flash(request)
            try:
                response = view(request, *args, **kwargs)
            except Exception as exc:
                err = to_domain_error(exc)
                if err is None:
                    raise
                if isinstance(err, errors.Unauthenticated):
                    return redirect_to_login(request)
                if _is_stale_list_page(request, err):
                    # An old bookmark or a list that changed under a "Next page" link: its first page.
                    kept = {name: value for name, value in request.GET.items() if name != "cursor"}
                    first = f"{request.path}?{urlencode(kept)}" if kept else request.path
                    return flash(HttpResponseRedirect(first), STALE_LIST_PAGE)
                response = error_page(request, err)
            if response.status_code == 405 and request.method in ("GET", "HEAD"):
                return HttpResponseRedirect(_parent_path(request.path))
            # The message was shown on this page: forget it (unless the view leaves a new one, or
            # redirects before anything was rendered).
            if (
                FLASH_COOKIE in request.COOKIES
                and FLASH_COOKIE not in response.cookies
                and response.status_code not in _REDIRECTS
            ):
                response.delete_cookie(FLASH_COOKIE, samesite="Lax")
            # The navigation bar (and usually the content) depends on who is signed in: never let a
            # browser or proxy show a signed-in page after logout (back button) or to someone else.
            add_never_cache_headers(response)
            return response

        wrapper.page_roles = roles
        return wrapper

    return decorate


def _is_stale_list_page(request, err: errors.DomainError) -> bool:
    """A list page asked with a cursor the list refused (a page view that did not catch it itself)."""
    return (
        request.method in ("GET", "HEAD")
        and bool(request.GET.get("cursor"))
        and isinstance(err, errors.ValidationError)
        and "cursor" in err.fields
    )


def _parent_path(path: str) -> str:
    """/courses/x/enrol/ -> /courses/x/: where a POST-only address without a declared page leads."""
    parent = path.rstrip("/").rsplit("/", 1)[0]
    return f"{parent}/" if parent else "/"


def is_bad_input(exc: Exception) -> bool:
    """Whether a failure means "the request's input is wrong" (a 400), e.g. a stale list cursor."""
    return isinstance(to_domain_error(exc), errors.ValidationError)


def redirect_to_login(request) -> HttpResponseRedirect:
    # After login a GET page is opened again; a form's POST cannot be replayed, so it goes home.
    if request.method == "GET":
        return HttpResponseRedirect(f"{LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
    return HttpResponseRedirect(LOGIN_URL)


def safe_next(request, target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects via ?next=)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return target
    return default


def error_page(request, err: errors.DomainError):
    """The friendly error page for a domain error, with the error's status."""
    status = err.status
    context = {"title": ERROR_TITLES.get(status, "That did not work"), "message": err.message, "status": status}
    response = render(request, "error.html", context, status=status)
    if isinstance(err, errors.RateLimited):
        response["Retry-After"] = str(err.retry_after)
    return response


# --- CSRF after the fact -------------------------------------------------------------------------


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_failure(request) -> str | None:
    """Run Django's CSRF check now; the reason it fails, or None.

    For views marked csrf_exempt that must do something before the body is parsed (an upload limit)
    and so cannot let the middleware read the form first. Everything else relies on the middleware.
    """
    check = _CsrfCheck(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


# --- form errors ---------------------------------------------------------------------------------


CSRF_REFUSED = "This form has expired or came from another site. Reload the page and try again."
# The failures an upload form shows next to its fields; anything else becomes an error page.
UPLOAD_FAILURES = (errors.ValidationError, errors.PayloadTooLarge, errors.UnsupportedMediaType)


def read_upload_page(request, *, max_bytes: int, field: str) -> dict:
    """An upload form's body read the API's way: capped before anything parses it (the view is
    csrf_exempt for that reason), parsed by DRF's parsers, then the CSRF check. Raises PayloadTooLarge,
    PermissionDenied (csrf_failed)."""
    limit = limits.install_upload_limit(request, max_bytes=max_bytes)
    body = limits.read_upload_form(Request(request, parsers=[MultiPartParser(), FormParser()]), limit, field=field)
    if csrf_failure(request):
        raise errors.PermissionDenied(CSRF_REFUSED, code="csrf_failed")
    return body


@dataclass
class FormErrors:
    """What a failed form shows: one message on top, and messages next to the fields they are about.

    `others` holds problems with no field on this form, so nothing the service said is lost.
    Templates read `errors.fields.<name>` (a list of messages, or nothing).
    """

    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    status: int = 400
    retry_after: int | None = None

    def __bool__(self) -> bool:
        return bool(self.message or self.fields or self.others)


def render_form(request, template: str, context: dict, *failures: FormErrors):
    """Render a page holding forms; its status is the worst of their failures (200 when none failed)."""
    failed = [failure for failure in failures if failure]
    response = render(request, template, context, status=max((f.status for f in failed), default=200))
    retry_after = max((f.retry_after or 0 for f in failed), default=0)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def validate_form(serializer_class, data, **kwargs) -> dict:
    """Validate with the API's own input serializer, so a page and the API apply the same rules.

    Raises cplatform.errors.ValidationError with the serializer's field errors.
    """
    try:
        return validate_input(serializer_class, data, **kwargs)
    except drf_exceptions.ValidationError as exc:
        raise errors.ValidationError(FIX_FIELDS, fields=to_domain_error(exc).fields) from exc


def form_errors(
    domain: errors.DomainError, *, field_names: Iterable[str] = (), aliases: dict[str, str] | None = None
) -> FormErrors:
    """Turn a domain error into FormErrors for one form.

    Error paths are dotted (`teacher.hourly_rate.amount`; list indexes are dropped); `aliases` maps a
    path (or a parent path) to the form's field name, else a path equal to one of `field_names` is
    used as is.
    """
    names, aliases = set(field_names), aliases or {}
    result = FormErrors(
        message=domain.message,
        status=domain.status if domain.status in _RETRY_STATUSES else 400,
        retry_after=getattr(domain, "retry_after", None),
    )
    for path, messages in _flat_fields(domain.fields):
        target = _field_for(path, names, aliases)
        leaf = path.rsplit(".", 1)[-1]
        for message in (human_message(text, target or leaf) for text in messages):
            if target is None:
                label = path.rsplit(".", 1)[-1].replace("_", " ") if path else ""
                text = f"{label.capitalize()}: {message}" if label and label != "non field errors" else message
                if text not in result.others and text != result.message:
                    result.others.append(text)
            elif message not in result.fields.setdefault(target, []):
                result.fields[target].append(message)
    if result.message == FIX_FIELDS and not result.fields:
        result.message = "Please correct the following."
    return result


# Django REST framework's default messages, said the way a person filling in a form needs to hear them.
# One place for every page (form_errors runs each message through human_message).
_DEFAULT_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^This field (may not be blank|is required|may not be null)\.$"), "Please fill this in."),
    (re.compile(r"^A valid integer is required\.$"), "Enter a whole number, such as 3."),
    (re.compile(r"^A valid number is required\.$"), "Enter a number, such as 2.5."),
    (re.compile(r"^Ensure this value is greater than or equal to (\S+)\.$"), "Use {0} or more."),
    (re.compile(r"^Ensure this value is less than or equal to (\S+)\.$"), "Use {0} or less."),
    (re.compile(r"^Ensure this field has no more than (\d+) characters\.$"), "Use at most {0} characters."),
    (re.compile(r"^Ensure this field has at least (\d+) characters\.$"), "Use at least {0} characters."),
    (re.compile(r"^Ensure this field has no more than (\d+) elements\.$"), "Give at most {0}."),
    (re.compile(r"^Ensure this field has at least (\d+) elements\.$"), "Give at least {0}."),
    (re.compile(r"^This list may not be empty\.$"), "Choose at least one."),
    (re.compile(r'^".*" is not a valid choice\.$'), "Choose one of the options in the list."),
    (re.compile(r"^This value does not match the required pattern\.$"), "This is not in the expected form."),
    (re.compile(r"^Enter a valid URL\.$"), "Enter a full web address, starting with https://"),
    (re.compile(r"^Enter a valid email address\.$"), "Enter an email address such as name@example.com."),
    (re.compile(r"^Datetime has wrong format\..*"), "Pick a date and a time."),
    (re.compile(r"^Date has wrong format\..*"), "Pick a date."),
    (re.compile(r"^Must be a valid boolean\.$"), "Choose yes or no."),
    (re.compile(r"^Not a valid string\.$"), "Enter some text."),
    (re.compile(r"^Expected a (list|dictionary) of items but got type .*"), "This is not in the expected form."),
    (re.compile(r"^The submitted data was not a file\..*|^No file was submitted\.$"), "Choose a file to upload."),
    (re.compile(r"^The submitted file is empty\.$"), "That file is empty; choose another one."),
    (re.compile(r"^Unknown field\.$"), "This form sent something unexpected; reload the page and try again."),
]
# What a pattern field expects, by the form field's name (the generic text above is the fallback).
PATTERN_HINTS = {
    "language": "Choose a language from the list.",
    "currency": "Choose a currency from the list.",
    "locale": "Choose a language and region from the list.",
    "start": "Use a time such as 09:00.",
    "end": "Use a time such as 17:30.",
    "phone": "Digits, spaces, brackets and dashes, optionally starting with +.",
    "code": "Enter the 8-character code (letters and digits) from your child's profile.",
}


# Fields whose every default message is better said one way (a choice made with radio buttons).
FIELD_MESSAGES = {
    "rating": "Choose a rating from 1 to 5 stars.",
    "level": "Choose a level from the list.",
    "status": "Choose one of the options in the list.",
}


def human_message(message: str, field_name: str = "") -> str:
    """A framework default message rewritten for a person ("This field may not be blank." -> "Please
    fill this in."); messages our own code wrote pass through unchanged."""
    for pattern, text in _DEFAULT_MESSAGES:
        match = pattern.match(message)
        if match:
            if field_name in FIELD_MESSAGES:
                return FIELD_MESSAGES[field_name]
            if text == "This is not in the expected form." and field_name in PATTERN_HINTS:
                return PATTERN_HINTS[field_name]
            return text.format(*match.groups())
    return message


def _flat_fields(fields, prefix: str = ""):
    if isinstance(fields, dict):
        for key, value in fields.items():
            # List items ("subjects.3") are reported on the list's own field.
            part = "" if isinstance(key, int) or str(key).isdigit() else str(key)
            path = f"{prefix}.{part}" if prefix and part else (part or prefix)
            yield from _flat_fields(value, path)
    elif isinstance(fields, list):
        texts = [item for item in fields if isinstance(item, str)]
        if texts:
            yield prefix, texts
        for item in fields:
            if not isinstance(item, str):
                yield from _flat_fields(item, prefix)
    elif fields:
        yield prefix, [str(fields)]


def _field_for(path: str, names: set[str], aliases: dict[str, str]) -> str | None:
    parts = path.split(".") if path else []
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in aliases:
            return aliases[candidate]
        if candidate in names:
            return candidate
    return None


# --- flash messages ------------------------------------------------------------------------------


def flash(response, message: str):
    """Leave a message for the next page the browser opens (after a redirect). Returns the response.

    Signed, so nobody can plant text on our pages through a cookie; encoded, so any language fits
    in a cookie value.
    """
    response.set_cookie(
        FLASH_COOKIE,
        signing.dumps(message, salt=FLASH_SALT),
        max_age=120,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _read_flash(request) -> str:
    value = request.COOKIES.get(FLASH_COOKIE)
    if not value:
        return ""
    try:
        message = signing.loads(value, salt=FLASH_SALT, max_age=300)
    except signing.BadSignature:
        return ""
    return message if isinstance(message, str) else ""


def parse_money(amount: str, currency: str, *, if_empty: str = "", zero_is_empty: bool = False):
    """({amount in minor units, currency} or None when left empty, problems) from a form's text.

    `if_empty` finishes the error messages (", or leave it empty for a free course").
    """
    amount = amount.strip().replace(",", ".")
    if not amount or (zero_is_empty and amount in ("0", "0.0", "0.00")):
        return None, []
    try:
        value = decimal.Decimal(amount)
    except decimal.InvalidOperation:
        return None, [f"Enter an amount such as 25 or 25.50{if_empty}."]
    if not value.is_finite() or value < 0:
        return None, [f"Enter an amount of zero or more, such as 25 or 25.50{if_empty}."]
    if value.as_tuple().exponent < -2:
        return None, ["Use at most two decimals."]
    return {"amount": int(value * 100), "currency": currency.strip().upper()}, []
