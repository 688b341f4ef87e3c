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

import logging
import os
import re
import shutil
import sqlite3
import sys
import threading
import unicodedata
from functools import lru_cache

from whoosh.analysis import Composable, Filter, LowercaseFilter, StopFilter, Token, Tokenizer

ANALYZER_VERSION = 1
# Removed from the match form: whitespace and the quote and bracket characters.
DROPPED = "\"'“”‘’《》〈〉「」『』【】〔〕()[]{}"
DROP = re.compile(r"[\s" + re.escape(DROPPED) + "]")
PUNCT_WORD = re.compile(r"^[\W_]+$")


def match_form(text: str) -> str:
    """NFKC, then no whitespace, quotes or brackets: what exact matching compares."""
    return DROP.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=65536)
def char_form(ch: str) -> str:
    return DROP.sub("", unicodedata.normalize("NFKC", ch))


def match_map(text: str) -> tuple[str, list[int]]:
    """The match form of `text` character by character, with the index in `text` of every
    character of it, so spans found in the match form can be shown in the text."""
    form, where = [], []
    for i, ch in enumerate(text):
        for c in char_form(ch):
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
_cutters: dict = {}


def import_jieba():
    """jieba's module, without its dictionary. jieba tries pkg_resources only to find its own
    files (0.25 s of imports) and falls back to plain open(); hide it for the import."""
    with _jieba_lock:
        hide = "pkg_resources" not in sys.modules
        if hide:
            sys.modules["pkg_resources"] = None          # makes `import pkg_resources` fail
        try:
            import jieba
        finally:
            if hide:
                del sys.modules["pkg_resources"]
        jieba.setLogLevel(logging.WARNING)
        return jieba


def jieba_module():
    """jieba, with its dictionary loaded once per process (about 0.7 s), on first use."""
    global _jieba
    if _jieba is None:
        jieba = import_jieba()
        jieba.initialize()
        _jieba = jieba
    return _jieba


class Lexicon:
    """jieba's dictionary in a SQLite file: the words a text holds are looked up on demand, so a
    query is cut exactly as jieba cuts it without loading 350,000 words (0.7 s) per process.
    jieba asks `frag in FREQ` (is frag the start of some word) and `FREQ.get(word)`."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.total = int(self.db.execute("SELECT f FROM meta WHERE k = 'total'").fetchone()[0])
        self.cache: dict[str, int | None] = {}
        self.lock = threading.Lock()

    def get(self, word, default=None):
        if word not in self.cache:
            with self.lock:
                row = self.db.execute("SELECT w, f FROM freq WHERE w >= ? ORDER BY w LIMIT 1", (word,)).fetchone()
            # None: no word starts so; 0: a prefix of words but no word itself (as in jieba's FREQ)
            self.cache[word] = None if row is None or not row[0].startswith(word) else (row[1] if row[0] == word else 0)
        value = self.cache[word]
        return default if value is None else value

    def __contains__(self, word):
        return self.get(word) is not None

    def __getitem__(self, word):
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    @staticmethod
    def write(path: str) -> None:
        """Put jieba's dictionary at `path`: copied from the user's cache, where it is written once
        per jieba version (writing takes 2 s), or written directly when there is no cache."""
        version = getattr(import_jieba(), "__version__", "0")
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                             "policysearch", f"jieba-{version}.sqlite")
        try:
            if not os.path.exists(cache):
                os.makedirs(os.path.dirname(cache), exist_ok=True)
                Lexicon.save(cache)
            tmp = f"{path}.{os.getpid()}.tmp"
            shutil.copyfile(cache, tmp)
            os.replace(tmp, path)
        except OSError:
            Lexicon.save(path)

    @staticmethod
    def save(path: str) -> None:
        """Save the loaded jieba dictionary (its words, not the prefixes) to `path`, atomically."""
        jieba = jieba_module()
        freq = jieba.dt.FREQ
        tmp = f"{path}.{os.getpid()}.tmp"
        db = sqlite3.connect(tmp)
        db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, f INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, f INTEGER)")
        db.executemany("INSERT INTO freq VALUES (?, ?)", ((w, f) for w, f in freq.items() if f))
        db.execute("INSERT INTO meta VALUES ('total', ?)", (jieba.dt.total,))
        db.commit()
        db.close()
        os.replace(tmp, path)


def cutter(lexicon_path: str | None):
    """A jieba tokenizer reading its dictionary from `lexicon_path`, or jieba's own when None."""
    key = lexicon_path
    if key not in _cutters:
        if lexicon_path is None:
            _cutters[key] = jieba_module().dt
        else:
            tokenizer = import_jieba().Tokenizer()
            tokenizer.FREQ = Lexicon(lexicon_path)
            tokenizer.total = tokenizer.FREQ.total
            tokenizer.initialized = True
            _cutters[key] = tokenizer
    return _cutters[key]


def segment(text: str, lexicon_path: str | None = None) -> list[str]:
    """jieba's precise-mode words of the normalized text, punctuation and spaces left out."""
    words = cutter(lexicon_path).lcut(unicodedata.normalize("NFKC", text))
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
