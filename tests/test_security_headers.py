"""Browser-side defences on every page and API answer."""

from __future__ import annotations

from django.test import Client, override_settings

from middlewares.security_headers import content_security_policy


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";")) if part}


def test_pages_carry_a_policy_without_inline_script_or_style():
    response = Client().get("/auth/login/")
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_api_answers_carry_it_too(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401 and "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_stripe_js_is_the_only_outside_script(settings):
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = ""
    policy = content_security_policy()
    assert "script-src 'self' https://js.stripe.com;" in policy
    assert "connect-src 'self' https://api.stripe.com;" in policy


def test_no_template_has_inline_script_or_style():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if "<style" in text or 'style="' in text or " onclick=" in text or " onload=" in text:
            offenders.append(str(path))
        for line in text.splitlines():
            if "<script" in line and "src=" not in line:
                offenders.append(f"{path}: {line.strip()}")
    assert offenders == []


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_sent_to_https_except_health_checks():
    client = Client()
    response = client.get("/auth/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
