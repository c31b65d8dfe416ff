"""`manage.py check --deploy` is clean with production settings (DEBUG off, a real secret, no emulators)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "HOME": os.environ.get("HOME", "/root"),
    "DEBUG": "0",
    # A 64-character random-looking key: Django's W009 refuses short or low-variety ones.
    "SECRET_KEY": "pR7#vX2!mK9@qL4$wN8^tB3&zC6*hJ1(dF5)gS0_yU-eI+oA=kTjHgFdSaZxCvBnM",
    "ALLOWED_HOSTS": "cplatform.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://cplatform.example.org",
    "FIREBASE_PROJECT_ID": "cplatform-prod",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "BEHIND_PROXY": "1",
}


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
