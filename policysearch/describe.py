"""Describe a report: title, doc type, date, year, issuer, place (the unit that issued it), document number.

Detection reads the places a document names itself: the issuer (red header, sign-off), the title,
the date line (the 'frame'), then the body's own references. User-supplied metadata always wins.
"""

from __future__ import annotations

import re
from collections import Counter

from . import places
from .places import Unit
from .repair import ARTICLE, ATTACHMENT, DOC_NUMBER, FURNITURE_FIELD, MARKER, PURPOSE, YEAR_BRACKETS, number_start

HAN = r"\u4e00-\u9fff"
# Kinds of document by the word a title ends with; the first that fits wins, longer words first.
KINDS = [
    ("政府工作报告", "政府工作报告"),
    ("工作报告", "工作报告"),
    ("工作要点", "工作要点"),
    ("要点", "工作要点"),
    ("工作总结", "工作总结"),
    ("总结", "工作总结"),
    ("行动计划", "行动计划"),
    ("工作计划", "工作计划"),
    ("计划", "工作计划"),
    ("实施意见", "实施意见"),
    ("指导意见", "意见"),
    ("若干意见", "意见"),
    ("实施方案", "实施方案"),
    ("工作方案", "工作方案"),
    ("行动方案", "行动方案"),
    ("方案", "方案"),
    ("实施细则", "细则"),
    ("细则", "细则"),
    ("规划纲要", "规划"),
    ("规划", "规划"),
    ("纲要", "规划"),
    ("办法", "办法"),
    ("规定", "规定"),
    ("条例", "条例"),
    ("通知", "通知"),
    ("通报", "通报"),
    ("公告", "公告"),
    ("通告", "通告"),
    ("决定", "决定"),
    ("决议", "决议"),
    ("批复", "批复"),
    ("意见", "意见"),
    ("报告", "报告"),
    ("汇报", "汇报"),
    ("纪要", "纪要"),
    ("函", "函"),
    ("公报", "公报"),
    ("措施", "措施"),
    ("请示", "请示"),
    ("建议", "建议"),
    ("议案", "议案"),
    ("答复", "答复"),
    ("规则", "规则"),
    ("指引", "指引"),
    ("指南", "指南"),
    ("讲话", "讲话"),
    ("解读", "解读"),
    ("说明", "说明"),
    ("清单", "清单"),
    ("目录", "目录"),
    ("导则", "导则"),
    ("提案", "提案"),
    ("章程", "章程"),
]
# What may follow a title's kind word: bracketed tails (（试行）（2021年修订）（2026—2030年）) and a 文号.
TITLE_TAIL = re.compile(r"(?:[（(【\[〔][^（()）【】\[\]]{1,24}[）)】\]〕])+$")
DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
]
CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
YEAR_IN = re.compile(r"((?:19|20)\d{2})\s*年")
# How the name of an issuing organ ends: a government, a party committee, a department (局, 厅, 委), an office.
ORG_END = r"(?:政府|人民代表大会|人大常委会|党委|党工委|委员会|办事处|办公室|办公厅|局|厅|委|小组|中心|分行|支行)"
SIGN_OFF_ORG = re.compile(rf"^[{HAN}（）()]{{4,30}}(?:{ORG_END}|部)$")
# Lines of the frame that are no part of the title: 'label：value' lines, a red header (…人民政府文件; a
# title's first line may end with 文件 too: '…关于全面推行行政规范性文件' + '合法性审核机制的指导意见').
FRAME_SKIP = re.compile(r"^(?:关联信息|来源|发布|索引号|分类|附件|签发人)[:：]?|^(?!.*关于).*文件$")
ADDRESS = re.compile(r"^各位代表|^同志们")


def kind_of(title: str | None) -> str | None:
    if not title:
        return None
    t = re.sub(r"\s+", "", title).rstrip("。．.")
    number = DOC_NUMBER.search(t)
    if number and number.end() == len(t):
        t = t[: number_start(number)]
    t = re.sub(r"[》」』”\"]+$", "", TITLE_TAIL.sub("", t))
    return next((kind for word, kind in KINDS if t.endswith(word)), None)


def normal_doc_number(text: str) -> str:
    """A 文号, whole or partial, in the one form it is stored and searched in: half-width digits,
    no spaces, the year in 〔〕 (沪府办发[2023]12号, 沪府办发（2023）, 沪府办发 〔2023〕 -> 沪府办发〔2023〕…)."""
    text = re.sub(r"\s+", "", re.sub(r"[０-９]", lambda m: str(ord(m.group()) - ord("０")), text))
    return re.sub(YEAR_BRACKETS, r"〔\1〕", text)


CITING = re.compile(r"(?:为了?|根据|按照|依据|依照|遵照|参照|贯彻|落实)")


def find_doc_number(lines: list[str]) -> str | None:
    """The document's own 文号: the first in the head that is not cited inside a sentence
    ('根据《…》(云房金〔2021〕46号)等文件精神,…', '为贯彻落实《…》(揭办字〔2022〕42号)…')."""
    for line in lines:
        m = DOC_NUMBER.search(line)
        if m and not (re.search(r"[，。；,;]", line[: m.start()]) or CITING.match(line)):
            return normal_doc_number(line[number_start(m) : m.end()])
    return None


