"""Text analysis: the match form that every comparison uses, and the tokens of the two indexes.

- Exact phrases: the bigrams of each paragraph's match form, in order, in an SQLite FTS5 table with
  positions. A phrase of n >= 2 characters is the FTS5 phrase of its n-1 bigrams, which matches
  exactly where the paragraph's match form holds the phrase: no candidates to check afterwards.
- Words: jieba's precise-mode words, for BM25 ranking (store/schema.py indexes them, cut once at
  indexing time). jieba's own ChineseAnalyzer stores character offsets as positions and emits
  overlapping search-mode tokens, which breaks phrase queries; here phrases never depend on words.
This is the one module that imports jieba, and only for what needs it: its dictionary (to save it
as a Lexicon, once per machine) and its HMM (a run of characters that no word of the dictionary
covers). Writers and queries cut with jieba's precise mode as written here (Cutter) over the
dictionary saved beside the index (Lexicon), writers with most text handed to jieba-rs, the same
cut compiled; so most queries never import jieba. The cut follows jieba's own step for step, so
jieba's version is pinned (JIEBA_VERSION) and checked when jieba is imported.
"""

from __future__ import annotations

import operator
import os
import re
import shutil
import sqlite3
import sys
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from math import log

from .errors import PolicySearchError

ANALYZER_VERSION = 2
JIEBA_VERSION = "0.42.1"  # the version whose Tokenizer.cut Cutter follows (pyproject pins it)
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


class Columns(dict):
    """A character -> the columns it takes, looked up once per character (repair measures every
    line of every report; a dict's own lookup, mapped in C, is 1.5 x as fast as an lru_cache)."""

    def __missing__(self, ch: str) -> int:
        self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return self[ch]


COLUMNS = Columns()


def display_width(text: str) -> int:
    """Columns a text takes on a terminal: wide and full-width characters (Chinese) take two."""
    return sum(map(COLUMNS.__getitem__, text))


def match_map(text: str) -> tuple[str, list[int]]:
    """The match form of `text` character by character, with the index in `text` of every
    character of it, so spans found in the match form can be shown in the text."""
    form, where = [], []
    for i, ch in enumerate(text):
        for c in char_form(ch):
            form.append(c)
            where.append(i)
    return "".join(form), where


# The phrase index (SQLite FTS5, tokenize='ascii') splits tokens at spaces and at ASCII characters
# other than letters and digits, and folds A-Z to a-z. Every ASCII character but a-z and 0-9 moves to
# a private-use plane first, so that each bigram stays one token and case still counts.
TOKEN_SAFE = {c: chr(0xF0000 + c) for c in range(128) if not ("a" <= chr(c) <= "z" or "0" <= chr(c) <= "9")}
END = chr(0xF00FF)  # closes every text, so that every character starts a bigram


def gram_tokens(text: str) -> str:
    """The bigrams of the match form, in order, space-separated: a paragraph holds a phrase of two
    or more characters exactly when the phrase's bigrams stand at consecutive positions in it."""
    return form_grams(match_form(text))


def form_grams(form: str) -> str:
    """gram_tokens of a text whose match form is at hand (a writer keeps the form too)."""
    form = form.translate(TOKEN_SAFE) + END
    return " ".join(map(operator.add, form, form[1:]))


def phrase_form(phrase: str) -> str:
    """A phrase's match form as the phrase index holds its characters (gram_tokens)."""
    return match_form(phrase).translate(TOKEN_SAFE)


def phrase_match(column: str, phrase: str) -> str | None:
    """The FTS5 query for an exact phrase in one column (None for a phrase with nothing to match):
    its bigrams as one FTS5 phrase; a single character is every bigram that starts with it."""
    form = phrase_form(phrase)
    if not form:
        return None
    if len(form) == 1:
        return f'{column} : "{form}" *'
    return f'{column} : "' + " ".join(form[i : i + 2] for i in range(len(form) - 1)) + '"'


