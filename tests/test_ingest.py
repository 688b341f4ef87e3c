"""Reading real reports into described paragraphs: the seeds ground truth and the genre's rules."""

import json
import os
import subprocess
import sys

import pytest
from helpers import CORPUS, ROOT, scan_form

from policysearch import ReadError, read_report
from policysearch.repair import repair

GENRE = os.path.join(ROOT, "tests", "fixtures", "genre")
END = set("。！？；：…”’」』）)!?;:.")
BODY_TYPES = ("review", "plan", "goals", "problems")


def by_name(reports):
    return {os.path.basename(r.source): r for r in reports}


def test_metadata_matches_seeds(corpus_reports, seeds):
    reports = by_name(corpus_reports)
    for name, want in seeds["documents"].items():
        r = reports[name]
        got = {k: getattr(r, k) for k in ("town", "district", "date", "year", "doc_type")}
        assert got == {k: want[k] for k in got}, name


def test_parts_in_order_with_types(corpus_reports, seeds):
    reports = by_name(corpus_reports)
    for name, want in seeds["documents"].items():
        got = [(scan_form(s.heading), s.type) for s in reports[name].sections]
        expected = [(scan_form(s["heading"]), s["type"]) for s in want["sections"]]
        assert got == expected, name


def test_paragraph_types_follow_cues(corpus_reports, seeds):
    reports = by_name(corpus_reports)
    for name, want in seeds["documents"].items():
        for pt in want.get("paragraph_types", []):
            first = next(p for p in reports[name].paragraphs if scan_form(pt["contains"]) in scan_form(p.text))
            assert first.section_type == pt["type"], (name, pt["contains"])


def test_split_phrases_are_inside_one_paragraph(corpus_reports, seeds):
    reports = by_name(corpus_reports)
    for name, want in seeds["documents"].items():
        forms = [scan_form(p.text) for p in reports[name].paragraphs]
        for phrase in want.get("split_phrases", []):
            assert any(scan_form(phrase) in f for f in forms), (name, phrase)


def test_inline_subsections_become_headings(corpus_reports, seeds):
    r = by_name(corpus_reports)["002_d6b6c66e5a2d022c.txt"]
    headings = {scan_form(p.text) for p in r.paragraphs if p.heading}
    for h in seeds["documents"]["002_d6b6c66e5a2d022c.txt"]["subsections_inline"]:
        assert scan_form(h) in headings
    under = [p for p in r.paragraphs if not p.heading and len(p.section) == 2]
    assert under and all(not scan_form(p.text).startswith("(一)") for p in under)


def test_no_body_paragraph_cut_mid_sentence_or_too_long(corpus_reports):
    for r in corpus_reports:
        for p in r.paragraphs:
            assert len(p.text) <= 1200, (r.source, p.text[:30])
            text = p.text.rstrip("¹²³⁴⁵⁶⁷⁸⁹⁰ \t\n")
            if p.section_type in BODY_TYPES:
                assert text[-1] in END, (r.source, text[-30:])


def test_every_paragraph_carries_its_heading_path(corpus_reports):
    r = by_name(corpus_reports)["000_34ccb5e9137a61a1.txt"]
    p = next(p for p in r.paragraphs if p.text.startswith("有效提速城市更新"))
    assert p.section == ["一、2024年工作回顾", "(二)全面激发城市更新活力,逐步提升城市功能品质"]
    assert p.section_type == "review"


def test_footnotes_join_their_paragraph_and_stay_with_the_marker(corpus_reports):
    r = by_name(corpus_reports)["003_8d55160e06e9d7cd.txt"]
    texts = [p.text for p in r.paragraphs]
    assert not any(t.startswith("¹") for t in texts), "a page-foot note became a paragraph"
    holder = next(t for t in texts if "大康路站" in t)
    assert "三站一场”¹" in holder  # the note explains this marker
    assert any("滨江带功能布局更加完善" in t for t in texts)  # the interrupted paragraph is whole


def test_hard_wrapped_headings_are_rejoined(corpus_reports):
    r = by_name(corpus_reports)["004_179a3deb063e8376.txt"]
    assert r.sections[0].heading == "一、坚持以落实松江重大战略任务为牵引，推动改革开放向纵深发展"
    runin = next(p for p in r.paragraphs if p.heading and p.text.startswith("（一）"))
    assert runin.text == "（一）高质量发展产业经济"
    body = r.paragraphs[r.paragraphs.index(runin) + 1]
    assert body.text.startswith("着眼长三角") and body.section[-1] == runin.text


def test_letter_spaced_titles_and_cjk_spaces_are_closed(corpus_reports):
    r = by_name(corpus_reports)["002_d6b6c66e5a2d022c.txt"]
    assert r.sections[-1].heading == "名词解释"
    r0 = by_name(corpus_reports)["000_34ccb5e9137a61a1.txt"]
    assert any("第六届人民代表大会" in p.text for p in r0.paragraphs)


