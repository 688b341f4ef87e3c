"""Query language -> exact hit sets, ranking, facets, highlights.

Matching is set algebra over paragraph numbers, so it is exact by construction:
- a phrase is an FTS5 phrase of its bigrams in the phrase index, which matches exactly the
  paragraphs whose match form holds it (the substring rule, the same as a plain scan);
- AND, OR and NOT are intersection, union and difference; filters are Whoosh posting lists.
Ranking (BM25 over jieba words, in Whoosh) and facets then work on the final set.
"""
from __future__ import annotations

import bisect
import heapq
import os
import pickle
import re
import threading
from dataclasses import dataclass
from itertools import accumulate, compress, repeat

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from .analysis import match_form, match_map, phrase_match, segment
from .errors import QueryError
from .model import SECTION_TYPES, Hit, Results

FIELDS = {"town": "town", "镇": "town", "街镇": "town", "district": "district", "区": "district",
          "year": "year", "年": "year", "年份": "year", "section": "section_type", "类别": "section_type",
          "type": "doc_type", "doc_type": "doc_type", "文种": "doc_type", "heading": "heading", "标题": "heading"}
SECTION_NAMES = {"导言": "preamble", "回顾": "review", "工作回顾": "review", "问题": "problems", "不足": "problems",
                 "目标": "goals", "安排": "plan", "任务": "plan", "工作安排": "plan", "结语": "closing",
                 "名词解释": "glossary", "其他": "other"}
FACETS = ("town", "district", "year", "section_type", "doc_type")
RUN_BONUS = 1000.0        # a paragraph holding the whole query as one run outranks any without it
SNIPPET_BEFORE, SNIPPET_AFTER = 25, 60
MAX_QUERY = 1000          # characters; longer queries are refused, not parsed
MAX_DEPTH = 50            # nested parentheses and NOTs; deeper queries are refused


# -- the query language -------------------------------------------------------------------------
@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Field:
    name: str            # index field: town, district, doc_type, section_type, year, heading
    value: object        # str, or (first, last) years


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or_:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


QUOTES = {'"': '"', "“": "”", "”": "”"}
TOKEN = re.compile(r'\s+|[()]|[^\s()"“”]+')


def tokenize(query: str) -> list[tuple[str, str]]:
    """-> [(kind, text)]: kinds are phrase, word, (, ), OR, NOT, -, field."""
    out, i, n = [], 0, len(query)
    while i < n:
        ch = query[i]
        if ch in QUOTES:
            end = query.find(QUOTES[ch], i + 1)
            if end < 0:
                raise QueryError(f"unbalanced quote {ch} at character {i + 1}: close the phrase with {QUOTES[ch]}")
            out.append(("phrase", query[i + 1:end]))
            i = end + 1
            continue
        m = TOKEN.match(query, i)
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
            out.append(("NOT", "-"))        # -word, -"phrase", -(group)
            i -= len(text) - 1
        elif ":" in text or "：" in text:
            name, _, value = text.replace("：", ":").partition(":")
            if name.lower() in FIELDS or name in FIELDS:
                if not value and i < n and query[i] in QUOTES:        # town:"车墩镇"
                    end = query.find(QUOTES[query[i]], i + 1)
                    if end < 0:
                        raise QueryError(f"unbalanced quote after {name}:")
                    value, i = query[i + 1:end], end + 1
                if not value.strip():
                    raise QueryError(f"{name}: needs a value, e.g. {name}:{example(FIELDS.get(name.lower(), name))}")
                out.append(("field", (FIELDS.get(name.lower()) or FIELDS[name], value.strip())))
            else:
                out.append(("word", text))
        else:
            out.append(("word", text))
    return out


def example(field_name: str) -> str:
    return {"town": "车墩镇", "district": "松江区", "year": "2024 or 2022-2025", "section_type": "review",
            "doc_type": "政府工作报告", "heading": "城市更新"}.get(field_name, "…")


def parse(query: str):
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
        raise QueryError("empty query: give words, a \"phrase\" or a filter such as town:车墩镇")
    tree = or_expr()
    if pos < len(tokens):
        raise QueryError("unbalanced parenthesis: ) without (")
    return tree


