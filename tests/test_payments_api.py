"""Paid enrolment: checkout with idempotency and seat holds, paying, Stripe webhooks, status polling."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from courses.enrolment.services import enroll_student
from cplatform import errors
from firestore_operations import payments as payment_store
from firestore_operations.client import db
from payments import services
from tests.conftest import assert_error, call
from tests.payments_support import (
    DECLINED_CARD,
    PRICE,
    REFUSED_CARD,
    checkout,
    empty_localstripe,  # noqa: F401 - autouse fixture
    intent_event,
    paid_course,
    pay,
    pay_behind_our_back,
    post_event,
    sign,
)
from tests.test_courses_api import create_course, enrol, record_notifications
from tests.test_enrollments_api import make_students, withdraw


@pytest.fixture
def notifications(monkeypatch):
    return record_notifications(monkeypatch)


def payment_doc(payment_id: str) -> dict:
    return db().collection("course_payments").document(payment_id).get().to_dict()


def course_doc(course_id: str) -> dict:
    return db().collection("courses").document(course_id).get().to_dict()


def enrollment_status(course_id: str, uid: str) -> str | None:
    snap = db().collection("enrollments").document(f"{course_id}_{uid}").get()
    return (snap.to_dict() or {}).get("status") if snap.exists else None


class TestCheckout:
    def test_a_student_gets_a_payment_intent_and_a_held_seat(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher, capacity=10)
        response = checkout(api, student, course["id"])
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["amount"] == 2500 and body["currency"] == "EUR" and body["status"] == "pending"
        assert (
            body["client_secret"].startswith("pi_") and body["publishable_key"] == os.environ["STRIPE_PUBLISHABLE_KEY"]
        )
        held = dt.datetime.fromisoformat(body["hold_expires_at"].replace("Z", "+00:00"))
        assert dt.timedelta(minutes=14) < held - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
        assert list(course_doc(course["id"])["seat_holds"]) == [student.uid]

    def test_the_same_key_returns_the_same_payment_and_intent(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher)
        first = checkout(api, student, course["id"], key="retry-me").json()
        again = checkout(api, student, course["id"], key="retry-me")
        assert again.status_code == 201
        assert again.json()["payment_id"] == first["payment_id"]
        assert again.json()["client_secret"] == first["client_secret"]

    def test_concurrent_retries_with_one_key_make_one_intent(self, api, owner_teacher, student):
        from cplatform.actor import Actor

        course = paid_course(api, owner_teacher)
        actor = Actor(uid=student.uid, email=student.email, role="student")
        with ThreadPoolExecutor(8) as pool:
            results = list(
                pool.map(
                    lambda _: services.start_checkout(actor=actor, course_id=course["id"], idempotency_key="same"),
                    range(8),
                )
            )
        assert len({r["intent_id"] for r in results}) == 1
        intents = requests.get(
            f"{os.environ['STRIPE_API_BASE']}/v1/payment_intents",
            headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"},
            timeout=10,
        ).json()["data"]
        assert len(intents) == 1

    def test_a_missing_key_is_refused(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher)
        assert_error(checkout(api, student, course["id"], key=None), 400, "idempotency_key_required")
        assert payment_store.get_course_payment(course["id"], student.uid) is None

    def test_a_free_course_needs_no_checkout(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(checkout(api, student, course["id"]), 409, "free_course")

    def test_drafts_and_archived_courses_cannot_be_bought(self, api, owner_teacher, student):
        draft = paid_course(api, owner_teacher, status="draft")
        assert_error(checkout(api, student, draft["id"]), 409, "course_not_open")
        archived = paid_course(api, owner_teacher)
        assert (
            call(
                api, "patch", f"/api/v1/courses/{archived['id']}", owner_teacher, data={"status": "archived"}
            ).status_code
            == 200
        )
        assert_error(checkout(api, student, archived["id"]), 409, "course_not_open")

    def test_an_enrolled_student_cannot_pay_again(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        assert pay(api, student, payment["payment_id"]).status_code == 200
        assert_error(checkout(api, student, course["id"], key="another"), 409, "already_enrolled")

    def test_a_parent_pays_for_a_linked_child_only(self, api, owner_teacher, student, other_student, parent):
        course = paid_course(api, owner_teacher)
        assert_error(checkout(api, parent, course["id"]), 400)
        assert_error(checkout(api, parent, course["id"], student_uid=other_student.uid), 403)
        response = checkout(api, parent, course["id"], student_uid=student.uid)
        assert response.status_code == 201
        body = response.json()
        assert body["student_uid"] == student.uid and body["payer_uid"] == parent.uid
        assert pay(api, parent, body["payment_id"]).status_code == 200
        assert enrollment_status(course["id"], student.uid) == "active"

    def test_teachers_and_admins_do_not_check_out(self, api, owner_teacher, admin):
        course = paid_course(api, owner_teacher)
        assert_error(checkout(api, owner_teacher, course["id"]), 403)
        assert_error(checkout(api, admin, course["id"]), 403)


class TestPaying:
    def test_the_whole_paid_journey(self, api, owner_teacher, student, notifications):
        course = paid_course(api, owner_teacher)
        assert_error(enrol(api, student, course["id"]), 402, "payment_required")
        payment = checkout(api, student, course["id"]).json()
        paid = pay(api, student, payment["payment_id"])
        assert paid.status_code == 200, paid.content
        body = paid.json()
        assert body["status"] == "completed" and body["enrolled"] is True
        assert body["invoice_url"].endswith(".pdf")
        # The enrolment endpoint and the course page show her enrolled; her seat hold is gone.
        again = enrol(api, student, course["id"])
        assert again.status_code == 200 and again.json()["status"] == "active"
        assert course_doc(course["id"])["enrolled_count"] == 1
        assert course_doc(course["id"]).get("seat_holds") == {}
        kinds = [(n["kind"], n["recipient_uids"]) for n in notifications if n["kind"].startswith("payment.")]
        assert kinds == [("payment.succeeded", [student.uid]), ("payment.teacher", [owner_teacher.uid])]
        page = call(api, "get", f"/courses/{course['id']}/", student)
        assert page.status_code == 200

    def test_a_declined_card_says_so_and_another_card_works(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        error = assert_error(pay(api, student, payment["payment_id"], DECLINED_CARD), 402, "card_declined")
        assert "declined" in error["message"] and "try another card" in error["message"]
        assert payment_doc(payment["payment_id"])["status"] == "failed"
        assert_error(pay(api, student, payment["payment_id"], REFUSED_CARD), 402, "card_declined")
        assert pay(api, student, payment["payment_id"]).json()["status"] == "completed"
        assert enrollment_status(course["id"], student.uid) == "active"

    def test_only_the_payer_pays(self, api, owner_teacher, student, other_student):
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        assert_error(pay(api, other_student, payment["payment_id"]), 404)

    def test_a_zero_decimal_currency_is_charged_in_whole_units(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher, price={"amount": 3000, "currency": "JPY"})
        payment = checkout(api, student, course["id"]).json()
        assert payment["amount"] == 3000 and payment["currency"] == "JPY"
        assert pay(api, student, payment["payment_id"]).json()["status"] == "completed"


class TestPolling:
    def test_a_lost_webhook_delays_nothing(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        intent = pay_behind_our_back(payment_doc(payment["payment_id"])["intent_id"])
        assert intent["status"] == "succeeded"
        assert payment_doc(payment["payment_id"])["status"] == "pending"
        polled = call(api, "get", f"/api/v1/payments/{payment['payment_id']}", student)
        assert polled.status_code == 200
        assert polled.json()["status"] == "completed" and polled.json()["enrolled"] is True
        assert enrollment_status(course["id"], student.uid) == "active"

    def test_strangers_cannot_read_a_payment(self, api, owner_teacher, student, other_student, parent, admin):
        course = paid_course(api, owner_teacher)
        payment = checkout(api, student, course["id"]).json()
        path = f"/api/v1/payments/{payment['payment_id']}"
        assert_error(call(api, "get", path, other_student), 404)
        assert_error(call(api, "get", path, owner_teacher), 404)
        assert call(api, "get", path, parent).json()["client_secret"] is None
        assert call(api, "get", path, admin).status_code == 200


class TestWebhook:
    def started(self, api, teacher, student) -> tuple[str, str]:
        course = paid_course(api, teacher)
        payment = checkout(api, student, course["id"]).json()
        return payment["payment_id"], payment_doc(payment["payment_id"])["intent_id"]

    def test_a_signed_success_event_enrols_the_student(self, api, owner_teacher, student):
        pid, intent = self.started(api, owner_teacher, student)
        response = post_event(api, intent_event("payment_intent.succeeded", intent, pid))
        assert response.status_code == 200 and response.json()["outcome"] == "applied"
        doc = payment_doc(pid)
        assert doc["status"] == "completed" and doc["enrolled"] and doc["invoice_id"] and doc["notified"]

    @pytest.mark.parametrize(
        "how",
        ["missing", "wrong_secret", "stale", "tampered", "malformed"],
    )
    def test_refused_events_change_nothing(self, api, owner_teacher, student, how):
        pid, intent = self.started(api, owner_teacher, student)
        event = intent_event("payment_intent.succeeded", intent, pid)
        payload = json.dumps(event).encode()
        if how == "missing":
            response = post_event(api, payload, signature=None)
        elif how == "wrong_secret":
            response = post_event(api, payload, signature=sign(payload, secret="whsec_someone_else"))
        elif how == "stale":
            response = post_event(api, payload, signature=sign(payload, timestamp=int(time.time()) - 400))
        elif how == "tampered":
            signature = sign(payload)
            response = post_event(api, payload.replace(b"2500", b"2600"), signature=signature)
        else:
            broken = b'{"id": "evt_1", "data": '
            response = post_event(api, broken, signature=sign(broken))
        assert_error(response, 400, "invalid_webhook")
        assert payment_doc(pid)["status"] == "pending"
        assert enrollment_status(payment_doc(pid)["course_id"], student.uid) is None

    def test_a_duplicate_event_is_applied_once(self, api, owner_teacher, student, notifications):
        pid, intent = self.started(api, owner_teacher, student)
        event = intent_event("payment_intent.succeeded", intent, pid)
        assert post_event(api, event).json()["outcome"] == "applied"
        assert post_event(api, event).json()["outcome"] == "duplicate"
        assert len([n for n in notifications if n["kind"] == "payment.succeeded"]) == 1

    def test_concurrent_deliveries_do_the_work_once(self, api, owner_teacher, student, notifications):
        from rest_framework.test import APIClient

        pid, intent = self.started(api, owner_teacher, student)
        event = intent_event("payment_intent.succeeded", intent, pid)
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: post_event(APIClient(), event).status_code, range(6)))
        assert answers == [200] * 6
        doc = payment_doc(pid)
        assert doc["status"] == "completed" and doc["notified"]
        assert course_doc(doc["course_id"])["enrolled_count"] == 1
        assert len(list(db().collection("invoices").stream())) == 1
        assert len([n for n in notifications if n["kind"] == "payment.succeeded"]) == 1

    def test_a_failure_after_success_changes_nothing(self, api, owner_teacher, student):
        pid, intent = self.started(api, owner_teacher, student)
        post_event(api, intent_event("payment_intent.succeeded", intent, pid))
        post_event(api, intent_event("payment_intent.payment_failed", intent, pid))
        assert payment_doc(pid)["status"] == "completed"

    def test_a_success_after_a_failure_wins(self, api, owner_teacher, student):
        pid, intent = self.started(api, owner_teacher, student)
        post_event(api, intent_event("payment_intent.payment_failed", intent, pid))
        assert payment_doc(pid)["status"] == "failed"
        post_event(api, intent_event("payment_intent.succeeded", intent, pid))
        assert payment_doc(pid)["status"] == "completed"
        assert enrollment_status(payment_doc(pid)["course_id"], student.uid) == "active"

    def test_an_interrupted_fulfilment_is_finished_by_the_retry(self, api, owner_teacher, student, monkeypatch):
        pid, intent = self.started(api, owner_teacher, student)
        event = intent_event("payment_intent.succeeded", intent, pid)
        from payments import invoicing

        real = invoicing.issue_invoice

        def crash(**kwargs):
            raise RuntimeError("process died")

        monkeypatch.setattr(invoicing, "issue_invoice", crash)
        # A crash answers 500: Stripe delivers the event again later.
        assert post_event(api, event).status_code == 500
        doc = payment_doc(pid)
        assert doc["status"] == "completed" and doc["enrolled"] and not doc.get("invoice_id")
        monkeypatch.setattr(invoicing, "issue_invoice", real)
        assert post_event(api, event).json()["outcome"] == "applied"
        doc = payment_doc(pid)
        assert doc["invoice_id"] and doc["notified"]

    @pytest.mark.parametrize("obj", ["a string", None, {"id": "pi_1", "metadata": "not a map"}])
    def test_signed_but_odd_events_are_acknowledged_and_change_nothing(self, api, obj):
        event = {
            "id": "evt_odd",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {"object": obj},
        }
        response = post_event(api, event)
        assert response.status_code == 200 and response.json()["outcome"] in ("ignored", "unknown_payment")

    def test_events_of_unknown_payments_are_acknowledged(self, api):
        response = post_event(api, intent_event("payment_intent.succeeded", "pi_nope", "nope_nope"))
        assert response.status_code == 200 and response.json()["outcome"] == "unknown_payment"


class TestSeatHolds:
    def test_twenty_students_race_for_the_last_five_seats(self, api, owner_teacher):
        course = paid_course(api, owner_teacher, capacity=5)
        students = make_students(20)

        def attempt(actor):
            try:
                services.start_checkout(actor=actor, course_id=course["id"], idempotency_key=f"k-{actor.uid}")
                return "held"
            except errors.Conflict as exc:
                return exc.code

        with ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(attempt, students))
        assert outcomes.count("held") == 5
        assert outcomes.count("course_full") == 15
        assert len(course_doc(course["id"])["seat_holds"]) == 5

    def test_the_full_answer_offers_the_waitlist(self, api, owner_teacher, student, other_student):
        course = paid_course(api, owner_teacher, capacity=1)
        assert checkout(api, student, course["id"]).status_code == 201
        error = assert_error(checkout(api, other_student, course["id"]), 409, "course_full")
        assert error["waitlist"] is True and "waitlist" in error["message"]

    def test_held_seats_are_not_shown_as_free(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher, capacity=2)
        checkout(api, student, course["id"])
        assert call(api, "get", f"/api/v1/courses/{course['id']}", owner_teacher).json()["seats_left"] == 1
        expire_hold(course["id"], student.uid)
        assert call(api, "get", f"/api/v1/courses/{course['id']}", owner_teacher).json()["seats_left"] == 2

    def test_an_expired_hold_frees_its_seat(self, api, owner_teacher, student, other_student):
        course = paid_course(api, owner_teacher, capacity=1)
        checkout(api, student, course["id"])
        expire_hold(course["id"], student.uid)
        assert checkout(api, other_student, course["id"]).status_code == 201

    def test_a_late_payment_on_a_full_course_is_refunded(
        self, api, owner_teacher, student, other_student, notifications
    ):
        course = paid_course(api, owner_teacher, capacity=1)
        late = checkout(api, student, course["id"]).json()
        expire_hold(course["id"], student.uid)
        payment_store.record_course_payment(
            course["id"],
            other_student.uid,
            status="completed",
            amount=2500,
            currency="EUR",
            payer_uid=other_student.uid,
        )
        assert enrol(api, other_student, course["id"]).status_code == 201
        body = pay(api, student, late["payment_id"]).json()
        assert body["status"] == "refunded" and body["seat_refused"] == "course_full"
        assert body["refunded_amount"] == 2500 and body["invoice_id"] and len(body["credit_note_ids"]) == 1
        assert enrollment_status(course["id"], student.uid) is None
        assert course_doc(course["id"])["enrolled_count"] == 1
        assert [n["kind"] for n in notifications if n["kind"].startswith("payment.")] == ["payment.refunded"]

    def test_holds_keep_free_enrolment_from_overselling(self, api, owner_teacher, student, other_student):
        course = paid_course(api, owner_teacher, capacity=1)
        checkout(api, student, course["id"])
        payment_store.record_course_payment(
            course["id"],
            other_student.uid,
            status="completed",
            amount=2500,
            currency="EUR",
            payer_uid=other_student.uid,
        )
        # The only seat is held: the other student is waitlisted, not seated.
        assert enrol(api, other_student, course["id"]).json()["status"] == "waitlisted"

    def test_a_paid_seat_is_never_a_waitlist_place(self, api, owner_teacher, student):
        from cplatform.actor import Actor

        course = paid_course(api, owner_teacher, capacity=1)
        db().collection("courses").document(course["id"]).update({"enrolled_count": 1})
        payment_store.record_course_payment(
            course["id"], student.uid, status="completed", amount=2500, currency="EUR", payer_uid=student.uid
        )
        with pytest.raises(errors.Conflict) as caught:
            enroll_student(
                actor=Actor(uid=student.uid, email="", role="student"), course_id=course["id"], waitlist=False
            )
        assert caught.value.code == "course_full"


def expire_hold(course_id: str, uid: str) -> None:
    ref = db().collection("courses").document(course_id)
    holds = ref.get().to_dict()["seat_holds"]
    holds[uid]["expires_at"] = time.time() - 1
    ref.update({"seat_holds": holds})


def test_price_fixture_matches():
    assert PRICE == {"amount": 2500, "currency": "EUR"}


class TestPaidWaitlist:
    """A full paid course offers its waitlist: joining is free, the seat is paid for when one frees."""

    def test_an_unpaid_student_joins_the_waitlist_of_a_full_paid_course(
        self, api, owner_teacher, student, other_student
    ):
        course = paid_course(api, owner_teacher, capacity=1)
        assert pay(api, student, checkout(api, student, course["id"]).json()["payment_id"]).json()["enrolled"]
        response = enrol(api, other_student, course["id"])
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "waitlisted" and response.json()["position"] == 1
        snap = db().collection("enrollments").document(f"{course['id']}_{other_student.uid}").get().to_dict()
        assert snap["awaiting_payment"] is True

    def test_a_free_seat_still_asks_for_payment(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher, capacity=3)
        assert_error(enrol(api, student, course["id"]), 402, "payment_required")
        assert enrollment_status(course["id"], student.uid) is None

    def test_a_freed_seat_is_offered_not_given_and_the_waiting_student_pays_for_it(
        self, api, owner_teacher, student, other_student, notifications
    ):
        course = paid_course(api, owner_teacher, capacity=1)
        pay(api, student, checkout(api, student, course["id"]).json()["payment_id"])
        enrol(api, other_student, course["id"])
        notifications.clear()
        assert withdraw(api, student, course["id"]).status_code == 200
        # Not seated for free: still waiting, told that a seat is there to pay for.
        assert enrollment_status(course["id"], other_student.uid) == "waitlisted"
        assert course_doc(course["id"])["enrolled_count"] == 0
        offered = [n for n in notifications if n["kind"] == "enrollment.seat_offered"]
        assert [n["recipient_uids"] for n in offered] == [[other_student.uid]]
        body = pay(api, other_student, checkout(api, other_student, course["id"]).json()["payment_id"]).json()
        assert body["status"] == "completed" and body["enrolled"] is True
        assert enrollment_status(course["id"], other_student.uid) == "active"
        doc = course_doc(course["id"])
        assert doc["enrolled_count"] == 1 and doc["waitlist_count"] == 0

    def test_the_course_page_offers_the_waitlist_then_the_freed_seat(self, api, owner_teacher, student, other_student):
        from tests.test_pages_courses import signed_in, text

        course = paid_course(api, owner_teacher, capacity=1)
        pay(api, student, checkout(api, student, course["id"]).json()["payment_id"])
        page = text(signed_in(other_student).get(f"/courses/{course['id']}/"))
        assert 'id="enrol-button"' in page and "Join the waitlist" in page and "checkout-start" not in page
        enrol(api, other_student, course["id"])
        withdraw(api, student, course["id"])
        page = text(signed_in(other_student).get(f"/courses/{course['id']}/"))
        assert "on the waitlist" in page and 'id="seat-offered"' in page and "checkout-start" in page


class TestReplacedIntent:
    def test_money_paid_to_a_replaced_intent_goes_back(self, api, owner_teacher, student):
        course = paid_course(api, owner_teacher, capacity=5)
        started = checkout(api, student, course["id"]).json()
        old_intent = payment_doc(started["payment_id"])["intent_id"]
        # A fresh intent replaced the first one (as after a decline), but a client kept the old secret.
        db().collection("course_payments").document(started["payment_id"]).update({"intent_id": "pi_replacement"})
        pay_behind_our_back(old_intent)
        event = intent_event("payment_intent.succeeded", old_intent, started["payment_id"])
        assert post_event(api, event).status_code == 200
        auth = {"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"}
        refunds = requests.get(f"{os.environ['STRIPE_API_BASE']}/v1/refunds", headers=auth, timeout=10).json()["data"]
        assert [(r["payment_intent"], r["amount"]) for r in refunds] == [(old_intent, 2500)]
        assert payment_doc(started["payment_id"])["status"] == "pending"
        assert enrollment_status(course["id"], student.uid) is None
        # The same event again refunds nothing more.
        assert post_event(api, event).status_code == 200
        again = requests.get(f"{os.environ['STRIPE_API_BASE']}/v1/refunds", headers=auth, timeout=10).json()["data"]
        assert len(again) == 1
