"""Retries with backoff, failures kept for admins, and an admin's retry (entries run inline here)."""

from __future__ import annotations

import datetime as dt

import pytest

from cplatform import background
from firestore_operations import outbox
from tests.conftest import assert_error, call

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def broken_mail(settings, monkeypatch):
    settings.EMAIL_BACKEND = LOCMEM
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def refuse(self, *args, **kwargs):
        raise ConnectionError("SMTP is down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    return monkeypatch


def test_a_failed_send_is_retried_later_with_a_growing_wait(broken_mail, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    entry_id = background.enqueue("email.send", {"to": ["a@example.com"], "subject": "s", "body": "b"})
    entry = outbox.get_entry(entry_id)
    assert entry["status"] == "pending" and entry["attempts"] == 1
    assert "SMTP is down" in entry["last_error"]
    wait = (entry["due_at"] - dt.datetime.now(dt.UTC)).total_seconds()
    assert 20 < wait <= 30
    assert [background.backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]


def test_after_the_last_attempt_it_is_kept_for_admins_who_can_retry_it(api, broken_mail, admin, student, mailoutbox):
    entry_id = background.enqueue("email.send", {"to": ["a@example.com"], "subject": "Hello", "body": "b"})
    assert background.run_entry(entry_id) == "failed"  # the relay's second try
    assert background.run_entry(entry_id) == "skipped"  # a failed entry never runs by itself again

    [item] = call(api, "get", "/api/v1/admin/failed-tasks", admin).json()["items"]
    assert (item["id"], item["task"], item["attempts"]) == (entry_id, "email.send", 2)
    assert item["payload"] == {"to": ["a@example.com"], "subject": "Hello"}
    assert_error(call(api, "get", "/api/v1/admin/failed-tasks", student), 403)
    assert_error(call(api, "post", f"/api/v1/admin/failed-tasks/{entry_id}/retry", student), 403)
    assert_error(call(api, "post", "/api/v1/admin/failed-tasks/nope/retry", admin), 404)

    broken_mail.undo()  # the mail server is back
    assert call(api, "post", f"/api/v1/admin/failed-tasks/{entry_id}/retry", admin).status_code == 202
    assert [message.subject for message in mailoutbox] == ["Hello"]
    assert outbox.get_entry(entry_id)["status"] == "done"
    assert call(api, "get", "/api/v1/admin/failed-tasks", admin).json()["items"] == []


def test_a_bad_cursor_is_a_400(api, admin):
    assert_error(call(api, "get", "/api/v1/admin/failed-tasks?cursor=garbage", admin), 400)
