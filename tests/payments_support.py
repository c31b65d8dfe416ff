"""Helpers for the payments tests: paid courses, checkouts, cards from localstripe, signed Stripe events."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid

import pytest
import requests

from tests.conftest import call
from tests.test_courses_api import create_course

PRICE = {"amount": 2500, "currency": "EUR"}
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # declined when charged
REFUSED_CARD = "4000000000000002"  # declined when attached to a customer


def stripe_base() -> str:
    return os.environ["STRIPE_API_BASE"]


@pytest.fixture(autouse=True)
def empty_localstripe():
    """Each test starts with an empty fake Stripe (webhook registrations stay)."""
    requests.delete(f"{stripe_base()}/_config/data", timeout=10).raise_for_status()


def paid_course(api, teacher, **overrides) -> dict:
    return create_course(api, teacher, **{"price": PRICE, **overrides})


def checkout(api, persona, course_id: str, key: str | None = "key-1", **data):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return call(api, "post", f"/api/v1/courses/{course_id}/checkout", persona, data=data, **headers)


def card_token(number: str = GOOD_CARD) -> str:
    """What Stripe.js createToken does in the browser."""
    response = requests.post(
        f"{stripe_base()}/v1/tokens",
        data={
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2035",
            "card[cvc]": "123",
            "key": os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe"),
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id"]


def pay(api, persona, payment_id: str, number: str = GOOD_CARD):
    return call(api, "post", f"/api/v1/payments/{payment_id}/confirm", persona, data={"card_token": card_token(number)})


def pay_behind_our_back(intent_id: str, number: str = GOOD_CARD) -> dict:
    """Confirm the intent straight at (local)Stripe, as a mobile client would: only a webhook or a poll tells us."""
    auth = {"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"}
    customer = requests.post(
        f"{stripe_base()}/v1/customers", data={"source": card_token(number)}, headers=auth, timeout=10
    ).json()
    requests.post(
        f"{stripe_base()}/v1/payment_intents/{intent_id}",
        data={"payment_method": customer["default_source"], "customer": customer["id"]},
        headers=auth,
        timeout=10,
    ).raise_for_status()
    return requests.post(f"{stripe_base()}/v1/payment_intents/{intent_id}/confirm", headers=auth, timeout=10).json()


def intent_event(
    kind: str, intent_id: str, payment_id: str, *, amount: int = 2500, event_id: str | None = None
) -> dict:
    status = "succeeded" if kind == "payment_intent.succeeded" else "requires_payment_method"
    obj = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": "eur",
        "status": status,
        "metadata": {"payment_id": payment_id},
    }
    if status != "succeeded":
        obj["last_payment_error"] = {"message": "Your card was declined."}
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def sign(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    secret = secret or os.environ["STRIPE_WEBHOOK_SECRET"]
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post_event(api, event: dict | bytes, signature: str | None = "auto"):
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {}
    if signature == "auto":
        signature = sign(payload)
    if signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return api.post("/api/v1/payments/webhook", data=payload, content_type="application/json", **headers)
