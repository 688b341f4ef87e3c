"""Reading stage: real files of each format, made by the tools that make them in the wild."""

import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from helpers import make_pdf
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from policysearch import readers
from policysearch.errors import ReadError
from policysearch.readers import read_source

FIXTURES = Path(__file__).parent / "fixtures"
BODY = "松江区二〇二三年政府工作报告\n\n一、过去一年工作回顾\n　　全区经济运行稳中有进，推进乡村振兴。\n"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def read_error(path) -> str:
    with pytest.raises(ReadError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert "\n" not in message and "Traceback" not in message
    return message


# ---- plain text and encodings ---------------------------------------------------


def test_utf8_text(tmp_path):
    src = read_source(write(tmp_path / "report.txt", BODY.encode("utf-8")))
    assert src.text == BODY.rstrip()
    assert (src.format, src.metadata, src.warnings) == ("txt", {}, [])


def test_utf8_bom_is_dropped(tmp_path):
    src = read_source(write(tmp_path / "report.md", b"\xef\xbb\xbf" + BODY.encode("utf-8")))
    assert src.text == BODY.rstrip()
    assert src.format == "md"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path, encoding):
    data = BODY.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + BODY.encode(encoding)
    assert read_source(write(tmp_path / "report.txt", data)).text == BODY.rstrip()


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gb_encodings(tmp_path, encoding):
    text = BODY + ("𠮷䶮 是 GBK 以外的字。\n" if encoding == "gb18030" else "")
    data = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    src = read_source(write(tmp_path / "report.text", data))
    assert src.text == text.rstrip()
    assert src.warnings == []


def test_mostly_ascii_gbk_is_not_mistaken_for_damaged_utf8(tmp_path):
    text = "Annual report of the district government, see appendix A for details. " * 5 + "松江区"
    assert read_source(write(tmp_path / "r.txt", text.encode("gbk"))).text == text.strip()


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_line_ends_are_normalised(tmp_path, newline):
    data = BODY.encode("utf-8").replace(b"\n", newline)
    src = read_source(write(tmp_path / "report.txt", data))
    assert src.text == BODY.rstrip()
    assert "\r" not in src.text


def test_invalid_utf8_bytes_are_replaced_with_a_warning(tmp_path):
    head = ("政府工作报告，推进乡村振兴。" * 20).encode("utf-8")
    data = head + b"\xff\xfe" + "加强生态环境保护。".encode() * 20
    src = read_source(write(tmp_path / "report.txt", data))
    assert src.text.startswith("政府工作报告") and src.text.endswith("保护。")
    assert "\ufffd" in src.text
    assert src.warnings == [f"2 invalid UTF-8 bytes replaced (first at byte {len(head)})"]


def test_damaged_utf8_that_happens_to_be_valid_gb18030_stays_utf8(tmp_path):
    data = "政府工作报告".encode() * 10 + b"\xc0\xc0" + "政府工作报告".encode() * 10
    data.decode("gb18030")  # strict GB18030 would read it as mojibake: 鏀垮簻宸ヤ綔...
    src = read_source(write(tmp_path / "report.txt", data))
    assert src.text == "政府工作报告" * 10 + "\ufffd\ufffd" + "政府工作报告" * 10
    assert src.warnings == ["2 invalid UTF-8 bytes replaced (first at byte 180)"]


def test_invalid_byte_after_utf8_bom_reports_file_offset(tmp_path):
    data = b"\xef\xbb\xbf" + "报告".encode() + b"\xc0" + "正文内容很长".encode() * 10
    src = read_source(write(tmp_path / "report.txt", data))
    assert src.warnings == ["1 invalid UTF-8 bytes replaced (first at byte 9)"]


def test_other_single_byte_encoding_is_guessed_with_a_warning(tmp_path):
    text = "Le café était fermé. Résumé de la réunion: les élèves ont été très sérieux. " * 4
    src = read_source(write(tmp_path / "note.txt", text.encode("cp1252")))
    assert "Le café était fermé." in src.text
    assert any("guessed encoding" in w for w in src.warnings)


def test_undecodable_bytes(tmp_path):
    path = write(tmp_path / "junk.txt", b"\x81\x20" * 300)
    assert "cannot decode text (not UTF-8 or GB18030)" in read_error(path)


