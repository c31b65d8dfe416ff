"""Invoices and credit notes (gapless numbers, readers, PDF), refunds, history, admin list, teacher earnings."""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from google.cloud.firestore import FieldFilter

from courses.payments import has_paid_for_course
from firestore_operations import payments as payment_store
from firestore_operations.client import db
from payments import invoicing
from tests.conftest import assert_error, call
from tests.payments_support import (
    checkout,
    empty_localstripe,  # noqa: F401 - autouse fixture
    paid_course,
    pay,
    pay_behind_our_back,
)
from tests.test_courses_api import enrol, record_notifications

YEAR = dt.datetime.now(dt.UTC).year


@pytest.fixture
def notifications(monkeypatch):
    return record_notifications(monkeypatch)


def payment_doc(payment_id: str) -> dict:
    return db().collection("course_payments").document(payment_id).get().to_dict()


def bought(api, teacher, student, *, payer=None, **course_fields) -> tuple[dict, dict]:
    """A paid course and the student's completed payment (by her, or by her parent)."""
    course = paid_course(api, teacher, **course_fields)
    payer = payer or student
    extra = {"student_uid": student.uid} if payer is not student else {}
    payment = checkout(api, payer, course["id"], **extra).json()
    body = pay(api, payer, payment["payment_id"])
    assert body.status_code == 200, body.content
    return course, body.json()


def refund(api, persona, payment_id: str, key: str | None = "r-1", **data):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return call(
        api, "post", f"/api/v1/admin/payments/{payment_id}/refund", persona, data={"reason": "test", **data}, **headers
    )


class TestInvoices:
    def test_a_payment_gets_an_invoice_with_both_parties_and_totals(self, api, owner_teacher, student, parent):
        course, payment = bought(api, owner_teacher, student, payer=parent)
        invoice = call(api, "get", f"/api/v1/invoices/{payment['invoice_id']}", parent).json()
        assert invoice["number"] == f"INV-{YEAR}-000001" and invoice["kind"] == "invoice"
        assert invoice["buyer"]["name"] == "Pat Parent" and invoice["student"]["name"] == "Sam Student"
        assert invoice["seller"]["name"] and invoice["total"] == 2500 and invoice["currency"] == "EUR"
        assert invoice["net"] + invoice["tax"] == invoice["total"]
        assert invoice["lines"][0]["amount"] == 2500 and course["title"] in invoice["lines"][0]["description"]

    def test_the_pdf_is_a_real_pdf_with_the_number(self, api, owner_teacher, student):
        _, payment = bought(api, owner_teacher, student)
        response = call(api, "get", payment["invoice_url"], student)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and f"INV-{YEAR}-000001".encode() in response.content

    def test_who_may_read_an_invoice(self, api, owner_teacher, student, other_student, parent, admin, make_user):
        _, payment = bought(api, owner_teacher, student)
        stranger_parent = make_user("parent")
        path = f"/api/v1/invoices/{payment['invoice_id']}"
        for persona in (student, parent, admin):
            assert call(api, "get", path, persona).status_code == 200
            assert call(api, "get", f"{path}.pdf", persona).status_code == 200
        for persona in (other_student, owner_teacher, stranger_parent):
            assert_error(call(api, "get", path, persona), 404)
            assert_error(call(api, "get", f"{path}.pdf", persona), 404)
        assert_error(call(api, "get", "/api/v1/invoices/inv-nothing", admin), 404)

    def test_my_invoices_lists_invoices_and_credit_notes(self, api, owner_teacher, student, admin):
        _, payment = bought(api, owner_teacher, student)
        assert refund(api, admin, payment["payment_id"], amount=500).status_code == 201
        items = call(api, "get", "/api/v1/me/invoices", student).json()["items"]
        assert [item["number"] for item in items] == [f"CN-{YEAR}-000001", f"INV-{YEAR}-000001"]
        assert items[0]["total"] == -500 and items[0]["related_invoice_number"] == f"INV-{YEAR}-000001"

    def test_twenty_concurrent_payments_get_twenty_consecutive_numbers(self, api, owner_teacher):
        payments = []
        for index in range(20):
            payment_store.record_course_payment(
                "c1", f"s{index:02d}", status="completed", amount=1000, currency="EUR", payer_uid=f"s{index:02d}"
            )
            payments.append(payment_doc(f"c1_s{index:02d}") | {"id": f"c1_s{index:02d}"})
        with ThreadPoolExecutor(20) as pool:
            issued = list(pool.map(lambda p: invoicing.issue_invoice(payment=p), payments))
        numbers = sorted(invoice["number"] for invoice in issued)
        assert numbers == [f"INV-{YEAR}-{n:06d}" for n in range(1, 21)]
        # A repeat issues nothing new.
        assert invoicing.issue_invoice(payment=payments[0])["number"] in numbers
        counter = db().collection("invoice_counters").document(f"INV-{YEAR}").get().to_dict()
        assert counter["next"] == 21


