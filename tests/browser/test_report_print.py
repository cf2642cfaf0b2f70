"""A report as a person gets it: from the enterprise page to the certificate, issued, and
printed from the browser on one A4 page — the report and its verification block, not the
site's menus."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from citycarbon.web.demo import DemoLogin
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.reports.models import IssuedReport
from tests.browser.test_pages import log_in

A4_POINTS = (595, 842)


def test_the_certificate_is_issued_from_the_enterprise_page_and_prints_on_one_a4_page(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    first = Enterprise.objects.order_by("entity_id")[0]
    log_in(page, live_server.url, city["enterprise1"])
    page.goto(f"{live_server.url}/enterprises/{first.pk}/")
    page.click("#certificate-link")
    page.click("#report-issue button[type=submit]")
    page.wait_for_url("**/reports/issued/*/")
    report = IssuedReport.objects.get()
    assert page.locator("#verification-id").inner_text() == report.pk
    assert page.locator(".report-verification svg").count() == 1  # the QR code
    printed = page.pdf(prefer_css_page_size=True, print_background=False)
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_POINTS
    page.emulate_media(media="print")
    assert page.locator("#report").is_visible()
    assert page.locator(".report-verification svg").is_visible()
    for hidden in ("header.site", ".report-actions", "body > footer"):
        assert not page.locator(hidden).is_visible(), hidden
