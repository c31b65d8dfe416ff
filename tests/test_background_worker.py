"""Durable background work against the test stack's real Celery worker and Redis.

The worker (started by scripts/stack.py, beat inside, relaying every second) writes its email as
files in TEST_MAIL_DIR through tests/mail_backend.py, whose HOLD gate lets a test catch it mid-task.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from cplatform import background
from cplatform.celery import app as celery_app
from firestore_operations import outbox
from firestore_operations.client import db
from tests.conftest import ROOT, assert_error, call

pytestmark = pytest.mark.worker

BROKER = os.environ.get("CELERY_BROKER_URL", "")
MAIL_DIR = Path(os.environ.get("TEST_MAIL_DIR", ROOT / ".local" / "mail-missing"))


@pytest.fixture(autouse=True)
def stack_worker(settings):
    if not BROKER or not MAIL_DIR.is_dir():
        pytest.fail("run through scripts/stack.py test: it starts Redis and the Celery worker", pytrace=False)
    settings.CELERY_BROKER_URL = BROKER
    yield
    (MAIL_DIR / "HOLD").unlink(missing_ok=True)


# --- helpers -----------------------------------------------------------------------------------


def wait_until(predicate, *, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}", pytrace=False)


def mails_with(text: str) -> list[str]:
    """Every email the worker wrote that contains `text` (a file may hold several messages)."""
    found = []
    for path in MAIL_DIR.glob("*.log"):
        for message in path.read_text(errors="replace").split("-" * 79):
            if text in message:
                found.append(message)
    return found


def entries_of(task: str) -> list[dict]:
    return [
        {**snap.to_dict(), "id": snap.id} for snap in db().collection("outbox").stream() if snap.get("task") == task
    ]


def hold_mail() -> Path:
    gate = MAIL_DIR / "HOLD"
    gate.write_text("closed")
    return gate


def sending_markers() -> set[str]:
    return {path.name for path in MAIL_DIR.glob("sending-*")}


def enable_message_email(api, persona) -> None:
    body = {"groups": {"messages": {"email": True, "push": True}}}
    assert call(api, "put", "/api/v1/notifications/settings", persona, data=body).status_code == 200


def add_device(api, persona, token: str) -> None:
    response = call(api, "post", "/api/v1/me/devices", persona, data={"token": token, "platform": "android"})
    assert response.status_code in (200, 201), response.content


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the request does not wait -----------------------------------------------------------------


def test_a_direct_message_is_answered_before_its_email_and_push_go_out(api, other_teacher, owner_teacher):
    enable_message_email(api, owner_teacher)
    add_device(api, owner_teacher, "token-teacher-aaaaaaaaaaaa")
    text = f"hello {uuid.uuid4().hex}"
    before = sending_markers()
    hold_mail()  # the worker's mail server "hangs" until the gate opens

    rid = f"dm-{uuid.uuid4().hex[:12]}"
    response = call(
        api,
        "post",
        f"/api/v1/messages/{owner_teacher.uid}",
        other_teacher,
        data={"content": text},
        HTTP_X_REQUEST_ID=rid,
    )

    assert response.status_code == 201, response.content
    [email_entry] = entries_of("email.send")
    assert email_entry["payload"]["to"] == [owner_teacher.email]
    assert email_entry["status"] != "done" and mails_with(text) == []
    # The worker has the email in hand while the client already has its answer.
    wait_until(lambda: sending_markers() - before, what="the worker to start sending")
    (MAIL_DIR / "HOLD").unlink()
    [mail] = wait_until(lambda: mails_with(text), what="the email")
    assert f"To: {owner_teacher.email}" in mail
    [push_entry] = wait_until(
        lambda: [entry for entry in entries_of("notification.push") if entry["status"] == "done"], what="the push"
    )
    assert push_entry["result"] == {"pushed": 1, "forgotten": 0}
    wait_until(lambda: outbox.get_entry(email_entry["id"])["status"] == "done", what="the email entry done")
    # The request's id travelled with the task: the worker's log lines about it carry it.
    assert email_entry["request_id"] == rid
    worker_log = Path(os.environ["TEST_WORKER_LOG"]).read_text(errors="replace")
    assert f"[{rid}] sent an email to 1 recipients" in worker_log


def test_a_direct_messages_notification_survives_a_crash_right_after_the_commit(
    api, other_teacher, owner_teacher, settings, monkeypatch
):
    """The notification is an outbox entry in the message's own batch: if the process dies before
    running it, the relay hands it to the worker, which stores it and sends its email."""
    settings.OUTBOX_KICK_GRACE_SECONDS = 0
    enable_message_email(api, owner_teacher)
    monkeypatch.setattr(background, "run_here", lambda entries: None)  # "dies" after the commit
    text = f"after the crash {uuid.uuid4().hex}"

    response = call(api, "post", f"/api/v1/messages/{owner_teacher.uid}", other_teacher, data={"content": text})

    assert response.status_code == 201, response.content
    [entry] = entries_of("notification.dispatch")
    assert entry["payload"]["recipient_uids"] == [owner_teacher.uid]
    [mail] = wait_until(lambda: mails_with(text), what="the email, sent by the worker")
    assert f"To: {owner_teacher.email}" in mail
    [item] = call(api, "get", "/api/v1/notifications", owner_teacher).json()["items"]
    assert item["kind"] == "message.new" and item["body"] == text
    assert outbox.get_entry(entry["id"])["status"] == "done"


def test_the_verification_email_is_sent_by_the_worker(api, student):
    from firebase_admin import auth

    from authentication import identity
    from firestore_operations import users as user_store

    auth.update_user(student.uid, email_verified=False, app=identity.app())
    user_store.update_profile(student.uid, {"email_verified": False})
    assert call(api, "post", "/api/v1/me/email-verification", student).status_code == 202
    [mail] = wait_until(lambda: [m for m in mails_with(student.email) if "Confirm your email" in m], what="the email")
    link = re.search(r"https?://\S+", mail.split("\n\n", 1)[1]).group(0)
    requests.get(link, timeout=10, allow_redirects=False)
    assert call(api, "get", "/api/v1/me/email-verification", student).json() == {"email_verified": True}


def test_digests_run_as_tasks(api, student):
    title = f"Queued {uuid.uuid4().hex}"
    body = {"email_mode": "daily"}
    assert call(api, "put", "/api/v1/notifications/settings", student, data=body).status_code == 200
    from messaging.notify import notify

    notify(recipient_uids=[student.uid], kind="lesson.cancelled", title=title, body="Sorry")
    assert mails_with(title) == []
    celery_app.send_task("messaging.send_digests", args=("daily",), connection=celery_app.connection_for_write(BROKER))
    [mail] = wait_until(lambda: mails_with(title), what="the digest")
    assert "Your daily summary" in mail


def test_the_beat_schedule_runs_the_relay_and_the_digests(settings):
    tasks = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert tasks["relay-outbox"] == "cplatform.relay_outbox"
    assert {tasks[f"digest-{period}"] for period in ("held", "daily", "weekly")} == {"messaging.send_digests"}


# --- idempotency -------------------------------------------------------------------------------


def test_an_entry_delivered_twice_sends_one_email():
    subject = f"Once {uuid.uuid4().hex}"
    item = background.entry("email.send", {"to": ["once@example.com"], "subject": subject, "body": "hi"})
    outbox.write_entries([item])
    background.publish([item.id, item.id])
    background.publish([item.id])
    wait_until(lambda: outbox.get_entry(item.id)["status"] == "done", what="the entry done")
    wait_until(lambda: mails_with(subject), what="the email")
    # The duplicates are claimed and skipped: the one run left attempts at 1.
    time.sleep(2)
    assert len(mails_with(subject)) == 1
    assert outbox.get_entry(item.id)["attempts"] == 1


# --- failures are kept and shown to admins -----------------------------------------------------


def test_a_task_that_cannot_run_lands_in_failed_tasks_for_admins_only(api, admin, owner_teacher):
    entry_id = background.enqueue("no.such.task", {"to": ["x@example.com"], "body": "secret link"})
    wait_until(lambda: outbox.get_entry(entry_id)["status"] == "failed", what="the entry to fail")

    response = call(api, "get", "/api/v1/admin/failed-tasks", admin)
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert item["id"] == entry_id and item["task"] == "no.such.task"
    assert "unknown task" in item["error"]
    assert item["payload"] == {"to": ["x@example.com"]}  # bodies may hold one-time links
    assert_error(call(api, "get", "/api/v1/admin/failed-tasks", owner_teacher), 403)
    assert_error(call(api, "get", "/api/v1/admin/failed-tasks"), 401)
    assert_error(call(api, "post", f"/api/v1/admin/failed-tasks/{entry_id}/retry", owner_teacher), 403)


# --- faults: a killed worker, a Redis that is down ---------------------------------------------


def test_a_worker_killed_mid_task_loses_no_email():
    """A second worker takes the task from its own queue and is killed while sending; the entry's
    lease runs out and the stack's worker sends the email, once."""
    subject = f"Survivor {uuid.uuid4().hex}"
    item = background.entry("email.send", {"to": ["kill@example.com"], "subject": subject, "body": "hi"})
    # Not due for a minute: the stack's relay must leave it to the doomed worker until that one's
    # lease (2 s) runs out.
    item.data["due_at"] = item.data["created_at"] + dt.timedelta(seconds=60)
    hold_mail()
    log = open(ROOT / ".local" / f"celery-killed-{os.getpid()}.log", "wb")  # noqa: SIM115 - closed below
    env = {
        **os.environ,
        "EMAIL_BACKEND": "tests.mail_backend.GatedFileBackend",
        "EMAIL_FILE_PATH": str(MAIL_DIR),
        "OUTBOX_LEASE_SECONDS": "2",
    }
    doomed = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cplatform",
            "worker",
            "-Q",
            "doomed",
            "--pool",
            "solo",
            "-n",
            "doomed@%h",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: b" ready." in (ROOT / log.name).read_bytes(), what="the second worker")
        outbox.write_entries([item])
        with celery_app.connection_for_write(BROKER) as connection:
            celery_app.send_task(background.RUN_ENTRY_TASK, args=(item.id,), queue="doomed", connection=connection)
        wait_until((MAIL_DIR / f"sending-{doomed.pid}").exists, what="the doomed worker to start sending")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        if doomed.poll() is None:
            os.killpg(doomed.pid, signal.SIGKILL)
        log.close()
    assert outbox.get_entry(item.id)["status"] == "running"
    (MAIL_DIR / "HOLD").unlink()

    wait_until(lambda: outbox.get_entry(item.id)["status"] == "done", what="the email to be sent after all")
    assert len(mails_with(subject)) == 1
    assert outbox.get_entry(item.id)["attempts"] == 2