FACT_KEYS = [
    ("date", re.compile(r"(?<!废止)(?<!失效)日期|时间")),  # not the day it lapses
    ("doc_number", re.compile(r"文号|字号|编号")),
    ("issuer", re.compile(r"机构|机关|单位|来源")),
    ("title", re.compile(r"名称|标题")),
]
ORGAN = re.compile(rf"(?:{ORG_END}|[厅局委办院部署会府]|中心|公司)$")


def furniture_facts(dropped: list[str]) -> dict:
    """What the page or the collector said about the document (发布时间：2023-05-01, 来源：上海市人民政府)."""
    out: dict = {}
    for line in dropped:
        m = FURNITURE_FIELD.match(line)
        if not m:
            continue
        label, text = re.sub(r"\s", "", m.group()), line[m.end() :].strip()
        key = next((k for k, pattern in FACT_KEYS if pattern.search(label)), None)
        value: str | None = text
        if key == "date":
            value = find_date(text)
        elif key == "doc_number":
            value = find_doc_number([text])
        elif key == "issuer":
            value = text if ORGAN.search(text) and len(text) <= 40 else None
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
# The day it takes effect ('自2024年1月1日起施行', '自2021年4月29日零时起', '2022年9月24日起,实施…',
# '自2014年1月1日施行') is not its
# date, unless nothing else is.
IN_FORCE = re.compile(
    rf"[自从于]?{DATE_TEXT}[^，。；,;]{{0,8}}?起(?:施行|执行|实施|生效)?|[自从于]{DATE_TEXT}\s*(?:施行|执行|实施|生效)"
)
# A period a measure runs for: '2024年10月1日至2024年12月31日期间', '2022年9月1日至11月30日', '自2023年9月21日(含当日)至…'.
PERIOD = re.compile(
    rf"{DATE_TEXT}\s*(?:[（(]含[^（()）]{{0,6}}[）)])?\s*(?:至|到|—|－|~|～)\s*(?:{DATE_TEXT}|\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)"
)
# Nor is the day it ends ('有效期至2028年12月31日', '…起至2022年12月31日止').
EXPIRY = re.compile(rf"(?:有效期|执行期|期限)?(?:至|到){DATE_TEXT}止?")


def find_doc_date(head: list[str], foot: list[str], fallback: str | None = None) -> str | None:
    """The document's own date: a date line of the head (for a law, the latest of its passage:
    adopted, amended, approved), else the sign-off's, else a date the head's short lines name
    (not the day it takes effect), else the page's. `head` has its lines whole: a law's history
    may run long on one line or break inside an entry."""
    head, foot = ([EXPIRY.sub("", IN_FORCE.sub("", line)) for line in part] for part in (head, foot))
    lines = [line for line in head if DATE_LINE.search(line) and len(line) <= 80 and not re.search(r"[，,。；;]", line)]
    # A law's history: '2010年…第一次修正  2016年…第一次修订  根据…' on one line, or an entry broken in two.
    passage, history = [], False
    for k, line in enumerate(head):
        # '2017年7月28日 山东省' + '第十二届…会议…修正': the entry goes on on the next line
        after = head[k + 1] if k + 1 < len(head) and DATE_LINE.match(line) else ""
        history = (
            bool(DATE_LINE.match(line) or history and not ARTICLE.match(line))
            and bool(PASSAGE.search(line) or PASSAGE.search(after) and not DATE_LINE.match(after))
            and len(line) <= 2000
            and not line.endswith("。")
        )
        passage += list(dates(line)) if history else []
    if len(passage) > 1:
        return max(passage)
    for line in lines + [line for line in foot if DATE_LINE.search(line)]:
        date = find_date(line)
        if date:
            return date
    mentioned = [line[:200] for line in head if len(line) <= 80 or line.startswith(("——", "（", "("))]
    return find_date("\n".join(mentioned)) or fallback


# A report's dateline: '2022年11月21日,人民银行…召开', '…新闻办公室于2025年2月8日召开', '…于2022年6月24日印发了《…》'.
DATELINE = re.compile(
    rf"^({DATE_TEXT})\s*[，,]|于\s*({DATE_TEXT})[^，。；,;]{{0,16}}?(?:召开|举行|印发|发布|出台|公布|下发)"
)


def reported_date(head: list[str]) -> str | None:
    """For a text that names no date of its own: the day its opening reports (a news report's dateline)."""
    for line in head[:2]:
        m = DATELINE.search(line)
        if m:
            return find_date(m.group())
    return None


def date_in_text(lines: list[str], text: str, doc_number: str | None) -> str | None:
    """For a document whose head, foot and page name no date: a sign-off inside the text (an
    explanation follows it), else the day it takes effect (or the first day of the period it
    sets), unless its 文号 says another year."""
    signed = next((line for line in lines if re.fullmatch(DATE_TEXT, line)), None)
    if signed:
        return find_date(signed)
    m = IN_FORCE.search(text) or PERIOD.search(text)
    date = find_date(m.group()) if m else None
    number = DOC_NUMBER.search(doc_number or "")
    return None if date and number and number.group(1) != date[:4] else date


def frame(lines: list[str], first_heading: str | None) -> tuple[list[str], list[str]]:
    """The head of a document (title, red header, date line, salutation, before the first part)
    and its foot (sign-off lines after the last sentence)."""
    head = []
    for i, line in enumerate(lines):
        if i == 0 and re.fullmatch(ATTACHMENT, line):
            continue  # an attachment printed alone: its title follows the label
        if line == first_heading or i >= 12 and not DATE_LINE.match(line):  # a law's history may run on
            break
        head.append(line[:200])
    foot: list[str] = []
    for line in reversed(lines[-8:]):
        if len(line) > 60 or line.endswith(("。", "！", "!")) and not line.startswith("以上报告"):
            break
        foot.insert(0, line)
    return head, foot