def field_node(name: str, value):
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


# -- evaluation -------------------------------------------------------------------------------------
class Evaluator:
    """Evaluates a query tree to the exact set of matching paragraph numbers of one snapshot: a
    Whoosh searcher, the phrase index, and the covered mark (numbers at or above it are not there)."""

    def __init__(self, searcher, phrases, covered: int, cut):
        self.searcher = searcher
        self.phrases = phrases
        self.covered = covered
        self.cut = cut                    # text -> jieba words
        self.reader = searcher.reader()
        self.cache = getattr(searcher, "cache", {})

    def blocks(self, fieldname: str, text, weights: bool = False, among: list[int] | None = None):
        """(numbers, term frequencies or None) of every live paragraph that holds a term, a posting
        block at a time (Whoosh's matchers hand out one number per call, which was most of a
        query's time). With `among` (sorted numbers), blocks that hold none of them are skipped
        unread: a block's header says where it ends."""
        for leaf, base in self.reader.leaf_readers():
            if (fieldname, text) not in leaf:
                continue
            m = leaf.postings(fieldname, text)
            deleted = m._ids if isinstance(m, FilterMatcher) else ()
            m = m.child if isinstance(m, FilterMatcher) else m
            if not hasattr(m, "_read_data"):              # not a Whoosh 2.7 block matcher: one at a time
                pairs = []
                while m.is_active():
                    if m.id() not in deleted:
                        pairs.append((base + m.id(), m.weight()))
                    m.next()
                yield [d for d, _ in pairs], ([w for _, w in pairs] if weights else None)
                continue
            first = base
            while m.is_active():
                last, skip = base + m._maxid, False
                if among is not None:
                    i = bisect.bisect_left(among, first)
                    skip = i == len(among) or among[i] > last
                first = last + 1
                if skip:
                    if m._lastblock:
                        break
                    m._next_block()
                    continue
                if m._data is None:
                    m._read_data()
                # the block's numbers as Whoosh's delta_decode gives them, summed in C, not by a generator
                ids, tfs = list(accumulate(m._data[0], initial=base))[1:], None
                if weights:
                    m._read_weights()
                    tfs = m._weights
                if deleted:
                    keep = [i for i, d in enumerate(ids) if d - base not in deleted]
                    ids = [ids[i] for i in keep]
                    tfs = [tfs[i] for i in keep] if weights else None
                yield ids, tfs
                if m._lastblock:
                    break
                m._next_block()

    def postings(self, fieldname: str, text) -> set[int]:
        """Every live paragraph that holds a term."""
        found: set[int] = set()
        for ids, _ in self.blocks(fieldname, text):
            found.update(ids)
        return found

    def lengths(self) -> bytes:
        """Every document's number of words as Whoosh keeps it for BM25 (one byte each; decode
        with byte_to_length), read once per snapshot."""
        if "lengths" not in self.cache:
            parts = []
            for leaf, base in self.reader.leaf_readers():
                column = leaf._perdoc._cached_reader("_words_len", LENGTHS_COLUMN)
                raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
                parts.append(bytes(raw).ljust(leaf.doc_count_all(), b"\0"))
            self.cache["lengths"] = b"".join(parts)
        return self.cache["lengths"]

    def norms(self) -> list[float]:
        """Every document's BM25 length normalisation (K1 * (1 - B + B * length / average)), as
        Whoosh's BM25F computes it from the length byte, once per snapshot."""
        if "norms" not in self.cache:
            avgfl = self.searcher.avg_field_length("words") or 1
            norm = [K1 * ((1 - B) + B * (byte_to_length(b) if b else 1) / avgfl) for b in range(256)]
            self.cache["norms"] = list(map(norm.__getitem__, self.lengths()))
        return self.cache["norms"]

    @property
    def universe(self) -> set[int]:
        """The paragraphs that are there: live in the searcher's snapshot and below the mark."""
        key = ("universe", self.covered)
        if key not in self.cache:
            self.cache[key] = {d for d in self.postings("kind", "p") if d < self.covered}
        return self.cache[key]

    def column(self, name: str):
        if ("column", name) not in self.cache:
            self.cache[("column", name)] = self.reader.column_reader(name, translate=True)
        return self.cache[("column", name)]

    def facets(self) -> dict:
        """{facet: {value: bitmap of its paragraphs}} of this snapshot (see snapshot_facets)."""
        key = ("facets", self.covered)      # a searcher outlives a mark: an add moves it after its commit
        if key not in self.cache:
            self.cache[key] = snapshot_facets(self.searcher, self.covered, self.cache.get("folder"))
        return self.cache[key]

    def count_reports(self, found: set[int]) -> int:
        """How many reports the paragraphs belong to. A report's document follows its paragraphs
        (build and add write them so), so a paragraph's report is the next report document."""
        if "report_docs" not in self.cache:
            self.cache["report_docs"] = sorted(self.searcher.document_numbers(kind="r"))
        hits = sorted(found)
        before = [bisect.bisect_left(hits, end) for end in self.cache["report_docs"]]   # hits before each
        return sum(1 for a, b in zip([0] + before, before) if b > a)

    def report_of(self, rid: str) -> dict:
        """The metadata of a report (stored once, with the report, not with each paragraph)."""
        if ("report", rid) not in self.cache:
            doc = self.searcher.document(id="report:" + rid)
            self.cache[("report", rid)] = doc["report"] if doc else {}
        return self.cache[("report", rid)]

    def substring(self, phrases: str | list[str], within: set | None, column="body") -> set[int]:
        """Paragraphs whose match form (or heading path's) contains the phrase, or every phrase of
        a list: FTS5 meets them in C, one query instead of one set per phrase."""
        queries = [phrase_match(column, p) for p in ([phrases] if isinstance(phrases, str) else phrases)]
        if None in queries:
            return set()
        below = min(self.covered, self.reader.doc_count_all())      # rows above: a commit this snapshot does not see
        return self.live(self.phrases.match(" AND ".join(f"({q})" for q in queries), within, below), within)

    def evaluate(self, node, within: set | None = None) -> set[int]:
        if isinstance(node, Phrase):
            return self.substring(node.text, within)
        if isinstance(node, Word):
            return self.evaluate(word_tree(node.text, self.cut), within)
        if isinstance(node, Field):
            return self.field(node, within)
        if isinstance(node, Or_):
            out: set[int] = set()
            for part in node.parts:
                out |= self.evaluate(part, within)
            return out
        if isinstance(node, Not):
            base = within if within is not None else self.universe
            return base - self.evaluate(node.part, base)
        if isinstance(node, And):
            acc, parts = within, self.flat_parts(node)
            filters = [p for p in parts if isinstance(p, Field) and p.name in FACETS]
            if filters:                     # metadata filters first, as bitmaps: ANDed in microseconds
                bits = self.field_bits(filters[0])
                for f in filters[1:]:
                    bits &= self.field_bits(f)
                acc = from_bits(bits) if acc is None else from_bits(bits) & acc
                if not acc:
                    return set()
                parts = [p for p in parts if p not in filters]
            phrases = [p.text for p in parts if isinstance(p, Phrase)]
            if len(phrases) > 1:
                acc = self.substring(phrases, acc)
                if not acc:
                    return set()
                parts = [p for p in parts if not isinstance(p, Phrase)]
            for part in sorted(parts, key=cost):
                if isinstance(part, Not):
                    base = acc if acc is not None else self.universe
                    acc = base - self.evaluate(part.part, base)
                else:
                    acc = self.evaluate(part, acc)
                if not acc:
                    return set()
            return acc if acc is not None else set(self.universe)
        raise TypeError(node)

    def flat_parts(self, node: And) -> list:
        """The parts of an AND, with plain words as their phrases and nested ANDs opened."""
        out = []
        for part in node.parts:
            part = word_tree(part.text, self.cut) if isinstance(part, Word) else part
            out += self.flat_parts(part) if isinstance(part, And) else [part]
        return out

    def live(self, found: set[int], within: set | None) -> set[int]:
        """The paragraphs of `found` (all below the mark) that are there: within `within`, else
        not deleted (phrase rows stay for deleted paragraphs; there are no rows for reports)."""
        if within is not None:
            return found & within
        if "deleted" not in self.cache:
            self.cache["deleted"] = {base + d for leaf, base in self.reader.leaf_readers() if leaf.has_deletions()
                                     for d in leaf._perdoc.deleted_docs()}
        deleted = self.cache["deleted"]
        return found - deleted if deleted and not found.isdisjoint(deleted) else found

    def field(self, node: Field, within: set | None) -> set[int]:
        if node.name == "heading":
            return self.substring(node.value, within, "heading")
        return self.live(from_bits(self.field_bits(node)), within)

    def field_bits(self, node: Field) -> int:
        """The paragraphs of a metadata filter, as a bitmap (from the snapshot's facets)."""
        values = self.facets()[node.name]
        if node.name != "year":
            return values.get(node.value, 0)
        bits, (first, last) = 0, node.value
        for year, docs in values.items():
            if first <= year <= last:
                bits |= docs
        return bits


