"""Schemathesis over /api/schema/ against a running daphne, as every role: no 500s, and every answer
(status, content type, body shape) is one the schema documents.

`make test` runs a short pass (FUZZ_MAX_EXAMPLES, default 4 per operation and role, fuzzing phase only);
`make fuzz` runs the long one (all phases, stateful included, many examples). Both fail on any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import call

ROOT = Path(__file__).resolve().parent.parent

# Routes that end the fuzzer's own session would turn the rest of the run into 401s: they are tested
# directly elsewhere (tests/test_session_cookie_api.py, tests/test_accounts_api.py).
SESSION_ENDING = ["api_v1_auth_logout_create", "api_v1_me_destroy"]

# Every schemathesis check runs but `positive_data_acceptance` (tests/schemathesis.toml says why, and
# lists the per-operation exceptions). FUZZ_CHECKS picks others (`FUZZ_CHECKS=all make fuzz`); a check
# named on the command line overrides those exceptions.
EXTRA_CHECKS = os.environ.get("FUZZ_CHECKS")


def seed_world(api, make_user) -> dict:
    """A teacher with a published course, an enrolled student, a linked parent and an admin."""
    teacher = make_user("teacher", "Ada Teacher")
    student = make_user("student", "Sam Student")
    parent = make_user("parent", "Pat Parent")
    admin = make_user("admin", "Ann Admin")
    course = call(
        api,
        "post",
        "/api/v1/courses",
        teacher,
        data={
            "title": "Algebra",
            "subject": "Mathematics",
            "level": "beginner",
            "language": "en",
            "status": "published",
        },
    )
    assert course.status_code == 201, course.content
    enrolled = call(api, "post", f"/api/v1/courses/{course.json()['id']}/enrollment", student, data={})
    assert enrolled.status_code in (200, 201), enrolled.content
    code = call(api, "post", "/api/v1/me/parent-link-code", student, data={}).json()["code"]
    linked = call(api, "post", "/api/v1/me/children", parent, data={"code": code})
    assert linked.status_code == 201, linked.content
    return {"teacher": teacher, "student": student, "parent": parent, "admin": admin, "anonymous": None}


def run_schemathesis(base_url: str, persona, report: Path) -> subprocess.CompletedProcess:
    # The short pass: generated requests only. `make fuzz` adds the schema's examples, the boundary
    # values of every constraint (coverage) and chains of calls (stateful), with many more examples.
    examples = os.environ.get("FUZZ_MAX_EXAMPLES", "4")
    phases = os.environ.get("FUZZ_PHASES", "fuzzing")
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(ROOT / "tests" / "schemathesis.toml"),
        "run",
        f"{base_url}/api/schema/?format=json",
        "--url",
        base_url,
        *(["--checks", EXTRA_CHECKS] if EXTRA_CHECKS else []),
        "--phases",
        phases,
        "--max-examples",
        examples,
        "--seed",
        os.environ.get("FUZZ_SEED", "1"),
        # One worker: Hypothesis' lambda-source cache is not thread-safe (a "Runtime Error" otherwise).
        "--workers",
        "1",
        "--request-timeout",
        "20",
        *[arg for operation_id in SESSION_ENDING for arg in ("--exclude-operation-id", operation_id)],
        "--suppress-health-check",
        "all",
        "--no-shrink",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    if persona is not None:
        command += ["--header", f"Authorization: Bearer {persona.token}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=ROOT, check=False)


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("role", ["anonymous", "student", "teacher", "parent", "admin"])
def test_the_api_answers_every_generated_request_as_its_schema_says(role, api, make_user, live_server, tmp_path):
    world = seed_world(api, make_user)
    result = run_schemathesis(live_server, world[role], tmp_path / "junit.xml")
    output = result.stdout + result.stderr
    log = ROOT / ".local" / f"fuzz-{role}.txt"
    log.write_text(output)
    assert result.returncode == 0, f"schemathesis found failures; the whole report is in {log}\n" + output[-8000:]
    assert "No issues found" in output or "passed" in output, output[-3000:]


def test_type_checks_are_off_exactly_for_the_multipart_operations():
    # A new upload route must be listed (its text fields would fail the check), and a route that stops
    # taking multipart must leave the list (it would go unchecked).
    schema = Client().get("/api/schema/?format=json").json()
    multipart = {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
        if any(kind.startswith("multipart/") for kind in operation.get("requestBody", {}).get("content", {}))
    }
    config = tomllib.loads((ROOT / "tests" / "schemathesis.toml").read_text())
    [untyped] = [
        op
        for op in config["operations"]
        if op.get("checks", {}).get("negative_data_rejection", {}).get("enabled") is False
    ]
    assert set(untyped["include-operation-id"]) == multipart
