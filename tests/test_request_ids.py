"""Request ids: taken from X-Request-ID or made, echoed, in every log line (JSON or plain), and
carried into the background tasks a request starts."""

from __future__ import annotations

import json
import logging
import re
import sys

from cplatform import logcontext
from cplatform.jsonlog import JsonFormatter, RequestIdFilter
from firestore_operations.client import db
from tests.conftest import call

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_every_response_gets_a_new_request_id(api):
    first = api.get("/healthz")["X-Request-ID"]
    second = api.get("/api/v1/no-such-route")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second


def test_the_callers_request_id_is_kept(api):
    response = api.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a:42")
    assert response["X-Request-ID"] == "lb-7f3a:42"


def test_an_unsafe_request_id_is_replaced(api):
    for bad in ("has spaces", "x" * 200, "new\nline", "<script>"):
        assert HEX32.fullmatch(api.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"])


def test_the_request_line_is_logged_with_its_id_status_and_duration(api, caplog, settings):
    with caplog.at_level(logging.INFO, logger="cplatform.request"):
        api.get("/healthz", HTTP_X_REQUEST_ID="req-line-1")
    [record] = [r for r in caplog.records if r.name == "cplatform.request"]
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.duration_ms >= 0
    assert JsonFormatter().format(record)  # extras serialise


def test_json_lines_carry_the_request_id_extras_and_tracebacks():
    token = logcontext.set_request_id("abc-123")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.getLogger("cplatform.test").makeRecord(
                "cplatform.test",
                logging.ERROR,
                __file__,
                1,
                "failed %s",
                ("here",),
                sys.exc_info(),
                extra={"uid": "u1"},
            )
        line = json.loads(JsonFormatter().format(record))
    finally:
        logcontext.reset_request_id(token)
    assert line["request_id"] == "abc-123" and line["message"] == "failed here" and line["level"] == "ERROR"
    assert line["logger"] == "cplatform.test" and line["uid"] == "u1"
    assert "ValueError: boom" in line["exc_info"]
    assert line["ts"].endswith("+00:00")


def test_the_plain_format_gets_the_id_through_the_filter():
    record = logging.makeLogRecord({"msg": "x"})
    token = logcontext.set_request_id("plain-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        logcontext.reset_request_id(token)
    assert record.request_id == "plain-1"


def test_background_work_started_by_a_request_carries_its_id(api, student, settings, mailoutbox):
    from firebase_admin import auth

    from authentication import identity
    from firestore_operations import users as user_store

    auth.update_user(student.uid, email_verified=False, app=identity.app())
    user_store.update_profile(student.uid, {"email_verified": False})
    response = call(api, "post", "/api/v1/me/email-verification", student, HTTP_X_REQUEST_ID="verify-req-9")
    assert response.status_code == 202 and response["X-Request-ID"] == "verify-req-9"
    [entry] = [snap.to_dict() for snap in db().collection("outbox").stream()]
    assert entry["request_id"] == "verify-req-9" and entry["status"] == "done"
    assert len(mailoutbox) == 1