def word_tree(text: str, cut):
    """An unquoted word: jieba's words, each required as written."""
    words = [w for w in cut(text) if match_form(w)] or ([text] if match_form(text) else [])
    if not words:
        raise QueryError(f"{text!r} holds nothing to search for")
    return Phrase(words[0]) if len(words) == 1 else And(tuple(Phrase(w) for w in words))


def cost(node) -> int:
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


def positives(node, out: list) -> list:
    """The text that a hit holds because of the query (not under NOT), for ranking and highlights."""
    if isinstance(node, (Phrase, Word)):
        out.append(node)
    elif isinstance(node, (And, Or_)):
        for part in node.parts:
            positives(part, out)
    return out


def exact_run(node, cut) -> str | None:
    """For a plain query of words (and phrases) joined by AND: the whole query as one run."""
    parts = node.parts if isinstance(node, And) else (node,)
    texts = [p.text for p in parts if isinstance(p, (Phrase, Word))]
    if not any(isinstance(p, Word) for p in parts) or any(isinstance(p, (Or_, And)) for p in parts):
        return None
    run = match_form("".join(texts))
    return run if len(texts) > 1 or len(cut(texts[0])) > 1 else None


def filters_tree(tree, town=None, district=None, year=None, section=None, doc_type=None):
    extra = []
    for name, value in (("town", town), ("district", district), ("section_type", section), ("doc_type", doc_type)):
        if value:
            extra.append(field_node(name, value))
    if year not in (None, ""):
        extra.append(Field("year", parse_years(year)))
    return And((tree, *extra)) if extra else tree


