"""What a person sees: log-in per role, charts drawn with data, the QR code, what-if,
switching language, and an enterprise user kept out of another enterprise's page."""

from __future__ import annotations

from typing import Any

import pytest

from citycarbon.web.demo import DemoLogin
from citycarbon.web.enterprises.models import Enterprise

LANDING = {
    "admin": "/dashboard/",
    "regulator": "/dashboard/",
    "district": "/dashboard/",
    "enterprise1": "/enterprises/{first}/",
    "enterprise2": "/enterprises/{second}/",
    "bank": "/enterprises/",
}


def log_in(page: Any, base: str, login: DemoLogin) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", login.username)
    page.fill("input[name=password]", login.password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("username", list(LANDING))
def test_each_role_logs_in_and_lands_where_it_works(
    page: Any, live_server: Any, city: dict[str, DemoLogin], username: str
) -> None:
    first, second = Enterprise.objects.order_by("entity_id")[:2]
    log_in(page, live_server.url, city[username])
    want = LANDING[username].format(first=first.pk, second=second.pk)
    assert page.url == f"{live_server.url}{want}"
    assert page.locator("header.site").inner_text().count(username) == 1


def test_dashboard_draws_its_charts_with_data(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    log_in(page, live_server.url, city["regulator"])
    for chart in ("trend", "by-district", "by-industry", "grades"):
        page.wait_for_selector(f"#{chart}[data-ready='1']")
        drawn = page.locator(f"#{chart} svg path:not([fill='none'])").count()
        assert drawn >= 2, chart  # bars, slices or the line's points, not just the axes
    # Drill down: a district bar opens the enterprises behind it.
    bars = page.locator("#by-district svg path:not([fill='none'])")
    assert bars.count() >= 2
    bars.first.click()
    page.wait_for_url("**/enterprises/?**district=*")
    assert page.locator("#enterprise-table tbody tr").count() > 0


def test_enterprise_page_shows_its_qr_code_and_what_if(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    log_in(page, live_server.url, city["enterprise1"])
    qr = page.locator("#qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] > 80
    assert page.locator("#code-label").inner_text().endswith("级")
    page.fill("input[name=energy_cut_pct]", "20")
    page.click("#whatif-form button")
    page.wait_for_selector("#whatif-table")
    assert page.locator("#whatif-table tbody tr").count() == 2


def test_switching_language(page: Any, live_server: Any, city: dict[str, DemoLogin]) -> None:
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h2").inner_text() == "登录"
    with page.expect_navigation():  # the change submits the form; wait for its answer
        page.select_option("#language-form select", "en")
    assert page.locator("h2").inner_text() == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"


def test_enterprise_user_cannot_open_another_enterprise(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    second = Enterprise.objects.order_by("entity_id")[1]
    log_in(page, live_server.url, city["enterprise1"])
    response = page.goto(f"{live_server.url}/enterprises/{second.pk}/")
    assert response.status == 404
    assert second.name not in page.content()


def test_pages_break_no_rule_of_the_content_security_policy(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    """The browser reports every script, style or handler the policy blocks: none, on the
    pages with charts, htmx and forms (what-if with an error answer, language switch)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server.url, city["enterprise1"])
    # Out of range (past the browser's own check): the server's 422 is shown in place.
    page.eval_on_selector("input[name=energy_cut_pct]", "e => e.removeAttribute('max')")
    page.fill("input[name=energy_cut_pct]", "500")
    page.click("#whatif-form button")
    page.wait_for_selector("#whatif-result *")
    page.context.clear_cookies()
    log_in(page, live_server.url, city["regulator"])
    for chart in ("trend", "by-district", "by-industry", "grades"):
        page.wait_for_selector(f"#{chart}[data-ready='1']")
    with page.expect_navigation():  # the change submits the form; wait for its answer
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert violations == []
