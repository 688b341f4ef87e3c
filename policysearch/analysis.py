"""Text analysis: the match form that every comparison uses, and the Whoosh analyzers.

Two analyzers, each a tokenizer piped into filters in the Whoosh style, both with real token
positions (jieba's own ChineseAnalyzer stores character offsets as positions and emits overlapping
search-mode tokens, which breaks phrase queries):
- grams: the characters of the match form -> unigrams and bigrams. Exact phrases are answered from
  these (a paragraph that holds a phrase holds all its bigrams), then checked against the match form.
- words: jieba words of the normalized text, for BM25 ranking of plain queries.
jieba is imported on first use only: a query of quoted phrases and filters never loads it.
"""
from __future__ import annotations

import re
import threading
import unicodedata

from whoosh.analysis import Composable, Filter, LowercaseFilter, StopFilter, Token, Tokenizer

ANALYZER_VERSION = 1
# Removed from the match form: whitespace and the quote and bracket characters.
DROPPED = "\"'“”‘’《》〈〉「」『』【】〔〕()[]{}"
DROP = re.compile(r"[\s" + re.escape(DROPPED) + "]")
PUNCT_WORD = re.compile(r"^[\W_]+$")


def match_form(text: str) -> str:
    """NFKC, then no whitespace, quotes or brackets: what exact matching compares."""
    return DROP.sub("", unicodedata.normalize("NFKC", text))


def match_map(text: str) -> tuple[str, list[int]]:
    """The match form of `text` character by character, with the index in `text` of every
    character of it, so spans found in the match form can be shown in the text."""
    form, where = [], []
    for i, ch in enumerate(text):
        for c in DROP.sub("", unicodedata.normalize("NFKC", ch)):
            form.append(c)
            where.append(i)
    return "".join(form), where


class MatchFormTokenizer(Tokenizer):
    """One token per character of the match form; positions count characters."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            yield t
            return
        for i, ch in enumerate(match_form(value)):
            t.text = ch
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = t.endchar = start_char + i
            yield t


class BigramFilter(Filter):
    """Emits each character and each pair of neighbouring characters (at the first one's position)."""

    def __call__(self, tokens):
        prev = None
        for t in tokens:
            ch = t.text
            yield t
            if prev is not None:
                t.text = prev + ch
                if t.positions:
                    t.pos -= 1
                yield t
                if t.positions:
                    t.pos += 1
                t.text = ch
            prev = ch


_jieba_lock = threading.Lock()
_jieba = None


def jieba_module():
    """jieba, with its dictionary loaded once per process (about 0.7 s), on first use."""
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            import logging

            import jieba
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def segment(text: str) -> list[str]:
    """jieba's precise-mode words of the normalized text, punctuation and spaces left out."""
    words = jieba_module().lcut(unicodedata.normalize("NFKC", text))
    return [w for w in (w.strip() for w in words) if w and not PUNCT_WORD.match(w)]


class JiebaTokenizer(Tokenizer):
    """jieba precise-mode words, numbered 0, 1, 2 … (positions are word positions)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = segment(value) if tokenize else [value]
        for i, word in enumerate(words):
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            yield t


def grams_analyzer() -> Composable:
    return MatchFormTokenizer() | BigramFilter()


def words_analyzer() -> Composable:
    return JiebaTokenizer() | LowercaseFilter() | StopFilter(stoplist=frozenset("的了和与及在是"), minsize=1)
