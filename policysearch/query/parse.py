"""The query language -> a typed syntax tree of Phrase, Word, Field, And, Or_ and Not.

    "城中村改造"  exact phrase     城中村改造  words (jieba's, each as written)
    A OR B, NOT A, -A, ( … )     province: city: district: town:车墩镇 place: year:2022-2025 section:
                                 type: heading: docnum: issuer:
Raises QueryError with a message that says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from ..errors import QueryError
from ..model import SECTION_TYPES
from ..text import match_form

FIELDS = {
    "town": "town",
    "镇": "town",
    "街镇": "town",
    "district": "district",
    "区": "district",
    "县": "district",
    "city": "city",
    "市": "city",
    "province": "province",
    "省": "province",
    "place": "place",
    "地区": "place",
    "docnum": "doc_number",
    "doc_number": "doc_number",
    "文号": "doc_number",
    "issuer": "issuer",
    "发文机关": "issuer",
    "发布单位": "issuer",
    "year": "year",
    "年": "year",
    "年份": "year",
    "section": "section_type",
    "类别": "section_type",
    "type": "doc_type",
    "doc_type": "doc_type",
    "文种": "doc_type",
    "heading": "heading",
    "标题": "heading",
}
SECTION_NAMES = {
    "导言": "preamble",
    "回顾": "review",
    "工作回顾": "review",
    "问题": "problems",
    "不足": "problems",
    "目标": "goals",
    "安排": "plan",
    "任务": "plan",
    "工作安排": "plan",
    "结语": "closing",
    "名词解释": "glossary",
    "其他": "other",
}
MAX_QUERY = 1000  # characters; longer queries are refused, not parsed
MAX_DEPTH = 50  # nested parentheses and NOTs; deeper queries are refused


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Field:
    name: str  # index field (town, …, year, heading, doc_number, issuer), or place: any level
    value: str | tuple[int, int]  # (first, last) for years


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or_:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Union[Phrase, Word, Field, And, Or_, Not]


QUOTES = {'"': '"', "“": "”", "”": "”"}
TOKEN = re.compile(r'\s+|[()]|[^\s()"“”]+')
DOC_YEAR = re.compile(r"\(\s*\d{4}\s*\)[^\s()\"“”]*")  # the (2023)12号 of a 文号 written with ASCII brackets


def tokenize(query: str) -> list[tuple[str, Any]]:
    """-> [(kind, text)]: kinds are phrase, word, (, ), OR, NOT, -, field."""
    out: list[tuple[str, Any]] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in QUOTES:
            end = query.find(QUOTES[ch], i + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote {ch} at character {i + 1}: close the phrase with {QUOTES[ch]}")
            out.append(("phrase", query[i + 1 : end]))
            i = end + 1
            continue
        m = TOKEN.match(query, i)
        assert m is not None  # TOKEN matches any character that is not a quote
        text = m.group(0)
        i = m.end()
        if text.isspace():
            continue
        if text in ("(", ")"):
            out.append((text, text))
        elif text in ("OR", "|"):
            out.append(("OR", text))
        elif text in ("AND", "&"):
            continue
        elif text == "NOT":
            out.append(("NOT", text))
        elif text.startswith("-") and (len(text) > 1 or (i < n and (query[i] in QUOTES or query[i] == "("))):
            out.append(("NOT", "-"))  # -word, -"phrase", -(group)
            i -= len(text) - 1
        elif ":" in text or "：" in text:
            name, _, value = text.replace("：", ":").partition(":")
            if name.lower() in FIELDS or name in FIELDS:
                if not value and i < n and query[i] in QUOTES:  # town:"车墩镇"
                    end = query.find(QUOTES[query[i]], i + 1)
                    if end < 0:
                        raise QueryError(f"unbalanced quote after {name}:")
                    value, i = query[i + 1 : end], end + 1
                field = FIELDS.get(name.lower()) or FIELDS[name]
                m = DOC_YEAR.match(query, i)
                if field == "doc_number" and m:  # docnum:国办函(1993)85号: its brackets are not a group
                    value, i = value + m.group(), m.end()
                if not value.strip():
                    raise QueryError(f"{name}: needs a value, e.g. {name}:{example(FIELDS.get(name.lower(), name))}")
                out.append(("field", (field, value.strip())))
            else:
                out.append(("word", text))
        else:
            out.append(("word", text))
    return out


def example(field_name: str) -> str:
    return {
        "town": "车墩镇",
        "district": "松江区",
        "city": "杭州市",
        "province": "浙江省",
        "place": "浦东新区",
        "year": "2024 or 2022-2025",
        "section_type": "review",
        "doc_type": "政府工作报告",
        "heading": "城市更新",
        "doc_number": "沪府办发〔2023〕",
        "issuer": "住房和城乡建设",
    }.get(field_name, "…")


def parse(query: str) -> Node:
    """Query string -> tree of Phrase, Word, Field, And, Or_, Not. Raises QueryError."""
    if len(query) > MAX_QUERY:
        raise QueryError(f"query is {len(query)} characters long; the limit is {MAX_QUERY}")
    tokens = tokenize(query)
    pos, depth = 0, 0

    def peek():
        return tokens[pos][0] if pos < len(tokens) else None

    def or_expr():
        nonlocal pos
        parts = [and_expr()]
        while peek() == "OR":
            pos += 1
            parts.append(and_expr())
        return parts[0] if len(parts) == 1 else Or_(tuple(parts))

    def and_expr():
        parts = []
        while peek() not in (None, ")", "OR"):
            parts.append(unary())
        if not parts:
            raise QueryError("an operator is missing its words (check OR, NOT and parentheses)")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def nested(parse_inner):
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply (more than {MAX_DEPTH} parentheses or NOTs)")
        try:
            return parse_inner()
        finally:
            depth -= 1

    def unary():
        nonlocal pos
        kind, value = tokens[pos]
        pos += 1
        if kind in ("NOT", "-"):
            if peek() in (None, ")", "OR"):
                raise QueryError("NOT (or -) must be followed by what to leave out")
            return Not(nested(unary))
        if kind == "(":
            inner = nested(or_expr)
            if peek() != ")":
                raise QueryError("unbalanced parenthesis: a ( is not closed")
            pos += 1
            return inner
        if kind == ")":
            raise QueryError("unbalanced parenthesis: ) without (")
        if kind == "phrase":
            return Phrase(value)
        if kind == "field":
            return field_node(*value)
        return Word(value)

    if not tokens:
        raise QueryError('empty query: give words, a "phrase" or a filter such as town:车墩镇')
    tree = or_expr()
    if pos < len(tokens):
        raise QueryError("unbalanced parenthesis: ) without (")
    return tree


def field_node(name: str, value) -> Field:
    if name == "year":
        return Field("year", parse_years(value))
    if name == "section_type":
        value = SECTION_NAMES.get(value, value.lower())
        if value not in SECTION_TYPES:
            raise QueryError(f"unknown section type {value!r}: use one of {', '.join(SECTION_TYPES)}")
    return Field(name, value)


def parse_years(value) -> tuple[int, int]:
    """2024, '2024', '2022-2025', (2022, 2025) -> (first, last)."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        first, last = value
    else:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–~至到]\s*(\d{4})\s*)?年?", str(value))
        if not m:
            raise QueryError(f"bad year {value!r}: use 2024 or 2022-2025")
        first, last = m.group(1), m.group(2) or m.group(1)
    try:
        first, last = int(first), int(last)
    except (TypeError, ValueError):
        raise QueryError(f"bad year {value!r}: use 2024 or 2022-2025") from None
    if not (1000 <= first <= 9999 and 1000 <= last <= 9999) or first > last:
        raise QueryError(f"bad year range {value!r}: the first year must not be after the last")
    return first, last


def positives(node: Node, out: list) -> list[Phrase | Word]:
    """The text that a hit holds because of the query (not under NOT), for ranking and highlights."""
    if isinstance(node, (Phrase, Word)):
        out.append(node)
    elif isinstance(node, (And, Or_)):
        for part in node.parts:
            positives(part, out)
    return out


def exact_run(node: Node, cut) -> str | None:
    """For a plain query of words (and phrases) joined by AND: the whole query as one run."""
    parts = node.parts if isinstance(node, And) else (node,)
    texts = [p.text for p in parts if isinstance(p, (Phrase, Word))]
    if not any(isinstance(p, Word) for p in parts) or any(isinstance(p, (Or_, And)) for p in parts):
        return None
    run = match_form("".join(texts))
    return run if len(texts) > 1 or len(cut(texts[0])) > 1 else None
