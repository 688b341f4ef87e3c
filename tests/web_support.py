"""Fixtures of the web page's tests: a real index of the sample corpus plus hostile reports, a
real `policysearch serve` process on a free port, and headless Chromium driven by Selenium."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from helpers import CORPUS

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL = "apt-get install -y chromium chromium-driver fonts-noto-cjk"
HOSTILE_PHRASE = "恶意脚本测试"  # in every paragraph of the hostile reports below

# Reports whose title, headings and text carry markup a browser would run if it were not escaped.
# Each payload sets window.pwned (the browser test checks it stays unset) or breaks the markup.
HOSTILE = {
    "hostile_report.txt": """---
title: <script>window.pwned=1</script>松江区某镇2024年政府工作报告
town: 车墩镇
district: 松江区
date: 2024-01-10
---
<script>window.pwned=1</script>松江区某镇2024年政府工作报告

一、2023年工作回顾<img src=x onerror="window.pwned=2">

全年推进恶意脚本测试项目<script>window.pwned=3</script>，完成城市更新改造任务，做好民生保障工作。

继续开展恶意脚本测试<img src=x onerror="window.pwned=4">，详见<a href="javascript:window.pwned=5">点击这里</a>的说明。

二、2024年工作安排

完成恶意脚本测试</mark><b onmouseover="window.pwned=6">加粗</b>"><svg onload="window.pwned=7">的整改。
""",
    "hostile_notice.txt": """关于<iframe src="javascript:window.pwned=8">开展恶意脚本测试工作的通知

各有关单位：

现就恶意脚本测试工作通知如下：请访问 javascript:window.pwned=9 和 <a href=javascript:alert(1)>链接</a>。

上海市松江区车墩镇人民政府
2024年3月1日
""",
    # no date and no year anywhere: its paragraphs fall in the trend's cell without a year
    "undated_note.txt": """关于恶意脚本测试的说明

为做好恶意脚本测试，现将有关事项说明如下。

一是明确责任分工。二是加强统筹协调。
""",
}


def build_index(folder) -> str:
    """An index of the sample corpus plus the hostile reports, in `folder`."""
    from policysearch import Index

    corpus = os.path.join(folder, "corpus")
    shutil.copytree(CORPUS, corpus)
    for name, text in HOSTILE.items():
        with open(os.path.join(corpus, name), "w", encoding="utf-8") as f:
            f.write(text)
    path = os.path.join(folder, "index")
    summary = Index(path).build(corpus)
    assert not summary.failed, [o.message for o in summary.failed]
    return path


class Elements(HTMLParser):
    """Every element of one tag in a page: its attributes and the text inside it, unescaped."""

    def __init__(self, tag: str):
        super().__init__(convert_charrefs=True)
        self.tag, self.found, self.open = tag, [], []

    def handle_starttag(self, tag, attrs):
        if tag == self.tag:
            self.open.append((dict(attrs), []))

    def handle_endtag(self, tag):
        if tag == self.tag and self.open:
            attrs, text = self.open.pop()
            self.found.append((attrs, "".join(text)))

    def handle_data(self, data):
        for _, text in self.open:
            text.append(data)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    """(tag, attributes) of every element of a page, in order."""
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.found


def elements(html: str, tag: str, cls: str | None = None) -> list[tuple[dict, str]]:
    """[(attributes, text)] of the `tag` elements of a page (with `cls` among their classes)."""
    parser = Elements(tag)
    parser.feed(html)
    parser.close()
    return [(a, t) for a, t in parser.found if cls is None or cls in (a.get("class") or "").split()]


class Server:
    """A `policysearch serve` process; stopped by stop()."""

    def __init__(self, index: str, *args: str):
        self.index = index
        self.process = subprocess.Popen(
            [sys.executable, "-m", "policysearch.cli", "serve", "--index", index, "--port", "0", *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        self.stderr_lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            found = re.search(r" at http://([\d.]+):(\d+)/", line)
            if found:
                self.host, self.port = found.group(1), int(found.group(2))
                self.url = f"http://{self.host}:{self.port}"
                return
        self.stop()
        raise AssertionError("the server did not start: " + "".join(self.stderr_lines))

    def get(self, path: str, params: dict | None = None, method: str = "GET", headers: dict | None = None):
        """(status, headers, body text) of one request; `path` is sent exactly as given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path + ("?" + urlencode(params) if params else ""), headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()