class TestRefunds:
    def test_withdrawing_inside_the_window_refunds_with_a_credit_note(self, api, owner_teacher, student, notifications):
        course, payment = bought(api, owner_teacher, student)
        response = call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "withdrawn"
        assert body["refund"]["status"] == "refunded" and body["refund"]["amount"] == 2500
        assert "goes back" in body["refund"]["message"]
        doc = payment_doc(payment["payment_id"])
        assert doc["status"] == "refunded" and doc["refunded_amount"] == 2500 and len(doc["credit_note_ids"]) == 1
        assert not has_paid_for_course(student_uid=student.uid, course_id=course["id"])
        assert_error(enrol(api, student, course["id"]), 402, "payment_required")
        assert [n["kind"] for n in notifications if n["kind"] == "payment.refunded"] == ["payment.refunded"]

    def test_withdrawing_outside_the_window_keeps_the_payment(self, api, owner_teacher, student):
        course, payment = bought(api, owner_teacher, student)
        db().collection("course_payments").document(payment["payment_id"]).update(
            {"paid_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=30)}
        )
        body = call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student).json()
        assert body["status"] == "withdrawn"
        assert body["refund"]["status"] == "not_refunded" and body["refund"]["reason"] == "outside_window"
        assert "No refund" in body["refund"]["message"]
        assert payment_doc(payment["payment_id"])["status"] == "completed"

    def test_after_a_withdrawal_without_refund_she_comes_back_without_paying_again(self, api, owner_teacher, student):
        course, payment = bought(api, owner_teacher, student)
        db().collection("course_payments").document(payment["payment_id"]).update(
            {"paid_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=30)}
        )
        call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert_error(checkout(api, student, course["id"], key="again"), 409, "already_paid")
        assert enrol(api, student, course["id"]).status_code == 201

    def test_withdrawing_after_the_first_lesson_keeps_the_payment(self, api, owner_teacher, student):
        course, _ = bought(api, owner_teacher, student)
        db().collection("lessons").document("l1").set(
            {
                "course_id": course["id"],
                "status": "scheduled",
                "starts_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            }
        )
        body = call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student).json()
        assert body["refund"]["reason"] == "outside_window" and "started" in body["refund"]["message"]

    def test_a_free_course_withdrawal_says_nothing_about_money(self, api, owner_teacher, student):
        from tests.test_courses_api import create_course

        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        body = call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student).json()
        assert "refund" not in body

    def test_an_admin_refunds_part_then_the_rest(self, api, owner_teacher, student, admin):
        _, payment = bought(api, owner_teacher, student)
        pid = payment["payment_id"]
        first = refund(api, admin, pid, key="a", amount=1000)
        assert first.status_code == 201 and first.json()["status"] == "succeeded"
        assert payment_doc(pid)["status"] == "completed" and payment_doc(pid)["refunded_amount"] == 1000
        assert_error(refund(api, admin, pid, key="b", amount=2000), 409, "refund_too_large")
        rest = refund(api, admin, pid, key="c")
        assert rest.json()["amount"] == 1500
        assert payment_doc(pid)["status"] == "refunded"
        assert [n for n in payment_doc(pid)["credit_note_ids"]] and len(payment_doc(pid)["credit_note_ids"]) == 2

    def test_the_same_key_refunds_once(self, api, owner_teacher, student, admin):
        _, payment = bought(api, owner_teacher, student)
        first = refund(api, admin, payment["payment_id"], key="same", amount=700).json()
        again = refund(api, admin, payment["payment_id"], key="same", amount=700).json()
        assert first["refund_id"] == again["refund_id"]
        assert payment_doc(payment["payment_id"])["refunded_amount"] == 700
        refunds = requests.get(
            f"{os.environ['STRIPE_API_BASE']}/v1/refunds",
            headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"},
            timeout=10,
        ).json()["data"]
        assert len(refunds) == 1

    def test_concurrent_refunds_never_exceed_what_was_paid(self, api, owner_teacher, student, admin):
        from rest_framework.test import APIClient

        _, payment = bought(api, owner_teacher, student)
        with ThreadPoolExecutor(6) as pool:
            codes = list(
                pool.map(
                    lambda n: refund(APIClient(), admin, payment["payment_id"], key=f"k{n}", amount=1000).status_code,
                    range(6),
                )
            )
        assert sorted(codes) == [201, 201, 409, 409, 409, 409]
        assert payment_doc(payment["payment_id"])["refunded_amount"] == 2000

    def test_refunds_need_an_admin_a_key_and_a_paid_payment(self, api, owner_teacher, student, admin):
        course = paid_course(api, owner_teacher)
        pending = checkout(api, student, course["id"]).json()
        assert_error(refund(api, student, pending["payment_id"]), 403)
        assert_error(refund(api, admin, pending["payment_id"], key=None), 400, "idempotency_key_required")
        assert_error(refund(api, admin, pending["payment_id"]), 409, "not_refundable")
        assert_error(refund(api, admin, "nope_nope"), 404)