def test_stray_control_characters_are_dropped(tmp_path):
    src = read_source(write(tmp_path / "r.txt", ("正文\x07内容\t完\x1a\n" + "第二行\n" * 30).encode("utf-8")))
    assert src.text.startswith("正文内容\t完\n第二行")
    assert src.warnings == ["2 stray control characters removed"]


def test_page_breaks_in_text_stand_on_their_own_line(tmp_path):
    src = read_source(write(tmp_path / "r.txt", "第一页\n\f第二页".encode()))
    assert src.text == "第一页\n\f\n第二页"


# ---- front matter and sidecars --------------------------------------------------


def test_front_matter_with_english_keys(tmp_path):
    data = (
        "\n---\nTitle: 松江区政府工作报告\ntown: 泗泾镇\nDistrict: 松江区\nyear: 2023\n"
        "doc_type: 政府工作报告\nauthor: someone\nissuer: \n---\n" + BODY
    ).encode("utf-8")
    src = read_source(write(tmp_path / "report.md", data))
    assert src.metadata == {
        "title": "松江区政府工作报告",
        "town": "泗泾镇",
        "district": "松江区",
        "year": 2023,
        "doc_type": "政府工作报告",
    }
    assert src.text == BODY.rstrip()


def test_front_matter_with_chinese_keys_and_fullwidth_colons(tmp_path):
    data = (
        "---\n标题：关于印发工作要点的通知\n发布单位：松江区人民政府办公室\n"
        "发布日期: 2023-03-01\n文号：沪松府办〔2023〕12号\n年份：2023年\n---\n" + BODY
    ).encode("utf-8")
    src = read_source(write(tmp_path / "report.txt", data))
    assert src.metadata == {
        "title": "关于印发工作要点的通知",
        "issuer": "松江区人民政府办公室",
        "date": "2023-03-01",
        "doc_number": "沪松府办〔2023〕12号",
        "year": 2023,
    }
    assert "文号" not in src.text and "---" not in src.text
    assert src.text == BODY.rstrip()


@pytest.mark.parametrize(
    "text",
    [
        "---\n标题：未闭合的块\n" + "正文一行\n" * 50,  # never closed
        "---\n" + "title: x\n" * 45 + "---\n正文",  # closed too late
        "---\n这是一段正文，不是元数据。\n---\n正文",  # prose, not key: value
    ],
)
def test_not_front_matter(tmp_path, text):
    src = read_source(write(tmp_path / "r.txt", text.encode("utf-8")))
    assert src.metadata == {}
    assert src.text == text.strip()


def test_sidecars_override_front_matter(tmp_path):
    report = write(tmp_path / "report.txt", ("---\ntitle: 旧标题\ntown: 泗泾镇\n---\n" + BODY).encode("utf-8"))
    (tmp_path / "report.meta.json").write_text(json.dumps({"title": "中间标题", "district": "松江区"}))
    (tmp_path / "report.txt.meta.json").write_text(
        json.dumps({"title": "新标题", "year": 2024, "文号": "松府〔2024〕1号", "note": "ignored"}, ensure_ascii=False),
        encoding="utf-8",
    )
    src = read_source(report)
    assert src.metadata == {
        "title": "新标题",
        "town": "泗泾镇",
        "district": "松江区",
        "year": 2024,
        "doc_number": "松府〔2024〕1号",
    }


@pytest.mark.parametrize("content", ['{"title": "x",}', '["title"]', '{"title": ["a", "b"]}'])
def test_malformed_sidecar(tmp_path, content):
    report = write(tmp_path / "report.txt", BODY.encode("utf-8"))
    (tmp_path / "report.txt.meta.json").write_text(content)
    assert "malformed sidecar" in read_error(report)
    assert "report.txt.meta.json" in read_error(report)


# ---- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty file"),
        (" \r\n\t\n\u3000\n".encode("utf-8"), "empty file"),
        (b"\xef\xbb\xbf\n\n", "empty file"),
        ("---\ntitle: 只有元数据\n---\n\n".encode(), "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)), "binary file, not a text report"),
        (bytes(range(1, 32)) * 20 + "正文".encode(), "binary file, not a text report"),
    ],
)
def test_unreadable_text_files(tmp_path, data, why):
    assert read_error(write(tmp_path / "r.txt", data)).endswith(why)


