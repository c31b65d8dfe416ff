"""`manage.py check --deploy` is clean with production settings: no warning at all, one silenced on purpose.

Production here: DEBUG off, a long random SECRET_KEY, ALLOWED_HOSTS set, a real project id, Redis,
and none of the emulator variables (settings refuse those with DEBUG off). The one silenced check,
security.W021 (HSTS preload), is explained next to SILENCED_SYSTEM_CHECKS in cplatform/settings.py.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "cplatform.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://cplatform.example.com",
        "FIREBASE_PROJECT_ID": "cplatform-production",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "BEHIND_PROXY": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout, result.stdout + result.stderr
