"""Chart labels can be read: no two labels of the rapid-estimate charts (the 34 months; the
days when the demo has day readings) or the dashboard's industry chart overlap, on a desktop
or a phone."""

from __future__ import annotations

from typing import Any

import pytest

from citycarbon.web.demo import DemoLogin

from .test_pages import log_in

OVERLAPS = """el => {
  const boxes = [...el.querySelectorAll('svg text')]
    .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0')
    .map(t => [t.textContent, t.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    const across = p.left < q.right - 1 && q.left < p.right - 1;
    if (across && p.top < q.bottom - 1 && q.top < p.bottom - 1) hits.push(a + ' / ' + b);
  }
  return [boxes.length, hits];
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_chart_labels_do_not_overlap(
    browser: Any, live_server: Any, city: dict[str, DemoLogin], width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, city["regulator"])
        page.goto(f"{live_server.url}/estimates/")
        charts = ["#months"] + (["#days"] if page.locator("#days").count() else [])
        for url, chart in [("/estimates/", c) for c in charts] + [("/dashboard/", "#by-industry")]:
            if not page.url.endswith(url):
                page.goto(f"{live_server.url}{url}")
            page.wait_for_selector(f"{chart}[data-ready='1']")
            page.wait_for_timeout(300)  # let the entry animation end
            count, hits = page.eval_on_selector(chart, OVERLAPS)
            assert count >= 3, chart
            assert hits == [], (chart, hits)
    finally:
        context.close()