def search(index, query: str, town=None, district=None, year=None, section=None, doc_type=None,
           limit: int | None = 10, offset: int = 0, sort: str = "relevance", facets=FACETS) -> Results:
    """Search the index; see the README for the query language. `facets` names the fields to
    count (all five by default; fewer is faster on a large index). Raises QueryError."""
    if sort not in ("relevance", "date"):
        raise QueryError(f"sort must be relevance or date, not {sort!r}")
    if offset < 0 or (limit is not None and limit < 0):
        raise QueryError("limit and offset must not be negative")
    tree = filters_tree(parse(query), town, district, year, section, doc_type)
    searcher, phrases, covered = index.view()
    lexicon = index.lexicon_path()
    ev = Evaluator(searcher, phrases, covered, lambda text: segment(text, lexicon))
    found = ev.evaluate(tree)
    texts = positives(tree, [])
    want = None if limit is None else offset + limit
    order = rank(ev, tree, texts, found, want) if sort == "relevance" else by_date(ev, found)
    counts = count_facets(ev, found, facets)
    page = order[offset:None if limit is None else offset + limit]
    terms = highlight_terms(texts, tree, ev.cut)
    docs = [(searcher.stored_fields(d), score) for d, score in page]
    hits = [make_hit(doc, ev.report_of(doc["doc_id"]), score, terms) for doc, score in docs]
    return Results(query=query, total=len(found), hits=hits, facets=counts, reports=ev.count_reports(found))


