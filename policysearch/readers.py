"""Reading stage: a file on disk -> its text, user-supplied metadata and warnings.

Every failure is a ReadError whose one-line message starts with the file's path.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReadError

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # DOCX: all zip members together, inflated
MAX_ZIP_RATIO = 200  # DOCX: inflated/compressed, for members over 1 MB
FRONT_MATTER_MAX_LINES = 40

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}

# Front-matter / sidecar keys -> English metadata keys.
KEY_ALIASES = {
    **{k: k for k in ("title", "town", "district", "date", "year", "doc_type", "doc_number", "issuer")},
    **dict.fromkeys(("标题", "题目", "名称"), "title"),
    **dict.fromkeys(("发布单位", "发文单位", "发文机关", "发文机构", "制发机关", "发布机构", "来源"), "issuer"),
    **dict.fromkeys(("发布日期", "发文日期", "成文日期", "印发日期", "日期", "发布时间"), "date"),
    **dict.fromkeys(("文号", "发文字号"), "doc_number"),
    **dict.fromkeys(("年份", "年度"), "year"),
    **dict.fromkeys(("文种", "类型", "公文种类", "文档类型"), "doc_type"),
    **dict.fromkeys(("镇", "街镇", "乡镇", "镇街"), "town"),
    **dict.fromkeys(("区", "区县", "县区"), "district"),
    **dict.fromkeys(("province", "省", "省份"), "province"),
    **dict.fromkeys(("city", "市", "城市", "地市"), "city"),
    **dict.fromkeys(("place_code", "区划代码", "行政区划代码"), "place_code"),
}
# What collections write where they have no value: not a value.
NO_VALUE = {"", "-", "--", "—", "——", "－", "/", "无", "暂无", "空", "未知", "null", "none", "nil", "n/a", "na", "nan"}


@dataclass
class Source:
    text: str
    metadata: dict
    warnings: list[str] = field(default_factory=list)
    format: str = "txt"


def _fail(path, why) -> ReadError:
    shown = repr(str(path)) if "\n" in str(path) else path  # one line, whatever the name holds
    return ReadError(f"{shown}: {' '.join(str(why).split())}")


def read_source(path) -> Source:
    """Read one report file; raise ReadError for anything that cannot be read."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise _fail(path, f"unsupported file type '{path.suffix or path.name}' (txt, md, pdf, docx, html)")
    data = _read_bytes(path, MAX_FILE_BYTES)
    if not data:
        raise _fail(path, "empty file")
    warnings: list[str] = []
    text = {"txt": _decode, "md": _decode, "pdf": _read_pdf, "docx": _read_docx, "html": _read_html}[fmt](
        path, data, warnings
    )
    text = _clean(text, warnings)
    metadata: dict = {}
    if fmt in ("txt", "md"):
        metadata, text = _split_front_matter(text)
    if not text.strip():
        raise _fail(
            path,
            {
                "pdf": "PDF has no text layer (a scan, or a damaged file); it needs OCR or a better copy",
                "txt": "empty file",
                "md": "empty file",
            }.get(fmt, "no text found in document"),
        )
    metadata.update(_read_sidecars(path))
    return Source(text=text, metadata=metadata, warnings=warnings, format=fmt)


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise _fail(path, f"file too large (over {limit // 2**20} MB)")
        with open(path, "rb") as f:
            data = f.read(limit + 1)  # the file may have grown since stat
    except OSError as e:
        raise _fail(path, e.strerror or e) from None
    if len(data) > limit:
        raise _fail(path, f"file too large (over {limit // 2**20} MB)")
    return data


# ---- text and encodings -------------------------------------------------------

# C0 controls other than \t \n \r \f, plus DEL: never in real text; many of them mean binary.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_ESCAPED = re.compile("[\udc80-\udcff]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufeff]")
# Characters plausible in Chinese text; GB18030 decodes almost any high bytes, so check the result.
_ODD_CHARS = re.compile(
    r"[^\t\n\r\f\x20-\x7e\xa0-\xff\u0370-\u04ff\u2000-\u27bf\u2e80-\u9fff"
    r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)


