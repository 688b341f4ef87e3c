"""phrases.sqlite: the FTS5 table of every paragraph's match-form bigrams (exact phrases), and
the paragraphs of each character, common gram and heading run.

Row number = the paragraph's Whoosh document number (see snapshot.py for the rule). A `covered`
mark, moved in the same SQLite transaction as the rows, says up to which number the rows are
complete; readers see nothing at or above it.

A single character is, for FTS5, a prefix query over every bigram that starts with it (的 starts
thousands): 0.1 s and a row per hit for a character in most paragraphs. So each transaction that
adds rows also adds, per character of their match forms, the set of those rows that hold it (a
roaring bitmap, 1 bit a row where the character is common): the `chars` table, read in
microseconds per set. A removed paragraph keeps its row and its place in these sets, as in the
FTS5 table, until the next build.

A pair of characters that stands in a large share of paragraphs (管理, 人民, 政府: the common
grams, data/common_grams.json) is one FTS5 term with a doclist of hundreds of thousands of rows,
about 0.3 us a row to hand out. So the same table keeps the set of each common gram's rows, as
for a character; the grams a generation keeps sets of are listed in its own `common` table, so
that an index of an earlier list (or of none) is read by its own.

A heading path is shared by the paragraphs of its section: its grams stand once per run of
paragraphs under it (a report's first paragraph starts one, and each whose path differs from
the one before), in the heading column of the run's first row; the other rows leave it empty
(it was a quarter of the table). A run whose path has no grams holds RUN_START. The set of the
rows that start a run is kept as a character's is, under HEADING_RUNS: a run lasts up to the
next one's start (Snapshot.heading_rows).
"""

from __future__ import annotations

import array
import errno
import json
import os
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib import resources

from pyroaring import BitMap

from ..errors import IndexStateError
from ..text import END

PHRASES_FILE = "phrases.sqlite"
LOCK_WAIT = 600.0  # seconds a writer waits for another one before giving up (the lock, SQLite's)
# Numbers per roaring container: a build writes each character's set a span of them at a time, so
# that no container is stored twice (a character in most paragraphs: 8 KB per span).
SPAN = 1 << 16
LONG_ARRAY = 150_000  # characters of a JSON array of row numbers (~20,000 rows) from which numpy parses it
SHORT_ARRAY = 2_000  # characters from which it does, once numpy is loaded

# FTS5 merges a level's segments once it holds `automerge` of them (4 unless set), a step of the
# merge with each write. A build writes its rows with 4: a compact table. What an `add` writes
# merges at 16: merging it into a built table's hundreds of MB at 4 took two thirds of the add's
# phrase rows' time; at 16 its queries were as fast (tried on the 4x table with a fifth more rows).
ADD_MERGE = 16
# columnsize=0: FTS5 keeps no count of each row's tokens, which only its bm25 reads (11 MB at 4x)
PHRASES_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE VIRTUAL TABLE grams USING fts5(body, heading, content='', tokenize='ascii', detail=full, columnsize=0);
CREATE TABLE chars (ch TEXT, first INTEGER, docs BLOB, PRIMARY KEY (ch, first));
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER);
INSERT INTO meta VALUES ('covered', 0);
CREATE TABLE common (gram TEXT PRIMARY KEY);
"""


def listed_grams() -> frozenset[str]:
    """The common grams of data/common_grams.json (scripts/make_common_grams.py), in phrase form
    (Chinese characters: phrase_form leaves them as they are)."""
    made = json.loads(resources.files("policysearch").joinpath("data/common_grams.json").read_text("utf-8"))
    return frozenset(made["grams"])


COMMON_GRAMS = listed_grams()  # what a new generation keeps sets of
HEADING_RUNS = "heading runs"  # the key of the set of the rows that start a heading run: no character or gram
RUN_START = END * 2  # the heading grams of a run whose path has none: no text's (END closes a text once)


class PhraseIndex:
    """phrases.sqlite of one generation: the FTS5 table `grams` (body: the paragraph's bigrams,
    heading: its heading path's), the sets `chars` of each character and common gram (a row per
    character or gram and run of rows written together, keyed by the run's first row that holds
    it), the common grams it keeps sets of and the `covered` mark."""

    def __init__(self, folder: str, create: bool = False):
        path = os.path.join(folder, PHRASES_FILE)
        if not create and not os.path.exists(path):
            raise IndexStateError(f"{folder}: no {PHRASES_FILE}; rebuild the index with `policysearch build`")
        self.db = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None, check_same_thread=False)
        if create:
            self.db.executescript(PHRASES_SCHEMA)
            self.db.executemany("INSERT INTO common VALUES (?)", ((g,) for g in sorted(COMMON_GRAMS)))

    @cached_property
    def common(self) -> frozenset[str]:
        """The common grams this generation keeps sets of (none in an index of before the sets)."""
        with sqlite_errors():
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'common'").fetchone():
                return frozenset()
            return frozenset(g for (g,) in self.db.execute("SELECT gram FROM common"))

    def covered(self) -> int:
        with sqlite_errors():
            return self.db.execute("SELECT v FROM meta WHERE k = 'covered'").fetchone()[0]

    def match(self, query: str, below: int) -> BitMap:
        """Document numbers (below `below`) of the rows that match an FTS5 query (text.
        phrase_match)."""
        # One JSON array, not a row per match: Python's C parser makes the numbers 3 x faster.
        with sqlite_errors():
            found = self.db.execute(
                "SELECT json_group_array(rowid) FROM grams WHERE grams MATCH ? AND rowid < ?", (query, below)
            )
            return numbers_of(found.fetchone()[0])

    def with_char(self, ch: str, below: int) -> BitMap:
        """Document numbers (below `below`) of the rows whose body holds the character, or the
        common gram (in its phrase form, text.phrase_form)."""
        with sqlite_errors():
            found = self.db.execute("SELECT docs FROM chars WHERE ch = ? AND first < ?", (ch, below)).fetchall()
        return BitMap.union(BitMap(), *(BitMap.deserialize(docs) for (docs,) in found))

    def insert(self, rows) -> None:
        """Rows (document number, body grams, heading grams), inside the caller's transaction."""
        self.db.executemany("INSERT INTO grams (rowid, body, heading) VALUES (?, ?, ?)", rows)

    def insert_chars(self, sets: dict[str, BitMap]) -> None:
        """The character sets of a run of rows (char_sets), inside the caller's transaction."""
        self.db.executemany(
            "INSERT INTO chars (ch, first, docs) VALUES (?, ?, ?)",
            ((ch, docs.min(), docs.serialize()) for ch, docs in sets.items()),
        )

    def mark(self, upto: int) -> None:
        self.db.execute("UPDATE meta SET v = ? WHERE k = 'covered'", (upto,))

    def cover(self, rows, upto: int, sets: dict[str, BitMap] | None = None) -> None:
        """Add rows and their character sets (char_sets: counted here unless given) and move the
        mark to `upto`, in one transaction."""
        with sqlite_errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("INSERT INTO grams (grams, rank) VALUES ('automerge', ?)", (ADD_MERGE,))
                self.insert(rows)
                self.insert_chars(char_sets(rows, self.common) if sets is None else sets)
                self.mark(upto)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # SQLite rolls back by itself after some errors
                    self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()


