"""The only module that imports `stripe`: PaymentIntents, card confirmation, refunds, webhook signatures.

Configured from settings (STRIPE_SECRET_KEY, STRIPE_API_BASE). With real keys and no
STRIPE_API_BASE the library talks to Stripe unchanged; `make run`/`make test` point it at localstripe.
Answers are small dataclasses; Stripe's exceptions become the three below, so nothing above this
module needs to know the library.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import stripe
from django.conf import settings

_lock = threading.Lock()
_state = {"configured": False}


class GatewayError(Exception):
    """Stripe failed or could not be reached; retrying later may help."""


class CardDeclined(Exception):
    """The card was refused; `message` is Stripe's words for the payer."""

    def __init__(self, message: str, code: str = "card_declined"):
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidEvent(Exception):
    """A webhook whose signature, timestamp or JSON is not acceptable."""


@dataclass
class Intent:
    id: str
    status: str  # requires_payment_method | requires_confirmation | requires_action | processing | succeeded | canceled
    amount: int
    currency: str
    client_secret: str = ""
    error: str = ""


@dataclass
class Refund:
    id: str
    status: str
    amount: int


def _configure() -> None:
    with _lock:
        if _state["configured"]:
            return
        if not settings.STRIPE_SECRET_KEY:
            raise GatewayError("Payments are not configured (STRIPE_SECRET_KEY is empty).")
        stripe.api_key = settings.STRIPE_SECRET_KEY
        if settings.STRIPE_API_BASE:
            stripe.api_base = settings.STRIPE_API_BASE
        stripe.max_network_retries = 2
        _state["configured"] = True


def _plain(obj) -> dict:
    # stripe-python objects are not dicts (since v13): work on plain data.
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _intent(obj) -> Intent:
    obj = _plain(obj)
    error = obj.get("last_payment_error") or {}
    return Intent(
        id=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret") or "",
        error=(error.get("message") if isinstance(error, dict) else "") or "",
    )


def create_intent(*, amount: int, currency: str, metadata: dict, idempotency_key: str, description: str) -> Intent:
    """A PaymentIntent for `amount` minor units; the same idempotency key returns the same intent on Stripe."""
    _configure()
    try:
        obj = stripe.PaymentIntent.create(
            amount=amount,
            currency=currency.lower(),
            # localstripe refuses `description`: the course title travels in the metadata instead.
            metadata={**metadata, "description": description[:400]},
            payment_method_types=["card"],
            idempotency_key=idempotency_key,
        )
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    return _intent(obj)


def retrieve_intent(intent_id: str) -> Intent:
    _configure()
    try:
        return _intent(stripe.PaymentIntent.retrieve(intent_id))
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc


def confirm_with_card_token(*, intent_id: str, token: str, email: str) -> Intent:
    """Server-side confirmation: the card token becomes a customer's card, which pays the intent.

    (On real Stripe prefer PaymentMethods and the Payment Element behind this same call; the token
    flow is the one localstripe's Stripe.js stand-in supports.) Raises CardDeclined, GatewayError.
    """
    _configure()
    try:
        customer = _plain(stripe.Customer.create(source=token, email=email or None))
        card_id = customer.get("default_source")
        stripe.PaymentIntent.modify(intent_id, payment_method=card_id, customer=customer["id"])
        obj = stripe.PaymentIntent.confirm(intent_id)
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or "Your card was declined.", exc.code or "card_declined") from exc
    except stripe.InvalidRequestError as exc:
        raise CardDeclined(exc.user_message or "This card could not be used.", "card_invalid") from exc
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    intent = _intent(obj)
    if intent.status == "requires_payment_method":
        raise CardDeclined(intent.error or "Your card was declined.")
    return intent


def refund(*, intent_id: str, amount: int, idempotency_key: str, reason: str = "requested_by_customer") -> Refund:
    _configure()
    try:
        obj = _plain(stripe.Refund.create(payment_intent=intent_id, amount=amount, idempotency_key=idempotency_key))
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    return Refund(id=obj["id"], status=obj.get("status") or "succeeded", amount=int(obj["amount"]))