# Not a title: an order's number, a red header with its 文号 however bracketed ('…办公室文件台房金管办2022]1号'),
# a mark of urgency or disclosure.
NOT_TITLE = re.compile(
    r"^[（(]?第?\s*\d+\s*号[）)]?$|令$|文件\s*\S{0,12}\d{4}\S{0,2}\d+\s*号$"
    r"|^(?:特急|急件|加急|平急|内部事项|公开|不予公开|主动公开)$"
)


# What a flattened text glues before its title: the letterhead and its marks ('国家电网有限公司内部事项',
# '…等级特急·明电'), a telegram's 机要 number ('鲁机发454号'), a red header ('…委员会办公室文件' + '关于…').
MARKS = "内部事项|内部资料|特急|特提|加急|平急|明电"  # of disclosure, urgency, a telegram
GLUED_HEADER = re.compile(
    rf"(?:.{{0,40}}?(?:{MARKS})·?)*(?:[{HAN}]{{1,2}}机[发字]?\d*号)?(?:[^，。]{{2,30}}文件(?=关于))?"
)
# The letterhead, an organ's name, before its mark or its red header's 文件.
LETTERHEAD = re.compile(rf"^([{HAN}（）()]{{4,30}}?{ORG_END})(?:{MARKS}|文件(?=关于))")


def title_line(line: str) -> bool:
    """Could this line of the head be (part of) the title? Not a date line, a 文号, a red header,
    an address or a 'label：value' line."""
    return not (
        len(line) > 120  # the longest titles run to a hundred characters
        or FRAME_SKIP.search(line)
        or ADDRESS.match(line)
        or line.startswith(("——", "—"))
        or find_date(line)
        and not kind_of(line)
        or doc_number_line(line)
        or NOT_TITLE.search(line)
    )


def doc_number_line(line: str) -> bool:
    """A line that is a 文号 and little else ('签发人：…' at most), not a title that ends with one."""
    number = DOC_NUMBER.search(line)
    return number is not None and len(re.sub(r"\W", "", line[: number_start(number)] + line[number.end() :])) < 8


def without_number(title: str | None) -> str | None:
    """'关于…的通知(常住建〔2022〕92号)' -> '关于…的通知': the 文号 is not part of the title."""
    number = DOC_NUMBER.search(title or "")
    if title and number and re.fullmatch(r"\s*[）)\]】]?\s*", title[number.end() :]):
        rest = re.sub(r"[\s（(\[【]+$", "", title[: number_start(number)])
        return rest if kind_of(rest) else title
    return title


def find_title(head: list[str]) -> str | None:
    """The first short line of the head that names a kind of document, with the lines of the
    same title broken before it ('国务院关于在市场监管领域全面推行' + '…监管的意见', the issuer's
    name over '关于…') or after it ('关于印发《…方案》' + '的通知', '（试行）'); else the policy the
    opening reports as issued; else the first short line."""
    candidates = []
    for i, line in enumerate(head):
        if not title_line(line):
            continue
        if i == 0 and re.search(r"[！!]$", line):
            continue  # a page's headline over the document ('…发布最新通知!购买新房政府有补贴!')
        if re.search(r"[。；;！!]$|[:：]$", line) or re.match(PURPOSE, line) and re.search(r"[，,]", line):
            break  # a sentence: the body has begun ('为…，…')
        # what a flattened head glues before its title, in either order: a 文号 ('巴住公管委〔2022〕7号巴中市
        # …委员会' + '关于…的批复'), a letterhead and its marks ('…发电等级特急，明电鲁办发电（2020）164号鲁机发
        # 4043号中共山东省委办公厅…关于…的通知')
        while True:
            number = DOC_NUMBER.match(line)
            header = GLUED_HEADER.match(line)  # matches at least the empty string
            if number and number_start(number) == 0:
                line = line[number.end() :].strip()
            elif header and header.end() and "关于" not in header.group() and kind_of(line[header.end() :]):
                line = line[header.end() :]
            else:
                break
        candidates.append((i, line))
    unglued = dict(candidates)
    lines = [unglued.get(i, line) for i, line in enumerate(head)]  # the candidates without what was glued
    body = next((i for i, line in enumerate(lines) if len(line) > 80 and re.search(r"[，,。]", line)), len(head))
    candidates = [(i, line) for i, line in candidates if i < body]  # a subheading of the body is no title
    for n, (i, line) in enumerate(candidates):
        if not kind_of(line):
            continue
        start = n
        while (
            start > 0
            and n - start < 2
            and candidates[start - 1][0] == candidates[start][0] - 1
            and not kind_of(candidates[start - 1][1])
            and len(candidates[start - 1][1]) >= 6
            and not re.search(r"[，,、]$", candidates[start - 1][1])
            and not header_organ(candidates[start - 1][1], candidates[start][1])
        ):
            start -= 1
        title = "".join(c for _, c in candidates[start : n + 1])
        lead = re.match(r".*》[^《》]*[，,](?=[^，,]{8,}$)", title)
        # a news lead glued before the title: '该市日前修订的《…》明确,' + '台州市…细则'
        if lead and kind_of(title[lead.end() :]) and title[: lead.end()].count("《") == title[: lead.end()].count("》"):
            title = title[lead.end() :]
        after = candidates[n + 1][1] if n + 1 < len(candidates) and candidates[n + 1][0] == i + 1 else ""
        if after.startswith("的") and kind_of(after) and len(after) <= 30 or TITLE_TAIL.fullmatch(after):
            title += after
        return title
    if reported := reported_title(head):
        return reported
    if not candidates or not headline(candidates[0][1]):
        return None
    (i, first), rest = candidates[0], candidates[1:2]
    if (
        rest
        and len(first) <= 10  # a short first line, not a headline with its byline under it
        and rest[0][0] == i + 1
        and headline(rest[0][1])
        and len(rest[0][1]) <= 40
        and not re.search(r"[，,。；;：:]", rest[0][1])
    ):
        return first + rest[0][1]  # a headline broken over two lines: '我县综合施策' + '促进房地产市场平稳健康发展'
    return first


