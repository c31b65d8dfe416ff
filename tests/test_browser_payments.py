"""Whole payment journeys in headless Chromium against a live daphne server and localstripe's Stripe.js:
a student pays for a course (a declined card first), is enrolled without a reload and opens her invoice;
an admin refunds part of it; the teacher sees the month's earnings."""

from __future__ import annotations

import os
import re
import time

import pytest
import requests
from google.cloud.firestore import FieldFilter
from playwright.sync_api import expect

from firestore_operations.client import db
from tests.browser import browser, page, snap  # noqa: F401
from tests.payments_support import (
    empty_localstripe,  # noqa: F401 - autouse fixture
    paid_course,
)
from tests.test_browser_courses import log_in

pytestmark = [pytest.mark.browser, pytest.mark.live]


def register_webhook(target: str) -> None:
    requests.post(
        f"{os.environ['STRIPE_API_BASE']}/_config/webhooks/browser",
        data={"url": target, "secret": os.environ["STRIPE_WEBHOOK_SECRET"]},
        timeout=5,
    ).raise_for_status()


@pytest.fixture
def webhook_to_live_server(live_server):
    """localstripe's webhooks go to the live server too: the confirmation enrols her at once, and the
    event that follows finds the work done. Afterwards they go nowhere (localstripe cannot forget one)."""
    register_webhook(f"{live_server}/api/v1/payments/webhook")
    yield
    register_webhook("http://127.0.0.1:9/gone")


def wait_for_event(kind: str, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if db().collection("stripe_events").where(filter=FieldFilter("type", "==", kind)).limit(1).get():
            return True
        time.sleep(0.2)
    return False


def fill_card(tab, number: str) -> None:
    card = tab.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("35")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("75001")


def test_a_student_pays_and_is_enrolled_and_an_admin_refunds(
    page,  # noqa: F811
    api,
    live_server,
    webhook_to_live_server,
    owner_teacher,
    student,
    admin,
):
    url = live_server
    course = paid_course(api, owner_teacher, title="Paid piano lessons", capacity=3)

    log_in(page, url, student)
    page.goto(f"{url}/courses/{course['id']}/")
    page.click("#checkout-start")
    expect(page.locator("#hold-timer")).to_have_text(re.compile(r"Holding your seat for 1[45]:\d\d"))
    snap(page, "pay-1-form")

    fill_card(page, "4000000000000341")
    page.click("#checkout-pay")
    expect(page.locator("#checkout-error")).to_contain_text("declined")
    expect(page.locator("#checkout-error")).not_to_contain_text("pi_")
    snap(page, "pay-2-declined")

    fill_card(page, "4242424242424242")
    page.click("#checkout-pay")
    expect(page.locator("#checkout-done")).to_have_text("You're enrolled. Welcome to the course!")
    snap(page, "pay-3-enrolled")
    page.reload()
    expect(page.locator("#enrolment-state")).to_have_text("You are enrolled.")
    assert wait_for_event("payment_intent.succeeded"), "localstripe's webhook did not arrive"

    page.goto(f"{url}/payments/")
    row = page.locator("#payments tbody tr").first
    expect(row).to_contain_text("Paid piano lessons")
    expect(row).to_contain_text("25.00 EUR")
    expect(row.locator(".payment-status")).to_have_text("Paid")
    href = row.locator("a.invoice-link").get_attribute("href")
    pdf = page.request.get(f"{url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    snap(page, "pay-4-history")
    assert page.js_errors == []

    # --- the admin refunds 10.00 EUR --------------------------------------------------------------
    page.context.clear_cookies()
    log_in(page, url, admin)
    page.goto(f"{url}/admin/payments/?status=completed")
    form = page.locator("#admin-payments .refund-form").first
    form.locator("input[name=amount]").fill("10")
    form.locator("input[name=reason]").fill("Missed the first lesson")
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button").click()
    expect(page.locator(".flash")).to_have_text("Refunded 10.00 EUR to Sam Student for Paid piano lessons.")
    expect(page.locator("#admin-payments .payment-status").first).to_have_text("Paid, 10.00 EUR refunded")
    snap(page, "pay-5-admin")

    # --- the teacher's earnings ------------------------------------------------------------------
    page.context.clear_cookies()
    log_in(page, url, owner_teacher)
    page.goto(f"{url}/payments/earnings/")
    expect(page.locator("#earnings-total")).to_have_text("Net 13.50 EUR")
    expect(page.locator("#earnings-chart rect")).to_have_count(12)
    expect(page.locator("#earnings-courses")).to_contain_text("Paid piano lessons")
    snap(page, "pay-6-earnings")
    assert page.js_errors == []


def test_a_student_joins_and_cancels_the_membership(page, api, live_server, admin, student):  # noqa: F811
    from tests.conftest import call

    plan = {"monthly": {"amount": 900, "currency": "EUR"}, "yearly": {"amount": 9000, "currency": "EUR"}}
    assert call(api, "put", "/api/v1/admin/membership-plan", admin, data=plan).status_code == 200
    url = live_server
    log_in(page, url, student)
    page.goto(f"{url}/payments/membership/")
    expect(page.locator("#membership-join")).to_contain_text("9.00 EUR a month")
    page.wait_for_selector("#card-element input[placeholder=number]")
    fill_card(page, "4000000000000341")
    page.click("#membership-join-button")
    expect(page.locator("#membership-error")).to_contain_text("declined")
    fill_card(page, "4242424242424242")
    page.click("#membership-join-button")
    expect(page.locator("#membership-state")).to_contain_text("You're a member. Next renewal on")
    snap(page, "membership-1-member")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#membership-cancel")
    expect(page.locator("#membership-state")).to_contain_text("Your membership is cancelled and ends on")
    assert page.js_errors == []
