"""Hostile documents in a real browser: reports whose title, headings and text carry script tags,
event attributes, javascript: and data: links, CSS expression(), HTML entities, template syntax,
right-to-left overrides, zero-width characters and very long unbroken lines, indexed and shown on
the search page and the paragraph page in headless Chromium. No payload may run (each would set
window.pwned or the page's title, or open an alert), each is shown as the text it is, and the
page never grows wider than the window."""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode, urlparse

import pytest
from web_support import Server, browser_fixture

from policysearch import Index

FIXTURES = (browser_fixture,)
MARK = "敌意文档测试"  # in one paragraph of every hostile report
LONG_LATIN = "A" * 3000
LONG_HAN = "长" * 2000
LONG_URL = "https://example.gov.cn/" + "a1/" * 1200

# name -> payload; each goes into the title, a heading and a paragraph (beside MARK) of a short report.
PAYLOADS = {
    "script": "<script>window.pwned=1</script>",
    "img_onerror": '<img src=x onerror="window.pwned=2">',
    "svg_onload": '<svg onload="window.pwned=3"><circle r=9></svg>',
    "javascript_link": '<a href="javascript:window.pwned=4">点击查看</a>',
    "data_link": '<a href="data:text/html,<script>window.pwned=5</script>">数据链接</a>',
    "css_expression": '<div style="width:expression(window.pwned=6)">样式表达式</div>',
    "style_url": '<style>body{background:url("javascript:window.pwned=7")}</style>',
    "entities": "&lt;script&gt;window.pwned=8&lt;/script&gt; &#60;img src=x onerror=window.pwned=9&#62; &amp;",
    "iframe": '<iframe src="javascript:window.pwned=10"></iframe>',
    "autofocus": '<input autofocus onfocus="window.pwned=11">',
    "details": '<details open ontoggle="window.pwned=12">详情</details>',
    "attribute_breakout": "\"><script>window.pwned=13</script><p title='",
    "title_breakout": '</title><script>document.title="pwned"</script>',
    "template": "{{ 7*7 }} {% for x in range(3) %}循环{% endfor %} ${7*7} #{7*7}",
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:window.pwned=14">',
    "base": '<base href="javascript:window.pwned=15//">',
    "object": '<object data="javascript:window.pwned=16"></object>',
    "mutation": "<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=17>",
    "noscript": '<noscript><p title="</noscript><img src=x onerror=window.pwned=18>">',
    "bare_javascript": "请访问 javascript:window.pwned=19 或 JaVaScRiPt:alert(1) 办理",
    "rtl_override": "文件名\u202egpj.exe\u202c与\u202b阿拉伯\u202c和\u2067隔离\u2069说明",
    "zero_width": "城\u200b中\u200c村\u200d改\u2060造\ufeff项目",
    "long_latin": LONG_LATIN,
    "long_han": LONG_HAN,
    "long_url": LONG_URL,
    "combining": "改" + "\u0336\u0322\u031b\u0334" * 60 + "造",
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, payload in PAYLOADS.items():
        (corpus / f"{name}.txt").write_text(
            f"{payload}车墩镇关于{name}的通知\n\n"
            f"一、{payload}工作安排\n\n"
            f"{payload}开展{MARK}工作，{payload}，做好相关保障。\n\n"
            f"上海市松江区车墩镇人民政府\n2024年3月1日\n",
            encoding="utf-8",
        )
    # a Markdown report: its links are structure, a javascript: one must not become a link
    (corpus / "markdown_link.md").write_text(
        f"# 车墩镇关于markdown的通知\n\n开展{MARK}工作，详见[办事指南](javascript:window.pwned=20)"
        f"和![图](javascript:window.pwned=21)。\n",
        encoding="utf-8",
    )
    index = folder / "index"
    summary = Index(index).build(str(corpus))
    assert not summary.failed, [o.message for o in summary.failed]
    s = Server(str(index))
    yield s
    s.stop()


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def assert_nothing_ran(driver, title: str) -> None:
    """Every element of the page is moused over, focused and clicked at (links are not followed):
    no payload ran, no alert is open, the title is the page's own, the page is no wider than the window."""
    from selenium.common.exceptions import NoAlertPresentException

    driver.execute_script(
        """for (const e of document.querySelectorAll('main *')) {
               for (const kind of ['mouseover', 'focus', 'toggle', 'load', 'error'])
                   e.dispatchEvent(new Event(kind, {bubbles: true}));
           }"""
    )
    assert driver.execute_script("return window.pwned === undefined"), driver.execute_script("return window.pwned")
    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert.text
    assert driver.title == title
    # where documents' text is shown (the page's own trend chart and forms are not in there)
    shown = [".hits", "article.report", "aside.facets", ".chips"]
    tags = "img iframe svg script style object input details math noscript base meta".split()
    assert not by_css(driver, ", ".join(f"{where} {tag}" for where in shown for tag in tags))
    links = driver.execute_script(  # every link resolved as the browser follows it (SVG links too)
        "return [...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), location.href).href)"
    )
    assert links and not [href for href in links if not href.startswith("http://127.0.0.1")]
    wide = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1] + 1, f"the page is {wide[0]} px wide in a window of {wide[1]}"


def test_there_are_at_least_20_hostile_documents():
    assert len(PAYLOADS) + 1 >= 20


@pytest.mark.slow
@pytest.mark.parametrize("width", [1200, 390])  # a desktop and a phone
def test_hostile_documents_run_nothing_and_keep_the_layout(hostile_server, browser, width):
    browser.set_window_size(width, 900)
    ix = Index(hostile_server.index)
    hits = ix.search(f'"{MARK}"', limit=None).hits
    assert len(hits) == len(PAYLOADS) + 1
    browser.get(hostile_server.url + "/?" + urlencode({"q": f'"{MARK}"', "limit": 100}))
    assert len(by_css(browser, ".hit")) == len(hits)
    assert_nothing_ran(browser, f'"{MARK}" · policysearch')
    snippets = " ".join(e.get_attribute("textContent") for e in by_css(browser, ".hit .snippet"))
    for payload in ("<script>window.pwned=1</script>", "&lt;script&gt;", "{{ 7*7 }}", "expression(window"):
        assert payload in snippets  # shown as the text it is
    links = [a.get_attribute("href") for a in by_css(browser, ".hit a.open")]
    for link in links:
        browser.get(link + "&around=all")
        paragraph = ix.paragraph(urlparse(link).path.rsplit("/", 1)[1])
        assert paragraph is not None
        report = ix.report(paragraph.doc_id)
        assert report is not None
        assert_nothing_ran(browser, f"{report.title or paragraph.id} · policysearch")
        shown = [e.get_attribute("textContent") for e in by_css(browser, ".paragraph .text")]
        assert shown == [p.text for p in ix.paragraphs(paragraph.doc_id)]  # markup, entities, controls and all
    assert browser.execute_script("return window.pwned === undefined")


def squeezed(text: str) -> str:
    """Without whitespace and BOMs: repair closes spaces beside Chinese characters and drops a BOM."""
    return re.sub(r"[\s\ufeff]", "", text)


@pytest.mark.slow
def test_every_payload_reached_the_pages(hostile_server):
    """The payloads are in the index as their own text (not dropped on the way in), so that the
    browser test above shows them."""
    ix = Index(hostile_server.index)
    texts = {r.source: "\n".join(p.text for p in ix.paragraphs(r.id)) for r in ix.reports()}
    for name, payload in PAYLOADS.items():
        text = texts[os.path.join(os.path.dirname(next(iter(texts))), f"{name}.txt")]
        assert squeezed(payload) in squeezed(text), name
