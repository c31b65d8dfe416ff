"""Whole journeys through the accounts pages in headless Chromium, against a live daphne server."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser import browser, overflow, page, phone_page, snap  # noqa: F401
from tests.conftest import PASSWORD, wait_next_second

pytestmark = [pytest.mark.browser, pytest.mark.live]


def register(tab, url: str, *, name: str, email: str, role: str = "student") -> None:
    tab.goto(f"{url}/auth/register/")
    tab.check(f"input[name=role][value={role}]")
    tab.fill("#display_name", name)
    tab.fill("#email", email)
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]:has-text('Create account')")
    tab.wait_for_url(f"{url}/profile/")


def log_out(tab, url: str) -> None:
    tab.click("#logout-button")
    tab.wait_for_url(f"{url}/auth/login/")
    expect(tab.locator(".flash")).to_contain_text("You are signed out")


def test_register_log_in_edit_upload_a_photo_and_log_out(page, live_server, tmp_path):  # noqa: F811
    url = live_server
    register(page, url, name="Bea Browser", email="bea@example.com")
    expect(page.locator(".flash")).to_contain_text("Welcome, Bea Browser!")
    log_out(page, url)

    # A sign-in in the same second as the one just revoked mints a byte-identical cookie (same
    # claims, same iat), and logout deny-lists that exact cookie: no person is that fast.
    wait_next_second()
    page.fill("#email", "bea@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{url}/")
    expect(page.locator("h1")).to_have_text("Hello, Bea Browser")
    snap(page, "home-student")

    page.click("#nav-profile")
    page.wait_for_url(f"{url}/profile/")
    page.fill("#display_name", "Beatrice Browser")
    page.fill("#bio", "I like chemistry and chess.")
    page.select_option("#timezone", "Europe/Paris")
    page.fill("#grade_level", "Year 11")
    page.fill("#interests", "Chemistry, Chess")
    page.click("#save-profile")
    expect(page.locator(".flash")).to_have_text("Your profile is saved.")
    expect(page.locator("#profile-name")).to_have_text("Beatrice Browser")
    expect(page.locator(".profile-card")).to_contain_text("Europe/Paris")

    photo = tmp_path / "me.png"
    Image.new("RGB", (240, 180), (40, 140, 90)).save(photo)
    page.set_input_files("#photo", str(photo))
    page.click("button[type=submit]:has-text('Upload photo')")
    expect(page.locator(".flash")).to_have_text("Your new photo is up.")
    page.wait_for_function(
        "() => { const img = document.querySelector('#profile-photo');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert page.evaluate("document.querySelector('#profile-photo').naturalWidth") == 240
    snap(page, "profile-student")

    log_out(page, url)
    page.goto(f"{url}/profile/")
    page.wait_for_url(f"{url}/auth/login/?next=%2Fprofile%2F")
    expect(page.locator("h1")).to_have_text("Log in")
    assert page.js_errors == []


def test_errors_show_next_to_the_fields(page, live_server):  # noqa: F811
    page.goto(f"{live_server}/auth/register/")
    page.fill("#display_name", "Short Pass")
    page.fill("#email", "not-an-email")
    page.fill("#password", "short")
    page.click("button[type=submit]:has-text('Create account')")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#password-error")).to_contain_text("8 characters")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    snap(page, "register-errors")


def test_the_pages_fit_a_phone_screen(phone_page, live_server):  # noqa: F811
    url = live_server

    def assert_fits(name: str) -> None:
        measured = overflow(phone_page)
        assert measured["scroll"] <= measured["inner"], (name, measured)
        # The navigation and every form lie inside the window, not just inside the page.
        boxes = phone_page.eval_on_selector_all(
            "header nav, main form", "nodes => nodes.map((n) => n.getBoundingClientRect().toJSON())"
        )
        assert boxes, name
        for box in boxes:
            assert box["left"] >= 0 and box["right"] <= measured["inner"] + 0.5, (name, box)
        snap(phone_page, f"phone-{name}")

    for path, name in (("/", "home"), ("/auth/login/", "login"), ("/auth/register/", "register")):
        phone_page.goto(f"{url}{path}")
        assert_fits(name)

    # A teacher has the most navigation links and the longest profile form.
    register(
        phone_page,
        url,
        name="Tomasz Teacher-Wojciechowski",
        email="tomasz.wojciechowski.teaches@example.com",
        role="teacher",
    )
    assert_fits("profile")
    # One header row: the brand and the menu button (with the user's name, not an email) side by side.
    toggle = phone_page.locator("#nav-toggle")
    expect(toggle).to_contain_text("Tomasz Teacher-Wojciechowski")
    brand_box, toggle_box = phone_page.locator(".brand").bounding_box(), toggle.bounding_box()
    assert abs((brand_box["y"] + brand_box["height"] / 2) - (toggle_box["y"] + toggle_box["height"] / 2)) < 8
    expect(phone_page.locator("#logout-button")).to_be_hidden()
    toggle.click()
    expect(phone_page.locator("#logout-button")).to_be_in_viewport()
    for path, name in (("/", "home-teacher"), ("/users/", "people"), ("/users/?role=wizard", "people-error")):
        phone_page.goto(f"{url}{path}")
        assert_fits(name)
    assert phone_page.js_errors == []