def numbers_of(array_text: str) -> BitMap:
    """A JSON array of row numbers as a set. A long one (thousands of rows) is parsed by numpy in
    C and handed to the bitmap as one buffer: 6 x faster than a Python int per number. (numpy's
    import, ~0.1 s, is paid only where that saves time, as in snapshot.count_reports.)"""
    if len(array_text) < LONG_ARRAY and not (len(array_text) > SHORT_ARRAY and "numpy" in sys.modules):
        return BitMap(json.loads(array_text))
    import numpy as np

    numbers = np.fromstring(array_text[1:-1], dtype=np.uint32, sep=",")
    return BitMap(array.array("I", numbers.tobytes()))


def char_sets(rows, common: frozenset[str]) -> dict[str, BitMap]:
    """Each character of the rows' bodies, and each of their `common` grams -> the numbers of
    the rows that hold it; HEADING_RUNS -> those that start a heading run. A body is its
    bigrams, two characters and a space each (text.gram_tokens), so every third character is the
    match form's next one."""
    numbers: dict[str, list[int]] = defaultdict(list)
    numbers[HEADING_RUNS] = [n for n, _, heading in rows if heading]
    for n, body, _ in rows:
        for ch in set(body[::3]):
            numbers[ch].append(n)
        for gram in common.intersection(body.split(" ")):
            numbers[gram].append(n)
    return {ch: BitMap(ns) for ch, ns in numbers.items() if ns}


class SpanWriter:
    """A build's character sets: each segment's sets (char_sets, numbered from 0) go in at the
    segment's first number; what lies in spans that no later segment can reach is written."""

    def __init__(self, phrases: PhraseIndex):
        self.phrases = phrases
        self.sets: dict[str, BitMap] = {}

    def add(self, sets: dict[str, BitMap], base: int) -> None:
        for ch, docs in sets.items():
            docs = docs.shift(base)
            self.sets[ch] = self.sets[ch] | docs if ch in self.sets else docs
        below = base - base % SPAN
        low, done = BitMap(range(below)), {}
        for ch in [ch for ch, docs in self.sets.items() if docs.min() < below]:
            done[ch] = self.sets[ch] & low
            self.sets[ch].remove_range(0, below)
            if not self.sets[ch]:
                del self.sets[ch]
        self.phrases.insert_chars(done)

    def finish(self) -> None:
        self.phrases.insert_chars(self.sets)
        self.sets = {}


@contextmanager
def sqlite_errors() -> Iterator[None]:
    """A full disk is ENOSPC, as for Whoosh's files; other SQLite failures name the file."""
    try:
        yield
    except sqlite3.Error as e:
        if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from e
        raise IndexStateError(f"{PHRASES_FILE}: {e}") from e
