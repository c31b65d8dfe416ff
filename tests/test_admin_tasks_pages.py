"""The admin's page of failed background work (/admin/tasks/): what gave up and why, in words, and
"Send again" (the same services as /api/v1/admin/failed-tasks; entries run inline here)."""

from __future__ import annotations

import pytest

from firestore_operations import outbox
from tests.test_pages_courses import signed_in, text

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def failed_email(subject: str, to: str = "ada@example.com") -> str:
    """A committed email entry that ran out of attempts, as the relay leaves one."""
    entry = outbox.new_entry("email.send", {"to": [to], "subject": subject, "body": "secret link"}, grace_seconds=3600)
    outbox.write_entries([entry])
    outbox.fail(entry.id, error="ConnectionRefusedError: the mail server is down", keep_days=30)
    return entry.id


def failed_push(title: str, people: int) -> str:
    recipients = [{"uid": f"u{n}", "notification_id": f"n{n}"} for n in range(people)]
    payload = {"kind": "lesson.created", "title": title, "body": "b", "data": {}, "recipients": recipients}
    entry = outbox.new_entry("notification.push", payload, grace_seconds=3600)
    outbox.write_entries([entry])
    outbox.fail(entry.id, error="UnavailableError: FCM", keep_days=30)
    return entry.id


def test_an_admin_sees_what_failed_in_words_and_sends_it_again(admin, settings, mailoutbox):
    settings.EMAIL_BACKEND = LOCMEM
    entry_id = failed_email("Your lesson moved")
    push_id = failed_push("New lesson", 3)
    client = signed_in(admin)

    page = text(client.get("/admin/tasks/"))
    assert f'data-task="{entry_id}"' in page and f'data-task="{push_id}"' in page
    assert 'Email</strong>: <span class="task-what">“Your lesson moved” to ada@example.com' in page
    assert 'Push notification</strong>: <span class="task-what">“New lesson” to 3 people' in page
    assert "the mail server is down" in page and "secret link" not in page  # bodies may hold one-time links

    response = client.post(f"/admin/tasks/{entry_id}/retry/")
    assert response.status_code == 302 and response["Location"] == "/admin/tasks/"
    page = text(client.get("/admin/tasks/"))
    assert "Sent again." in page
    assert f'data-task="{entry_id}"' not in page and f'data-task="{push_id}"' in page
    assert [message.subject for message in mailoutbox] == ["Your lesson moved"]
    assert outbox.get_entry(entry_id)["status"] == "done"


def test_an_empty_list_says_so_and_the_admin_home_links_to_it(admin):
    client = signed_in(admin)
    assert 'href="/admin/tasks/"' in text(client.get("/admin/"))
    assert "Nothing has failed." in text(client.get("/admin/tasks/"))


def test_a_task_retried_already_is_explained_not_a_404(admin):
    client = signed_in(admin)
    response = client.post("/admin/tasks/no-such-task/retry/")
    assert response.status_code == 302 and response["Location"] == "/admin/tasks/"
    assert "no longer in the list" in text(client.get("/admin/tasks/"))


@pytest.mark.parametrize("role", ["owner_teacher", "student", "parent"])
def test_only_admins_see_or_retry_failed_work(request, role):
    entry_id = failed_email("Private")
    client = signed_in(request.getfixturevalue(role))
    assert client.get("/admin/tasks/").status_code == 403
    assert client.post(f"/admin/tasks/{entry_id}/retry/").status_code == 403
    assert outbox.get_entry(entry_id)["status"] == "failed"
