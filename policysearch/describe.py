"""Describe a report: title, doc type, date, year, town, district, issuer, document number.

Detection reads the places a document names itself: the title lines, the date line, the red
header and the sign-off (the 'frame'), then the body. User-supplied metadata always wins.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

from .repair import DOC_NUMBER, FURNITURE_FIELD, YEAR_BRACKETS, number_start

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
    ("措施", "措施"), ("请示", "请示"), ("答复", "答复"), ("规则", "规则"), ("章程", "章程"),
]
# What may follow a title's kind word: bracketed tails (（试行）（2021年修订）（2026—2030年）) and a 文号.
TITLE_TAIL = re.compile(r"(?:[（(【\[〔][^（()）【】\[\]]{1,24}[）)】\]〕])+$")
DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
]
CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年")
ORG_END = r"(?:人民政府|人民代表大会|人大常委会|政府|党委|党工委|工作委员会|委员会|办事处|办公室|办公厅)"
TOWN = rf"[{HAN}]{{1,7}}?(?:镇|乡|街道)"
SIGN_OFF_ORG = re.compile(rf"^[{HAN}（）()]{{4,30}}{ORG_END}$")
FRAME_SKIP = re.compile(r"^(?:关联信息|来源|发布|索引号|分类|附件)[:：]?|文件$")
ADDRESS = re.compile(r"^各位代表|^同志们")


@lru_cache(maxsize=1)
def places() -> dict:
    with resources.files("policysearch").joinpath("data/places.json").open(encoding="utf-8") as f:
        data = json.load(f)
    town_district = {t: d for d, towns in data["shanghai"].items() for t in towns}
    counties = set(data["counties"]) | set(data.get("former_counties", {}))
    higher = {name for pairs in data["counties"].values() for pair in pairs for name in pair} - counties
    # Two-character names (丰县, 城区, 新县) are too often plain words to be spotted in running text.
    names = sorted((c for c in counties if len(c) > 2), key=len, reverse=True)
    return {"town_district": town_district, "counties": counties,
            "county_re": re.compile("|".join(map(re.escape, names))),
            "higher_re": re.compile("|".join(map(re.escape, sorted(higher, key=len, reverse=True))))}


def district_of(town: str | None) -> str | None:
    """The Shanghai district a town or street belongs to, from the gazetteer."""
    return places()["town_district"].get(town) if town else None


def kind_of(title: str | None) -> str | None:
    if not title:
        return None
    t = re.sub(r"\s+", "", title).rstrip("。．.")
    number = DOC_NUMBER.search(t)
    if number and number.end() == len(t):
        t = t[:number_start(number)]
    t = re.sub(r"[》」』”\"]+$", "", TITLE_TAIL.sub("", t))
    return next((kind for word, kind in KINDS if t.endswith(word)), None)


def normal_doc_number(text: str) -> str:
    """A 文号, whole or partial, in the one form it is stored and searched in: half-width digits,
    no spaces, the year in 〔〕 (沪府办发[2023]12号, 沪府办发（2023）, 沪府办发 〔2023〕 -> 沪府办发〔2023〕…)."""
    text = re.sub(r"\s+", "", re.sub(r"[０-９]", lambda m: str(ord(m.group()) - ord("０")), text))
    return re.sub(YEAR_BRACKETS, r"〔\1〕", text)


def find_doc_number(lines: list[str]) -> str | None:
    for line in lines:
        m = DOC_NUMBER.search(line)
        if m:
            return normal_doc_number(line[number_start(m):m.end()])
    return None


FACT_KEYS = [("date", re.compile(r"日期|时间")), ("doc_number", re.compile(r"文号|字号")),
             ("issuer", re.compile(r"机构|机关|单位|来源"))]
ORGAN = re.compile(rf"(?:{ORG_END}|[厅局委办院部署会府]|中心|公司)$")


def furniture_facts(dropped: list[str]) -> dict:
    """What the page or the collector said about the document (发布时间：2023-05-01, 来源：上海市人民政府)."""
    out: dict = {}
    for line in dropped:
        m = FURNITURE_FIELD.match(line)
        if not m:
            continue
        label, value = m.group(), line[m.end():].strip()
        key = next((k for k, pattern in FACT_KEYS if pattern.search(label)), None)
        if key == "date":
            value = find_date(value)
        elif key == "doc_number":
            value = find_doc_number([value])
        elif key == "issuer":
            value = value if ORGAN.search(value) and len(value) <= 40 else None
        if key and value and key not in out:
            out[key] = value
    return out


def find_date(text: str) -> str | None:
    return next(dates(text), None)


def dates(text: str):
    """The valid dates a text names, numeric forms first, then 二〇二四年五月二十九日."""
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            d = valid_date(*(int(g) for g in m.groups()))
            if d:
                yield d
    for m in CN_DATE.finditer(text):
        y = int("".join(str(CN_DIGITS[c]) for c in m.group(1)))
        d = valid_date(y, cn_number(m.group(2)), cn_number(m.group(3)))
        if d:
            yield d


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


# A line that is a date (the sign-off date, 二〇二四年五月二十九日), that opens with one (a law's
# history: 2011年11月17日…通过; a report's ——2024年1月5日在…会议上), or that closes with one.
DATE_TEXT = rf"(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|{CN_DATE.pattern})"
DATE_LINE = re.compile(rf"^[（(—\-\s]*{DATE_TEXT}|{DATE_TEXT}[）)]?$")
PASSAGE = re.compile(r"通过|修正|修订|修改|批准|公布|发布|印发|颁布")
# The day it takes effect ('自2024年1月1日起施行', '自2021年4月29日零时起') is not its date, unless nothing else is.
IN_FORCE = re.compile(rf"[自从于]{DATE_TEXT}[^，。；,;]{{0,8}}?起(?:施行|执行|实施|生效)?")


def find_doc_date(head: list[str], foot: list[str], fallback: str | None = None) -> str | None:
    """The document's own date: a date line of the head (for a law, the latest of its passage:
    adopted, amended, approved), else the sign-off's, else a date the head's short lines name
    (not the day it takes effect), else the page's."""
    head = [IN_FORCE.sub("", line) for line in head]
    lines = [line for line in head if DATE_LINE.search(line) and len(line) <= 80 and not re.search(r"[，,。；;]", line)]
    # A law's history runs long: '2010年…第一次修正  2016年…第一次修订  根据…' on one line.
    passage = [d for line in head if DATE_LINE.match(line) and PASSAGE.search(line) and len(line) <= 400
               and not line.endswith("。") for d in dates(line)]
    if len(passage) > 1:
        return max(passage)
    for line in lines + [line for line in foot if DATE_LINE.search(line)]:
        date = find_date(line)
        if date:
            return date
    mentioned = [line for line in head if len(line) <= 80 or line.startswith(("——", "（", "("))]
    return find_date("\n".join(mentioned)) or fallback


