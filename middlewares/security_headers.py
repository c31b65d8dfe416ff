"""Browser-side defences on every response: a Content-Security-Policy without inline script or
style, no framing, a strict referrer and no powerful features.

The pages' JavaScript and CSS are static files, so the policy allows only this site, plus
Stripe.js (its script, its frames and its API) on the pages that take payments. The policy is
built once from settings (STRIPE_JS_URL, STRIPE_API_BASE) so the local fake Stripe and the real
one are allowed by the same rule.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy() -> str:
    stripe_js = _origin(settings.STRIPE_JS_URL)
    stripe_api = _origin(settings.STRIPE_API_BASE) or "https://api.stripe.com"
    frames = " ".join(filter(None, [stripe_js, "https://hooks.stripe.com" if not settings.DEBUG else ""]))
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {stripe_js}".strip(),
        "style-src": "'self'",
        # Photos and covers come from our own storage routes; content images may be any https URL.
        "img-src": "'self' https: data:",
        "font-src": "'self'",
        "connect-src": f"'self' {stripe_api}",
        "frame-src": frames or "'none'",
        "frame-ancestors": "'none'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), usb=(), payment=(self)"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs page (Swagger UI) runs inline bootstrap code: it keeps its own, looser page.
        if not request.path.startswith("/api/docs/"):
            response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
