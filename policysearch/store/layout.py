"""The index folder: which generation is current, what built it, the writers' lock.

policysearch.json   what built it (schema and analyzer versions) and which generation is current
.lock               held (flock) by the one writer at a time; the kernel drops it if the writer dies
lexicon.sqlite      jieba's dictionary, for cutting queries and indexed text without loading it (text.Lexicon)
gen-000001/         a Whoosh index (one document per paragraph, plus one per report), beside each
                    segment its forms (forms.py), and phrases.sqlite (phrases.py); `build` writes a
                    new generation beside the current one and switches the pointer with an atomic
                    rename. Readers keep what they compute once in it (facets, the sets of
                    paragraphs and of reports, the merged vocabulary: save_pickle)
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from whoosh import index as whoosh_index

from .. import __version__
from ..errors import IndexStateError
from ..text import ANALYZER_VERSION, Lexicon
from .phrases import LOCK_WAIT, PhraseIndex
from .schema import SCHEMA_VERSION, schema

META_FILE = "policysearch.json"
LOCK_FILE = ".lock"
LEXICON_FILE = "lexicon.sqlite"


def exists(path: str) -> bool:
    """Whether a folder holds an index."""
    return os.path.exists(os.path.join(path, META_FILE))


class Folder:
    """An index folder (created empty when there is none)."""

    def __init__(self, path: str):
        self.path = path
        if not exists(path):
            with self.writing():
                if not exists(path):
                    self.switch(self.new_generation())
        self.check_version()

    def meta(self) -> dict:
        try:
            with open(os.path.join(self.path, META_FILE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise IndexStateError(f"{self.path}: not a policysearch index ({e})") from None

    def check_version(self) -> None:
        meta = self.meta()
        if (meta.get("schema"), meta.get("analyzer")) != (SCHEMA_VERSION, ANALYZER_VERSION):
            raise IndexStateError(
                f"{self.path}: built by policysearch {meta.get('created_by', '?')} (schema {meta.get('schema')}, "
                f"analyzer {meta.get('analyzer')}); this is {__version__} (schema {SCHEMA_VERSION}, analyzer "
                f"{ANALYZER_VERSION}): rebuild it with `policysearch build`"
            )

    def generation(self) -> str:
        """The current generation's folder."""
        return os.path.join(self.path, self.meta()["current"])

    def has_generation(self) -> bool:
        try:
            return os.path.isdir(self.generation())
        except IndexStateError:
            return False

    def lexicon_path(self) -> str | None:
        """jieba's dictionary beside the index (see text.Lexicon), when a writer has saved it."""
        path = os.path.join(self.path, LEXICON_FILE)
        return path if os.path.exists(path) else None

    def save_lexicon(self) -> str:
        """jieba's dictionary beside the index, written by a writer before it cuts: it cuts with it."""
        path = os.path.join(self.path, LEXICON_FILE)
        if not os.path.exists(path):
            os.makedirs(self.path, exist_ok=True)
            Lexicon.write(path)
        return path

    def new_generation(self) -> str:
        os.makedirs(self.path, exist_ok=True)
        existing = [d for d in os.listdir(self.path) if d.startswith("gen-")]
        number = max((int(d[4:]) for d in existing if d[4:].isdigit()), default=0) + 1
        name = f"gen-{number:06d}"
        os.makedirs(os.path.join(self.path, name))
        try:
            whoosh_index.create_in(os.path.join(self.path, name), schema())
            PhraseIndex(os.path.join(self.path, name), create=True).close()
        except BaseException:
            shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)
            raise
        return name

    def switch(self, generation: str) -> None:
        """Point the index at a complete generation (atomic rename), then drop the ones before
        the previous, which no reader opened after the last switch can be using."""
        meta_path = os.path.join(self.path, META_FILE)
        previous = self.meta().get("current") if os.path.exists(meta_path) else None
        meta = {
            "schema": SCHEMA_VERSION,
            "analyzer": ANALYZER_VERSION,
            "created_by": __version__,
            "current": generation,
            "previous": previous,
        }
        tmp = meta_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, meta_path)
        for d in os.listdir(self.path):
            if d.startswith("gen-") and d not in (generation, previous):
                shutil.rmtree(os.path.join(self.path, d), ignore_errors=True)

    def drop(self, generation: str) -> None:
        """Delete a generation that was never switched in."""
        shutil.rmtree(os.path.join(self.path, generation), ignore_errors=True)

    @contextmanager
    def writing(self, wait: float = LOCK_WAIT, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the index's write lock. A second writer waits (telling `on_wait` once), up to `wait`
        seconds; a lock left by a killed process is free, since the kernel releases flocks."""
        os.makedirs(self.path, exist_ok=True)
        fd = os.open(os.path.join(self.path, LOCK_FILE), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            deadline, told = time.monotonic() + wait, False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if not told and on_wait:
                        holder = os.pread(fd, 100, 0).decode("utf-8", "replace").strip()
                        on_wait(f"waiting for another writer on {self.path} ({holder or 'unknown'}) to finish…")
                        told = True
                    if time.monotonic() > deadline:
                        raise IndexStateError(
                            f"{self.path}: another writer still holds the index after {wait:g} s"
                        ) from None
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            yield
        finally:
            os.close(fd)


def load_pickle(path: str, key) -> Any:
    """What save_pickle kept at `path` under `key` (None when missing, stale or damaged)."""
    try:
        with open(path, "rb") as f:
            saved = pickle.load(f)
        if saved["key"] == key:
            return saved["value"]
    except (OSError, EOFError, pickle.PickleError, KeyError, TypeError, AttributeError, ValueError, IndexError):
        pass  # missing, stale or damaged: computed again
    return None


def save_pickle(path: str, key, value) -> None:
    """Keep a value computed from the index in its generation folder, atomically."""
    try:
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump({"key": key, "value": value}, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only index: computed per process instead