def date_in_text(lines: list[str], text: str, doc_number: str | None) -> str | None:
    """For a document whose head, foot and page name no date: a sign-off inside the text (an
    explanation follows it), else the day it takes effect, unless its 文号 says another year."""
    signed = next((line for line in lines if re.fullmatch(DATE_TEXT, line)), None)
    if signed:
        return find_date(signed)
    m = IN_FORCE.search(text)
    date = find_date(m.group()) if m else None
    number = DOC_NUMBER.search(doc_number or "")
    return None if date and number and number.group(1) != date[:4] else date


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


NOT_TITLE = re.compile(r"^[（(]?第?\s*\d+\s*号[）)]?$|令$|^(?:特急|急件|加急|平急|内部事项|公开|不予公开|主动公开)$")


def title_line(line: str) -> bool:
    """Could this line of the head be (part of) the title? Not a date line, a 文号, a red header,
    an address or a 'label：value' line."""
    return not (len(line) > 80 or FRAME_SKIP.search(line) or ADDRESS.match(line) or line.startswith(("——", "—"))
                or find_date(line) and not kind_of(line) or doc_number_line(line) or NOT_TITLE.search(line))


def doc_number_line(line: str) -> bool:
    """A line that is a 文号 and little else ('签发人：…' at most), not a title that ends with one."""
    number = DOC_NUMBER.search(line)
    return bool(number) and len(re.sub(r"\W", "", line[:number_start(number)] + line[number.end():])) < 8


def without_number(title: str | None) -> str | None:
    """'关于…的通知(常住建〔2022〕92号)' -> '关于…的通知': the 文号 is not part of the title."""
    number = DOC_NUMBER.search(title or "")
    if number and re.fullmatch(r"\s*[）)\]】]?\s*", title[number.end():]):
        rest = re.sub(r"[\s（(\[【]+$", "", title[:number_start(number)])
        return rest if kind_of(rest) else title
    return title


def find_title(head: list[str]) -> str | None:
    """The first short line of the head that names a kind of document, with the lines of the
    same title broken before it ('国务院关于在市场监管领域全面推行' + '…监管的意见') or after it
    ('关于印发《…方案》' + '的通知'); else the first short line."""
    candidates = []
    for i, line in enumerate(head):
        if not title_line(line):
            continue
        if re.search(r"[。；;！!]$|[:：]$", line):
            break
        candidates.append((i, line))
    for n, (i, line) in enumerate(candidates):
        if not kind_of(line):
            continue
        start = n
        while start > 0 and n - start < 2 and candidates[start - 1][0] == candidates[start][0] - 1 \
                and not kind_of(candidates[start - 1][1]) and len(candidates[start - 1][1]) >= 6 \
                and not SIGN_OFF_ORG.match(candidates[start - 1][1]):
            start -= 1
        title = "".join(c for _, c in candidates[start:n + 1])
        after = candidates[n + 1][1] if n + 1 < len(candidates) and candidates[n + 1][0] == i + 1 else ""
        if after.startswith("的") and kind_of(after) and len(after) <= 30:
            title += after
        return title
    return candidates[0][1] if candidates else None