def _decode(path, data: bytes, warnings, declared: str | None = None) -> str:
    """Bytes -> str: BOM, UTF-8, declared charset, mostly-UTF-8, GB18030, then a confident guess."""
    if data.startswith(codecs.BOM_UTF8):
        return _check_controls(path, _utf8(data[3:], warnings, offset=3))
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return _check_controls(path, data[2:].decode(enc))
            except UnicodeDecodeError as e:
                warnings.append(f"invalid UTF-16 bytes replaced (first at byte {e.start + 2})")
                return _check_controls(path, data[2:].decode(enc, errors="replace"))
    controls = len(data.translate(None, _NOT_CONTROL))
    if controls > 5 and controls > len(data) // 100:
        raise _fail(path, "binary file, not a text report")
    if declared and declared.replace("_", "-") not in ("utf-8", "utf8"):
        try:
            data.decode("utf-8")  # valid UTF-8 is no accident: pages saved as UTF-8 often still say gb2312
        except UnicodeDecodeError:
            try:
                return _check_controls(path, data.decode(declared))
            except (UnicodeDecodeError, LookupError):
                warnings.append(f"declared charset '{declared}' does not fit the bytes; guessed instead")
    return _check_controls(path, _guess(path, data, warnings))


def _guess(path, data: bytes, warnings) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # A few bad bytes among many valid UTF-8 sequences is damaged UTF-8, not GB18030: GBK
    # text almost never forms valid UTF-8, while damaged UTF-8 often decodes as GB18030 mojibake.
    bad = len(_ESCAPED.findall(data.decode("utf-8", errors="surrogateescape")))
    high = len(data) - len(data.translate(None, bytes(range(128, 256))))
    if bad <= 0.05 * high:
        return _utf8(data, warnings)
    try:
        text = data.decode("gb18030")
        if len(_ODD_CHARS.findall(text)) <= 0.05 * len(text):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # charset-normalizer names some encoding for nearly anything; trust it only when it also
    # recognised a language in the result.
    if best is not None and best.chaos <= 0.1 and best.coherence >= 0.2:
        warnings.append(f"not UTF-8 or GB18030; decoded as guessed encoding {best.encoding}")
        return str(best)
    raise _fail(path, "cannot decode text (not UTF-8 or GB18030)")


def _utf8(data: bytes, warnings, offset: int = 0) -> str:
    """Decode UTF-8, replacing invalid bytes with U+FFFD and saying how many and where."""
    text = data.decode("utf-8", errors="surrogateescape")  # one lone surrogate per bad byte
    first = _ESCAPED.search(text)
    if first is None:
        return text
    at = offset + len(text[: first.start()].encode("utf-8"))
    warnings.append(f"{len(_ESCAPED.findall(text))} invalid UTF-8 bytes replaced (first at byte {at})")
    return _ESCAPED.sub("\ufffd", text)


def _check_controls(path, text: str) -> str:
    controls = len(_CONTROL_CHARS.findall(text))
    if controls > 5 and controls > len(text) // 100:
        raise _fail(path, "binary file, not a text report")
    return text


def _clean(text: str, warnings) -> str:
    """Normalise line ends, drop stray control characters, put page breaks (\\f) on their own line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, dropped = _CONTROL_CHARS.subn("", text)
    if dropped:
        warnings.append(f"{dropped} stray control characters removed")
    text = re.sub(r"[ \t\n]*\f[ \t\n]*", "\n\f\n", text)
    return re.sub(r"^\s*\n", "", text).rstrip()


# ---- metadata -----------------------------------------------------------------

_KEY_VALUE = re.compile(r"^\s*([^:：\s][^:：]*?)\s*[:：]\s*(.*?)\s*$")


def _split_front_matter(text: str) -> tuple[dict, str]:
    """Take a leading `---` ... `---` block of `key: value` lines off the text."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    pairs: list[tuple[str, str]] = []
    for i, line in enumerate(lines[1 : FRONT_MATTER_MAX_LINES + 1], start=1):
        if line.strip() == "---":
            return (_metadata(pairs), "\n".join(lines[i + 1 :]).lstrip("\n")) if pairs else ({}, text)
        m = _KEY_VALUE.match(line)
        if m:
            pairs.append((m.group(1), m.group(2)))
        elif line.strip() and not line[0].isspace() and not line.lstrip().startswith(("#", "- ")):
            return {}, text  # prose, not a metadata block (YAML lists/comments are tolerated)
    return {}, text


def _metadata(pairs) -> dict:
    out = {}
    for key, value in pairs:
        name = KEY_ALIASES.get(str(key).strip().lower())
        if name is None or value is None:
            continue
        value = str(value).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].strip()
        if value.lower() in NO_VALUE:
            continue
        if name == "year" and re.fullmatch(r"\d{4}\s*年?", value):
            value = int(value[:4])
        out[name] = value
    return out