def rank(ev: Evaluator, tree, texts, found: set[int], want: int | None) -> list[tuple[int, float]]:
    """BM25 over jieba words, with the paragraphs that hold the whole query as one run first.
    Only the first `want` are ranked (all when None), so Whoosh can skip what cannot make the page."""
    words = []
    for node in texts:
        words += ev.cut(node.text) if isinstance(node, Word) else vocabulary_words(ev.reader, node.text)
    words = [w.lower() for w in dict.fromkeys(words)]
    run = exact_run(tree, ev.cut)
    first = ev.substring(run, found) if run else set()
    order: list[tuple[int, float]] = []
    for group, bonus in ((first, RUN_BONUS), (found - first, 0.0)):
        need = None if want is None else want - len(order)
        if not group or need == 0:
            continue
        scores = bm25(ev, words, group)
        if need is not None and len(scores) > need:   # the need-th best score, then only those at or above it
            cut = heapq.nlargest(need, scores.values())[-1]
            kept = list(compress(scores, map(cut.__le__, scores.values())))
            scores = dict(zip(kept, map(scores.__getitem__, kept)))
        best = sorted(scores.items(), key=lambda ds: (-ds[1], ds[0]))[:need]
        order += [(d, s + bonus) for d, s in best]
        if need is None or len(best) < need:         # then the page holds some with no query word: index order
            rest = sorted(group - scores.keys())
            order += [(d, bonus) for d in rest[:None if need is None else need - len(best)]]
    return order


B, K1 = 0.75, 1.2        # Whoosh's BM25F defaults: the scores are the ones Whoosh gives


def bm25(ev: Evaluator, words: list[str], group: set[int]) -> dict[int, float]:
    """BM25 of the paragraphs of `group` that hold any of the words, as Whoosh's BM25F scores an
    OR of the words (tested equal), computed over posting blocks instead of Whoosh's collector,
    which scores one document per call and cannot skip blocks when filtered."""
    scores: dict[int, float] = {}
    if not words or not group:
        return scores
    searcher, norms = ev.searcher, ev.norms()
    among = sorted(group)         # a report's paragraphs are neighbours: a filtered group skips most blocks
    for word in words:
        if ("words", word) not in ev.reader:
            continue
        top = searcher.idf("words", word) * (K1 + 1)
        mine = {d: top * tf / (tf + norms[d]) for ids, tfs in ev.blocks("words", word, weights=True, among=among)
                for d, tf in zip(ids, tfs) if d in group}
        if scores:
            get = scores.get
            mine = {d: v + get(d, 0.0) for d, v in mine.items()}
        scores.update(mine)
    return scores


def vocabulary_words(reader, phrase: str) -> list[str]:
    """Words of a quoted phrase for ranking, without loading jieba: the longest words of the index's
    own vocabulary (which jieba made), left to right."""
    text, out, i = match_form(phrase).lower(), [], 0
    while i < len(text):
        for j in range(min(len(text), i + 8), i, -1):
            if ("words", text[i:j]) in reader:
                out.append(text[i:j])
                i = j
                break
        else:
            i += 1
    return out


def by_date(ev: Evaluator, found: set[int]) -> list[tuple[int, float]]:
    """Newest first; within a report, in reading order."""
    date, position = ev.column("date"), ev.column("position")
    newest = sorted(found, key=lambda d: (date[d] or "", -position[d]), reverse=True)
    return [(d, 0.0) for d in newest]


def count_facets(ev: Evaluator, found: set[int], names=FACETS) -> dict[str, dict]:
    """Counts per town, district, year, section type and doc type over all hits: the hits as a
    bitmap, met with each value's bitmap (no lookup per hit)."""
    facets, bits = {}, None
    for name in names:
        if name not in FACETS:
            raise QueryError(f"unknown facet {name!r}: use {', '.join(FACETS)}")
        bits = to_bits(found, ev.reader.doc_count_all()) if bits is None else bits
        counts = {value: (bits & docs).bit_count() for value, docs in ev.facets()[name].items()}
        facets[name] = dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], str(kv[0]))))
    return facets


# -- facets of a snapshot, kept beside the index --------------------------------------------------
FACETS_FILE = "facets.pickle"


