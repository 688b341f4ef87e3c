"""Undo what PDF and web extraction did to a report: hard wraps, page breaks, page-foot notes,
run-together parts, markdown markup and stray spaces. Text in, a list of blocks out: each block is
one heading or one paragraph as the printed report had it, with the page-foot notes that explain it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .text import display_width  # CJK counts two columns: wrap widths compare across scripts

# Numbering that starts a heading or a numbered item: 一、 （一） (一) 1. 1、 （1） 第一章 【1】 # markdown
CN_NUM = "一二三四五六七八九十百零〇"
MARKER = re.compile(
    rf"^(?:#{{1,6}}\s|[{CN_NUM}]+、|[（(][{CN_NUM}]+[）)]|\d{{1,2}}[.．、](?!\d)|[（(]\d{{1,2}}[）)]"
    rf"|第[{CN_NUM}\d]+[章节部分篇]|【\d+】)"
)
# An article of a law starts its line ('第一条 为了…'), after a law's history too.
ARTICLE = re.compile(rf"^第[{CN_NUM}\d]+条")
FOOTNOTE = re.compile(r"^([¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*(\S.*)$")
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,3})$"
)
TERMINAL = set("。！？!?；;：:…")
CLOSERS = set("”’」』）)】》\"'")
SENTENCE_PUNCT = re.compile(r"[，,、。；;：:《》“”]")
# Parts that carry no number but stand alone: the glossary and appendices.
NAMED_PARTS = re.compile(r"^(?:名\s*词\s*解\s*释|名词注释|注释|注解|附件\d*|附录|附注|附表)[:：]?$")
FIELD = re.compile(
    r"^(?:索引号|主题分类|分类|发布机构|发文机关|发文单位|发布单位|发布日期|发布时间|成文日期|发文日期|印发日期"
    r"|发文字号|文号|签发人|来源|作者|日期|时间)\s*[:：]"
)
DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")
SALUTATION = re.compile(r"^(?:各|尊敬的|同志们|女士们)[^。]{0,40}[:：]$")
TITLE_WORDS = (
    "通知|通报|意见|方案|办法|规定|细则|条例|规划|纲要|计划|要点|总结|报告|汇报|决定|公告|通告|批复|措施|请示|纪要|函"
)
TITLE_END = re.compile(rf"(?:{TITLE_WORDS})[》」』”\"]?$")
# A document number (文号) in any bracket form: 沪府办发〔2023〕12号, 粤建房字[2005]58号, 国发（2019）5号.
YEAR_BRACKETS = r"[〔\[［【(（]\s*(\d{4})\s*[〕\]］】)）]"
DOC_NUMBER = re.compile(rf"[\u4e00-\u9fff]{{1,12}}\s*{YEAR_BRACKETS}\s*第?\s*\d+\s*号")
# Characters between which a space is an extraction artifact: Han, CJK and full-width punctuation.
CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u2014\u00b7"
SPACE = re.compile(r"\s")
CJK_GAP = re.compile(
    rf"(?<=[{CJK}])[ \t\u00a0\u3000]+(?=[{CJK}])|(?<=[{CJK}])[ \t\u00a0\u3000]+(?=[,.;:!?)(])|(?<=[,;:!?)(])[ \t\u00a0\u3000]+(?=[{CJK}])"
)
FLAT_HEAD = 80  # a first line this long holds more than a title: its head may have run into the text
RUN_TOGETHER = 1000  # a line this long is several paragraphs that lost their breaks (web copies)
# Whole lines that are web-page furniture, not the document.
DEBRIS = re.compile(
    r"^(?:关联信息|相关链接|附件下载|分享到|扫一扫|打印本页|关闭窗口|返回顶部|【?字[体号][:：]?\s*[大中小\s]+】?"
    r"|上一篇|下一篇|责任编辑|浏览次数|打印|关闭|收藏)[:：]?.{0,30}$"
    r"|^[+＋]\d{1,5}$|^【?字[体号]】?$"  # a page's counter of likes or shares; its font-size switch
)
# Lines a page or a collector puts around the document: 'label: value' facts and notes (in the
# head or the foot only: inside the text such a line is the document's own), breadcrumbs, bare links.
NOTE_LABELS = (
    "原文链接|原文地址|原文网址|链接|网址|来源网址|页面地址|检索时间|检索关键词|关键词|抓取时间|采集时间|爬取时间"
    "|下载时间|法宝引证码|引证码|浏览次数|访问量|点击数|阅读数|责任编辑|编辑|作者|索引号|主题分类|主题词|分类"
    "|体裁分类|组配分类|服务对象|有效性|时效性|废止日期|失效日期|备案登记号|文档类型|文件类型|文档|标题|名称|信息名称|文件名称|文件标题|文档名称"
)
FACT_LABELS = (
    "信息来源|来源|发布机构|发文机关|发文单位|发布单位|发布日期|发布时间|成文日期|发文日期|印发日期|日期|时间"
    "|发文字号|文号|文件编号"
)
# The value of a page's 时效性 field, on a line of its own once the table is flattened.
VALIDITY = re.compile(r"^(?:现行)?有效$|^(?:已)?(?:失效|废止)$")
# A collector's heading over its facts ('### 基本信息' above '- **发布机构**：…'), in the head only.
FACTS_HEADING = re.compile(r"^(?:基本信息|文档信息|文件信息|文件属性|元数据|元信息)[:：]?$")


def field_line(labels: str) -> re.Pattern:
    """A 'label: value' line; a page's table spaces its labels out ('索 引 号：', '标 题：') and may
    print the time of posting first ('2023-02-0808:41来源：…')."""
    spaced = "|".join(r"\s*".join(label) for label in labels.split("|"))
    posted = r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?"
    return re.compile(rf"^{posted}(?:【(?:{spaced})】\s*[:：]?|(?:{spaced})\s*[:：])")


FURNITURE_FIELD, FACT_FIELD = field_line(f"{NOTE_LABELS}|{FACT_LABELS}"), field_line(FACT_LABELS)
BREADCRUMB = re.compile(r"^(?:(?:当前|您的|您现在的|现在的)?位置\s*[:：]?\s*)?(?:网站)?(?:首页|主页)\s*[>＞»›/|]")
BARE_LINK = re.compile(r"^(?:<?https?://\S+>?|\[[^\]]*\]\([^)]*\))$")
HTML_COMMENT = re.compile(r"^<!--.*-->$")
RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|={3,})$")
HEAD_LINES = 30  # how far into a text the page's and collector's head may reach
FOOT_LINES = 8
MD_LINK = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]+)\]\([^)]*\)")


def take_furniture(text: str, keep_facts: bool = False) -> tuple[str, list[str]]:
    """Take the collector's notes and the page furniture off a text -> (text, what was taken).
    At the head (before the document's first numbered heading, salutation or long paragraph): a
    Markdown quote, 'label: value' facts and notes (来源, 发布时间, 原文链接…), breadcrumbs, bare
    links and the title printed a second time; in the foot, the same facts and notes; anywhere,
    share bars and font-size switches, and markup-only lines (HTML comments, rules). With
    `keep_facts` the facts stay: the HTML reader has already chosen a page's publication facts
    and put them above the article as lines of their own."""
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    foot = set(nonblank[-FOOT_LINES:]) if len(nonblank) > 2 * FOOT_LINES else set()
    kept, dropped, seen = [], [], set()
    in_head, repeated_rest = True, None
    for i, raw in enumerate(lines):
        line = raw.strip()
        bare, _ = strip_markdown(line)
        if not line:
            kept.append(raw)
            continue
        if RULE.match(line):
            continue
        if in_head and (
            MARKER.match(bare)
            or SALUTATION.match(bare)
            or len(bare) > 100
            and not line.startswith(">")
            or len(kept) > HEAD_LINES
        ):
            in_head = False
        furniture = (
            HTML_COMMENT.match(line)
            or DEBRIS.match(bare)
            or BREADCRUMB.match(bare)
            or (in_head or i in foot)
            and (line.startswith(">") and in_head or FURNITURE_FIELD.match(bare) or BARE_LINK.match(line))
            or in_head
            and (FACTS_HEADING.match(bare) or VALIDITY.match(bare))
        )
        shown = re.sub(r"\s+", " ", bare) if furniture or in_head else ""  # as a dropped line is noted
        if furniture and not (keep_facts and FACT_FIELD.match(bare)):
            dropped.extend([shown] if shown else [])
            continue
        if in_head:  # (the head never comes back: below it, no line is compared with those seen)
            key = re.sub(r"\W", "", bare)
            if key and key == repeated_rest:
                dropped[-1] += shown  # the second line of a title printed again over two lines
                repeated_rest = None
                continue
            repeated_rest = None
            if len(key) >= 6 and (key in seen or key + line_key(lines, i + 1) in seen):
                dropped.append(shown)  # the title again, as pages print it above and in the text
                repeated_rest = None if key in seen else line_key(lines, i + 1)
                continue
            seen.add(key)
        kept.append(raw)
    return "\n".join(kept), dropped


def line_key(lines: list[str], start: int) -> str:
    """The letters of the first non-blank line from `start` on, to compare lines however marked up."""
    line = next((line for line in lines[start:] if line.strip()), "")
    return re.sub(r"\W", "", strip_markdown(line.strip())[0])


@dataclass
class Block:
    text: str
    notes: list[str] = field(default_factory=list)
    heading: bool = False  # a markdown '#' line, or a heading split off its first sentence


def ends_sentence(s: str) -> bool:
    s = s.rstrip()
    while s and s[-1] in CLOSERS:
        s = s[:-1]
    return bool(s) and s[-1] in TERMINAL


def clean_spaces(s: str) -> str:
    """Drop spaces between Chinese characters (letter-spaced titles, PDF gaps); keep the rest."""
    if not SPACE.search(s):  # most paragraphs: nothing to do (a regex scan in C, not four)
        return s
    s = s.replace("\u00a0", " ").replace("\u3000", " ")
    s = CJK_GAP.sub("", s)
    return re.sub(r"[ \t]{2,}", " ", s).strip()


def strip_markdown(line: str) -> tuple[str, bool]:
    """Markdown markup is structure, never text: '#' makes a heading, '**', '>' and links go."""
    if line[:1] not in "#>-*+" and "](" not in line and "**" not in line and "__" not in line:
        return line.strip().rstrip("|").strip(), False  # no markup (most lines): none of the scans below
    heading = bool(re.match(r"^#{1,6}\s", line))
    line = re.sub(r"^#{1,6}\s+", "", line)
    line = re.sub(r"^(?:>\s?|[-*+]\s+(?=\S))+", "", line)  # quotes and list bullets, in any mix
    line = MD_LINK.sub(lambda m: m.group(1) or "", line)
    line = line.replace("**", "").replace("__", "")
    return line.strip().rstrip("|").strip(), heading


def split_run_together(line: str, first: bool = False) -> list[str]:
    """Break a line that holds several paragraphs at sentence ends followed by a space, and
    glossary items (【1】…) wherever they start. A piece still too long lost its spaces too (a
    text flattened into one line): it breaks before its headings and at its sentence ends, and,
    at the start of the text, its title, 文号 and salutation come apart."""
    parts = re.split(r"\s+(?=【\d+】)", line) if "【" in line else [line]
    flat = first and len(parts[0]) > FLAT_HEAD and len(parts) == 1
    if flat:
        head = split_flattened_head(CJK_GAP.sub("", parts[0]))  # '请　示　的　通　知国发〔1981〕172号'
        flat = len(head) > 1  # a whole document on one line, not a long first paragraph
        parts = head[:-1] + split_flat(head[-1]) if flat else parts
    if len(line) > RUN_TOGETHER:
        parts = [q for p in parts for q in re.split(rf"(?<=[。！？!?；：:])\s+(?=\S)|\s+(?=[（(][{CN_NUM}]+[）)])", p)]
        parts = [q for p in parts for q in (split_flat(p) if len(p) > RUN_TOGETHER else [p])]
    return [p for p in parts if p.strip()]


# In a flattened text: before a numbered heading or article that follows a sentence end, and after a sentence end.
FLAT_BREAK = re.compile(
    rf"(?<=[。！？!?；：:])(?=[{CN_NUM}]+、|[（(][{CN_NUM}]+[）)]|第[{CN_NUM}\d]+[章条节])"
    r"|(?<=[。！？!?])(?![”’」』）)】》\"'])"
)


def split_flat(text: str) -> list[str]:
    """A flattened text broken at FLAT_BREAK. A break made here never costs the text a word: a piece
    that would read as a page number or page furniture stays with the next one, and a short
    numbered sentence ('（三）加快推进。', which would be read as a heading without its stop) and
    one that starts with a note marker ('³…', which would be moved as a page-foot note) with the one
    before."""
    out: list[str] = []
    carry = ""
    for piece in re.split(FLAT_BREAK, text):
        piece, carry = carry + piece, ""
        first = piece.partition("。")[0]
        if PAGE_NUMBER.match(piece) or DEBRIS.match(piece):
            carry = piece
        elif out and (MARKER.match(piece) and "。" in piece and len(first) <= 60 or FOOTNOTE.match(piece)):
            out[-1] += piece
        else:
            out.append(piece)
    if carry and out:
        out[-1] += carry
    return out + ([carry] if carry and not out else [])


def number_start(number: re.Match) -> int:
    """Where a DOC_NUMBER match's 文号 really starts: the letters before the bracket may have
    taken in the end of a title ('…的批复国发〔1980〕156号') or a red header ('…委员会文件鲁直…')."""
    lead = re.sub(r"\s*[〔\[［【(（]\s*$", "", number.string[number.start() : number.start(1)])
    ends = [m.end() for m in re.finditer(rf"文件|{TITLE_WORDS}", lead) if m.end() < len(lead)]  # 国办函 is a code
    return number.start() + max(ends, default=0)


# Who signed a report or request to a higher office, after its 文号 ('签发人：XXX', a name of two or three
# characters), before the title that names the issuer and goes on with 关于.
SIGNER = re.compile(r"\s*签发人\s*[:：]\s*(?:[A-Za-z]{1,4}|[\u4e00-\u9fff]{2,3}?)(?=\s*[\u4e00-\u9fff]{0,30}?关于)")


# How a document's opening sentence starts: its purpose, its basis, the occasion, what it presents.
PURPOSE = (
    "为了|为(?:进一步|加强|加快|推进|推动|规范|贯彻|落实|促进|保障|提高|做好|深入|切实|全面|支持|优化)|根据|按照|依据"
    "|近期|近日|现将"
)


# The label of an attachment printed alone, over its title ('附件', '附件2：').
ATTACHMENT = r"附件\s*\d*[:：]?"


def split_flattened_head(text: str) -> list[str]:
    """'国务院关于…的批复国发〔1980〕156号石油部并各省…：国务院同意…' -> title, 文号, salutation, body.
    The 文号 is looked for near the start; the salutation is the first run without a full stop that
    ends with a colon, and a title before it ends with the last word a title ends with."""
    pieces = []
    attachment = re.match(rf"{ATTACHMENT}(?=\S)", text)  # its label run into its title
    if attachment:
        pieces.append(attachment.group())
        text = text[attachment.end() :]
    number = DOC_NUMBER.search(text[:200])
    if number and (
        re.search(r"[，。；,;]", text[: number_start(number)])
        or text[: number_start(number)].rstrip().endswith(("（", "(", "《", "〈"))
    ):
        number = None  # a 文号 cited in a sentence, not the document's own
    if number:
        start = number_start(number)
        pieces += [text[:start], text[start : number.end()]]
        text = text[number.end() :]
        signer = SIGNER.match(text)
        if signer:
            pieces.append(signer.group())
            text = text[signer.end() :]
    titled = bool(number) and bool(TITLE_END.search(pieces[0]))
    # '关于…的报告一、基本情况…': a title run straight into the first heading, or into the opening
    # sentence that gives its purpose or basis ('…暂行规定(试行)为了进一步发挥…').
    headed = (
        None
        if titled
        else re.match(
            rf"[^。！？:：，,]{{4,120}}?(?:{TITLE_WORDS})(?:[（(][^（()）]{{2,12}}[）)])?"
            rf"(?=[{CN_NUM}]+[、.．]|[（(][{CN_NUM}]+[）)]|{PURPOSE})",
            text,
        )
    )
    if headed:
        return [p.strip() for p in pieces + [headed.group(), text[headed.end() :]] if p.strip()]
    colon = re.match(r"[^。！？:：]{2,250}[:：]", text)
    if colon:
        # The title's last word (函 only as 的函: 国函 is a code) before a salutation ('…通知如下：' is a sentence).
        ends = (
            []
            if titled
            else [
                m.end()
                for m in re.finditer(TITLE_WORDS, colon.group())
                if (len(m.group()) > 1 or text[m.start() - 1 : m.start()] == "的")
                and m.end() < colon.end() - 1
                and not text.startswith(("如下", "下"), m.end())
                and text[: m.end()].count("《") == text[: m.end()].count("》")
            ]
        )  # not inside a name
        if number or ends:
            cut = max(ends, default=0)
            pieces += [text[:cut], colon.group()[cut:]]
            text = text[colon.end() :]
    return [p.strip() for p in pieces + [text] if p.strip()]


def split_glued_heading(line: str) -> list[tuple[str, bool]]:
    """'(二)…城市功能品质 有效提速城市更新。…': a heading glued to its first sentence by a space.
    Returns (text, is_heading) pieces."""
    m = MARKER.match(line)
    if m and len(line) >= 40:
        for gap in re.finditer(r"\s+", line):
            head, rest = line[: gap.start()], line[gap.end() :]
            if len(head) > 45 or "。" in head:
                break
            if len(head) - m.end() >= 4 and head[-1] not in ",，、:：" and "。" in rest:
                return [(head, True), (rest, False)]
    return [(line, False)]


WIDEST_WRAP = 120  # columns: a text cut wider than this is not hard-wrapped
OVER_WRAP = 12  # columns past its width that no line of a hard-wrapped text reaches (but a tenth)


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text was cut at, or None when lines are not hard-wrapped."""
    lines = [l for l in lines if len(l) >= 8]
    # A line takes at least a column per character: one of more characters than `longest` is too
    # wide for any width, and when over a tenth are, there is none. Else they may count as just
    # too wide, unmeasured (most of a text's characters): the width's bucket of four holds a
    # quarter of the half of the lines near it at least, more than they are in any bucket of theirs.
    longest = WIDEST_WRAP + OVER_WRAP
    if len(lines) < 8 or sum(len(l) > longest for l in lines) > 0.1 * len(lines):
        return None
    widths = [display_width(l) if len(l) <= longest else longest + 1 for l in lines]
    mode, _ = Counter(w // 4 for w in widths).most_common(1)[0]
    mode = mode * 4 + 2
    near = sum(1 for w in widths if abs(w - mode) <= 6)
    wider = sum(1 for w in widths if w > mode + OVER_WRAP)  # a line far over the width was never cut at it
    return mode if mode <= WIDEST_WRAP and near >= 0.5 * len(widths) and wider <= 0.1 * len(widths) else None


def joins(block: str, last: str, nxt: str, wrap: int | None, opening: bool = False) -> bool:
    """Does line `nxt` continue `block`, whose last line was `last`? The line's width decides in a
    hard-wrapped text; elsewhere the block as a whole does, so that repair is idempotent. The
    `opening` line of a text that is not hard-wrapped is its title or headline unless it breaks off
    at a comma: the byline, time stamp or '(试行)' under it are lines of their own."""
    prev = block
    if (
        MARKER.match(nxt)
        or nxt.startswith(("——", "--"))
        or FIELD.match(nxt)
        or SALUTATION.match(nxt)
        or NAMED_PARTS.match(nxt)
        or DOC_NUMBER.fullmatch(nxt)
        or DOC_NUMBER.fullmatch(prev)
    ):
        return False
    # (the next line first: searching the whole block for a date at its end is the slow part)
    if re.match(r"[月日]", nxt) and re.search(r"\d{4}\s*年\s*\d{1,2}\s*月?\s*\d{0,2}$", prev):
        return True  # a line broken inside a date: '2014年9月26' + '日…'
    if re.match(r"\d{1,2}\s*月", nxt) and re.search(r"\d{4}\s*年$", prev):
        return True  # '…批准的1994年' + '9月24日青岛市…会议…修正'
    if prev.startswith(("——", "--")) or FIELD.match(prev) or DATE_LINE.match(prev):
        return False  # a date line under the title, a 'label：value' line
    if wrap:  # hard-wrapped: a full line runs on, a short one ends ('依照本法' + '第三条规定…' too)
        return display_width(last) >= wrap - 8
    if ARTICLE.match(nxt):
        return False
    if opening and len(prev) <= 80 and not re.search(r"[，,、；;]$", prev):
        return False
    if ends_sentence(prev) or TITLE_END.search(prev):
        return False
    if MARKER.match(prev) and "。" not in prev and len(prev) <= 50:
        return False  # a heading line ends its block
    # A break inside a sentence: the line reads as running text, not a title or name line.
    return bool(SENTENCE_PUNCT.search(prev)) or display_width(prev) >= 60


def repair(text: str) -> list[Block]:
    """Text of a report -> its blocks (headings and paragraphs), notes attached. Repeated to a
    fixed point (a second pass almost never changes anything), so that repairing a repaired
    text gives it back unchanged."""
    blocks = repair_once(text)
    for _ in range(3):
        again = repair_once(as_text(blocks))
        if [(b.text, b.heading, b.notes) for b in again] == [(b.text, b.heading, b.notes) for b in blocks]:
            break
        blocks = again
    return blocks


def as_text(blocks: list[Block]) -> str:
    """Blocks written out as a text again: headings marked as markdown, notes after their block."""
    return "\n".join(("# " if b.heading else "") + b.text + "".join("\n" + n for n in b.notes) for b in blocks)


def repair_once(text: str) -> list[Block]:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    lines: list[tuple[str, bool]] = []
    for line in raw:
        line = line.strip()
        if not line or PAGE_NUMBER.match(line) or DEBRIS.match(line):
            continue
        line, md_heading = strip_markdown(line)
        if not line or PAGE_NUMBER.match(line) or DEBRIS.match(line):
            continue
        if line.startswith("、") and lines and re.fullmatch(f"[{CN_NUM}]+", lines[-1][0]):
            line = lines.pop()[0] + line  # a heading's number broken off its line: '一' + '、工作目标'
        for part in split_run_together(line, first=not lines):
            for piece, glued in split_glued_heading(part.strip()):
                lines.append((piece, md_heading or glued))
    wrap = wrap_width([l for l, _ in lines if not FOOTNOTE.match(l)])

    blocks: list[Block] = []
    notes: list[tuple[str, str, int]] = []  # marker, note text, index of the block it interrupted
    last = None  # the raw last line of the open block
    signed = sign_off([line for line, _ in lines])
    for k, (line, heading) in enumerate(lines):
        note = FOOTNOTE.match(line)
        if note and blocks:
            notes.append((note.group(1), line, len(blocks) - 1))
            continue
        opening = len(blocks) == 1 and blocks[0].text == last
        if (
            last is not None
            and not heading
            and not blocks[-1].heading
            and not {k, k - 1} & signed
            and joins(blocks[-1].text, last, line, wrap, opening)
        ):
            sep = " " if re.match(r"[A-Za-z0-9]", line) and re.search(r"[A-Za-z0-9]$", last) else ""
            blocks[-1].text += sep + line
        else:
            blocks.append(Block(line, heading=heading))
        last = line
    for b in blocks:
        b.text = clean_spaces(b.text)
    attach_notes(blocks, notes)
    return [b for b in blocks if b.text]


# A sign-off date alone on its line, or after the issuer's name: 2024年5月29日, 二〇二四年五月二十九日.
CN_DAY = r"[\d〇○零一二三四五六七八九十]"
SIGN_DATE = re.compile(
    rf"^(?:[\u4e00-\u9fff（）()]{{2,40}}\s+)?{CN_DAY}{{4}}\s*年\s*{CN_DAY}{{1,3}}\s*月\s*{CN_DAY}{{1,3}}\s*日$"
)


def sign_off(lines: list[str]) -> set[int]:
    """The lines of sign-offs: each date alone on its line and the issuers' names just above it.
    They stand alone, never run into the last sentence or the list of attachments above them."""
    signed: set[int] = set()
    for k, line in enumerate(lines):
        if SIGN_DATE.match(line):
            signed.add(k)
            above = k - 1
            while above >= 0 and k - above <= 4 and len(lines[above]) <= 40 and not SENTENCE_PUNCT.search(lines[above]):
                signed.add(above)
                above -= 1
    return signed


def attach_notes(blocks: list[Block], notes: list[tuple[str, str, int]]) -> None:
    """A page-foot note explains a marker on its page: tie it to the nearest block above that
    carries the marker, or else to the block it interrupted."""
    for marker, note, at in notes:
        target = next((i for i in range(at, max(-1, at - 12), -1) if marker in blocks[i].text), at)
        blocks[target].notes.append(clean_spaces(note))
