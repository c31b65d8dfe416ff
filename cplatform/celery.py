"""The Celery application: Redis as broker, configured from Django settings (CELERY_* names).

Start a worker with `celery -A cplatform worker` and the scheduler with `celery -A cplatform beat`
(`make run` starts both). Periodic jobs are listed in one place: settings.CELERY_BEAT_SCHEDULE.
"""

from __future__ import annotations

import os

from celery import Celery, signals

from cplatform import logcontext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cplatform.settings")

app = Celery("cplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py (handlers of outbox entries, periodic tasks) is imported by the worker.
app.autodiscover_tasks(lambda: __import__("cplatform.background", fromlist=["TASK_APPS"]).TASK_APPS)


@signals.task_prerun.connect
def _adopt_request_id(task=None, **kwargs):
    """The request id travels in the message headers; every log line of the task carries it."""
    request = getattr(task, "request", None)
    incoming = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    logcontext.set_request_id(logcontext.acceptable(incoming) or logcontext.new_request_id())


@signals.task_postrun.connect
def _forget_request_id(**kwargs):
    logcontext.set_request_id(None)