@pytest.fixture
def restartable_redis(request):
    """Stop the stack's Redis, and bring one back on the same port; it lives until the session ends
    (the stack's worker keeps using it)."""
    port = int(BROKER.rsplit(":", 1)[1].split("/", 1)[0])
    processes = []

    def stop():
        # Shutting down closes the connection before any answer.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(port=port).shutdown(nosave=True)
        wait_until(lambda: not _answers(port), what="Redis to stop", timeout=20)

    def start():
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        log = open(ROOT / ".local" / f"redis-restarted-{port}.log", "wb")  # noqa: SIM115 - lives with it
        processes.append(
            subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        wait_until(lambda: _answers(port), what="Redis to come back", timeout=20)

    yield stop, start
    if processes:
        request.session.config.add_cleanup(lambda: [proc.terminate() for proc in processes])


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except redis.ConnectionError:
        return False


def test_mail_committed_while_redis_is_down_goes_out_once_it_is_back(
    api, other_teacher, owner_teacher, settings, caplog, restartable_redis
):
    settings.OUTBOX_KICK_GRACE_SECONDS = 0
    enable_message_email(api, owner_teacher)
    text = f"while down {uuid.uuid4().hex}"
    stop, start = restartable_redis
    stop()

    response = call(api, "post", f"/api/v1/messages/{owner_teacher.uid}", other_teacher, data={"content": text})

    assert response.status_code == 201, response.content
    assert "queue unreachable" in caplog.text
    [entry] = entries_of("email.send")
    time.sleep(3)  # three relay ticks: none can reach the queue
    assert outbox.get_entry(entry["id"])["status"] == "pending" and mails_with(text) == []
    start()
    wait_until(lambda: mails_with(text), what="the email after Redis came back", timeout=90)
    wait_until(lambda: outbox.get_entry(entry["id"])["status"] == "done", what="the entry done")