def test_ids_are_stable_and_content_based(tmp_path):
    src = os.path.join(CORPUS, "004_179a3deb063e8376.txt")
    a, b = read_report(src), read_report(src)
    copy = tmp_path / "elsewhere.txt"
    copy.write_bytes(open(src, "rb").read())
    c = read_report(copy)
    assert a.id == b.id == c.id
    assert [p.id for p in a.paragraphs] == [p.id for p in c.paragraphs]
    code = "from policysearch import read_report; print(read_report(%r).paragraphs[7].id)" % src
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == a.paragraphs[7].id
    copy.write_text(open(src, encoding="utf-8").read() + "\n补充一句。", encoding="utf-8")
    assert read_report(copy).id != a.id


def test_repair_is_idempotent_on_the_corpus():
    for name in sorted(os.listdir(CORPUS)):
        blocks = repair(open(os.path.join(CORPUS, name), encoding="utf-8").read())
        again = repair("\n\n".join(b.text for b in blocks))
        assert [b.text for b in again] == [b.text for b in blocks], name


@pytest.mark.parametrize(
    "name, want",
    [
        (
            "songjiang_notice.txt",
            {
                "town": None,
                "district": "松江区",
                "year": 2023,
                "date": "2023-05-06",
                "doc_type": "通知",
                "doc_number": "松府办〔2023〕45号",
            },
        ),
        (
            "shanghai_opinion.txt",
            {"town": None, "district": None, "year": 2022, "doc_type": "实施意见", "doc_number": "沪府发〔2022〕8号"},
        ),
        ("zhoushi_report.txt", {"town": "周市镇", "district": "昆山市", "year": 2024, "doc_type": "政府工作报告"}),
        ("zhejiang_report.txt", {"town": None, "district": None, "year": 2024, "doc_type": "政府工作报告"}),
        ("chedun_notice.txt", {"town": "车墩镇", "district": "松江区", "year": 2024, "doc_type": "通知"}),
        (
            "fengpu_page.html",
            {
                "town": "奉浦街道",
                "district": "奉贤区",
                "year": 2024,
                "date": "2024-02-20",
                "doc_type": "工作计划",
                "issuer": "奉浦街道办事处",
                "title": "奉浦街道2024年工作计划",
            },
        ),
    ],
)
def test_other_kinds_of_document_are_described(name, want):
    r = read_report(os.path.join(GENRE, name))
    assert {k: getattr(r, k) for k in want} == want


def test_report_from_another_province_gets_report_section_types():
    r = read_report(os.path.join(GENRE, "zhoushi_report.txt"))
    types = {p.section_type for p in r.paragraphs if not p.heading}
    assert {"preamble", "review", "problems", "goals", "plan", "closing"} <= types


def test_a_speech_at_a_work_conference_gets_report_section_types():
    # '在全市经济工作会议上的讲话': a year reviewed, the next one's tasks set, the closing appeal
    r = read_report(os.path.join(GENRE, "city_speech.txt"))
    assert r.doc_type == "讲话"
    assert [(s.heading, s.type) for s in r.sections] == [
        ("一、2023年经济工作回顾", "review"),
        ("二、2024年经济工作的重点任务", "plan"),
    ]
    assert [p.section_type for p in r.paragraphs if not p.heading][-1] == "closing"


def test_notice_passages_are_other():
    r = read_report(os.path.join(GENRE, "chedun_notice.txt"))
    assert {p.section_type for p in r.paragraphs if p.section} == {"other"}


def test_front_matter_wins_and_is_not_text(tmp_path):
    f = tmp_path / "r.md"
    f.write_text(
        "---\n标题: 某镇工作要点\n发布日期: 2019-02-03\n镇: 泗泾镇\n---\n\n# 一、总体要求\n\n"
        "**坚持**稳中求进，推进[城中村改造](http://example.gov.cn/a)。\n\n> 引文段落也是正文。\n",
        encoding="utf-8",
    )
    r = read_report(f)
    assert (r.title, r.date, r.year, r.town, r.district) == ("某镇工作要点", "2019-02-03", 2019, "泗泾镇", "松江区")
    texts = [p.text for p in r.paragraphs]
    assert "坚持稳中求进，推进城中村改造。" in texts and "引文段落也是正文。" in texts
    assert not any(s in t for t in texts for s in ("---", "标题", "**", "http", "#", ">"))
    assert r.sections[0].heading == "一、总体要求"


def test_sidecar_and_keyword_overrides(tmp_path):
    src = open(os.path.join(CORPUS, "000_34ccb5e9137a61a1.txt"), encoding="utf-8").read()
    f = tmp_path / "report.txt"
    f.write_text(src, encoding="utf-8")
    (tmp_path / "report.meta.json").write_text(json.dumps({"year": 2030, "doc_type": "工作报告"}), encoding="utf-8")
    r = read_report(f)
    assert (r.year, r.doc_type, r.town) == (2030, "工作报告", "车墩镇")
    assert read_report(f, town="新浜镇", year="2031").town == "新浜镇"
    with pytest.raises(ReadError):
        read_report(f, year="next year")


