"""On a laptop (1280 px) the English navigation sits in one bar (the dual-control pages in
one group that opens), and the language select shows its whole name."""

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
    assert page.locator("header.site .site-links a").count() >= 10  # in the bar and its groups
    top_level = "header.site .site-links > li > a, header.site .site-links > li > details > summary"
    middles = (
        "ls => ls.map(a => { const r = a.getBoundingClientRect(); return r.top + r.height / 2; })"
    )
    tops = page.eval_on_selector_all(top_level, middles)
    assert max(tops) - min(tops) < 5, tops  # one row of links (their middles)
    heights = page.eval_on_selector_all(
        top_level, "links => links.map(a => a.getBoundingClientRect().height)"
    )
    assert max(heights) < 40, heights  # no link broken over two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    group = page.locator("header.site .site-links details", has_text="Dual control")
    assert not group.locator("a", has_text="Budgets").first.is_visible()
    group.locator("summary").click()
    assert group.locator("a", has_text="Budgets").first.is_visible()
    assert group.locator("a", has_text="Energy-use space").is_visible()
    select = page.locator("#language-form select")
    fits = select.evaluate(
        "s => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(s).font;"
        " return c.measureText(s.options[s.selectedIndex].text).width"
        " <= s.clientWidth - parseFloat(getComputedStyle(s).paddingLeft)"
        " - parseFloat(getComputedStyle(s).paddingRight) + 1; }"
    )
    assert fits, select.evaluate("s => [s.clientWidth, getComputedStyle(s).padding]")
