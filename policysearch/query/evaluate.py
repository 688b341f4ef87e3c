"""A query tree -> the exact set of matching paragraphs of one snapshot.

Matching is set algebra over document numbers, so it is exact by construction: a phrase is an
FTS5 phrase of its bigrams (the paragraphs whose match form holds it, as a plain scan finds
them); AND, OR and NOT are intersection, union and difference; filters are the snapshot's facet
sets. Every set is a DocSet (store.snapshot), combined in C.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import QueryError
from ..store.schema import FACETS, PARTIAL_FILTERS, PLACE_LEVELS
from ..store.snapshot import DocSet, Snapshot
from ..text import match_form, phrase_form, phrase_match
from .parse import And, Field, Node, Not, Or_, Phrase, Word

Cut = Callable[[str], list[str]]
METADATA_FILTERS = (*FACETS, *PARTIAL_FILTERS, "place")
# What a unit's name may end with that people leave out: province:浙江 is 浙江省, district:浦东 浦东新区.
UNIT_SUFFIX = re.compile(
    r"(?:特别行政区|(?:[\u4e00-\u9fff]{0,6}族)*自治[区州县旗]|新区|地区|省|市|区|县|旗|盟|镇|乡|街道|苏木)$"
)


class Evaluator:
    """Evaluates query trees over one snapshot; `cut` gives a text's jieba words."""

    def __init__(self, snapshot: Snapshot, cut: Cut | None):
        self.snapshot = snapshot
        self.cut = cut

    def substring(self, phrases: str | list[str], within: DocSet | None, column: str = "body") -> DocSet:
        """Paragraphs whose match form (or heading path's) contains the phrase, or every phrase of
        a list: in the body, single characters from their sets, and phrases from the sets of
        their characters and grams where those leave few paragraphs to look at (Snapshot.
        set_rows); the rest met by FTS5 in C, one query instead of one set per phrase."""
        forms = {p: phrase_form(p) for p in ([phrases] if isinstance(phrases, str) else phrases)}
        if not all(forms.values()):
            return DocSet()
        if column == "body":
            chars = [f for f in forms.values() if len(f) == 1]
            if chars:
                within = self.snapshot.char_rows(chars, within)
            left = {p: f for p, f in forms.items() if len(f) > 1}
            met = True
            while left and met:  # a phrase the sets left too many for may be met once others narrowed them
                met = False
                for p in list(left):
                    found = self.snapshot.set_rows(p, within)
                    if found is not None:
                        within, met = found, True
                        del left[p]
            if not left or (within is not None and not within):
                assert within is not None  # a set by now: each phrase was a character or met by set_rows
                return within
            forms = left
        query = " AND ".join(f"({phrase_match(column, p)})" for p in forms)
        if column == "heading":
            return self.snapshot.heading_rows(query, within)
        return self.snapshot.phrase_rows(query, within)

    def evaluate(self, node: Node, within: DocSet | None = None) -> DocSet:
        if isinstance(node, Phrase):
            return self.substring(node.text, within)
        if isinstance(node, Word):
            return self.evaluate(word_tree(node.text, self.cut), within)
        if isinstance(node, Field):
            return self.field(node, within)
        if isinstance(node, Or_):
            out = DocSet()
            for part in node.parts:
                out |= self.evaluate(part, within)
            return out
        if isinstance(node, Not):
            base = within if within is not None else self.snapshot.universe
            return base - self.evaluate(node.part, base)
        if isinstance(node, And):
            return self.conjunction(node, within)
        raise TypeError(node)

    def conjunction(self, node: And, within: DocSet | None) -> DocSet:
        acc, parts = within, self.flat_parts(node)
        filters = [p for p in parts if isinstance(p, Field) and p.name in METADATA_FILTERS]
        if filters:  # metadata filters first, as sets: ANDed in microseconds
            found = self.filter_set(filters[0])
            for f in filters[1:]:
                found = found & self.filter_set(f)
            acc = found if acc is None else found & acc
            if not acc:
                return DocSet()
            parts = [p for p in parts if p not in filters]
        phrases = [p.text for p in parts if isinstance(p, Phrase)]
        if len(phrases) > 1:
            acc = self.substring(phrases, acc)
            if not acc:
                return DocSet()
            parts = [p for p in parts if not isinstance(p, Phrase)]
        for part in sorted(parts, key=cost):
            if isinstance(part, Not):
                base = acc if acc is not None else self.snapshot.universe
                acc = base - self.evaluate(part.part, base)
            else:
                acc = self.evaluate(part, acc)
            if not acc:
                return DocSet()
        return acc if acc is not None else DocSet(self.snapshot.universe)

    def flat_parts(self, node: And) -> list[Node]:
        """The parts of an AND, with plain words as their phrases and nested ANDs opened."""
        out: list[Node] = []
        for part in node.parts:
            part = word_tree(part.text, self.cut) if isinstance(part, Word) else part
            out += self.flat_parts(part) if isinstance(part, And) else [part]
        return out

    def field(self, node: Field, within: DocSet | None) -> DocSet:
        if node.name == "heading":
            return self.substring(str(node.value), within, "heading")
        found = self.filter_set(node)
        return found & within if within is not None else found

    def filter_set(self, node: Field) -> DocSet:
        """The paragraphs of a metadata filter (from the snapshot's sets per value): a year range;
        a place at its level, or at any level (place:, which takes in the units below it, since
        their documents name it too); part of a 文号 or issuer, in any bracket form."""
        sets = self.snapshot.facets()
        if node.name == "year":
            assert isinstance(node.value, tuple)
            first, last = node.value
            return DocSet.union(DocSet(), *(docs for year, docs in sets["year"].items() if first <= year <= last))
        value = str(node.value)
        if node.name in PARTIAL_FILTERS:
            part = match_form(value)
            return DocSet.union(DocSet(), *(docs for v, docs in sets[node.name].items() if part in match_form(v)))
        if node.name in PLACE_LEVELS or node.name == "place":
            levels = PLACE_LEVELS if node.name == "place" else (node.name,)
            return DocSet.union(
                DocSet(), *(docs for level in levels for v, docs in sets[level].items() if same_place(v, value))
            )
        return sets[node.name].get(value, DocSet())


def word_tree(text: str, cut: Cut | None) -> Node:
    """An unquoted word: jieba's words, each required as written."""
    assert cut is not None, "plain words need a cut"
    words = [w for w in cut(text) if match_form(w)] or ([text] if match_form(text) else [])
    if not words:
        raise QueryError(f"{text!r} holds nothing to search for")
    return Phrase(words[0]) if len(words) == 1 else And(tuple(Phrase(w) for w in words))


def cost(node: Node) -> int:
    """Cheap, exact parts first: filters, then short phrases, then long ones, NOT last."""
    if isinstance(node, Field):
        return 0 if node.name != "heading" else 5
    if isinstance(node, Phrase):
        return 1 if len(match_form(node.text)) <= 2 else 3
    if isinstance(node, Word):
        return 2
    if isinstance(node, Not):
        return 9
    return 4


def same_place(unit: str, name: str) -> bool:
    """Whether a place name as a user writes it names this unit: in full, or without the word for
    its kind (浙江 for 浙江省, 浦东 for 浦东新区)."""
    return unit == name or (
        unit.startswith(name) and len(name) >= 2 and UNIT_SUFFIX.fullmatch(unit[len(name) :]) is not None
    )