def _read_sidecars(path: Path) -> dict:
    """NAME.meta.json and NAME.EXT.meta.json beside the report; the more specific one wins."""
    out = {}
    for sidecar in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if not sidecar.is_file():
            continue
        try:
            data = json.loads(_read_bytes(sidecar, 1024 * 1024).decode("utf-8-sig"))
        except ReadError as e:
            raise _fail(path, f"malformed sidecar {e}") from None
        except (UnicodeDecodeError, ValueError) as e:
            raise _fail(path, f"malformed sidecar {sidecar}: {e}") from None
        if not isinstance(data, dict):
            raise _fail(path, f"malformed sidecar {sidecar}: expected a JSON object")
        bad = [k for k, v in data.items() if v is not None and not isinstance(v, (str, int, float))]
        if bad:
            raise _fail(path, f"malformed sidecar {sidecar}: '{bad[0]}' must be a string or number")
        out.update(_metadata(data.items()))
    return out


# ---- PDF ------------------------------------------------------------------------


def _read_pdf(path, data, warnings) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings are not ours to print
    try:
        text = extract_text(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise _fail(path, "PDF is password-protected") from None
    except Exception as e:  # pdfminer raises many kinds of errors on damaged input
        raise _fail(path, f"corrupt or unreadable PDF ({type(e).__name__})") from None
    # Glyphs of fonts without a Unicode map come out as "(cid:123)": not text.
    text, unmapped = re.subn(r"\(cid:\d+\)", "", text)
    if unmapped and not text.strip():
        raise _fail(path, "PDF text cannot be decoded (fonts without a Unicode map); it needs OCR first")
    if unmapped:
        warnings.append(f"{unmapped} PDF glyphs had no Unicode mapping and were dropped")
    return text


# ---- DOCX -----------------------------------------------------------------------


def _read_docx(path, data, warnings) -> str:
    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except Exception:
        raise _fail(path, "corrupt DOCX (not a zip archive)") from None
    # python-docx inflates members whole, so check the declared sizes before it does.
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES or any(
        m.file_size > 2**20 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1) for m in members
    ):
        raise _fail(path, "DOCX too large when unpacked (zip bomb?)")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # bad zip, missing parts, bad XML: python-docx has no common base error
        raise _fail(path, f"corrupt DOCX ({type(e).__name__}: {e})") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell repeats across the columns it spans
                        seen.add(id(cell._tc))
                        cells.append(" ".join(cell.text.split()))
                if any(cells):
                    lines.append("\t".join(cells))
        else:
            lines.append(_heading_prefix(block) + block.text)
    return "\n".join(lines)


def _heading_prefix(paragraph) -> str:
    name = (paragraph.style.name if paragraph.style is not None else None) or ""
    m = re.match(r"(?i)(?:heading|标题)\s*(\d)?|title$", name)
    if not m or not paragraph.text.strip():
        return ""
    return "#" * int(m.group(1) or 1) + " "


# ---- HTML -----------------------------------------------------------------------

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "input",
    "iframe",
    "svg",
    "title",
]
_DEBRIS = re.compile(r"nav|menu|breadcrumb|footer|header|share|toolbar|sidebar|login|search|print|close", re.I)
_BODY = re.compile(r"trs_editor|zoom|article|content|view|detail", re.I)
_GBK_NAMES = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "gb18030", "x-gb18030"}
# Layout markers emitted while walking the tree and resolved by _html_lines(): each <br> is a line
# break, a list item or table row its own line, other blocks a paragraph (blank line around them).
# Control characters are safe as markers: _clean() has already removed them from the page.
_BR, _LINE, _PARA, _HEAD, _CELL = "\x00", "\x03", "\x04", "\x01", "\x02"
_MARKER_RUN = re.compile(r"[ \t]*[\x00\x03\x04][\x00\x03\x04 \t]*")
_PARA_TAGS = (
    "p",
    "div",
    "hr",
    "ul",
    "ol",
    "dl",
    "table",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "center",
    "address",
    "figure",
    "figcaption",
    "h4",
    "h5",
    "h6",
)
_OPEN = {
    "br": _BR,
    **dict.fromkeys(("li", "dt", "dd", "tr"), _LINE),
    **dict.fromkeys(_PARA_TAGS, _PARA),
    **dict.fromkeys(("h1", "h2", "h3"), _PARA + _HEAD),
}
_CLOSE = {**_OPEN, "br": "", "h1": _PARA, "h2": _PARA, "h3": _PARA, "td": _CELL, "th": _CELL}


def _read_html(path, data, warnings) -> str:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", data[:4096], re.I)
    declared = m.group(1).decode("ascii").lower() if m else None
    return _html_text(
        _clean(_decode(path, data, warnings, "gb18030" if declared in _GBK_NAMES else declared), warnings)
    )


