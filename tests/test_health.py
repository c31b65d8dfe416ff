"""Liveness, readiness (answered within its timeout even when a backend hangs), the schema and the docs."""

from __future__ import annotations

import re
import time

from cplatform import health
from tests.conftest import assert_error


def broken_probe() -> None:
    raise ConnectionError("backend unreachable")


def hanging_probe() -> None:
    time.sleep(2)


class TestHealthz:
    def test_it_answers_without_credentials(self, api):
        response = api.get("/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok"}

    def test_a_bad_token_does_not_matter(self, api):
        assert api.get("/healthz", HTTP_AUTHORIZATION="Bearer junk").status_code == 200


class TestReadyz:
    def test_it_is_ready_when_every_backend_answers(self, api):
        response = api.get("/readyz")
        assert response.status_code == 200, response.content
        assert response.json() == {"status": "ready", "checks": {"firestore": "ok", "auth": "ok", "storage": "ok"}}

    def test_a_failing_probe_is_503_in_the_error_shape(self, api, monkeypatch):
        monkeypatch.setitem(health.PROBES, "storage", broken_probe)
        error = assert_error(api.get("/readyz"), 503, "unavailable")
        assert "storage" in error["message"]
        assert error["checks"]["storage"].startswith("error") and error["checks"]["firestore"] == "ok"

    def test_a_hanging_probe_is_503_within_the_timeout(self, api, monkeypatch):
        monkeypatch.setitem(health.PROBES, "auth", hanging_probe)
        monkeypatch.setattr(health, "TIMEOUT", 0.5)
        started = time.monotonic()
        response = api.get("/readyz")
        elapsed = time.monotonic() - started
        error = assert_error(response, 503, "unavailable")
        assert error["checks"]["auth"] == "timeout"
        assert elapsed < 1.5


class TestSchemaAndDocs:
    def test_the_schema_is_openapi_3(self, api):
        response = api.get("/api/schema/?format=json")
        assert response.status_code == 200, response.content[:500]
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/me" in schema["paths"] and "/api/v1/admin/users/{uid}" in schema["paths"]
        assert {"firebaseIdToken", "sessionCookie"} <= set(schema["components"]["securitySchemes"])

    def test_the_schema_needs_no_sign_in(self, api):
        assert api.get("/api/schema/").status_code == 200

    def test_the_docs_load_only_our_own_assets(self, api):
        response = api.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+""", html)
        assert external == [], external
        assert "cdn" not in html.lower()
        assets = re.findall(r"""(?:src|href)\s*=\s*["'](/static/[^"']+)""", html)
        assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
        for asset in assets:
            assert api.get(asset).status_code == 200, asset