# Fixtures, named for the tests' arguments: a test module imports the *_fixture functions.
@pytest.fixture(scope="session", name="web_index")
def web_index_fixture(tmp_path_factory) -> str:
    """Built once; tests must not write to it."""
    return build_index(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session", name="server")
def server_fixture(web_index):
    s = Server(web_index)
    yield s
    s.stop()


def browser_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python package selenium (pip install '.[test]')")
    return ", ".join(missing) or None


@pytest.fixture(scope="session", name="browser")
def browser_fixture():
    """Headless Chromium with a fresh profile. Without one: a skip that says how to install it,
    except in CI (the environment variable CI set), where a missing browser fails."""
    missing = browser_missing()
    if missing:
        message = f"no browser for the web page's tests (missing {missing}): {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="policysearch-chromium-")
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


LOAD_YEAR = "2030"  # the year of the reports a writer adds under load: no sample report has it
EVERYTHING = 'NOT "绝无此串QX9"'  # every paragraph (of the filtered reports)


def make_reports(folder, tag: str, count: int, tasks: int = 0) -> list[str]:
    """`count` short work plans of one town, each a report of its own (a marker line of its own),
    for a writer to add while the server answers; `tasks` more paragraphs each make them longer."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for k in range(count):
        path = os.path.join(folder, f"{tag}-{k:03d}.txt")
        more = "".join(
            f"第{t}项任务：推进{k}号地块的征收补偿、土地整理和配套道路建设，年底前完成。\n\n" for t in range(tasks)
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(
                f"车墩镇{LOAD_YEAR}年城市更新工作要点\n\n"
                f"为推进城市更新和城中村改造，现将{LOAD_YEAR}年工作要点印发如下。\n\n"
                "一、加快城中村改造\n\n"
                f"推进第{k}批城中村改造项目，完成土地储备和动迁安置，做好民生保障工作。\n\n"
                "完善资金平衡方案，加快安置房建设，按期交付使用。\n\n"
                f"{more}"
                "二、提升城市功能品质\n\n"
                "推进美丽街区建设，完成道路绿化改造项目，改善人居环境。\n\n"
                f"本件为测试副本，标记码{tag}{k:03d}。\n\n"
                f"上海市松江区车墩镇人民政府\n{LOAD_YEAR}年1月{k % 28 + 1}日\n"
            )
        paths.append(path)
    return paths


def paragraph_counts(paths) -> dict[str, int]:
    """Report id -> its number of paragraphs, as the index will hold it."""
    from policysearch import read_report

    return {r.id: len(r.paragraphs) for r in (read_report(p) for p in paths)}


def check_whole(doc: dict, counts: dict[str, int], order: list[str]) -> list[str]:
    """Every paragraph of the added reports in one answer: each report there whole, in the order
    they were added. Returns the reports seen."""
    per_report: dict[str, int] = {}
    for h in doc["hits"]:
        per_report[h["doc_id"]] = per_report.get(h["doc_id"], 0) + 1
    assert all(counts[rid] == n for rid, n in per_report.items()), per_report
    assert set(per_report) == set(order[: len(per_report)]), "reports seen out of the order they were added"
    return list(per_report)


def check_consistent(doc: dict) -> None:
    assert len(doc["hits"]) == doc["total"]
    assert sum(doc["facets"]["section_type"].values()) == doc["total"]
    assert sum(doc["facets"]["year"].values()) == doc["total"]
