"""Error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from cplatform import errors


def _answer(request, err: errors.DomainError, status: int, title: str):
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        return JsonResponse(err.as_dict(), status=status)
    return render(request, "error.html", {"title": title, "message": err.message, "status": status}, status=status)


def not_found(request, exception=None):
    return _answer(request, errors.NotFound("Nothing lives at this address."), 404, "Page not found")


def forbidden(request, exception=None):
    return _answer(request, errors.PermissionDenied("You may not open this page."), 403, "Not allowed")


def bad_request(request, exception=None):
    return _answer(request, errors.ValidationError("The request could not be understood."), 400, "Bad request")


def server_error(request):
    err = errors.DomainError("Something went wrong on our side; it has been logged.", code="server_error")
    return _answer(request, err, 500, "Something went wrong")


@csrf_exempt  # it changes nothing, and a POST to an unknown API address is a 404, not a CSRF refusal
def api_not_found(request, exception=None):
    return not_found(request, exception)


def csrf_failure(request, reason: str = ""):
    """Django's CSRF refusal: the error shape under /api/, the "form expired" page elsewhere."""
    if request.path.startswith("/api/"):
        err = errors.PermissionDenied("CSRF check failed: send the X-CSRFToken header with a session cookie.")
        return JsonResponse(err.as_dict(), status=403)
    return render(request, "403_csrf.html", status=403)