SALUTED = re.compile(r"^[省市区县镇乡]?各[^。]{0,60}(?:单位|部门|政府|机关|处室|办事处|委员会)$")


def headline(line: str) -> bool:
    """Could the first short line of a text that names no kind be its headline? Not a tag
    ('【热点聚焦】'), a place's name alone ('富阳区'), a salutation that lost its colon ('市各有关单位'),
    a numbered item ('01不断优化住宅供给', '一、…') or a word broken off ('为')."""
    return (
        len(line) >= 4
        and not re.fullmatch(r"【[^】]*】", line)
        and not (len(line) <= 8 and line.endswith("背景"))  # an explainer's part: '政策出台背景'
        and names_to_end(line) != 0
        and not SALUTED.match(line)
        and not (MARKER.match(line) or re.match(r"0\d", line))
    )


# A report on a policy names it as issued: '…联合印发《关于…的通知》', '营口市发布关于…的通知。',
# or opens with it: '《…措施（第1号）》已经…审议通过'; an order promulgates it: '国务院令第432号《电力监管条例》已经…
# 通过，现予公布'. A policy cited ('根据《…》') is not the one reported.
ISSUED = re.compile(
    r"(?:印发|发布|出台|制定|下发|公布|推出|颁布|审议通过|修订|起草)了?\s*(?:《([^《》]{4,100})》|(关于[^，。；,;《》（(]{4,80}))"
    r"|^《([^《》]{4,100})》|将《([^《》]{4,100})》(?:予以)?(?:印发|转发)|《([^《》]{4,100})》(?:已经|已于)"
)


# A wire's headline in brackets before its dateline: '【郑州保交楼出台新举措:交房即发证】财联社9月20日电,…'
WIRE_HEADLINE = re.compile(r"^【([^【】]{6,60})】(?=[^，,。]{0,12}?\d{1,2}月\d{1,2}日(?:电|讯))")


def reported_title(lines: list[str]) -> str | None:
    """For a text without a title line (a news report, an excerpt): the headline of a wire, or the
    policy its opening (a 文号 and a salutation may stand before it) names as issued."""
    wire = WIRE_HEADLINE.match(lines[0]) if lines else None
    if wire:
        return wire.group(1)
    for line in lines[:3]:
        for m in ISSUED.finditer(line):
            name = next(g for g in m.groups() if g)
            if kind_of(name) and not CITED_AFTER.match(line, m.end()):
                return name
    return None


# '根据…联合下发《…方案》(张市建〔2022〕241号)文件精神': a policy issued before, whose spirit this one follows
CITED_AFTER = re.compile(r"\s*(?:[(（][^()（）]{0,30}[)）])?\s*(?:等|有关|相关)?(?:文件)?(?:精神|要求|规定)")


def header_organ(line: str, below: str) -> bool:
    """An organ's name alone on a line above a title is a header, unless the title goes on with
    '关于…' under it: a title is issuer + 关于 + matter + kind."""
    return bool(SIGN_OFF_ORG.match(line)) and "关于" not in line and not below.startswith("关于")


def issuers(head: list[str], foot: list[str], text: str) -> tuple[list[str], list[str], list[str], Unit | None]:
    """Who the document says issued it, most trusted first: the red header (…人民政府文件) or letterhead, the
    sign-off above the date (each issuer of a joint one; the foot's, else the first in the text),
    '我代表…人民政府' of a work report; and, for a compilation of several units' notices (no one
    signer), the unit they lie in (compiled_from)."""
    red = [line[:-2].strip() for line in head if line.endswith("文件") and len(line) <= 30]
    # a flattened text's letterhead, glued to its mark or title ('山东省发展和改革委员会特提关于…的函')
    red += [m.group(1) for m in map(LETTERHEAD.match, head) if m]
    signed = [org for line in foot for org in line.split() if SIGN_OFF_ORG.match(org)]
    compiled = compiled_from(text)
    if compiled:
        signed = []  # several units' notices, each signed: none of them issued the whole
    elif not signed:
        # a notice that issues a plan signs off above its date before the plan ('…请认真贯彻落实。',
        # '晋城市人民政府办公室', '2023年6月30日', then the plan), joint issuers one a line
        lines = [line.strip() for line in text.split("\n")]
        dated = (
            i for i in range(1, len(lines)) if re.fullmatch(DATE_TEXT, lines[i]) and SIGN_OFF_ORG.match(lines[i - 1])
        )
        start = end = next(dated, 0)
        while start > 0 and SIGN_OFF_ORG.match(lines[start - 1]):
            start -= 1
        signed = lines[start:end]
    m = re.search(rf"我代表([{HAN}]{{2,20}}?人民政府)", text[:3000])
    return red, signed, [m.group(1)] if m else [], compiled