_jieba_lock = threading.Lock()
_jieba = None
_cutters: dict = {}


def import_jieba():
    """jieba's module, without its dictionary. jieba tries pkg_resources only to find its own
    files (0.25 s of imports) and falls back to plain open(); hide it for the import."""
    with _jieba_lock:
        hide = "pkg_resources" not in sys.modules
        if hide:
            sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
        try:
            import logging  # here: a query that never imports jieba needs no logging either

            import jieba
        finally:
            if hide:
                del sys.modules["pkg_resources"]
        if getattr(jieba, "__version__", None) != JIEBA_VERSION:
            raise PolicySearchError(
                f"policysearch needs jieba {JIEBA_VERSION} (it uses its precise-mode cut), "
                f"not {getattr(jieba, '__version__', '?')}: pip install jieba=={JIEBA_VERSION}"
            )
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
    `get` answers as jieba's FREQ does: a word's frequency, 0 for a beginning of words that is no
    word itself, None for neither."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.total = int(self.db.execute("SELECT f FROM meta WHERE k = 'total'").fetchone()[0])
        self.cache: dict[str, int | None] = {}
        self.lock = threading.Lock()

    def get(self, word):
        if word not in self.cache:
            with self.lock:
                row = self.db.execute("SELECT w, f FROM freq WHERE w >= ? ORDER BY w LIMIT 1", (word,)).fetchone()
            self.cache[word] = None if row is None or not row[0].startswith(word) else (row[1] if row[0] == word else 0)
        return self.cache[word]

    @staticmethod
    def write(path: str) -> None:
        """Put jieba's dictionary at `path`: copied from the user's cache, where it is written once
        per jieba version (writing takes 2 s), or written directly when there is no cache."""
        version = getattr(import_jieba(), "__version__", "0")
        cache = os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
            "policysearch",
            f"jieba-{version}.sqlite",
        )
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


# jieba's Tokenizer.cut (precise mode) splits a text at these: runs of Han characters, letters,
# digits and +#&._%- are cut with the dictionary; whitespace comes whole, any other character alone.
HAN_RUN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)  # jieba's re_han_default
SKIP = re.compile("(\r\n|\\s)", re.U)  # jieba's re_skip_default