def to_bits(numbers, size: int | None = None) -> int:
    """A set of paragraph numbers (all below `size`, when known) as a bitmap (bit n set for
    paragraph n): a string of 0s and 1s, written by a C-level map and read as a base-2 number
    (twice as fast as setting bits in Python)."""
    if not numbers:
        return 0
    digits = bytearray(b"0") * (size or max(numbers) + 1)
    any(map(digits.__setitem__, numbers, repeat(ord("1"))))     # __setitem__ returns None: runs to the end
    return int(digits[::-1], 2)


BIT_POSITIONS = [tuple(j for j in range(8) if byte >> j & 1) for byte in range(256)]


def from_bits(bits: int) -> set[int]:
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    return {i * 8 + j for i, byte in enumerate(data) if byte for j in BIT_POSITIONS[byte]}


def snapshot_facets(searcher, covered: int, folder: str | None) -> dict:
    """{facet: {value: bitmap}} of a snapshot. Reading every facet value's posting list takes
    about 0.3 s at 100,000 paragraphs, more than the rest of a query: it is done once per index
    state (by the writer after it commits, else by the first reader) and kept in the generation
    folder, keyed by the Whoosh commit and the covered mark; other processes load it in ms."""
    key = (searcher.reader().generation(), covered)
    path = os.path.join(folder, FACETS_FILE) if folder else None
    if path:
        try:
            with open(path, "rb") as f:
                saved = pickle.load(f)
            if saved["key"] == key:
                return saved["facets"]
        except (OSError, EOFError, pickle.PickleError, KeyError, TypeError, AttributeError, ValueError):
            pass                                   # missing, stale or damaged: compute it again
    ev = Evaluator(searcher, None, covered, None)
    universe, facets = ev.universe, {}
    for name in FACETS:
        field, values = searcher.schema[name], {}
        for btext in field.sortable_terms(ev.reader, name):
            value = field.from_bytes(btext)
            if value:                              # "" and 0 stand for "not known"
                values[value] = to_bits(ev.postings(name, btext) & universe)
        facets[name] = values
    if path:
        try:
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "wb") as f:
                pickle.dump({"key": key, "facets": facets}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass                                   # a read-only index: computed per process instead
    return facets


def highlight_terms(texts, tree, cut) -> list[str]:
    forms = []
    run = exact_run(tree, cut)
    if run:
        forms.append(run)
    for node in texts:
        if isinstance(node, Word):
            forms += [match_form(w) for w in cut(node.text)]
        else:
            forms.append(match_form(node.text))
    return [f for f in dict.fromkeys(forms) if f]


def term_spans(text: str, terms: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, term number) in `text` of every occurrence of the terms, found in the match form."""
    form, where = match_map(text)
    spans = []
    for n, term in enumerate(terms):
        start = form.find(term)
        while start >= 0:
            spans.append((where[start], where[start + len(term) - 1] + 1, n))
            start = form.find(term, start + 1)
    return sorted(spans)


def merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b, *_ in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def highlights(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans in `text` of every occurrence of the terms (whole phrases), merged."""
    return merge(term_spans(text, terms))


def snippet_window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int]:
    """About two lines of text around the match that has the most different terms near it."""
    if not spans:
        return 0, min(len(text), SNIPPET_BEFORE + SNIPPET_AFTER)
    width = SNIPPET_BEFORE + SNIPPET_AFTER
    best = max(spans, key=lambda s: (len({n for a, b, n in spans if s[0] <= a and b <= s[0] + width}), -s[0]))
    start = max(0, best[0] - SNIPPET_BEFORE)
    return start, min(len(text), start + width)


def make_hit(doc: dict, report: dict, score: float, terms: list[str]) -> Hit:
    text = doc["text"]
    found = term_spans(text, terms)
    spans = merge(found)
    start, end = snippet_window(text, found)
    snippet = ("…" if start else "") + text[start:end].replace("\n", " ") + ("…" if end < len(text) else "")
    return Hit(id=doc["id"], doc_id=doc["doc_id"], text=text, snippet=snippet, highlights=spans,
               town=report.get("town"), district=report.get("district"), year=report.get("year"),
               date=report.get("date"), doc_type=report.get("doc_type"), title=report.get("title"),
               section=list(doc.get("section", [])),
               section_type=doc.get("section_type"), score=round(score, 4), position=doc.get("position", 0),
               snippet_span=(start, end))