def compiled_from(text: str) -> Unit | None:
    """A compilation of several units' notices, each signed over its date ('杭州市富阳区商务局', then
    '杭州市临安区商务局' … '建德市商务局'): the unit they all lie in. None for one unit's document,
    however many of its own bodies sign in it."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    units = set()
    for i in range(1, len(lines)):
        if re.fullmatch(DATE_TEXT, lines[i]) and SIGN_OFF_ORG.match(lines[i - 1]):
            run = places.chain(lines[i - 1])
            unit = places.decide(run[-1], text) if run else None
            if unit:
                units.add(unit)
    return places.common(list(units)) if len(units) > 1 else None


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
    issued = m.group(1) if m else (None if about else title)
    # '中国（上海）自由贸易试验区条例': the place in the brackets is the one it starts with
    return re.sub(r"^中国[（(]([^）)]{2,10})[）)]", r"\1", issued) if issued else None


def date_line_places(lines: list[str]) -> tuple[list[str], list[str]]:
    """Who met, in the date lines: (the congresses that adopted a regulation, '2011年11月17日上海市
    第十三届人民代表大会常务委员会第三十次会议通过'; the ones that approved it, and the meetings a
    speech was given at, '——在松江区车墩镇第三届人民代表大会第五次会议上')."""
    adopted: list = []
    met: list = []
    for line in lines:
        if len(line) > 120 or line.endswith("。") or not re.search(r"会议|大会", line):
            continue
        undated = re.sub(DATE_TEXT, " ", line)
        # '湖州市七届人民代表大会' is written without 第 too
        bodies = re.findall(r"([^\s\d，,。：:；;在]{2,30}?)第?[一二三四五六七八九十\d]{1,4}届", undated)
        (adopted if re.search(r"通过|修订|修正", line) else met).extend(bodies)
        met += re.findall(r"在([^\s，,。]{2,40}?)(?:会议|大会)上", line)
    return adopted, met


# The body's own references: the words, the level an issuer without a name says it is at ('市人民政府'),
# which units they may mean ('我市' is a city or a county-level 市; '我区' a district or an autonomous region),
# and the levels above any of those.
REGION_SELF = r"[我本]区(?![长委域])"
SELF_REFERENCES = [
    (r"[我本全](?:镇|乡|街道)", "镇乡", lambda u: u.level == "town", ("province", "city", "district")),
    (
        r"[我本全][区县旗](?![长委域])",
        "区县旗",
        lambda u: u.level == "district" and u.name[-1] in "区县旗",
        ("province", "city"),
    ),
    (r"[我本全]市(?![长委])", "市", lambda u: u.level == "city" or u.name.endswith("市"), ("province",)),
    (REGION_SELF, "区", lambda u: u.level == "province" and u.name.endswith("自治区"), ()),
    (r"[我本]省(?![长委])", "省", lambda u: u.level == "province" and u.name.endswith("省"), ()),
]
# A zone that calls itself 我区 and is no unit of the gazetteer.
ZONE = re.compile(rf"[{HAN}]{{2,8}}?(?:新区|开发区|高新区|经开区|示范区|试验区|合作区|园区)")
# A text that opens with a national issuer's title ('国务院关于…的批复'), not quoting one ('《国务院关于…》')
# nor following one in its preamble ('为深入贯彻党中央、国务院关于…的决策部署', '落实国务院关于…').
NATIONAL_OPENING = re.compile(
    r"(?<![《“\"〈、])(?<!贯彻)(?<!落实)(?<!根据)(?<!按照)(?<!依据)(?:中共中央|国务院|[^\s，。、《]{2,10}部)(?:办公厅)?关于"
)
# A news item whose first sentence has a national organ hold a meeting ('2月5日,住房城乡建设部在福建省福州市召开
# …现场会'): the places it names are where, not who. Not one that opens with a national policy a city then
# carries out ('8月25日,住房城乡建设部…联合印发了《…》', then 杭州's own measures).
NATIONAL_LEAD = re.compile(
    r"(?:\d{1,2}月\d{1,2}日|近日|日前)?[，,]?"
    r"(?:中共中央|国务院|(?:中国)?人民银行|国家[^\s，,。、]{1,10}?(?:局|委|署)|[^\s省市区县，,。、]{2,10}部)(?:办公厅)?"
    r"(?:[、和与及][^\s，,。]{2,16}?)*(?:在|召开|举行)"
)
# A company's name (国网湖北省电力有限公司, 陕西省地方电力（集团）有限公司): an issuer, or the opening of a text,
# that is a firm's is no government's, whatever place its name starts with.
COMPANY = re.compile(
    r"^(?:内部事项|特急|加急)?[^\s，。、,;；:：《》“”]{2,30}?"
    r"(?:有限责任公司|有限公司|股份公司|集团公司|电力公司)"
)
FIRM_TAIL = re.compile(r"[^\s，。、,;；:：《》“”（）()]{0,12}?(?:有限责任公司|有限公司|股份公司|集团|公司)")
# A national organ's office in a place is that place's (国家金融监督管理总局珠海监管分局, 中国人民银行四川省分行,
# 国家税务总局重庆市税务局, 国家统计局湖南调查总队, 中国银保监会北京监管局).
LOCAL_OFFICE = re.compile(
    rf"(?:总局|统计局|银行|总署|监会)([{HAN}]{{2,8}}?)(?:监管分局|监管局|税务局|分行|中心支行|支行|调查总队|调查队|海关)$"
)
# An issuer of the whole country: the Party's centre, the State Council, the NPC, a ministry or national agency.
NATIONAL = re.compile(
    r"^(?:中共中央|中央|国务院|全国|中华人民共和国|国家|(?:中国)?人民银行|最高人民"
    r"|[^省市区县镇乡]{2,12}部$)"
)


# A unit named as the model another follows is not the one that follows it ('本市…参照长沙市标准执行').
MODEL = re.compile(r"(?:参照|比照|参考|对标|借鉴|学习|向)$")


def named_units(opening: str, listed: bool = False) -> list[Unit]:
    """The units an opening names, each once per naming, as references to itself may be: a name
    that starts a firm's (山东省电力设计院有限公司) is no reference to the unit, nor, unless `listed`, one
    listed beside a unit it neither lies in nor contains ('在北京市、河北省购买自有住房', '靖江市、泰兴市或
    兴化市': the places a unit names side by side are others; '镇江市、丹阳市' are a city and its county)."""
    found = [(start, end, units[0]) for start, end, units in places.mentions(opening) if len(units) == 1]
    peers = (
        set()
        if listed
        else {
            i
            for j in range(1, len(found))
            for i in (j - 1, j)
            if found[j][0] == found[j - 1][1] + 1
            and opening[found[j - 1][1]] in "、和或及与"
            and not found[j][2].within(found[j - 1][2])
            and not found[j - 1][2].within(found[j][2])
        }
    )
    return [
        unit
        for i, (start, end, unit) in enumerate(found)
        if not FIRM_TAIL.match(opening, end) and i not in peers and not MODEL.search(opening, 0, start)
    ]


def self_reference(text: str, level_word: str | None = None) -> Unit | None:
    """The unit the body calls '我市', '本区', '全镇' (the kind it uses most, or the one an issuer
    without a name, '市人民政府', says): the unit of that kind it names most, and twice as often as
    any other that does not lie in it or above it (a city names its districts, a town its
    district: those do not compete), or once where no other competes. A body that names no unit
    of its kind but the ones above it (a city's notice naming its province) lies in the lowest of
    them."""
    opening = text[:6000]
    kinds = [
        (len(re.findall(words, opening)), words, fits, above)
        for words, level, fits, above in SELF_REFERENCES
        if level_word is None or level_word in level
    ]
    hits, words, fits, above = max(kinds, key=lambda k: k[0])
    if not hits:
        return None
    kept = named_units(opening)
    named = Counter(unit for unit in kept if fits(unit))
    if not named:
        # '本市' naming only its province ('经福建省市场利率定价自律机制决议通过'): the unit lies in it
        higher = {unit for unit in kept if unit.level in above}
        lowest = next((u for u in higher if all(u.within(h) for h in higher)), None)
        if lowest and lowest.path[0].name.endswith("自治区") and re.search(REGION_SELF, opening):
            return None  # '我区' there may be the region itself
        return lowest if hits >= 2 else None
    top = max(named.values())
    if "区" in words and len(ZONE.findall(opening)) >= top:
        return None  # '我区' of a 新区 or 开发区, which is no unit: the districts it names are not it
    best = [u for u, n in named.items() if n == top]
    unit = next((u for u in best if all(b.within(u) for b in best)), None)
    rivals = sum(n for u, n in named.items() if not u.within(unit) and not unit.within(u)) if unit else 0
    # named once: enough only where nothing competes
    return unit if unit and top >= 2 * rivals and (top >= 2 or not rivals) else None


# Where a measure holds, around a run of unit names: after 在/购买/适用于 ('在叙州区范围内购买', '购买万年县内',
# '适用于…行政区域内', '在江华县城区', '在甘州区城市规划区内', '在望城区购买', '在台州市区'), after 结合/立足 ('结合长沙县实际',
# '结合鄞州区房地产市场实际'), after 现就 ('现就临海市促进…政策提出如下意见'), and the unit's 域 whatever stands
# before ('庆元县域范围内').
HOLDS_LEAD = re.compile(r"结合|立足|在|购买|适用于|现就")
HOLDS_AFTER = {
    "在": re.compile(
        r"(?:城区|县城)?(?:行政区域|辖区|区域|范围)?内|城区|(?:城市)?规划区内|购买|购置|域(?:范围)?内|(?<=市)区"
    ),
    "结合": re.compile(rf"[{HAN}]{{0,8}}实际|域(?:范围)?内"),
    "": re.compile(r"域(?:范围)?内"),
    "现就": re.compile(r"[^。，,；;]{0,40}?(?:提出|通知|规定)(?:如下|以下)"),  # '现就临海市促进…政策提出如下意见'
}
HOLDS_AFTER["购买"] = HOLDS_AFTER["适用于"] = HOLDS_AFTER["在"]
HOLDS_AFTER["立足"] = HOLDS_AFTER["结合"]


def names_to_end(words: str) -> int | None:
    """Where the run of unit names that ends `words` starts, when nothing stands between or after
    them ('湖北省襄阳市南漳县'); None when the words do not end in unit names only."""
    named = places.mentions(words, short_at=(0,))
    if named and named[-1][1] == len(words) and all(a[1] == b[0] for a, b in zip(named, named[1:])):
        return named[0][0]
    return None


def territory(text: str) -> tuple[Unit | None, list[str]]:
    """For a text that says neither who issued it nor '我市': the unit its phrases of where it
    holds name, at any level (an excerpt of a county's measures names only its county there): one
    unit, or one chain of them whose finest is taken ('在广州市内已购有…', '在南沙区范围内购买…'). A name
    that several units have and nothing decides gives the levels they share, and a warning."""
    opening = text[:6000]
    leads = {m.end(): m.group() for m in HOLDS_LEAD.finditer(opening)}
    runs: list[list[int]] = []  # [start, end] of each run of names back to back
    for start, end, _ in places.mentions(opening, short_at=tuple(leads)):
        if runs and runs[-1][1] == start and end - start > 2:  # '丰县城区': 城区 goes on no run of names
            runs[-1][1] = end
        else:
            runs.append([start, end])
    found, warnings = set(), {}
    for start, end in runs:
        if HOLDS_AFTER[leads.get(start, "")].match(opening, end):
            name, named = opening[start:end], places.chain(opening[start:end])[-1]
            if len(name) > 2:
                unit, why = settle(named, text, "place where the text holds")
            else:  # 城区, 郊区, 矿区: plain words as often as names, decided by the text or nothing
                unit, why = places.decide(named, text), []
            if unit:
                found.add(unit)
            warnings.update(dict.fromkeys(why))
    finest = max(found, key=lambda u: len(u.code), default=None)
    if finest and all(finest.within(u) for u in found):
        return finest, list(warnings)
    return None, list(warnings) if not found else []


def scope(text: str) -> Unit | None:
    """For a text that says neither who issued it nor '我市' of a unit (an excerpt of a policy, a news
    item): the city or province it is about, named at least twice, its own districts' names
    counting for it ('三明市区户籍居民家庭在三明市区购买…'), and twice as often as any other of its level.
    Never a district: a city's notice names its districts (a district named most was as often the
    city's as its own, on realdocs). Not below the province where the body says 我省, nor in a
    firm's text."""
    opening = text[:6000]
    if "公司" in opening[:300]:
        return None
    kept = named_units(opening, listed=True)  # the counties a city lists are its own
    counts = Counter(above for unit in kept for above in unit.path)
    region_self = re.search(rf"{REGION_SELF}|全区", opening) and any(u.path[0].name.endswith("自治区") for u in kept)
    for level in ("province",) if re.search(r"[我本全]省", opening) or region_self else ("city", "province"):
        ranked = sorted(((n, u) for u, n in counts.items() if u.level == level), key=lambda c: -c[0])
        if ranked and ranked[0][1] in kept:
            top, unit = ranked[0]
            rival = ranked[1][0] if len(ranked) > 1 else 0
            if top >= 2 and top >= 2 * rival:
                return unit
    return None


def find_place(
    head: list[str], foot: list[str], title: str | None, text: str, issuer: str | None = None
) -> tuple[Unit | None, list[str]]:
    """-> (the unit that issued the document, warnings). The first of these that names a unit
    decides: the issuer (the user's, then the document's), the congress that adopted it, the title,
    the date line, the body's own references, where its measures say they hold ('在叙州区范围内'), last
    the city or province the body is about. A place the body merely mentions (a city's notice naming
    its districts) is not the issuer; a ministry's, the State Council's or a firm's document has no place."""
    red, signed, speaker, compiled = issuers(head, foot, text)
    if compiled:  # the names of its path chain back to it ('浙江省杭州市')
        signed = ["".join(u.name for u in compiled.path)]
    level_word = None
    # the date line is looked for in the opening lines whatever the head holds: a Markdown title may end it
    opening = [line.strip() for line in text.split("\n")[:15] if line.strip()]
    adopted, met = date_line_places(opening)
    firm = COMPANY.match(text[:60])
    if firm and text[firm.end() : firm.end() + 1] not in "：:，,、":  # a firm's text, not one addressed to it
        return None, []
    # the congress that adopted a regulation issued it: '上海市浦东新区…规定' is Shanghai's, not the district's
    for name in [issuer, *red, *signed, *speaker, *adopted, title_issuer(title), *met]:
        if name and COMPANY.match(name):
            return None, []
        office = LOCAL_OFFICE.search(name or "")
        run = places.chain(office.group(1) if office else name or "")
        if run:
            return settle(run[-1], text)
        if name and NATIONAL.match(name):
            return None, []
        m = re.match(r"(?:中共)?([省市区县镇乡])(?:人民政府|政府|委|人大|党委)", name or "")
        level_word = level_word or (m and m.group(1))
    if NATIONAL_OPENING.search(text[:300]) or NATIONAL_LEAD.match(text.lstrip()):
        return None, []
    for name in news_issuers(text):
        run = places.chain(name)
        if run:
            return settle(run[-1], text)
    unit = self_reference(text, level_word)
    if unit:
        return unit, []
    unit, warnings = territory(text)
    if unit:
        return unit, warnings
    unit = scope(text)
    return unit, [] if unit else warnings


# A news item's opening that says who issued the policy: '据山东省淄博市住房和城乡建设局5月22日消息',
# '记者从长沙市住建局获悉', '5月16日,成都市…领导小组办公室出台《…》', '江西省九江市人民政府办公室近日印发'.
# Joint issuers are listed before the verb, the first named in full ('黄陂区住建局、财政局…联合发布',
# '宁乡市住房和城乡建设局、…等6部门联合发布').
NEWS_ISSUER = re.compile(
    rf"([{HAN}]{{3,40}}?(?:{ORG_END}|部|管委会))"
    rf"(?:、[^、，,。；;《“”\"]{{2,40}}?)*(?:等[\d一二三四五六七八九十]*个?(?:部门|单位))?"
    rf"(?:于?(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日|近日|日前|近期|今天|今日|昨日|昨天|正式|再次"
    rf"|联合[{HAN}]{{1,12}}?(?:部门|单位)|联合|共同|官网|官方网站|网站|热线|官方微信公众号|微信公众号)*"
    rf"(?:发布|印发|出台|公布|下发|宣布|消息|获悉)"
)

# ... or says the unit itself did: '8月2日,惠州市发布《…》', '湖北省襄阳市南漳县发布《…》', '近日,珠海市印发《…》',
# '江苏省南京市江宁区发布促进…举措', '越城区推出房产新政18条'; not '上海市发布的数据', '…发布会', a account '“江宁发布”'.
NEWS_UNIT = re.compile(
    rf"([{HAN}]{{2,30}}?)(?:近日|日前|近期|今天|今日|昨日|昨天|正式|再次|制定)*"
    rf"(?:发布|印发|出台|推出|宣布)(?:了)?(?![的会”\"])"
)
NEWS_LEAD = re.compile(r"(?:[日据从经由]|记者|近日|日前|今天|今日|昨日|昨天|获悉)*")


def news_issuers(text: str) -> list[str]:
    """The organs the opening sentences of a news item say issued the policy, in their order, each
    from the unit its name starts with (the words before it, '近日', '记者从', are left off; an organ
    that is no unit's, '国家发展改革委会同…', is none, nor one inside the title of a document cited,
    '为贯彻落实《福建省住房和城乡建设厅印发〈…〉的通知》')."""
    opening = "。".join(re.split(r"[。！？]", text[:300], maxsplit=2)[:2])
    out = []
    for m in NEWS_ISSUER.finditer(opening):
        org = m.group(1)
        start = next((begin for begin, _, _ in places.mentions(org, short_at=(0,))), None)
        if start is not None and NEWS_LEAD.fullmatch(org[:start]):
            out.append((m.start(1) + start, org[start:]))
    for m in NEWS_UNIT.finditer(opening):
        # the words before the verb are the units' names and nothing else
        start = names_to_end(m.group(1))
        if start is not None and NEWS_LEAD.fullmatch(m.group(1)[:start]):
            out.append((m.start(1) + start, m.group(1)[start:]))
    cited = [i for i, _ in out if opening[:i].count("《") > opening[:i].count("》")]
    return [name for i, name in sorted(out) if i not in cited]


def settle(found: list[Unit], text: str, what: str = "issuer") -> tuple[Unit | None, list[str]]:
    """One unit out of the units a name may mean: a higher-level name in the document decides
    among same-named ones (88 towns are called 城关镇); when nothing does, the levels they share
    are kept and a warning says why the rest is empty."""
    unit = places.decide(found, text)
    if unit or not found:
        return unit, []
    shared = places.common(found)
    where = "; ".join("›".join(u.name for u in f.path[:-1]) for f in found[:3]) + ("; …" if len(found) > 3 else "")
    why = (
        f"place: the {what} '{found[0].name}' is the name of {len(found)} units ({where}) and the document "
        f"names none of the places above them: " + (f"placed in {shared.name} only" if shared else "no place given")
    )
    return shared, [why]


def find_year(
    date: str | None, doc_number: str | None, title: str | None, sections: list[tuple[str, str]]
) -> int | None:
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
    red, signed, speaker, _ = issuers(head, foot, text)
    return red[0] if red else "、".join(signed) if signed else speaker[0] if speaker else None


def describe(
    lines: list[str],
    first_heading: str | None,
    text: str,
    issuer: str | None = None,
    title: str | None = None,
    furniture: list[str] | None = None,
) -> dict:
    """Metadata detected from a report's repaired lines (blocks); `year` is left to find_year,
    which needs the outline. `title` is one the layout gives (a Markdown '#' at the top); the
    `furniture` lines the page or the collector put around the text fill what the text leaves open."""
    head, foot = frame(lines, first_heading)
    facts = furniture_facts(furniture or [])
    title = without_number(title if title and title_line(title) else find_title(head))
    if not kind_of(title) and kind_of(facts.get("title")):
        title = without_number(facts["title"])  # the text's own title names no kind; the collector's does
    kind = kind_of(title)
    if (
        kind is None
        and re.search(r"各位代表", text)
        and re.search(r"工作回顾|报告工作|请予审议|主要工作|工作安排", text)
    ):
        kind = "政府工作报告"
    doc_number = find_doc_number(head[:8]) or facts.get("doc_number")
    date = (
        find_doc_date(lines[: len(head)], foot, facts.get("date"))
        or reported_date(head)
        or date_in_text(lines, text, doc_number)
    )
    # The page's publisher is often not the issuer (a bureau's site reposting the government's
    # notice): the document's own header and sign-off come first.
    found = find_issuer(head, foot, text) or facts.get("issuer")
    place, warnings = find_place(head, foot, title, text, issuer or found)
    return {
        "title": title,
        "doc_type": kind,
        "date": date,
        "doc_number": doc_number,
        "issuer": found,
        "place": place,
        "place_warnings": warnings,
    }