# jieba-rs (rjieba, pinned) cuts as jieba's precise mode does, over the same dictionary and HMM,
# in compiled code: 7 times faster than cut_dag. The two part only where their patterns do: a run
# holding one of +#&._%- (jieba-rs keeps '2-3' whole), whitespace, and Han characters beyond
# jieba's range, which jieba-rs takes into its runs. A text or run free of these goes to jieba-rs.
APART = re.compile("[+#&._%\\-\\s\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


class Cutter:
    """jieba's precise-mode cut with its HMM, as jieba.lcut (Tokenizer.cut, jieba 0.42), over a
    dictionary: jieba's loaded one (FREQ) or a Lexicon. jieba is imported for the HMM only.
    `compiled`: jieba-rs's cut, where APART allows (indexing; a query's few words need none)."""

    def __init__(self, freq, total: int, compiled: Callable | None = None):
        self.FREQ, self.logtotal, self.compiled = freq, log(total), compiled
        self.hmm_cut: Callable | None = None

    def lcut(self, sentence: str) -> list[str]:
        compiled = self.compiled
        if compiled is not None and not APART.search(sentence):
            return compiled(sentence)
        words: list[str] = []
        # split() with HAN_RUN's group gives the text between runs and the runs, in turn: jieba
        # matches each piece again to tell which it is
        for j, block in enumerate(HAN_RUN.split(sentence)):
            if j % 2:
                if compiled is not None and not APART.search(block):
                    words += compiled(block)
                else:
                    cut_dag(self, block, words)
            elif block:
                for part in SKIP.split(block):
                    if SKIP.match(part):
                        words.append(part)
                    else:
                        words += part
        return words

    def hmm(self, run: str):
        """jieba's HMM cut of a run of characters (jieba.finalseg), which finds unknown words."""
        if self.hmm_cut is None:
            self.hmm_cut = import_jieba().finalseg.cut
        return self.hmm_cut(run)


def cutter(lexicon_path: str | None, compiled: bool = False) -> Cutter:
    """The cut (see Cutter) with the dictionary at `lexicon_path`, or jieba's own loaded one when
    None; `compiled`: with jieba-rs. One per process: a forked worker opens the SQLite file anew."""
    key = (lexicon_path, compiled, os.getpid())
    if key not in _cutters:
        if lexicon_path is None:
            jieba = jieba_module()
            freq, total = jieba.dt.FREQ, jieba.dt.total
        else:
            freq = Lexicon(lexicon_path)
            total = freq.total
        compiled_cut = None
        if compiled:
            import rjieba

            compiled_cut = rjieba.cut
        _cutters[key] = Cutter(freq, total, compiled_cut)
    return _cutters[key]


NO_WORD = float("-inf")


def cut_dag(self: Cutter, sentence: str, words: list[str]) -> None:
    """jieba's precise-mode cut of a run of Han characters (Tokenizer.__cut_DAG, jieba 0.42), its
    words appended to `words`: the same words (tested against jieba.lcut) in half the time. jieba
    builds a graph of every dictionary word starting at each character, then looks each word up
    again and takes its log to find the likeliest path; here the path is found while the words
    are looked up, once, and no generator passes them on."""
    get, logtotal, n = self.FREQ.get, self.logtotal, len(sentence)
    # from each character on: the best path's log probability, and where its first word ends
    best, ends = [0.0] * (n + 1), [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        top, end = NO_WORD, k + 1
        f = get(sentence[k])
        if f is not None:  # sentence[k:i] starts some word; f > 0: is one
            if f:
                top = log(f) - logtotal + best[k + 1]
            for i in range(k + 2, n + 1):
                f = get(sentence[k:i])
                if f is None:
                    break
                if f:
                    score = log(f) - logtotal + best[i]  # jieba's sum, in jieba's order: the same floats
                    if score >= top:  # jieba's max((score, end - 1)): on a tie, the longer word
                        top, end = score, i
        # no word starts here: the character alone, as frequent as 1 (log 1 = 0)
        best[k], ends[k] = (top if top != NO_WORD else best[k + 1] - logtotal), end
    x, alone = 0, -1  # alone: where a run of characters that the path takes one by one began
    while x < n:
        y = ends[x]
        if y - x > 1:
            if alone >= 0:
                singles(self, sentence[alone:x], words)
                alone = -1
            words.append(sentence[x:y])
        elif alone < 0:
            alone = x
        x = y
    if alone >= 0:
        singles(self, sentence[alone:], words)


def singles(tokenizer: Cutter, run: str, words: list[str]) -> None:
    """A run of characters that the best path takes one by one, as jieba yields it: a word of the
    dictionary stays characters; anything else goes to jieba's HMM, which finds unknown words."""
    if len(run) == 1:
        words.append(run)
    elif not tokenizer.FREQ.get(run):
        words += tokenizer.hmm(run)
    else:
        words += run


def segment(text: str, lexicon_path: str | None = None, compiled: bool = False) -> list[str]:
    """jieba's precise-mode words of the normalized text, punctuation and spaces left out."""
    words = map(str.strip, cutter(lexicon_path, compiled).lcut(unicodedata.normalize("NFKC", text)))
    return [w for w in words if w.isalnum() or (w and not PUNCT_WORD.match(w))]  # most are all letters


def index_words(text: str, lexicon_path: str) -> str:
    """The words of a paragraph for the index, space-separated (cut once, at indexing time, by
    jieba-rs and the index's Lexicon: a writer never loads jieba's dictionary, 0.7 s and 80 MB)."""
    return " ".join(segment(text, lexicon_path, compiled=True))
