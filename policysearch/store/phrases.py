"""phrases.sqlite: the FTS5 table of every paragraph's match-form bigrams (exact phrases).

Row number = the paragraph's Whoosh document number (see snapshot.py for the rule). A `covered`
mark, moved in the same SQLite transaction as the rows, says up to which number the rows are
complete; readers see nothing at or above it.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from pyroaring import BitMap

from ..errors import IndexStateError

PHRASES_FILE = "phrases.sqlite"
LOCK_WAIT = 600.0  # seconds a writer waits for another one before giving up (the lock, SQLite's)
FEW_ROWS = 300  # candidates up to which a phrase is checked row by row

PHRASES_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE VIRTUAL TABLE grams USING fts5(body, heading, content='', tokenize='ascii', detail=full);
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER);
INSERT INTO meta VALUES ('covered', 0);
"""


class PhraseIndex:
    """phrases.sqlite of one generation: the FTS5 table `grams` (body: the paragraph's bigrams,
    heading: its heading path's) and the `covered` mark."""

    def __init__(self, folder: str, create: bool = False):
        path = os.path.join(folder, PHRASES_FILE)
        if not create and not os.path.exists(path):
            raise IndexStateError(f"{folder}: no {PHRASES_FILE}; rebuild the index with `policysearch build`")
        self.db = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None, check_same_thread=False)
        if create:
            self.db.executescript(PHRASES_SCHEMA)

    def covered(self) -> int:
        with sqlite_errors():
            return self.db.execute("SELECT v FROM meta WHERE k = 'covered'").fetchone()[0]

    def match(self, query: str, among: BitMap | None, below: int) -> BitMap:
        """Document numbers (below `below`) of the rows that match an FTS5 query (text.
        phrase_match). With a few candidates (`among`), FTS5 looks at those rows only (about
        25 us each) instead of handing out every match (a common word has tens of thousands)."""
        # One JSON array, not a row per match: Python's C parser makes the numbers 3 x faster.
        if among is not None and len(among) <= FEW_ROWS:
            found = self.db.execute(
                "SELECT json_group_array(rowid) FROM grams WHERE grams MATCH ? AND rowid IN "
                "(SELECT value FROM json_each(?))",
                (query, json.dumps(list(among))),
            )
        else:
            found = self.db.execute(
                "SELECT json_group_array(rowid) FROM grams WHERE grams MATCH ? AND rowid < ?", (query, below)
            )
        return BitMap(json.loads(found.fetchone()[0]))

    def insert(self, rows) -> None:
        """Rows (document number, body grams, heading grams), inside the caller's transaction."""
        self.db.executemany("INSERT INTO grams (rowid, body, heading) VALUES (?, ?, ?)", rows)

    def mark(self, upto: int) -> None:
        self.db.execute("UPDATE meta SET v = ? WHERE k = 'covered'", (upto,))

    def cover(self, rows, upto: int) -> None:
        """Add rows and move the mark to `upto`, in one transaction."""
        with sqlite_errors():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.insert(rows)
                self.mark(upto)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # SQLite rolls back by itself after some errors
                    self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()


@contextmanager
def sqlite_errors() -> Iterator[None]:
    """A full disk is ENOSPC, as for Whoosh's files; other SQLite failures name the file."""
    try:
        yield
    except sqlite3.Error as e:
        if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from e
        raise IndexStateError(f"{PHRASES_FILE}: {e}") from e