def _html_text(page: str) -> str:
    # Nothing here recurses per nesting level (bs4 >= 4.12 walks iteratively, as does _walk), so
    # pathologically deep pages parse without RecursionError.
    from bs4 import BeautifulSoup  # imported here: a search never pays for the HTML parser

    soup = BeautifulSoup(page, "html.parser")
    title = soup.title.get_text() if soup.title else ""
    facts = _page_facts(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.extract()

    def ident(tag):
        return " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")

    # Found before debris goes: a body inside a debris-looking wrapper ("with-sidebar") is still
    # walked, detached, while debris inside the body is gone.
    bodies = [t for t in soup.find_all(True) if _BODY.search(ident(t)) and not _DEBRIS.search(ident(t))]
    for tag in soup.find_all(True):
        if tag.name not in ("html", "body") and _DEBRIS.search(ident(tag)):
            tag.extract()
    h1 = next((h.get_text(" ", strip=True) for h in soup.find_all("h1") if h.get_text(strip=True)), "")
    title = h1 or re.split(r"\s*(?:[_|｜]|\s[-–—－]\s)\s*", title.strip())[0]  # drop "_站点名" suffixes
    text = _html_lines(_walk(_largest(bodies) or soup.body or soup))
    squashed = re.sub(r"\s", "", text)
    facts = [f for f in facts if re.sub(r"\s", "", f) not in squashed]
    if title and re.sub(r"\s", "", title) not in squashed:
        facts.insert(0, title)
    return "\n\n".join(facts + [text])


_FACT = re.compile(
    r"(发布日期|发布时间|成文日期|发文日期|印发日期|发文字号|文号|发布机构|发文机关|发文单位|发布单位)"
    r"\s*[:：]\s*([^\t\n]{2,40}?)\s*(?=[\t\n]|$)"
)


def _page_facts(soup) -> list[str]:
    """The publication facts government pages print around the article (发布日期, 发文字号,
    发布机构…), often in a table outside it: kept as lines, so the document keeps its date."""
    text = soup.get_text("\n")
    seen, out = set(), []
    for m in _FACT.finditer(text):
        if m.group(1) not in seen:
            seen.add(m.group(1))
            out.append(f"{m.group(1)}：{m.group(2).strip()}")
    return out


def _largest(bodies):
    """The body element with the most text; linear even when bodies nest inside each other."""
    from bs4.element import PreformattedString, Tag

    best, best_size, inside = None, 0, set()
    for tag in bodies:  # document order: an outer body comes before those inside it, and has more text
        if id(tag) in inside:
            continue
        size = 0
        for node in tag.descendants:
            if isinstance(node, Tag):
                inside.add(id(node))
            elif not isinstance(node, PreformattedString):  # comments, doctype, CDATA
                size += len(node.strip())
        if size > best_size:
            best, best_size = tag, size
    return best


def _walk(root) -> str:
    """Text of the tree with layout markers, walked with an explicit stack (pages nest deeply)."""
    from bs4.element import NavigableString, PreformattedString

    out: list[str] = []
    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):
                out.append(node)
        elif closing:
            out.append(_CLOSE.get(node.name, ""))
        else:
            out.append(_OPEN.get(node.name, ""))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
    return "".join(out)


def _html_lines(text: str) -> str:
    """Marked-up text -> lines: HTML whitespace collapses, markers become line breaks and "# "."""

    def breaks(m):
        run = m.group()
        return "\n" * max(run.count(_BR), 2 if _PARA in run else 1 if _LINE in run else 0)

    text = _MARKER_RUN.sub(breaks, re.sub(r"\s+", " ", text).replace(_CELL, "\t"))
    lines = []
    for line in text.split("\n"):
        bare = line.replace(_HEAD, "").strip(" \t")
        lines.append("# " + bare if bare and _HEAD in line else bare)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def walk(paths) -> list[str]:
    """Readable files under the given files and folders, each once, in a stable order; symlink
    loops end the walk instead of repeating it."""
    found, seen_dirs, seen_files = [], set(), set()
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in seen_dirs:
                    dirs[:] = []
                    continue
                seen_dirs.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if name.startswith(".") or name.endswith(".meta.json") or not name.lower().endswith(tuple(FORMATS)):
                        continue
                    if os.path.realpath(full) not in seen_files:
                        seen_files.add(os.path.realpath(full))
                        found.append(full)
        elif os.path.realpath(path) not in seen_files:
            seen_files.add(os.path.realpath(path))
            found.append(path)
    return found
