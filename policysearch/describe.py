"""Describe a report: title, doc type, date, year, issuer, place (the unit that issued it), document number.

Detection reads the places a document names itself: the issuer (red header, sign-off), the title,
the date line (the 'frame'), then the body's own references. User-supplied metadata always wins.
"""
from __future__ import annotations

import re
from collections import Counter

from . import places
from .places import Unit

HAN = r"\u4e00-\u9fff"
# Kinds of document by the word a title ends with; the first that fits wins, longer words first.
KINDS = [
    ("政府工作报告", "政府工作报告"), ("工作报告", "工作报告"), ("工作要点", "工作要点"), ("要点", "工作要点"),
    ("工作总结", "工作总结"), ("总结", "工作总结"), ("行动计划", "行动计划"), ("工作计划", "工作计划"),
    ("计划", "工作计划"), ("实施意见", "实施意见"), ("指导意见", "意见"), ("若干意见", "意见"),
    ("实施方案", "实施方案"), ("工作方案", "工作方案"), ("行动方案", "行动方案"), ("方案", "方案"),
    ("实施细则", "细则"), ("细则", "细则"), ("规划纲要", "规划"), ("规划", "规划"), ("纲要", "规划"),
    ("办法", "办法"), ("规定", "规定"), ("条例", "条例"), ("通知", "通知"), ("通报", "通报"),
    ("公告", "公告"), ("通告", "通告"), ("决定", "决定"), ("决议", "决议"), ("批复", "批复"),
    ("意见", "意见"), ("报告", "报告"), ("纪要", "纪要"), ("函", "函"), ("公报", "公报"),
]
TITLE_TAIL = re.compile(r"[（(【\[](?:试行|暂行|草案|征求意见稿|送审稿|修订|修正|\d{4}年?修订|全文|摘要|节选|图解)[）)】\]]$")
DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
]
CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
DOC_NUMBER = re.compile(rf"[{HAN}]{{1,12}}\s*[〔\[［【(（]\s*(\d{{4}})\s*[〕\]］】)）]\s*第?\s*\d+\s*号")
YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年")
# How the name of an issuing organ ends: a government, a party committee, a department (局, 厅, 委), an office.
ORG_END = r"(?:政府|人民代表大会|人大常委会|党委|党工委|委员会|办事处|办公室|办公厅|局|厅|委|小组|中心)"
SIGN_OFF_ORG = re.compile(rf"^[{HAN}（）()]{{4,30}}{ORG_END}$")
FRAME_SKIP = re.compile(r"^(?:关联信息|来源|发布|索引号|分类|附件)[:：]?|文件$")
ADDRESS = re.compile(r"^各位代表|^同志们")


def kind_of(title: str | None) -> str | None:
    if not title:
        return None
    t = TITLE_TAIL.sub("", re.sub(r"\s+", "", title)).rstrip("。．.")
    t = re.sub(r"[》」』”\"]+$", "", t)
    return next((kind for word, kind in KINDS if t.endswith(word)), None)


def find_date(text: str) -> str | None:
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            d = valid_date(*(int(g) for g in m.groups()))
            if d:
                return d
    m = CN_DATE.search(text)
    if m:
        y = int("".join(str(CN_DIGITS[c]) for c in m.group(1)))
        return valid_date(y, cn_number(m.group(2)), cn_number(m.group(3)))
    return None


def cn_number(s: str) -> int:
    if s == "十":
        return 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    return CN_DIGITS[s]


def valid_date(y: int, m: int, d: int) -> str | None:
    if 1949 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def frame(lines: list[str], first_heading: str | None) -> tuple[list[str], list[str]]:
    """The head of a document (title, red header, date line, salutation, before the first part)
    and its foot (sign-off lines after the last sentence)."""
    head = []
    for line in lines[:12]:
        if line == first_heading:
            break
        head.append(line[:200])
    foot = []
    for line in reversed(lines[-8:]):
        if len(line) > 60 or line.endswith(("。", "！", "!")) and not line.startswith("以上报告"):
            break
        foot.insert(0, line)
    return head, foot


