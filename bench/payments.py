"""Checkout under load beside GET /api/v1/me, and how long a paid intent takes to become a seat.

    python scripts/stack.py test -- .venv/bin/python bench/payments.py     (or `make bench`)

1. POST /api/v1/courses/{id}/checkout: 20 concurrent clients (20 students), each checking out of
   COURSES paid courses in a staggered order (unique Idempotency-Key per request), so every request
   holds a seat (atomic unit on the course document), stores the payment and creates a PaymentIntent
   on localstripe. GET /api/v1/me runs in the same process right after, with the same concurrency.
2. Webhook to enrolled: a signed payment_intent.succeeded event POSTed to the app; the answer comes
   after payment -> enrolment -> invoice -> notifications are stored (measured per event, sequentially).
3. localstripe's own delivery: intent confirmed at localstripe -> the payment shows enrolled in
   Firestore (localstripe waits a fixed 1 s before it delivers, included in this figure).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import LoadResult, load, setup_django, start_server

STUDENTS = 20
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))  # 1 gives the uncontended latency
COURSES = int(os.environ.get("BENCH_COURSES", "10"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "20"))


def checkout_load(url: str, tokens: list[str], course_ids: list[str]) -> LoadResult:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        for step in range(len(course_ids)):
            course_id = course_ids[(index + step) % len(course_ids)]
            headers = {
                "Authorization": f"Bearer {tokens[index]}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{index}-{course_id}",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/courses/{course_id}/checkout", body="{}", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(tokens))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(
        name="POST /courses/{id}/checkout",
        requests=len(latencies),
        errors=errors[0],
        seconds=time.perf_counter() - started,
        latencies_ms=latencies,
        reads_per_request=None,
    )


def summary(name: str, values: list[float]) -> str:
    data = sorted(values)
    p99 = data[min(len(data) - 1, round(0.99 * (len(data) - 1)))]
    return (
        f"{name:<46} n={len(data):<3} p50 {statistics.median(data):7.1f} ms   p99 {p99:7.1f} ms   "
        f"max {data[-1]:7.1f} ms"
    )


def main() -> None:
    setup_django()
    import requests

    from authentication import services as account_services
    from courses.catalog import services as course_services
    from cplatform.actor import Actor
    from firestore_operations import payments as payment_store
    from tests import emulators
    from tests.payments_support import intent_event, pay_behind_our_back, sign

    emulators.clear_firestore()
    emulators.clear_auth()
    requests.delete(f"{os.environ['STRIPE_API_BASE']}/_config/data", timeout=10)
    teacher = account_services.register_user(
        email="bench-teacher@example.com", password="bench-pass-1", display_name="Bench Teacher", role="teacher"
    )
    teacher_actor = Actor(uid=teacher["id"], email=teacher["email"], role="teacher")
    course_ids = []
    for index in range(COURSES + 1):
        course = course_services.create_course(
            actor=teacher_actor,
            data={
                "title": f"Bench course {index}",
                "subject": "Maths",
                "level": "beginner",
                "language": "en",
                "price": {"amount": 2500, "currency": "EUR"},
                "capacity": None,
                "status": "published",
            },
        )
        course_ids.append(course["id"])
    tokens = []
    for index in range(STUDENTS):
        email = f"bench-student{index}@example.com"
        account_services.register_user(email=email, password="bench-pass-1", display_name=f"S{index}", role="student")
        tokens.append(emulators.sign_in(email, "bench-pass-1")["idToken"])

    proc, url = start_server()
    try:
        print(f"server: one daphne process, {url}; localstripe at {os.environ['STRIPE_API_BASE']}")
        checkout = checkout_load(url, tokens[:CLIENTS], course_ids[:COURSES])
        me = load(
            "GET /api/v1/me",
            url,
            "/api/v1/me",
            headers={"Authorization": f"Bearer {tokens[0]}"},
            total=1000,
            concurrency=CLIENTS,
        )
        print(f"{CLIENTS} concurrent clients; checkout: {CLIENTS} students x {COURSES} paid courses")
        print(checkout.line())
        print(me.line())

        # Webhook to enrolled: the app's own processing of a signed success event.
        last = course_ids[COURSES]
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        direct = []
        for index in range(min(EVENTS, STUDENTS)):
            conn.request(
                "POST",
                f"/api/v1/courses/{last}/checkout",
                body="{}",
                headers={
                    "Authorization": f"Bearer {tokens[index]}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"event-{index}",
                },
            )
            payment = json.loads(conn.getresponse().read())
            intent_id = payment_store.get_payment(payment["payment_id"])["intent_id"]
            payload = json.dumps(intent_event("payment_intent.succeeded", intent_id, payment["payment_id"])).encode()
            started = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/payments/webhook",
                body=payload,
                headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
            )
            answer = conn.getresponse()
            answer.read()
            direct.append((time.perf_counter() - started) * 1000)
            assert answer.status == 200 and payment_store.get_payment(payment["payment_id"])["enrolled"]
        conn.close()
        print(summary("webhook POST -> enrolled+invoiced+notified", direct))

        # localstripe delivering the event itself.
        requests.post(
            f"{os.environ['STRIPE_API_BASE']}/_config/webhooks/bench",
            data={"url": f"{url}/api/v1/payments/webhook", "secret": os.environ["STRIPE_WEBHOOK_SECRET"]},
            timeout=5,
        ).raise_for_status()
        delivered = []
        for index in range(5):
            # Every client checked out of every course: take five (student, course) pairs of them.
            course_id = course_ids[index // CLIENTS]
            pid = payment_store.payment_id(course_id, _uid_of(tokens[index % CLIENTS]))
            intent_id = payment_store.get_payment(pid)["intent_id"]
            started = time.perf_counter()
            pay_behind_our_back(intent_id)
            while not (payment_store.get_payment(pid) or {}).get("enrolled"):
                time.sleep(0.01)
                if time.perf_counter() - started > 30:
                    raise SystemExit("localstripe's webhook never arrived")
            delivered.append((time.perf_counter() - started) * 1000)
        requests.post(
            f"{os.environ['STRIPE_API_BASE']}/_config/webhooks/bench",
            data={"url": "http://127.0.0.1:9/gone", "secret": os.environ["STRIPE_WEBHOOK_SECRET"]},
            timeout=5,
        )
        print(summary("intent paid at localstripe -> enrolled (incl. its 1 s delay)", delivered))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _uid_of(token: str) -> str:
    import base64

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["user_id"]


if __name__ == "__main__":
    main()