class TestHistory:
    def test_my_payments_shows_status_amount_course_and_documents(self, api, owner_teacher, student, parent):
        course, payment = bought(api, owner_teacher, student, payer=parent)
        other = paid_course(api, owner_teacher, title="Geometry")
        checkout(api, student, other["id"])
        mine = call(api, "get", "/api/v1/me/payments?limit=1", student).json()
        assert len(mine["items"]) == 1 and mine["next_cursor"]
        rest = call(api, "get", f"/api/v1/me/payments?limit=1&cursor={mine['next_cursor']}", student).json()
        rows = mine["items"] + rest["items"]
        assert {row["course_title"] for row in rows} == {course["title"], "Geometry"}
        paid = next(row for row in rows if row["status"] == "completed")
        assert paid["amount"] == 2500 and paid["invoice_url"] == f"/api/v1/invoices/{payment['invoice_id']}.pdf"
        assert [row["payment_id"] for row in call(api, "get", "/api/v1/me/payments", parent).json()["items"]] == [
            payment["payment_id"]
        ]
        assert_error(call(api, "get", "/api/v1/me/payments?cursor=garbage", student), 400)

    def test_admins_filter_all_payments(self, api, owner_teacher, other_teacher, student, other_student, admin):
        course, _ = bought(api, owner_teacher, student)
        other = paid_course(api, other_teacher)
        checkout(api, other_student, other["id"])
        base = "/api/v1/admin/payments"
        assert len(call(api, "get", base, admin).json()["items"]) == 2
        assert [p["course_id"] for p in call(api, "get", f"{base}?status=completed", admin).json()["items"]] == [
            course["id"]
        ]
        assert len(call(api, "get", f"{base}?teacher={other_teacher.uid}", admin).json()["items"]) == 1
        assert len(call(api, "get", f"{base}?course={course['id']}&status=pending", admin).json()["items"]) == 0
        since = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        assert call(api, "get", f"{base}?since={since}", admin).json()["items"] == []
        assert_error(call(api, "get", f"{base}?status=lost", admin), 400)
        assert_error(call(api, "get", base, student), 403)


