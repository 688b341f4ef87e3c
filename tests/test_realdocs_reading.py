"""Real collections read as they are (issue 13): collectors' notes and page furniture, Markdown
titles, flattened texts, dates, kinds and 文号 of real documents, and file metadata that warns
instead of refusing. The files under tests/fixtures/realdocs/ are copies of real documents from
the public collections named in their folder names (sources.json there says where each came from)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest

from policysearch import ReadError, read_report
from policysearch.describe import normal_doc_number
from policysearch.render import Painter, report_json, report_text, rows_csv
from policysearch.report import inspect_rows

REAL = os.path.join(os.path.dirname(__file__), "fixtures", "realdocs")
LAW = os.path.join(REAL, "LawRefBook-Laws", "jinan_rural_roads_2014.md")
CRAWLED = os.path.join(REAL, "Huace_policy-document-analyzer", "007_basic_research_measures.md")
FLATTENED = os.path.join(REAL, "GCCMPD-climate-policy-dataset", "015_1993_nonferrous_notice.txt")
FLAT_REPORT = os.path.join(REAL, "GovDocClassification", "val_0002.txt")
SQUARE_BRACKETS = os.path.join(REAL, "China-Real-Estate-Policy-Database", "2022-03-07_POL_771ACDDABEF87A9C0CAB.txt")
NUMBER_IN_TITLE = os.path.join(REAL, "China-Real-Estate-Policy-Database", "2022-05-13_POL_0F2507976533ED43F757.txt")
TWO_LINE_TITLE = os.path.join(REAL, "ZhouYNF-platform-1", "044_1996_relocation_reply.txt")
PKULAW = os.path.join(REAL, "mengke25-pkulaw-policies", "beijing_data_zones_notice.txt")


def text_of(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def body(report) -> str:
    return "\n".join(p.text for p in report.paragraphs)


# ---- Markdown titles, law histories, collectors' markers ---------------------------------


def test_law_in_markdown_title_latest_passage_date_and_collector_marker():
    r = read_report(LAW)
    assert (r.title, r.doc_type) == ("济南市农村公路条例", "条例")
    # adopted 2014-07-23, approved 2014-09-26 (the date broken over two lines): the version's date is the latest
    assert (r.date, r.year) == ("2014-09-26", 2014)
    assert r.dropped == ["<!-- INFO END -->"]
    assert "INFO END" not in body(r)
    # the '#' title is the report's first paragraph, not one of its parts
    assert r.paragraphs[0].text == "济南市农村公路条例" and not r.paragraphs[0].heading
    assert r.sections[0].heading.startswith("第一章")


def test_a_law_s_history_broken_inside_its_entries_and_the_articles_after_it():
    # '…批准的1994年' + '9月24日青岛市…第一次修正': one entry; each later entry and '第一条 …' stand alone
    r = read_report(os.path.join(REAL, "LawRefBook-Laws", "qingdao_ancient_trees_2020.md"))
    texts = [p.text for p in r.paragraphs]
    assert texts[5].startswith("1994年10月12日") and texts[5].endswith("第一次修正")
    assert [t[:10] for t in texts[6:9]] == ["2001年8月18日", "2010年11月25", "2017年12月1日"]
    assert any(t.startswith("第一条古树名木是国家的宝贵财富") for t in texts)
    assert r.date == "2020-03-26"  # the fifth amendment's, the latest of its passage
    # '2017年7月28日 山东省' + '第十二届…会议《关于修改…的决定》修正': the amendment's date is the version's
    r = read_report(os.path.join(REAL, "LawRefBook-Laws", "shandong_filing_review_2017.md"))
    assert r.date == "2017-07-28"
    assert any(p.text.startswith("第一条为了加强规范性文件的备案审查工作") for p in r.paragraphs)


def test_an_excerpt_with_no_date_of_its_own_is_dated_by_the_period_it_sets():
    # '一、开展金秋消费升级季活动。2022年9月1日至11月30日期间,由县财政投入…'
    r = read_report(os.path.join(REAL, "China-Real-Estate-Policy-Database", "2022-09-01_POL_F932B8ABFD2CC1C0ACAA.txt"))
    assert (r.date, r.year) == ("2022-09-01", 2022)
    # '…2024年10月1日至2024年12月31日期间,购房家庭购…': not the day it ends
    r = read_report(os.path.join(REAL, "China-Real-Estate-Policy-Database", "2024-10-01_POL_D396449A87753724D221.txt"))
    assert r.date == "2024-10-01"


def test_crawler_header_is_dropped_and_the_documents_own_date_wins():
    r = read_report(CRAWLED)
    assert r.title == "上海市人民政府办公厅关于印发《上海市支持企业加强基础研究增强高质量发展新动能的若干措施》的通知"
    assert (r.doc_type, r.doc_number) == ("通知", "沪府办规〔2025〕5号")
    assert r.date == "2025-07-23"  # the sign-off, not the page's 发布日期 2025-08-07
    labels = [d.split(":")[0] for d in r.dropped]
    assert labels == ["发布日期", "发布机构", "原文链接", "检索时间", "检索关键词"]
    for furniture in ("原文链接", "检索时间", "检索关键词", "stcsm.sh.gov.cn", "发布机构"):
        assert furniture not in body(r), furniture
    assert r.warnings == []


def test_facts_in_the_furniture_serve_when_the_text_has_none(tmp_path):
    # The same crawled notice without its 文号 line and its sign-off date: the page's facts fill in.
    lines = [
        line for line in text_of(CRAWLED).split("\n") if line.strip() not in ("沪府办规〔2025〕5号", "2025年7月23日")
    ]
    f = tmp_path / "notice.md"
    f.write_text("\n".join(lines), encoding="utf-8")
    r = read_report(f)
    assert (r.date, r.year, r.doc_number) == ("2025-08-07", 2025, None)
    assert r.issuer == "上海市科学技术委员会"


def test_a_collectors_facts_block_under_its_own_heading_is_furniture():
    # '### 基本信息' over '- **文件名称**：…' bullets: neither the title nor paragraphs; the text's title wins
    r = read_report(os.path.join(REAL, "Huace_policy-document-analyzer", "030_satellite_opinion.md"))
    assert r.title == "工业和信息化部关于优化业务准入促进卫星通信产业发展的指导意见"
    assert (r.doc_type, r.doc_number, r.issuer) == ("意见", "工信部信管〔2025〕180号", "工业和信息化部")
    labels = [d.split("：")[0] for d in r.dropped]
    assert labels == ["基本信息", "文档类型", "原文链接", "发布机构", "发布日期", "文件名称", "文件编号"]
    texts = [p.text for p in r.paragraphs[:3]]
    assert texts[:2] == [r.title, r.doc_number] and texts[2].startswith("各省、自治区、直辖市")
    for furniture in ("基本信息", "文档类型", "文件名称", "文件编号"):
        assert furniture not in body(r), furniture


def test_the_collectors_file_name_heading_gives_way_to_its_named_title():
    # '## 文档 ：….md' is a file's name; the collector's 文件名称 names the plan with its years, as the text does
    r = read_report(os.path.join(REAL, "Huace_policy-document-analyzer", "023_beidou_action_plan.md"))
    assert r.title == "上海市北斗产业高质量发展三年行动计划（2021-2023年）"
    assert (r.doc_type, r.province, r.city, r.doc_number) == ("行动计划", "上海市", "上海市", None)
    assert not any(".md" in p.text for p in r.paragraphs)


def test_collectors_quote_breadcrumb_and_page_furniture_around_a_real_notice(tmp_path):
    # The furniture as real collections and sites print it (issue 13), around a real State Council reply
    # whose sign-off date is taken away, so that the page's 发布时间 has to serve.
    own = [line for line in text_of(TWO_LINE_TITLE).split("\n") if line.strip() != "一九九六年十一月五日"]
    furniture_head = [
        "> 本文正文由脚本从政府网站页面提取，格式可能与原件不同。",
        "",
        "首页 > 政府信息公开 > 政策文件",
        "【字号：大 中 小】",
        "来源：国务院办公厅",
        "发布时间：1996-11-08",
        "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复",
    ]
    f = tmp_path / "reply.txt"
    f.write_text("\n".join(furniture_head + own + ["分享到：微信 微博"]), encoding="utf-8")
    r = read_report(f)
    assert r.title == "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复"
    assert (r.date, r.year, r.doc_type) == ("1996-11-08", 1996, "批复")
    assert r.dropped[:5] == [
        "本文正文由脚本从政府网站页面提取，格式可能与原件不同。",
        "首页 > 政府信息公开 > 政策文件",
        "【字号：大 中 小】",
        "来源：国务院办公厅",
        "发布时间：1996-11-08",
    ]
    assert r.dropped[-1] == "分享到：微信 微博"
    assert "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复" in r.dropped  # printed twice
    text = body(r)
    for furniture in ("本文正文由脚本", "首页", "字号", "来源", "发布时间", "分享到"):
        assert furniture not in text, furniture
    assert text.count("迁址新建的批复") == 1
    assert r.paragraphs[0].text == r.title


def test_blockquote_inside_the_text_stays_text(tmp_path):
    # Only the quote before the official text is a collector's note; one after the first part is the report's.
    f = tmp_path / "law.md"
    f.write_text(text_of(LAW).replace("第一条", "> 第一条", 1), encoding="utf-8")
    r = read_report(f)
    assert any(p.text.startswith("第一条") for p in r.paragraphs)
    assert not any(d.startswith("第一条") for d in r.dropped)


def test_pkulaw_export_citation_code_link_and_repeated_title():
    r = read_report(PKULAW)
    assert r.title == "北京市经济和信息化局印发《关于推进北京市数据专区建设的指导意见》的通知"
    assert (r.date, r.doc_type, r.doc_number) == ("2022-11-21", "通知", "京经信发〔2022〕87号")
    assert r.dropped[0].startswith("【法宝引证码】") and r.dropped[1].startswith("原文链接")
    assert r.dropped[2] == r.title  # the export prints the title twice
    assert sum(p.text == r.title for p in r.paragraphs) == 1


# ---- flattened texts ---------------------------------------------------------------------


def test_text_flattened_into_one_line_gets_its_title_number_and_chinese_date():
    assert "\n" not in text_of(FLATTENED).strip()
    r = read_report(FLATTENED)
    assert r.title == "国务院办公厅关于中国有色金属工业总公司由国家经贸委联系的通知"
    assert (r.doc_number, r.doc_type) == ("国办函〔1993〕31号", "通知")
    assert (r.date, r.year) == ("1993-05-01", 1993)  # 一九九三年五月一日, the sign-off
    texts = [p.text for p in r.paragraphs]
    assert texts[:3] == [r.title, "国办函〔1993〕31号", "国家经贸委："]


def test_flattened_report_is_split_at_its_title_headings_and_sentences():
    r = read_report(FLAT_REPORT)
    assert (r.title, r.doc_type) == ("关于公司调度通信生产基地入区协议有关情况的报告", "报告")
    starts = [p.text[:3] for p in r.paragraphs]
    assert {"一、基", "（一）", "（二）", "二、需"} <= set(starts)
    assert "".join(p.text for p in r.paragraphs) == "".join(text_of(FLAT_REPORT).split())  # nothing lost


# ---- titles, kinds and 文号 ----------------------------------------------------------------


def test_title_over_two_lines_is_joined():
    r = read_report(TWO_LINE_TITLE)
    assert r.title == "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复"
    assert (r.doc_type, r.doc_number, r.date) == ("批复", "国函〔1996〕95号", "1996-11-05")


def test_square_bracket_doc_number_is_normalised():
    r = read_report(SQUARE_BRACKETS)
    assert "漳公积金[2022]10号" in text_of(SQUARE_BRACKETS)
    assert r.doc_number == "漳公积金〔2022〕10号"
    assert (r.title, r.doc_type, r.date) == (
        "漳州市住房公积金中心关于调整住房公积金业务相关政策的通知",
        "通知",
        "2022-03-10",
    )


def test_doc_number_after_the_title_is_not_part_of_it():
    r = read_report(NUMBER_IN_TITLE)
    assert r.title == "关于调整商品住房交易限制政策的通知"
    assert (r.doc_number, r.doc_type) == ("常住建〔2022〕92号", "通知")
    assert r.date == "2022-05-13"  # the sign-off; '自发布之日起施行' names no day


@pytest.mark.parametrize(
    "given, stored",
    [
        ("沪府办发[2023]12号", "沪府办发〔2023〕12号"),
        ("沪府办发【2023】12号", "沪府办发〔2023〕12号"),
        ("沪府办发(2023)12号", "沪府办发〔2023〕12号"),
        ("沪府办发（2023）12号", "沪府办发〔2023〕12号"),
        ("国发 〔2011〕 12 号", "国发〔2011〕12号"),
        ("沪府办发〔２０２３〕１２号", "沪府办发〔2023〕12号"),
        ("沪府办发[2023]", "沪府办发〔2023〕"),
        ("[2023]", "〔2023〕"),
        ("沪府办发", "沪府办发"),
    ],
)
def test_normal_doc_number_whole_or_partial(given, stored):
    assert normal_doc_number(given) == stored


def test_kind_from_a_title_with_bracketed_tails(tmp_path):
    # A real law's text under titles with the tails real titles carry.
    for title, kind in (
        ("济南市农村公路条例（试行）（2021年修订）", "条例"),
        ("济南市农村公路管理办法（2026—2030年）", "办法"),
        ("关于加强农村公路管理的若干措施（济政发〔2014〕3号）", "措施"),
    ):
        f = tmp_path / "law.md"
        f.write_text(text_of(LAW).replace("# 济南市农村公路条例", "# " + title, 1), encoding="utf-8")
        assert read_report(f).doc_type == kind, title


def test_the_day_a_text_takes_effect_is_its_date_only_when_nothing_else_is(tmp_path):
    lines = text_of(NUMBER_IN_TITLE).replace("本通知自发布之日起施行", "本通知自2022年6月1日起施行").split("\n")
    f = tmp_path / "notice.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    assert read_report(f).date == "2022-05-13"  # signed on the 13th
    f.write_text("\n".join(line for line in lines if line != "2022年5月13日"), encoding="utf-8")
    assert read_report(f).date == "2022-06-01"  # nothing else: the day it takes effect


# ---- file metadata warns, never refuses -----------------------------------------------------


def with_front_matter(tmp_path, front: str, source: str = TWO_LINE_TITLE):
    f = tmp_path / "doc.md"
    f.write_text("---\n" + front + "\n---\n" + text_of(source), encoding="utf-8")
    return f


def test_front_matter_without_values_is_no_value(tmp_path):
    f = with_front_matter(
        tmp_path, "标题: -\n文号: 无\n发布单位: null\n发布日期: -\n年份: 暂无\n镇: —\n区: None\n文种:"
    )
    r = read_report(f)
    assert r.warnings == []
    assert (r.title, r.date, r.year, r.doc_number) == (
        "国务院、中央军委关于同意武警总部后勤部机关等迁址新建的批复",
        "1996-11-05",
        1996,
        "国函〔1996〕95号",
    )


def test_malformed_front_matter_warns_and_the_text_decides(tmp_path):
    f = with_front_matter(tmp_path, "发布日期: 2021年13月\n年份: 二〇二一\n文号: 国函[1996]95号")
    r = read_report(f)
    assert any("2021年13月" in w for w in r.warnings) and any("二〇二一" in w for w in r.warnings)
    assert (r.date, r.year) == ("1996-11-05", 1996)
    assert r.doc_number == "国函〔1996〕95号"  # a file's 文号 is stored normalised too


def test_malformed_sidecar_value_warns(tmp_path):
    f = tmp_path / "reply.txt"
    shutil.copy(TWO_LINE_TITLE, f)
    (tmp_path / "reply.txt.meta.json").write_text(
        json.dumps({"date": "-", "year": "明年", "town": "无"}), encoding="utf-8"
    )
    r = read_report(f)
    assert r.year == 1996 and r.town is None
    assert len(r.warnings) == 1 and "明年" in r.warnings[0]


def test_a_users_own_bad_value_is_still_refused():
    with pytest.raises(ReadError, match="2021年13月"):
        read_report(TWO_LINE_TITLE, date="2021年13月")
    assert read_report(TWO_LINE_TITLE, doc_number="国函[1996]95号").doc_number == "国函〔1996〕95号"


# ---- inspect: what was dropped, a folder as rows ----------------------------------------------


def test_inspect_shows_what_was_dropped():
    r = read_report(PKULAW)
    shown = report_text(r, Painter(False))
    assert "dropped: 【法宝引证码】 CLI.12.5679380" in shown
    doc = json.loads(report_json(r))
    assert doc["dropped"] == r.dropped


def test_inspect_rows_one_per_file_of_a_folder(tmp_path):
    folder = tmp_path / "collection"
    shutil.copytree(REAL, folder)
    (folder / "empty.txt").write_bytes(b"")
    with_front_matter(folder, "发布日期: 2021年13月")
    rows = inspect_rows(folder)
    files = sorted(os.path.relpath(row["file"], folder) for row in rows)
    copied = [f for _, _, names in os.walk(REAL) for f in names if not f.endswith(".json")]
    assert len(files) == len(copied) + 2 and "empty.txt" in files and "doc.md" in files
    by_name = {os.path.basename(row["file"]): row for row in rows}
    assert "empty file" in by_name["empty.txt"]["error"] and by_name["empty.txt"]["title"] is None
    assert "2021年13月" in by_name["doc.md"]["warnings"] and by_name["doc.md"]["error"] == ""
    law = by_name["jinan_rural_roads_2014.md"]
    assert (law["title"], law["date"], law["doc_type"], law["dropped"]) == (
        "济南市农村公路条例",
        "2014-09-26",
        "条例",
        "<!-- INFO END -->",
    )
    assert law["paragraphs"] > 20
    table = list(csv.DictReader(io.StringIO(rows_csv(rows))))
    assert len(table) == len(rows) and list(table[0]) == list(rows[0])
    assert {t["file"] for t in table} == {row["file"] for row in rows}


def test_inspect_rows_csv_never_hands_a_spreadsheet_a_formula():
    table = list(csv.reader(io.StringIO(rows_csv([{"file": "a.txt", "title": '=HYPERLINK("x")', "n": 3}]))))
    assert table == [["file", "title", "n"], ["a.txt", '\'=HYPERLINK("x")', "3"]]


def test_a_long_first_paragraph_is_not_cut_as_a_title(tmp_path):
    # A housing database keeps excerpts: the text may open with a sentence that names a notice.
    lines = [line for line in text_of(NUMBER_IN_TITLE).split("\n") if line.strip()][2:]
    first = "根据《常州市住房和城乡建设局关于调整商品住房交易限制政策的通知》要求，" + lines[0]
    f = tmp_path / "excerpt.txt"
    f.write_text("\n".join([first] + lines[1:]), encoding="utf-8")
    r = read_report(f)
    assert r.paragraphs[0].text == first
    assert r.title != "根据《常州市住房和城乡建设局关于调整商品住房交易限制政策的通知"
