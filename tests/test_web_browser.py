"""The web page in a real browser: headless Chromium driven by Selenium against a real
`policysearch serve`. Without Chromium these skip, saying how to install it; with CI set they fail."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlparse

from helpers import ROOT
from web_support import HOSTILE_PHRASE, browser_fixture, server_fixture, web_index_fixture

from policysearch import Index
from policysearch.text import match_form

FIXTURES = (browser_fixture, server_fixture, web_index_fixture)
SCREENSHOT = os.path.join(ROOT, "docs", "screenshot.png")


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def wait_for(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def url_params(driver) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(driver.current_url).query).items()}


def press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def test_type_a_query_click_a_facet_page_and_open_a_hit(server, browser):
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/")
    box = by_css(browser, "#q")[0]
    box.send_keys('"改造"', Keys.ENTER)
    wait_for(browser, lambda d: by_css(d, ".hit"))
    expected = Index(server.index).search('"改造"')
    assert url_params(browser) == {"q": '"改造"'}
    assert f"{expected.total} hits in {expected.reports} reports" in by_css(browser, ".summary")[0].text
    marks = [m.text for m in by_css(browser, ".hit mark")]
    assert marks and all(match_form(m) == "改造" for m in marks)

    # a facet: the town with most hits; a click filters, the chip shows it, a second click removes it
    town, count = next(iter(expected.facets["town"].items()))
    by_css(browser, f'a[aria-label^="only 镇街 town {town},"]')[0].click()
    wait_for(browser, lambda d: url_params(d).get("town") == town)
    assert f"{count} hit" in by_css(browser, ".summary")[0].text
    assert [c.text.replace("×", "").strip() for c in by_css(browser, ".chips a")] == [f"镇街 town: {town}"]
    assert all(town in m.text for m in by_css(browser, ".hit .meta"))
    by_css(browser, ".chips a")[0].click()
    wait_for(browser, lambda d: "town" not in url_params(d))
    assert not by_css(browser, ".chips a")

    # paging: page 2 holds the library's hits 11-20
    by_css(browser, 'a[rel="next"]')[0].click()
    wait_for(browser, lambda d: url_params(d).get("page") == "2")
    page2 = Index(server.index).search('"改造"', offset=10)
    shown = [a.get_attribute("href").split("?")[0].rsplit("/", 1)[1] for a in by_css(browser, ".hit a.open")]
    assert shown == [h.id for h in page2.hits]
    browser.back()
    wait_for(browser, lambda d: "page" not in url_params(d))

    # keyboard: "/" focuses the box, j j selects the second hit, Enter opens it
    press(browser, "/")
    assert browser.switch_to.active_element.get_attribute("id") == "q"
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    by_css(browser, "footer")[0].click()
    press(browser, "j")
    press(browser, "j")
    selected = by_css(browser, ".hit.selected a.open")
    target = by_css(browser, ".hit a.open")[1].get_attribute("href")
    assert len(selected) == 1 and selected[0].get_attribute("href") == target
    press(browser, "k")
    press(browser, "j")
    press(browser, Keys.ENTER)
    wait_for(browser, lambda d: d.current_url == target)
    assert by_css(browser, ".paragraph.target")


def test_paragraph_page_highlights_every_match_and_steps_through_them(server, browser):
    query = '"改造"'
    hits = Index(server.index).search(query, limit=None).hits
    hit = hits[0]
    browser.get(server.url + f"/paragraph/{hit.id}?" + urlencode({"q": query, "around": "all"}))
    marks = by_css(browser, "mark")
    assert len(marks) == sum(len(h.highlights) for h in hits if h.doc_id == hit.doc_id)
    assert all(match_form(m.text) == "改造" for m in marks)
    target = by_css(browser, ".paragraph.target")[0]
    assert hit.text[:20] in target.text
    first = int(by_css(browser, "mark.current")[0].get_attribute("id")[1:])
    assert by_css(browser, "mark.current")[0] in by_css(target, "mark")
    status = by_css(browser, ".matches .count")[0]
    assert f"match {first} of {len(marks)}" in status.text
    by_css(browser, 'a[rel="next"]')[0].click()
    wait_for(browser, lambda d: f"match {first + 1} of {len(marks)}" in by_css(d, ".matches .count")[0].text)
    current = by_css(browser, "mark.current")
    assert len(current) == 1 and current[0].get_attribute("id") == f"m{first + 1}"
    assert url_params(browser)["m"] == str(first + 1) and browser.current_url.endswith(f"#m{first + 1}")
    press(browser, "k")
    wait_for(browser, lambda d: f"match {first} of {len(marks)}" in by_css(d, ".matches .count")[0].text)
    # the link works as well without the script: a reload lands on the same match
    browser.refresh()
    assert by_css(browser, "mark.current")[0].get_attribute("id") == f"m{first}"


def test_a_hostile_documents_script_does_not_run(server, browser):
    browser.get(server.url + "/?" + urlencode({"q": HOSTILE_PHRASE}))
    wait_for(browser, lambda d: by_css(d, ".hit"))
    hits = by_css(browser, ".hit")
    assert "<script>window.pwned=" in " ".join(h.text for h in hits)  # shown as text
    ix = Index(server.index)
    links = [a.get_attribute("href") for a in by_css(browser, ".hit a.open")]
    for link in links:
        browser.get(link + "&around=all")
        paragraph = ix.paragraph(urlparse(link).path.rsplit("/", 1)[1])
        assert paragraph is not None
        shown = [e.text for e in by_css(browser, ".paragraph .text")]
        assert shown == [p.text for p in ix.paragraphs(paragraph.doc_id)]  # markup and all, as text
        for element in by_css(browser, ".paragraph .text, .paragraph .path, h1"):
            browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))", element)
        assert browser.execute_script("return window.pwned === undefined")
        assert not by_css(browser, "main img, main iframe, main svg, main script, main b")
    assert browser.execute_script("return window.pwned === undefined")


def test_screenshot_of_the_search_page_with_chinese_text(server, browser):
    browser.set_window_size(1200, 820)
    browser.get(server.url + "/?" + urlencode({"q": "城中村改造"}))
    wait_for(browser, lambda d: by_css(d, ".hit"))
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    assert browser.save_screenshot(SCREENSHOT)
    assert os.path.getsize(SCREENSHOT) > 20_000


def test_dark_mode_and_a_phone_sized_window(server, browser):
    browser.get(server.url + "/?" + urlencode({"q": "城中村改造"}))
    background = "return getComputedStyle(document.body).backgroundColor"
    light = browser.execute_script(background)
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    try:
        dark = browser.execute_script(background)
        rgb = [int(n) for n in dark[dark.index("(") + 1 : dark.index(")")].split(",")[:3]]
        assert dark != light and sum(rgb) < 150
        browser.set_window_size(390, 844)
        width = browser.execute_script("return document.documentElement.clientWidth")
        results, facets = by_css(browser, ".results")[0], by_css(browser, ".facets")[0]
        assert results.rect["width"] > 0.8 * width  # one column: the hits take the width
        assert facets.rect["y"] > results.rect["y"]  # the facets below them
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width  # no sideways scroll
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.set_window_size(1200, 900)


def test_a_click_on_a_years_bar_filters_to_that_year(server, browser):
    query = '"改造"'
    browser.get(server.url + "/?" + urlencode({"q": query}))
    cells = [c for c in Index(server.index).trend([query], by="year")["cells"] if c["key"]]  # a bar per known year
    bars = by_css(browser, ".trend svg a")
    assert [b.get_attribute("aria-label").split(":")[0] for b in bars] == [c["key"] for c in cells]
    year = cells[-1]["key"]
    by_css(browser, ".trend svg a")[-1].find_element("css selector", "rect.bar").click()
    wait_for(browser, lambda d: url_params(d).get("year") == year)
    expected = Index(server.index).search(query, year=year)
    assert f"{expected.total} hit" in by_css(browser, ".summary")[0].text
    assert "bar on" in by_css(browser, ".trend svg a")[-1].find_element("css selector", "rect.bar").get_attribute(
        "class"
    )
    # the concordance tab keeps the query and the year
    by_css(browser, ".tabs a")[0].click()
    wait_for(browser, lambda d: d.current_url.startswith(server.url + "/kwic"))
    assert url_params(browser) == {"q": query, "year": year}
    assert all(year in cell.text for cell in by_css(browser, ".kwic td.where"))
