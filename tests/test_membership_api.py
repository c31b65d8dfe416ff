"""The membership subscription: plan prices, joining, enrolment in included courses, cancelling, webhooks."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import requests

from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.payments_support import (
    DECLINED_CARD,
    card_token,
    empty_localstripe,  # noqa: F401 - autouse fixture
    paid_course,
    post_event,
)
from tests.test_courses_api import enrol

PLAN = {"monthly": {"amount": 900, "currency": "EUR"}, "yearly": {"amount": 9000, "currency": "EUR"}}


@pytest.fixture
def plan(api, admin):
    response = call(api, "put", "/api/v1/admin/membership-plan", admin, data=PLAN)
    assert response.status_code == 200, response.content
    return response.json()


def join(api, persona, key: str = "join-1", interval: str = "monthly", number: str = "4242424242424242"):
    return call(
        api,
        "post",
        "/api/v1/subscriptions",
        persona,
        data={"interval": interval, "card_token": card_token(number)},
        HTTP_IDEMPOTENCY_KEY=key,
    )


def membership_doc(uid: str) -> dict:
    return db().collection("memberships").document(uid).get().to_dict()


def event(kind: str, obj: dict) -> dict:
    return {"id": f"evt_{uuid.uuid4().hex[:16]}", "type": kind, "created": int(time.time()), "data": {"object": obj}}


def test_only_admins_set_the_plan(api, student, plan):
    assert plan == PLAN
    assert_error(call(api, "put", "/api/v1/admin/membership-plan", student, data=PLAN), 403)
    assert call(api, "get", "/api/v1/membership-plan", student).json() == PLAN


def test_without_a_plan_nobody_can_join(api, student):
    assert_error(join(api, student), 404)


def test_a_student_joins_and_gets_an_invoice(api, student, plan):
    response = join(api, student)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["covers_now"] and body["interval"] == "monthly"
    assert body["amount"] == 900 and body["current_period_end"]
    first = membership_doc(student.uid)["stripe_subscription_id"]
    again = join(api, student)  # the same key: the same membership, no second subscription
    assert again.status_code == 201 and again.json()["status"] == "active"
    assert membership_doc(student.uid)["stripe_subscription_id"] == first
    subscriptions = requests.get(
        f"{os.environ['STRIPE_API_BASE']}/v1/subscriptions",
        headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"},
        timeout=10,
    ).json()["data"]
    assert len(subscriptions) == 1
    assert_error(join(api, student, key="join-2"), 409, "already_member")
    invoices = call(api, "get", "/api/v1/me/invoices", student).json()["items"]
    assert len(invoices) == 1 and invoices[0]["total"] == 900 and "membership" in invoices[0]["lines"][0]["description"]
    assert call(api, "get", "/api/v1/me/subscription", student).json()["status"] == "active"


def test_a_declined_card_joins_nothing(api, student, plan):
    assert_error(join(api, student, number=DECLINED_CARD), 402, "card_declined")
    assert_error(call(api, "get", "/api/v1/me/subscription", student), 404)
    assert join(api, student, key="second-try").status_code == 201


def test_members_enrol_in_included_courses_without_checkout(api, owner_teacher, student, other_student, plan):
    included = paid_course(api, owner_teacher, included_in_membership=True)
    assert included["included_in_membership"] is True
    other = paid_course(api, owner_teacher)
    join(api, student)
    assert enrol(api, student, included["id"]).status_code == 201
    assert_error(enrol(api, student, other["id"]), 402, "payment_required")
    assert_error(enrol(api, other_student, included["id"]), 402, "payment_required")


def test_cancelling_keeps_the_period_and_a_lapsed_membership_stops_new_enrolments(api, owner_teacher, student, plan):
    included = paid_course(api, owner_teacher, included_in_membership=True)
    join(api, student)
    assert enrol(api, student, included["id"]).status_code == 201
    cancelled = call(api, "delete", "/api/v1/me/subscription", student)
    assert cancelled.status_code == 200
    assert cancelled.json()["cancel_at_period_end"] is True and cancelled.json()["covers_now"] is True
    sub_id = membership_doc(student.uid)["stripe_subscription_id"]
    gone = {
        "id": sub_id,
        "object": "subscription",
        "status": "canceled",
        "customer": "cus_x",
        "current_period_end": int(time.time()) - 1,
    }
    assert post_event(api, event("customer.subscription.deleted", gone)).json()["outcome"] == "applied"
    assert call(api, "get", "/api/v1/me/subscription", student).json()["status"] == "canceled"
    # The seat the membership gave ends with it; a new one needs a payment.
    enrollment = db().collection("enrollments").document(f"{included['id']}_{student.uid}").get().to_dict()
    assert enrollment["status"] == "withdrawn"
    assert_error(enrol(api, student, included["id"]), 402, "payment_required")


def test_a_failed_renewal_is_past_due_and_a_paid_one_is_invoiced(api, student, plan):
    join(api, student)
    sub_id = membership_doc(student.uid)["stripe_subscription_id"]
    failed = {"id": "in_fail", "object": "invoice", "subscription": sub_id, "amount_paid": 0, "total": 900}
    post_event(api, event("invoice.payment_failed", failed))
    assert call(api, "get", "/api/v1/me/subscription", student).json()["status"] == "past_due"
    paid = {
        "id": "in_renewal",
        "object": "invoice",
        "subscription": sub_id,
        "amount_paid": 900,
        "lines": {"data": [{"period": {"end": int(time.time()) + 40 * 86400}}]},
    }
    renewal = event("invoice.payment_succeeded", paid)
    post_event(api, renewal)
    post_event(api, renewal)  # a duplicate changes nothing
    assert call(api, "get", "/api/v1/me/subscription", student).json()["status"] == "active"
    assert len(call(api, "get", "/api/v1/me/invoices", student).json()["items"]) == 2


def test_only_students_join(api, owner_teacher, parent, plan):
    assert_error(join(api, owner_teacher), 403)
    assert_error(join(api, parent), 403)


def test_membership_revenue_is_shared_by_members_attended_lessons(
    api, admin, owner_teacher, other_teacher, student, other_student, plan
):
    import datetime as dt

    from payments.membership import _split

    ada = paid_course(api, owner_teacher, included_in_membership=True)
    grace = paid_course(api, other_teacher, included_in_membership=True)
    outside = paid_course(api, other_teacher)
    join(api, student)
    now = dt.datetime.now(dt.UTC)
    records = [
        (ada, owner_teacher, student),
        (ada, owner_teacher, student),
        (grace, other_teacher, student),
        (outside, other_teacher, student),  # not included: does not count
        (grace, other_teacher, other_student),  # not a member: does not count
    ]
    for index, (course, teacher, who) in enumerate(records):
        db().collection("attendance").document(f"l{index}_{who.uid}").set(
            {
                "lesson_id": f"l{index}",
                "course_id": course["id"],
                "teacher_uid": teacher.uid,
                "student_uid": who.uid,
                "status": "present",
                "starts_at": now,
            }
        )
    body = call(api, "get", f"/api/v1/admin/membership-shares?month={now:%Y-%m}", admin).json()
    assert body["members"] == 1
    pool = body["pools"][0]
    assert pool["gross"] == 900 and pool["platform_fee"] == 90 and pool["pool"] == 810
    shares = {row["teacher_uid"]: (row["attended_lessons"], row["share"]) for row in pool["teachers"]}
    assert shares == {owner_teacher.uid: (2, 540), other_teacher.uid: (1, 270)}
    assert sum(_split(100, {"a": 1, "b": 1, "c": 1}).values()) == 100
    for month in ("nope", "2026-1", ""):
        error = assert_error(call(api, "get", f"/api/v1/admin/membership-shares?month={month}", admin), 400)
        assert error["fields"] == {"month": ["Give the month as YYYY-MM."]}
    assert_error(call(api, "get", f"/api/v1/admin/membership-shares?month={now:%Y-%m}", student), 403)


def test_a_teacher_marks_a_course_included_in_the_membership_on_its_form(owner_teacher):
    from courses.access import get_course_or_404
    from tests.test_pages_courses import COURSE, signed_in, text

    client = signed_in(owner_teacher)
    response = client.post("/courses/new/", {**COURSE, "price": "30", "included_in_membership": "on"})
    assert response.status_code == 302, text(response)[:500]
    course_id = response["Location"].strip("/").split("/")[-1]
    assert get_course_or_404(course_id)["included_in_membership"] is True
    form = text(client.get(f"/courses/{course_id}/edit/"))
    assert 'id="included_in_membership" checked' in form
    client.post(f"/courses/{course_id}/edit/", {**COURSE, "price": "30"})
    assert get_course_or_404(course_id)["included_in_membership"] is False