def test_unknown_extension(tmp_path):
    path = write(tmp_path / "report.xyz", b"text")
    assert read_error(path).endswith("unsupported file type '.xyz' (txt, md, pdf, docx, html)")


def test_missing_file_and_directory(tmp_path):
    assert "No such file" in read_error(tmp_path / "missing.txt")
    (tmp_path / "folder.txt").mkdir()
    assert "directory" in read_error(tmp_path / "folder.txt")


def test_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    assert "file too large" in read_error(write(tmp_path / "r.txt", BODY.encode("utf-8") * 10))


# ---- PDF ------------------------------------------------------------------------

PAGES = [["松江区二〇二三年政府工作报告", "一、过去一年工作回顾"], ["二、今年主要任务", "推进乡村振兴，优化营商环境。"]]


def test_pdf_with_chinese_text_on_two_pages(tmp_path):
    src = read_source(make_pdf(tmp_path / "report.pdf", PAGES))
    assert src.format == "pdf"
    first, second = src.text.split("\n\f\n")
    assert squash(first) == squash("".join(PAGES[0]))
    assert squash(second) == squash("".join(PAGES[1]))


def test_pdf_takes_sidecar_metadata(tmp_path):
    path = make_pdf(tmp_path / "report.pdf", PAGES)
    (tmp_path / "report.meta.json").write_text('{"town": "泗泾镇", "year": "2023"}', encoding="utf-8")
    assert read_source(path).metadata == {"town": "泗泾镇", "year": 2023}


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.98])
def test_truncated_pdf(tmp_path, keep):
    data = make_pdf(tmp_path / "good.pdf", PAGES).read_bytes()
    path = write(tmp_path / "bad.pdf", data[: int(len(data) * keep)])
    assert "corrupt or unreadable PDF" in read_error(path)


def test_pdf_without_text_layer(tmp_path):
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    assert "needs OCR" in read_error(tmp_path / "scan.pdf")


def test_password_protected_pdf(tmp_path):
    path = make_pdf(
        tmp_path / "locked.pdf", PAGES, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner")
    )
    assert read_error(path).endswith("PDF is password-protected")


def test_pdf_glyphs_without_unicode_are_not_passed_off_as_text(tmp_path):
    # pdfminer cannot map the CID font of an encrypted reportlab PDF and yields "(cid:N)" tokens;
    # if a later pdfminer can, the text must come back instead.
    path = make_pdf(tmp_path / "rc4.pdf", PAGES, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="o"))
    try:
        text = read_source(path).text
    except ReadError as e:
        assert "without a Unicode map" in str(e)
    else:
        assert squash(text) == squash("".join(PAGES[0] + PAGES[1]))