def test_inspect_json_has_exactly_the_documented_keys():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "policysearch.cli",
            "inspect",
            os.path.join(CORPUS, "003_8d55160e06e9d7cd.txt"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    doc = json.loads(out)
    assert list(doc) == [
        "id",
        "source",
        "title",
        "province",
        "city",
        "district",
        "town",
        "place_code",
        "date",
        "year",
        "doc_type",
        "issuer",
        "doc_number",
        "sections",
        "paragraphs",
    ]
    assert (doc["province"], doc["city"], doc["district"]) == ("上海市", "上海市", "宝山区")
    assert len(doc["place_code"]) == 12 and doc["place_code"].startswith("310113")
    assert set(doc["sections"][0]) == {"heading", "type"}
    assert set(doc["paragraphs"][0]) == {"id", "section", "section_type", "text"}


def test_inspect_bad_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    r = subprocess.run([sys.executable, "-m", "policysearch.cli", "inspect", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "empty.txt" in r.stderr and "Traceback" not in r.stderr


def test_government_page_keeps_article_and_publication_facts_only():
    r = read_report(os.path.join(GENRE, "fengpu_page.html"))
    text = "\n".join(p.text for p in r.paragraphs)
    assert "加快推进老旧小区加装电梯工作" in text and "发布日期：2024-02-20" in text
    for debris in ("首页", "办事服务", "分享到", "打印本页", "ICP", "网站地图", "请输入关键词", "_hmt"):
        assert debris not in text, debris
    assert [s.heading for s in r.sections] == ["一、总体目标", "二、重点任务", "三、保障措施"]


def make_report_pdf(path):
    """A district's work report as a PDF: hard-wrapped lines, first-line indents, page numbers."""
    import textwrap

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    blocks = [
        ("闵行区2024年政府工作报告", False),
        ("——2024年1月9日在上海市闵行区第十八届人民代表大会第四次会议上", False),
        ("各位代表：", True),
        ("现在，我代表闵行区人民政府，向大会报告工作，请予审议，并请区政协委员和其他列席人员提出意见。", True),
        ("一、2023年工作回顾", False),
        (
            "过去一年，全区经济社会发展稳中有进。颛桥镇、梅陇镇、虹桥镇城中村改造项目加快推进，莘庄镇旧区改造全面完成，"
            "全年完成一般公共预算收入300亿元，新增高新技术企业600家。",
            True,
        ),
        ("在看到成绩的同时，我们也清醒地认识到，发展中还存在一些问题和不足：城市更新任务依然繁重。", True),
        ("二、2024年主要任务", False),
        ("2024年全区经济社会发展的主要预期目标是：地区生产总值增长5.5%。", True),
        (
            "（一）加快建设现代化产业体系。聚焦生物医药、人工智能、集成电路等先导产业，推动大零号湾科技创新策源功能区提质扩能。",
            True,
        ),
        (
            "各位代表，让我们更加紧密地团结在以习近平同志为核心的党中央周围，为奋力谱写中国式现代化闵行新篇章而努力奋斗！",
            True,
        ),
    ]
    c, y, page = canvas.Canvas(str(path)), 420, 1  # short pages: paragraphs cross page breaks
    for text, body in blocks:
        for line in textwrap.wrap("\u3000\u3000" + text, 28) if body else [text]:
            if y < 90:
                c.setFont("STSong-Light", 10)
                c.drawString(280, 40, f"— {page} —")
                c.showPage()
                y, page = 420, page + 1
            c.setFont("STSong-Light", 14)
            c.drawString(60, y, line)
            y -= 24
    c.showPage()
    c.save()
    return path


def test_district_report_from_a_pdf(tmp_path):
    r = read_report(make_report_pdf(tmp_path / "minhang.pdf"))
    assert (r.town, r.district, r.date, r.year, r.doc_type) == (None, "闵行区", "2024-01-09", 2024, "政府工作报告")
    body = [p for p in r.paragraphs if not p.heading]
    assert [p.section_type for p in body] == ["preamble"] * 4 + ["review", "problems", "goals", "plan", "closing"]
    assert any("城中村改造项目加快推进" in p.text for p in body)  # joined across the PDF's line wraps
    assert any("主要预期目标是：地区生产总值增长5.5%" in p.text for p in body)  # and across its page break
    assert not any("— 1 —" in p.text or "— 2 —" in p.text for p in r.paragraphs)  # page numbers dropped


def test_a_known_town_wins_over_a_shorter_tail(tmp_path):
    # '优化镇域' holds '化镇' more often than the text names '向化镇': the gazetteer decides.
    f = tmp_path / "xianghua.txt"
    f.write_text(
        "向化镇2023年工作要点\n\n2023年，向化镇将持续优化镇域营商环境，优化镇域产业布局，推进优化镇村治理。\n\n"
        "一、主要任务\n\n（一）推进乡村振兴。加快推进高标准农田建设。\n",
        encoding="utf-8",
    )
    r = read_report(f)
    assert (r.town, r.district, r.year, r.doc_type) == ("向化镇", "崇明区", 2023, "工作要点")
