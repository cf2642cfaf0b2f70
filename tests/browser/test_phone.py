"""On a phone (390 × 844) no page scrolls sideways, and the menu button opens the links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from citycarbon.web.demo import DemoLogin

from .test_pages import log_in

PHONE_PAGES = (
    "/dashboard/",
    "/enterprises/",
    "/balance/",
    "/audit/",
    "/energy/uploads/",
    "/lists/low-green/",
    "/lists/poor-efficiency/",
    "/runs/",
    "/onboarding/",
)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_pages_fit_a_phone_and_the_menu_opens(
    phone: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    log_in(phone, live_server.url, city["admin"])
    for path in PHONE_PAGES:
        response = phone.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        phone.wait_for_load_state("networkidle")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    links = phone.locator("#site-menu a[href='/dashboard/']")
    assert not links.is_visible()  # folded away behind the menu button
    toggle = phone.locator("#nav-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert links.is_visible()
    assert phone.locator("#site-menu button[type=submit]").is_visible()  # log out, on screen
    box = phone.locator("#site-menu button[type=submit]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    toggle.click()
    assert not links.is_visible()


def test_the_phone_menu_takes_an_enterprise_user_home_closes_on_escape_and_switches_language(
    phone: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    log_in(phone, live_server.url, city["enterprise1"])
    own = phone.url
    toggle = phone.locator("#nav-toggle")
    toggle.click()
    phone.locator("#site-menu a[href='/enterprises/']").click()  # 企业: its own page
    phone.wait_for_load_state("networkidle")
    assert phone.url == own
    assert phone.locator("#nav-toggle").get_attribute("aria-expanded") == "false"
    toggle.click()
    assert phone.locator("#site-menu").is_visible()
    phone.keyboard.press("Escape")
    assert not phone.locator("#site-menu").is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert phone.evaluate("document.activeElement.id") == "nav-toggle"
    toggle.click()
    with phone.expect_navigation():
        phone.select_option("#language-form select", "en")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("#nav-toggle").inner_text() == "Menu"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