def find_title(head: list[str]) -> str | None:
    """The first short line of the head that names a kind of document, else the first short line."""
    candidates = []
    for i, line in enumerate(head):
        if len(line) > 80 or FRAME_SKIP.search(line) or ADDRESS.match(line) or line.startswith(("——", "—")):
            continue
        if find_date(line) and not kind_of(line) or DOC_NUMBER.search(line) and len(line) < 30:
            continue
        if re.search(r"[。；;！!]$|[:：]$", line):
            break
        # A title broken over two lines: '关于印发…' + '的通知'.
        if i + 1 < len(head) and not kind_of(line) and kind_of(head[i + 1]) and len(head[i + 1]) < 30:
            line += head[i + 1]
        candidates.append(line)
    return next((c for c in candidates if kind_of(c)), candidates[0] if candidates else None)


def issuers(head: list[str], foot: list[str], text: str) -> tuple[list[str], list[str], list[str]]:
    """Who the document says issued it, most trusted first: the red header (…人民政府文件), the
    sign-off above the date (each issuer of a joint one), '我代表…人民政府' of a work report."""
    red = [line[:-2].strip() for line in head if line.endswith("文件") and len(line) <= 30]
    signed = [org for line in foot for org in line.split() if SIGN_OFF_ORG.match(org)]
    m = re.search(rf"我代表([{HAN}]{{2,20}}?人民政府)", text[:3000])
    return red, signed, [m.group(1)] if m else []


def title_issuer(title: str | None) -> str | None:
    """The part of a title that names its issuer: what stands before 关于 ('杭州市人民政府关于…'),
    the document it issues ('关于印发《上海市…办法》的通知'), or the title itself when it starts
    with a place ('上海市城市更新条例', '2024年车墩镇政府工作报告')."""
    if not title:
        return None
    title = re.sub(r"^[【\[][^】\]]*[】\]]|^(?:19|20)\d{2}\s*年度?", "", re.sub(r"\s+", "", title))
    before, about, after = title.partition("关于")
    if about and before:
        return before
    m = re.match(r"(?:印发|发布)《?([^》]+)", after)
    return m.group(1) if m else (None if about else title)


def date_line_places(head: list[str]) -> list[str]:
    """Who met, in the date line of a speech or a regulation: '——在松江区车墩镇第三届人民代表大会
    第五次会议上', '2011年11月17日上海市第十三届人民代表大会常务委员会第三十次会议通过' (the body
    that adopted it comes before the one that approved it)."""
    out = []
    for line in head:
        if len(line) > 120 or line.endswith("。") or not re.search(r"会议|大会", line):
            continue
        out += re.findall(r"([^\s\d，,。：:；;在年月日]{2,30}?)第[一二三四五六七八九十\d]{1,4}届", line)
        out += re.findall(r"在([^\s，,。]{2,40}?)(?:会议|大会)上", line)
    return out


# The body's own references: the words, the level an issuer without a name says it is at ('市人民政府'),
# and which units they may mean ('我市' is a city or a county-level 市; '我区' a district or an autonomous region).
SELF_REFERENCES = [
    (r"[我本全](?:镇|乡|街道)", "镇乡", lambda u: u.level == "town"),
    (r"[我本全][区县旗](?![长委域])", "区县旗", lambda u: u.level == "district" and u.name[-1] in "区县旗"),
    (r"[我本全]市(?![长委])", "市", lambda u: u.level == "city" or u.name.endswith("市")),
    (r"[我本]区(?![长委域])", "区", lambda u: u.level == "province" and u.name.endswith("自治区")),
    (r"[我本]省(?![长委])", "省", lambda u: u.level == "province" and u.name.endswith("省")),
]
# An issuer of the whole country: the Party's centre, the State Council, the NPC, a ministry or national agency.
# A text that opens with a national issuer's title ('国务院关于…的批复'), not quoting one ('《国务院关于…》').
NATIONAL_OPENING = re.compile(r"(?<![《“\"〈])(?:中共中央|国务院|[^\s，。、《]{2,10}部)(?:办公厅)?关于")
NATIONAL = re.compile(r"^(?:中共中央|中央|国务院|全国|中华人民共和国|国家|中国人民银行|最高人民|[^省市区县镇乡]{2,12}部$)")