class TestEarnings:
    def test_a_teacher_sees_gross_refunds_fee_and_net_per_month_and_course(
        self, api, owner_teacher, student, other_student, admin
    ):
        _, payment = bought(api, owner_teacher, student)
        bought(api, owner_teacher, other_student)
        refund(api, admin, payment["payment_id"], amount=1000)
        month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
        body = call(api, "get", f"/api/v1/me/earnings?from={month}&to={month}", owner_teacher).json()
        assert body["rows"] == [
            {"month": month, "currency": "EUR", "gross": 5000, "refunds": 1000, "platform_fee": 400, "net": 3600}
        ]
        by_course = call(api, "get", f"/api/v1/me/earnings?from={month}&to={month}&group=course", owner_teacher)
        assert len(by_course.json()["rows"]) == 2
        assert sum(row["gross"] for row in by_course.json()["rows"]) == 5000

    def test_earnings_refusals(self, api, owner_teacher, student):
        assert_error(call(api, "get", "/api/v1/me/earnings?from=2026-05&to=2026-01", owner_teacher), 400)
        error = assert_error(call(api, "get", "/api/v1/me/earnings?from=2026-13&to=2027-01", owner_teacher), 400)
        assert error["fields"] == {"from_month": ["Give the month as YYYY-MM."]}
        assert_error(call(api, "get", "/api/v1/me/earnings?from=2026-01&to=2026-02", student), 403)


@pytest.mark.live
def test_localstripe_delivers_the_webhook_to_a_live_server(api, live_server, owner_teacher, student):
    """The real delivery path: localstripe signs and posts payment_intent.succeeded to the app."""
    base = os.environ["STRIPE_API_BASE"]
    secret = os.environ["STRIPE_WEBHOOK_SECRET"]
    requests.post(
        f"{base}/_config/webhooks/tests",
        data={"url": f"{live_server}/api/v1/payments/webhook", "secret": secret},
        timeout=5,
    ).raise_for_status()
    try:
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        pay_behind_our_back(payment_doc(payment["payment_id"])["intent_id"])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not payment_doc(payment["payment_id"]).get("notified"):
            time.sleep(0.2)
        doc = payment_doc(payment["payment_id"])
        assert doc["status"] == "completed" and doc["enrolled"] and doc["invoice_id"] and doc["notified"]
        assert (
            db().collection("stripe_events").where(filter=FieldFilter("type", "==", "payment_intent.succeeded")).get()
        )
    finally:
        # Nowhere to deliver to from now on (localstripe cannot forget a webhook).
        requests.post(
            f"{base}/_config/webhooks/tests", data={"url": "http://127.0.0.1:9/gone", "secret": secret}, timeout=5
        )


def test_the_demo_data_has_a_paid_course_with_invoices_and_a_credit_note():
    from authentication import identity
    from authentication.demo import PARENT, STUDENTS
    from payments.demo import COURSE_ID
    from tests.test_demo_data import seed

    seed()
    seed()  # a second load pays nothing twice
    payments = [payment_store.get_course_payment(COURSE_ID, identity.uid_for_email(s["email"])) for s in STUDENTS]
    assert all(p["status"] == "completed" and p["invoice_id"] and p["enrolled"] for p in payments)
    assert payments[0]["payer_uid"] == identity.uid_for_email(PARENT["email"])
    assert payments[-1]["refunded_amount"] == 900 and len(payments[-1]["credit_note_ids"]) == 1
    assert len(list(db().collection("invoices").stream())) == len(STUDENTS) + 1
    assert db().collection("membership_plan").document("current").get().exists
