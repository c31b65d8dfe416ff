"""The Dockerfile and compose.yaml, read as files (no Docker daemon or registry is reachable here):
a slim non-root image with runtime dependencies only, and app + worker + beat + Redis in compose."""

from __future__ import annotations

import json
import re

import yaml
from django.core.management import call_command

from cplatform import background
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    rows = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def final_stage() -> list[tuple[str, str]]:
    rows = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(rows) if keyword == "FROM")
    return rows[last_from:]


def test_the_image_is_python_slim():
    assert final_stage()[0] == ("FROM", "python:3.11-slim")


def test_the_processes_run_as_a_non_root_user():
    stage = final_stage()
    users = [(i, args) for i, (keyword, args) in enumerate(stage) if keyword == "USER"]
    assert users, "no USER in the final stage"
    index, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    entry = max(i for i, (keyword, _) in enumerate(stage) if keyword in ("ENTRYPOINT", "CMD"))
    assert index < entry
    assert not any(keyword == "RUN" for keyword, _ in stage[index:]), "nothing runs as root after USER"


def test_only_runtime_dependencies_are_installed():
    runs = " ".join(args for keyword, args in instructions() if keyword == "RUN")
    assert "pip install" in runs and "-r requirements.txt" in runs
    copied = " ".join(args for keyword, args in instructions() if keyword in ("COPY", "ADD", "RUN"))
    assert "requirements-dev" not in copied
    assert "--omit=dev" in runs  # npm: Pico CSS, not firebase-tools
    dev_only = {line.split("==")[0].lower() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()}
    runtime = {line.split("==")[0].lower() for line in (ROOT / "requirements.txt").read_text().splitlines()}
    assert not ({"pytest", "ruff", "playwright", "localstripe", "gcp-storage-emulator"} & runtime)
    assert {"pytest", "ruff"} <= dev_only


def test_static_files_are_collected_and_daphne_serves():
    runs = " ".join(args for keyword, args in final_stage() if keyword == "RUN")
    assert "collectstatic --noinput" in runs
    [entrypoint] = [args for keyword, args in final_stage() if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint)[:1] == ["daphne"] and "cplatform.asgi:application" in entrypoint


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", ".local", "tests"} <= set(ignored)


def test_compose_runs_app_worker_beat_and_redis_from_one_image():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "app", "worker", "beat"}
    assert services["app"]["build"] == "."
    images = {services[name]["image"] for name in ("app", "worker", "beat")}
    assert images == {"cplatform:latest"}
    assert services["worker"]["entrypoint"][:4] == ["celery", "-A", "cplatform", "worker"]
    assert services["beat"]["entrypoint"][:4] == ["celery", "-A", "cplatform", "beat"]
    for name in ("app", "worker", "beat"):
        env = services[name]["environment"]
        assert env["CELERY_BROKER_URL"].startswith("redis://") and env["REDIS_URL"].startswith("redis://")
        assert env["FIREBASE_PROJECT_ID"].startswith("demo-")  # the emulators only take demo- projects
        assert "redis" in services[name]["depends_on"]


def test_outbox_status_prints_the_alert_figures(capsys):
    background.enqueue("no.such.task", {})  # runs inline: fails at once
    call_command("outbox_status")
    assert json.loads(capsys.readouterr().out) == {"overdue": 0, "oldest_seconds": 0.0, "failed": 1}


def test_storage_rules_deny_every_client_and_are_deployed():
    # The Storage emulator cannot run here (docs/testing.md): the file itself is checked instead.
    rules = re.sub(r"//.*", "", (ROOT / "storage.rules").read_text())
    assert json.loads((ROOT / "firebase.json").read_text())["storage"]["rules"] == "storage.rules"
    assert re.search(r"service firebase\.storage", rules)
    grants = re.findall(r"allow ([\w, ]+): if ([^;]+);", rules)
    assert grants == [("read, write", "false")]