# ---- DOCX -----------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("松江区二〇二三年政府工作报告", level=1)
    document.add_paragraph("各位代表：")
    document.add_heading("一、过去一年工作回顾", level=2)
    document.add_paragraph("全区经济运行稳中有进。")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "主要指标"
    table.cell(1, 0).text, table.cell(1, 1).text = "地区生产总值", "增长5.5%"
    table.cell(2, 0).text, table.cell(2, 1).text = "粮食播种面积", "10万亩"
    document.styles.add_style("标题 3", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("（一）稳定粮食生产", style="标题 3")
    document.add_paragraph("最后一段。")
    document.save(path)
    return path


def test_docx_paragraphs_headings_and_tables(tmp_path):
    src = read_source(make_docx(tmp_path / "report.docx"))
    assert src.format == "docx"
    assert src.text.split("\n") == [
        "# 松江区二〇二三年政府工作报告",
        "各位代表：",
        "## 一、过去一年工作回顾",
        "全区经济运行稳中有进。",
        "主要指标",
        "地区生产总值\t增长5.5%",
        "粮食播种面积\t10万亩",
        "### （一）稳定粮食生产",
        "最后一段。",
    ]


def test_corrupt_docx(tmp_path):
    data = make_docx(tmp_path / "good.docx").read_bytes()
    assert "corrupt DOCX" in read_error(write(tmp_path / "truncated.docx", data[: len(data) // 2]))
    with zipfile.ZipFile(tmp_path / "hollow.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/readme.txt", "no document.xml here")
    assert "corrupt DOCX" in read_error(tmp_path / "hollow.docx")


def test_docx_zip_bomb_is_refused_before_inflating(tmp_path, monkeypatch):
    monkeypatch.setattr(docx, "Document", lambda *a: pytest.fail("python-docx must not open a zip bomb"))
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as member:  # 8 MB of zeros, about 8 KB on disk
            for _ in range(8):
                member.write(bytes(2**20))
    assert (tmp_path / "bomb.docx").stat().st_size < 50_000
    assert read_error(tmp_path / "bomb.docx").endswith("DOCX too large when unpacked (zip bomb?)")


def test_docx_total_unpacked_size_limit(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "report.docx")
    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 10_000)
    assert "zip bomb" in read_error(path)


# ---- HTML -----------------------------------------------------------------------


def test_government_article_page(tmp_path):
    src = read_source(FIXTURES / "gov_article.html")
    lines = src.text.split("\n")
    assert src.format == "html"
    assert lines[0] == "关于印发《松江区2023年乡村振兴工作要点》的通知"
    assert "各镇人民政府、街道办事处，区政府各委、办、局：" in lines
    assert "现将《松江区2023年乡村振兴工作要点》印发给你们，请认真按照执行。" in lines
    assert "# 一、总体要求" in lines
    assert "二、主要任务\n（一）稳定粮食生产。\n（二）发展特色产业。" in src.text
    assert "粮食播种面积\t10万亩" in lines
    for debris in [
        "首页",
        "政务公开",
        "当前位置",
        "分享到",
        "微信",
        "网站地图",
        "ICP",
        "打印本页",
        "关闭窗口",
        "用户登录",
        "搜索",
        "相关链接",
        "浏览次数",
        "统计代码",
        "尾部脚本",
        "text-indent",
        "上海市松江区人民政府",
    ]:
        assert debris not in src.text, debris
    assert "\n\n\n" not in src.text


GBK_PAGE = """<html><head><meta {meta}><title>关于做好防汛工作的通知 - 泗泾镇人民政府网</title></head>
<body><div class="nav">首页 | 信息公开</div>
<div id="zoom"><p>各村（居）委会：</p><p>为做好今年汛期工作，现通知如下。</p><p>镕 堃 是 GBK 字。</p></div>
<div class="foot">版权所有</div></body></html>"""


@pytest.mark.parametrize("meta", ['charset="gbk"', 'http-equiv="Content-Type" content="text/html; charset=gb2312"'])
def test_gbk_html_with_declared_charset(tmp_path, meta):
    page = GBK_PAGE.format(meta=meta)
    src = read_source(write(tmp_path / "notice.htm", page.encode("gbk")))
    assert src.text.split("\n\n") == [
        "关于做好防汛工作的通知",
        "各村（居）委会：",
        "为做好今年汛期工作，现通知如下。",
        "镕 堃 是 GBK 字。",
    ]


def test_html_declared_gb2312_but_saved_as_utf8(tmp_path):
    page = GBK_PAGE.format(meta='charset="gb2312"')
    src = read_source(write(tmp_path / "notice.html", page.encode("utf-8")))
    assert "为做好今年汛期工作，现通知如下。" in src.text


def test_html_without_article_container(tmp_path):
    page = """<html><head><title>通知</title></head><body class="page has-header"><nav>网站导航</nav><header>区政府网</header>
    <h1>关于开展评议的通知</h1><!-- 注释内容 --><p>请各单位<b>认真</b>落实。</p><ul><li>甲</li><li>乙</li></ul>
    <footer>网站地图</footer></body></html>"""
    src = read_source(write(tmp_path / "page.html", page.encode("utf-8")))
    assert src.text == "# 关于开展评议的通知\n\n请各单位认真落实。\n\n甲\n乙"


def test_deeply_nested_html(tmp_path):
    page = "<html><body>" + "<div>" * 10_000 + "<p>深层正文</p>" + "</div>" * 10_000 + "</body></html>"
    assert read_source(write(tmp_path / "deep.html", page.encode("utf-8"))).text == "深层正文"
    page = "<html><body>" + '<div class="content">' * 5_000 + "内容" + "</div>" * 5_000 + "</body></html>"
    assert read_source(write(tmp_path / "deep2.html", page.encode("utf-8"))).text == "内容"


def test_html_with_no_text(tmp_path):
    page = "<html><head><script>var a = 1;</script></head><body><div class='menu'>菜单</div></body></html>"
    assert read_error(write(tmp_path / "blank.html", page.encode("utf-8"))).endswith("no text found in document")