def self_reference(text: str, level_word: str | None = None) -> Unit | None:
    """The unit the body calls '我市', '本区', '全镇' (the kind it uses most, or the one an issuer
    without a name, '市人民政府', says): the unit of that kind it names most, and twice as often as
    any other that does not lie in it or above it (a city names its districts, a town its
    district: those do not compete)."""
    opening = text[:6000]
    kinds = [(len(re.findall(words, opening)), words, fits) for words, level, fits in SELF_REFERENCES
             if level_word is None or level_word in level]
    hits, _, fits = max(kinds, key=lambda k: k[0])
    if not hits:
        return None
    named = Counter(units[0] for _, _, units in places.mentions(opening) if len(units) == 1 and fits(units[0]))
    if not named:
        return None
    top = max(named.values())
    best = [u for u, n in named.items() if n == top]
    unit = next((u for u in best if all(b.within(u) for b in best)), None)
    rivals = sum(n for u, n in named.items() if not u.within(unit) and not unit.within(u)) if unit else 0
    # named once: enough only where nothing competes and the body calls itself so again and again
    return unit if unit and top >= 2 * rivals and (top >= 2 or not rivals and hits >= 3) else None


def find_place(head: list[str], foot: list[str], title: str | None, text: str,
               issuer: str | None = None) -> tuple[Unit | None, list[str]]:
    """-> (the unit that issued the document, warnings). The first of these that names a unit
    decides: the issuer (the user's, then the document's), the title, the date line, the body's
    own references. A place the body merely mentions (a city's notice naming its districts) is not
    the issuer; a ministry's or the State Council's document has no place."""
    red, signed, speaker = issuers(head, foot, text)
    level_word = None
    for name in [issuer, *red, *signed, *speaker, title_issuer(title), *date_line_places(head)]:
        run, _ = places.chain(name or "")
        if run:
            return settle(run[-1], text)
        if name and NATIONAL.match(name):
            return None, []
        m = re.match(r"(?:中共)?([省市区县镇乡])(?:人民政府|政府|委|人大|党委)", name or "")
        level_word = level_word or (m and m.group(1))
    if NATIONAL_OPENING.search(text[:300]):
        return None, []
    return self_reference(text, level_word), []


def settle(found: list[Unit], text: str, what: str = "issuer") -> tuple[Unit | None, list[str]]:
    """One unit out of the units a name may mean: a higher-level name in the document decides
    among same-named ones (88 towns are called 城关镇); when nothing does, the levels they share
    are kept and a warning says why the rest is empty."""
    unit = places.decide(found, text)
    if unit or not found:
        return unit, []
    shared = places.common(found)
    where = "; ".join("›".join(u.name for u in f.path[:-1]) for f in found[:3]) + ("; …" if len(found) > 3 else "")
    why = (f"place: the {what} '{found[0].name}' is the name of {len(found)} units ({where}) and the document "
           f"names none of the places above them: placed no lower than {shared.name if shared else 'China'}")
    return shared, [why]

def find_year(date: str | None, doc_number: str | None, title: str | None,
              sections: list[tuple[str, str]]) -> int | None:
    if date:
        return int(date[:4])
    if doc_number:
        m = DOC_NUMBER.search(doc_number)
        if m:
            return int(m.group(1))
    m = YEAR_IN.search(title or "")
    if m:
        return int(m.group(1))
    for wanted, shift in (("plan", 0), ("goals", 0), ("review", 1)):
        for heading, type_ in sections:
            m = YEAR_IN.search(heading)
            if type_ == wanted and m:
                return int(m.group(1)) + shift
    return None


def find_issuer(head: list[str], foot: list[str], text: str) -> str | None:
    for line in head:
        m = re.match(r"(?:发布机构|发文机关|发文单位|发布单位)[:：]\s*(\S{2,30})$", line)
        if m:
            return m.group(1)
    red, signed, speaker = issuers(head, foot, text)
    return red[0] if red else "、".join(signed) if signed else speaker[0] if speaker else None


def describe(lines: list[str], first_heading: str | None, text: str, issuer: str | None = None) -> dict:
    """Metadata detected from a report's repaired lines (blocks); `year` is left to find_year,
    which needs the outline."""
    head, foot = frame(lines, first_heading)
    title = find_title(head)
    kind = kind_of(title)
    if kind is None and re.search(r"各位代表", text) and re.search(r"工作回顾|报告工作|请予审议|主要工作|工作安排", text):
        kind = "政府工作报告"
    m = DOC_NUMBER.search("\n".join(head[:8]))
    doc_number = m.group(0).strip() if m else None
    date = find_date("\n".join(l for l in head if len(l) <= 80 or l.startswith(("——", "（", "(")))) \
        or find_date("\n".join(foot))
    found = find_issuer(head, foot, text)
    place, warnings = find_place(head, foot, title, text, issuer or found)
    return {"title": title, "doc_type": kind, "date": date, "doc_number": doc_number,
            "issuer": found, "place": place, "place_warnings": warnings}
