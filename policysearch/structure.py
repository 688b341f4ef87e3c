"""Blocks -> headings, parts and paragraphs, each paragraph with its heading path and section type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .repair import CN_NUM, NAMED_PARTS, Block

LEVELS = [
    (re.compile(rf"^(?:[{CN_NUM}]+、|第[{CN_NUM}\d]+(?:章|部分|篇))"), 1),
    (re.compile(rf"^(?:[（(][{CN_NUM}]+[）)]|第[{CN_NUM}\d]+节)"), 2),
    (re.compile(r"^\d{1,2}[.．、](?!\d)"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]"), 4),
]

# Kinds of document whose passages are typed as a work report's (the rest are 'other').
REPORT_KINDS = (
    "工作报告",
    "讲话",  # a leader's speech at a work conference reviews the year and sets the tasks as a report does
    "工作要点",
    "工作总结",
    "工作计划",
    "计划",
    "规划",
    "实施方案",
    "工作方案",
    "行动方案",
    "方案",
    "实施意见",
    "意见",
    "纲要",
)
PLAN_KINDS = (
    "工作要点",
    "工作计划",
    "计划",
    "规划",
    "实施方案",
    "工作方案",
    "行动方案",
    "方案",
    "实施意见",
    "意见",
    "纲要",
)

PART_RULES = [  # first match wins: heading words -> section type of the part
    ("glossary", re.compile(r"名词|注释|注解|术语")),
    ("review", re.compile(r"回顾|总结|过去.{0,4}年|工作情况|主要成效|取得的成绩|进展情况|完成情况")),
    ("problems", re.compile(r"存在的?(主要)?问题|问题和不足|不足之处|困难和挑战|短板")),
    ("goals", re.compile(r"目标|总体要求|指导思想|基本原则|总体思路|发展思路|形势")),
    ("plan", re.compile(r"任务|安排|主要工作|重点工作|工作要点|举措|措施|计划|保障|工作思路")),
]
CUES = [  # words near the start of a paragraph that decide its type, whatever the part
    (
        "problems",
        re.compile(
            r"成绩的同时|清醒(地)?(认识|看到)|存在(着)?(一些|不少|诸多)?(问题|不足)|问题和不足|差距和不足"
            r"|短板和不足|困难和挑战|面临(着)?(一些|不少|诸多)?(困难|问题|挑战)"
        ),
    ),
    ("goals", re.compile(r"主要预期目标|总体要求是|指导思想是|主要目标(是|为)|发展目标(是|为)|奋斗目标(是|为)")),
]
CUE_WINDOW = 80
CLOSING_APPEAL = re.compile(r"让我们|团结在以习近平.{0,8}为核心的党中央周围")
SIGN_OFF = re.compile(
    r"(委员会|人民政府|政府|办公室|办事处|党委|人大|[局厅委办])(办公室)?$|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|印发$|^抄送|^以上报告"
)


HEADING_TYPE = "other"  # a heading is a passage of no kind; it is listed so that it stays searchable


@dataclass
class Structure:
    sections: list[tuple[str, str]] = field(default_factory=list)  # top-level (heading, type)
    # (text, heading path, section type, is_heading), in reading order
    paragraphs: list[tuple[str, list[str], str, bool]] = field(default_factory=list)


def heading_level(text: str) -> int | None:
    if NAMED_PARTS.match(text):
        return 1
    return next((level for pattern, level in LEVELS if pattern.match(text)), None)


def split_heading(block: Block) -> tuple[str | None, int | None, str | None]:
    """-> (heading, level, body). A numbered line is a heading when it is short and holds no
    sentence; '（一）高质量发展产业经济。着眼…' is a run-in heading followed by its body."""
    text = block.text
    level = heading_level(text)
    if block.heading:
        return text, level or 1, None
    if level is None:
        return None, None, text
    if len(text) <= 60 and "。" not in text.rstrip("。") and not text.endswith(("；", ";", "：", ":")):
        return text.rstrip("。"), level, None
    first, dot, rest = text.partition("。")
    if (
        dot
        and rest.strip()
        and (
            len(first) <= 30
            and not re.search(r"[，,；;]", first)
            or len(first) <= 26
            and len(re.findall(r"[，,]", first)) == 1
            and ";" not in first
        )
    ):
        return first, level, rest.strip()
    return None, None, text


def part_type(heading: str, previous: str | None, kind: str | None) -> str:
    for type_, pattern in PART_RULES:
        if pattern.search(heading):
            return type_
    if previous in ("plan", "goals"):
        return "plan"
    if kind and kind.endswith(PLAN_KINDS):
        return "plan"
    return previous or "other"


def structure(blocks: list[Block], kind: str | None) -> Structure:
    """Lay the blocks out as parts and paragraphs; `kind` is the document type (work reports and
    plans get report section types, other documents 'other')."""
    report_like = kind is not None and kind.endswith(REPORT_KINDS)
    out = Structure()
    raw: list[tuple[str, int | None]] = []  # (heading or text, level, 0 for a paragraph)
    for block in blocks:
        heading, level, body = split_heading(block)
        if heading:
            raw.append((heading, level))
        if body:
            notes = "\n".join(block.notes)
            raw.append((body + ("\n" + notes if notes else ""), 0))
    levels = [level for _, level in raw if level]
    top = min(levels) if levels else 1
    stack: list[tuple[int, str]] = []
    part: str = "preamble"
    for text, level in raw:
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            if level == top:
                part = (
                    part_type(text, part if out.sections else None, kind)
                    if report_like
                    else ("glossary" if PART_RULES[0][1].search(text) else "other")
                )
                out.sections.append((text, part))
            out.paragraphs.append((text, [h for _, h in stack], HEADING_TYPE, True))
            continue
        out.paragraphs.append(
            (
                text,
                [h for _, h in stack],
                part if report_like or part == "glossary" else ("preamble" if not out.sections else "other"),
                False,
            )
        )
    if report_like:
        retype(out)
    return out


def retype(out: Structure) -> None:
    """Paragraph cues override the part's type: shortcomings, targets, the closing appeal."""
    paras = out.paragraphs
    for i, (text, path, type_, heading) in enumerate(paras):
        if heading or type_ == "glossary":
            continue
        opening = text[:CUE_WINDOW]
        for cue_type, pattern in CUES:
            if pattern.search(opening):
                paras[i] = (text, path, cue_type, False)
                break
    body = [i for i, (_, _, t, heading) in enumerate(paras) if t != "glossary" and not heading]
    if not body:
        return
    # The closing: the last appeal near the end, and all that follows it; or a bare sign-off.
    tail = body[-4:]
    start = next((i for i in reversed(tail) if CLOSING_APPEAL.search(paras[i][0][:120])), None)
    if start is None:
        signoff = [i for i in reversed(body) if len(paras[i][0]) <= 40 and SIGN_OFF.search(paras[i][0])]
        run = []
        for i in reversed(body):
            if i not in signoff:
                break
            run.append(i)
        start = min(run) if run else None
    if start is not None:
        for i in body:
            if i >= start:
                paras[i] = (paras[i][0], paras[i][1], "closing", False)
