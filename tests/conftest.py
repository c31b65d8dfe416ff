"""Shared fixtures: the emulators, named personas with real Firebase ID tokens, API clients, a live server.

Run through `make test`, which starts the Auth, Firestore and Storage emulators and sets their
*_EMULATOR_HOST variables. Personas: owner_teacher, other_teacher, student, other_student,
parent (linked to `student`), admin.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests import emulators

ROOT = Path(__file__).resolve().parent.parent

if not os.environ.get("FIRESTORE_EMULATOR_HOST") or not os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"):
    raise pytest.UsageError(
        "The tests need the emulators: run `make test` (or `python scripts/stack.py test -- pytest ...`)."
    )

PASSWORD = "correct-horse-7"


def pytest_configure(config):
    from firestore_operations import metrics

    metrics.start_recording_shapes()


def pytest_collection_modifyitems(config, items):
    """Browser tests last (a stable sort keeps each module's order): see tests/browser.py."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_sessionfinish(session, exitstatus):
    """Every query the suite ran must have its composite index in firestore.indexes.json."""
    from firestore_operations import metrics
    from tests.index_check import missing_indexes

    missing = missing_indexes(metrics.recorded_shapes(), json.loads((ROOT / "firestore.indexes.json").read_text()))
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line("\nQueries without a composite index in firestore.indexes.json:", red=True)
        for index in missing:
            reporter.write_line(json.dumps(index), red=True)
        if session.exitstatus == 0:
            session.exitstatus = 1


@pytest.fixture(autouse=True)
def background_inline(request, settings):
    """Outbox entries run inside the test process (Django's mail outbox, the memory push transport),
    except in tests marked `worker`, which go through Redis to the stack's real Celery worker."""
    settings.TASKS_INLINE = request.node.get_closest_marker("worker") is None
    return settings.TASKS_INLINE


@pytest.fixture(autouse=True)
def clean_state(request):
    """Every test starts with empty Firestore and Auth emulators and an empty cache."""
    from django.core.cache import cache

    emulators.clear_firestore()
    emulators.clear_auth()
    cache.clear()
    yield


@dataclass
class Persona:
    uid: str
    email: str
    password: str
    role: str
    name: str
    token: str

    @property
    def auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def refresh_token(self) -> str:
        self.token = emulators.sign_in(self.email, self.password)["idToken"]
        return self.token


@pytest.fixture
def make_user():
    """make_user(role, name=None, email=None) -> Persona with a fresh ID token."""
    from authentication import identity, services
    from firestore_operations import users as user_store

    counter = {"n": 0}

    def make(role: str, name: str | None = None, email: str | None = None) -> Persona:
        counter["n"] += 1
        name = name or f"{role.title()} Person{counter['n']}"
        email = email or f"{role}{counter['n']}@example.com"
        if role == "admin":
            profile = services.create_admin(email=email, password=PASSWORD, display_name=name)
        else:
            profile = services.register_user(email=email, password=PASSWORD, display_name=name, role=role)
        # The personas' addresses count as proven (as after opening the verification link).
        identity.mark_email_verified(profile["id"])
        user_store.update_profile(profile["id"], {"email_verified": True})
        token = emulators.sign_in(email, PASSWORD)["idToken"]
        return Persona(uid=profile["id"], email=email, password=PASSWORD, role=role, name=name, token=token)

    return make


@pytest.fixture
def owner_teacher(make_user):
    return make_user("teacher", name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def other_teacher(make_user):
    return make_user("teacher", name="Grace Hopper", email="grace@example.com")


@pytest.fixture
def student(make_user):
    return make_user("student", name="Sam Student", email="sam@example.com")


@pytest.fixture
def other_student(make_user):
    return make_user("student", name="Olive Outsider", email="olive@example.com")


@pytest.fixture
def parent(make_user, student):
    from firestore_operations import users

    persona = make_user("parent", name="Pat Parent", email="pat@example.com")
    users.link_parent_and_child(persona.uid, student.uid)
    return persona


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Alex Admin", email="alex@example.com")


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def call(api, method: str, path: str, persona: Persona | None = None, **kwargs):
    """api call with the persona's Bearer token; JSON bodies by default."""
    headers = persona.auth if persona else {}
    if "data" in kwargs and "format" not in kwargs:
        kwargs["format"] = "json"
    return getattr(api, method)(path, **kwargs, **headers)


def wait_next_second() -> None:
    """Token `iat` has one-second resolution: revoke in a later second than the token was issued."""
    time.sleep(1.05 - (time.time() % 1))


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


# --- live server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DEBUG": "1", **(extra_env or {})}
    log = open(ROOT / ".local" / f"daphne-test-{port}.log", "wb")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "cplatform.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited early; see {log.name}")
        try:
            requests.get(f"{url}/healthz", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("daphne did not start within 30 s")


@pytest.fixture(autouse=True)
def _live_server_helper():
    """Replaces pytest-django's fixture of this name, which wants a SQL database for *its* live_server."""
    return


@pytest.fixture(scope="session")
def live_server():
    (ROOT / ".local").mkdir(exist_ok=True)
    proc, url = start_daphne()
    yield url
    proc.terminate()
    proc.wait(timeout=10)
