"""On a laptop (1280 px) the English navigation sits in one bar and the language select
shows its whole name."""

from __future__ import annotations

from typing import Any

from citycarbon.web.demo import DemoLogin

from .test_pages import log_in


def test_english_navigation_fits_one_bar_and_the_language_reads_whole(
    page: Any, live_server: Any, city: dict[str, DemoLogin]
) -> None:
    log_in(page, live_server.url, city["admin"])  # the role with the most links
    with page.expect_navigation():  # the change submits the form; wait for its answer
        page.select_option("#language-form select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    tops = page.eval_on_selector_all(
        "header.site .site-links a", "links => links.map(a => a.getBoundingClientRect().top)"
    )
    assert len(tops) >= 10
    assert max(tops) - min(tops) < 5, tops  # one row of links
    heights = page.eval_on_selector_all(
        "header.site .site-links a", "links => links.map(a => a.getBoundingClientRect().height)"
    )
    assert max(heights) < 40, heights  # no link broken over two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    select = page.locator("#language-form select")
    fits = select.evaluate(
        "s => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(s).font;"
        " return c.measureText(s.options[s.selectedIndex].text).width"
        " <= s.clientWidth - parseFloat(getComputedStyle(s).paddingLeft)"
        " - parseFloat(getComputedStyle(s).paddingRight) + 1; }"
    )
    assert fits, select.evaluate("s => [s.clientWidth, getComputedStyle(s).padding]")