def verify_event(payload: bytes, signature: str) -> dict:
    """The event as a dict, after checking Stripe's signature and timestamp. Raises InvalidEvent."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidEvent("Webhooks are not configured.")
    if not signature:
        raise InvalidEvent("The Stripe-Signature header is missing.")
    try:
        stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidEvent(str(exc) or "The event could not be verified.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        raise InvalidEvent("The event has no id or data.")
    return event


# --- membership (Products, Plans, Subscriptions) -------------------------------------------------


@dataclass
class Subscription:
    id: str
    status: str  # incomplete | active | past_due | canceled | ...
    customer_id: str
    current_period_end: int
    cancel_at_period_end: bool
    latest_invoice_id: str = ""
    latest_invoice_paid: bool = False
    latest_invoice_amount: int = 0
    client_secret: str = ""


def _subscription(obj) -> Subscription:
    obj = _plain(obj)
    invoice = obj.get("latest_invoice") or {}
    if isinstance(invoice, str):
        invoice = {"id": invoice}
    intent = invoice.get("payment_intent") or {}
    period_end = obj.get("current_period_end")
    if period_end is None:
        items = ((obj.get("items") or {}).get("data") or [{}])[0]
        period_end = items.get("current_period_end") or 0
    return Subscription(
        id=obj["id"],
        status=obj.get("status") or "incomplete",
        customer_id=obj.get("customer") or "",
        current_period_end=int(period_end or 0),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        latest_invoice_id=invoice.get("id") or "",
        latest_invoice_paid=invoice.get("status") == "paid",
        latest_invoice_amount=int(invoice.get("amount_paid") or invoice.get("total") or 0),
        client_secret=(intent.get("client_secret") if isinstance(intent, dict) else "") or "",
    )


def create_plan_prices(*, name: str, prices: dict[str, tuple[int, str]]) -> tuple[str, dict[str, str]]:
    """A Product with one recurring Plan per interval ({"month": (amount, currency), ...}) -> (product, plan ids)."""
    _configure()
    try:
        product = _plain(stripe.Product.create(name=name))
        plans = {}
        for interval, (amount, currency) in prices.items():
            plan = _plain(
                stripe.Plan.create(amount=amount, currency=currency.lower(), interval=interval, product=product["id"])
            )
            plans[interval] = plan["id"]
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    return product["id"], plans


def create_subscription(
    *, card_token: str, email: str, plan_id: str, metadata: dict, idempotency_key: str
) -> Subscription:
    """A customer with the card and a subscription to the plan; the first period is charged at once.

    Raises CardDeclined, GatewayError.
    """
    _configure()
    try:
        customer = _plain(stripe.Customer.create(source=card_token, email=email or None, metadata=metadata))
        obj = stripe.Subscription.create(
            customer=customer["id"],
            items=[{"plan": plan_id}],
            metadata=metadata,
            payment_behavior="error_if_incomplete",
            idempotency_key=idempotency_key,
            expand=["latest_invoice"],
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or "Your card was declined.", exc.code or "card_declined") from exc
    except stripe.InvalidRequestError as exc:
        raise CardDeclined(exc.user_message or "This card could not be used.", "card_invalid") from exc
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    return _subscription(obj)


def cancel_at_period_end(subscription_id: str) -> Subscription:
    _configure()
    try:
        return _subscription(stripe.Subscription.modify(subscription_id, cancel_at_period_end=True))
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc


def subscription_from_event(obj: dict) -> Subscription:
    return _subscription(obj)


def test_card_token(number: str = "4242424242424242") -> str:
    """A card token as Stripe.js would make it: for demo data and benchmarks on localstripe only."""
    _configure()
    if not settings.STRIPE_API_BASE:
        raise GatewayError("Test card tokens are only made on a local fake Stripe.")
    try:
        token = _plain(stripe.Token.create(card={"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"}))
    except stripe.StripeError as exc:
        raise GatewayError(str(exc)) from exc
    return token["id"]