def frame_districts(text: str) -> list[str]:
    return places()["county_re"].findall(text)


def best_suffix(candidate: str, suffix: str, text: str) -> str:
    """'代表车墩镇' -> '车墩镇': a shorter tail of a captured name replaces a longer one when the
    text uses it at least twice as often, so words glued in front of a town name fall away."""
    best, best_count = candidate, 0
    for start in range(len(candidate) - len(suffix)):
        name = candidate[start:]
        if name in places()["town_district"]:
            return name                      # a known town: '向化镇', however often '化镇' occurs
        count = text.count(name)
        if count >= 2 * best_count:
            best, best_count = name, count
    return best


def find_place(head: list[str], foot: list[str], title: str | None, text: str) -> tuple[str | None, str | None]:
    """-> (town, district). The frame decides; only a document whose frame names no place at all
    falls back to the Shanghai towns its body mentions most."""
    p = places()
    framed = "\n".join(([title] if title else []) + head + foot)
    towns: Counter = Counter()
    districts: Counter = Counter()
    # '松江区车墩镇': a district (from the national list) immediately followed by a town.
    for m in re.finditer(rf"({p['county_re'].pattern})({TOWN})", framed):
        districts[m.group(1)] += 5
        towns[best_suffix(m.group(2), "镇", text)] += 5
    # '车墩镇人民政府', '长征镇政府工作报告', title or line starting with a town.
    for m in re.finditer(rf"([{HAN}]{{2,8}}?(?:镇|乡|街道))(?={ORG_END}|镇长|乡长|\s*\d{{4}}\s*年|政府工作报告|工作)", framed):
        name = m.group(1)
        suffix = "街道" if name.endswith("街道") else name[-1]
        name = best_suffix(name, suffix, text)
        if len(name) > len(suffix) + 1 and name not in ("乡镇", "城镇", "全镇", "本镇", "各街镇"):
            towns[name] += 3
    for name in frame_districts(framed):
        districts[name] += 2
    # The body decides only when the frame names no place at all, not even a city or province.
    if not towns and not districts and not p["higher_re"].search(framed):
        for town, district in p["town_district"].items():
            n = text.count(town)
            if n >= 3:
                towns[town] += n
    town = towns.most_common(1)[0][0] if towns else None
    district = None
    if district_of(town):
        district = district_of(town)
    elif districts:
        district = districts.most_common(1)[0][0]
    return town, district


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
    for line in head:
        if line.endswith("文件") and len(line) <= 30:
            return line[:-2].strip()
    orgs = [line for line in foot if SIGN_OFF_ORG.match(line)]
    if orgs:
        return "、".join(orgs)
    m = re.search(rf"我代表([{HAN}]{{2,20}}?人民政府)", text[:3000])
    return m.group(1) if m else None


def describe(lines: list[str], first_heading: str | None, text: str, title: str | None = None,
             furniture: list[str] | None = None) -> dict:
    """Metadata detected from a report's repaired lines (blocks); `year` is left to find_year,
    which needs the outline. `title` is one the layout gives (a Markdown '#' at the top); the
    `furniture` lines the page or the collector put around the text fill what the text leaves open."""
    head, foot = frame(lines, first_heading)
    facts = furniture_facts(furniture or [])
    title = without_number(title if title and title_line(title) else find_title(head))
    kind = kind_of(title)
    if kind is None and re.search(r"各位代表", text) and re.search(r"工作回顾|报告工作|请予审议|主要工作|工作安排", text):
        kind = "政府工作报告"
    doc_number = find_doc_number(head[:8]) or facts.get("doc_number")
    date = find_doc_date(head, foot, facts.get("date")) or date_in_text(lines, text, doc_number)
    framed = head + [f"发布单位：{facts['issuer']}"] if "issuer" in facts else head
    town, district = find_place(framed, foot, title, text)
    # The page's publisher is often not the issuer (a bureau's site reposting the government's
    # notice): the document's own header and sign-off come first.
    issuer = find_issuer(head, foot, text) or facts.get("issuer")
    return {"title": title, "doc_type": kind, "date": date, "doc_number": doc_number,
            "town": town, "district": district, "issuer": issuer}
