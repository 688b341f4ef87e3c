"""Beside each Whoosh segment, its documents in the forms that kwic, keywords and ranking read
per query, and its paragraphs as they are shown.

A paragraph's text is slow to match (its match form takes as long to compute as the text to
read), and no Whoosh field holds its words. A concordance of thousands of hits, or the words of a
set of thousands of paragraphs, was seconds of that. So each segment has a file of its own,
MAIN_<segment id>.forms:
- each document's match form (text.match_form), in UTF-16 (two bytes a Chinese character, not
  three), one after another, and where each ends: kwic finds and sorts its lines in them;
- each document's words as the index counts them (schema.word_counts; no Whoosh field holds
  them): the word's number in the segment's vocabulary and how often it occurs, the documents'
  runs one after another, and where each ends; and the vocabulary. A set's words are then
  counts over its documents' runs, in numpy;
- each document's number of words as the length byte Whoosh would keep for BM25
  (length_to_byte), and, in the header, the segment's number of words;
- the same words, inverted: their postings, per word of the vocabulary the documents that
  hold it (ascending) and how often, the words' runs one after another, and where each ends.
  Ranking reads a word's postings there, as arrays (Whoosh decodes them a block at a time into
  Python lists, and looks the word up in every segment's terms first);
- each paragraph's shown fields (TEXT_FIELDS: its text, section path, heading flag, id, report,
  section type, position), which Whoosh does not store: a JSON list each, one after another, in
  blocks of consecutive documents compressed with zlib (TEXT_BLOCK). Whoosh compressed each
  paragraph's pickled fields by themselves: a short Chinese text compresses badly alone, and the
  names of the fields and the section path repeated per paragraph (85 MB of 250,000 paragraphs,
  25 MB so; reading one paragraph by itself decompresses its block: about 45 us, Whoosh's 35).
A report's document has an empty form, no words and no shown fields (Whoosh stores its report).

Written by the writer of the segment (a build's worker, or the commit of `add`) after the
segment's own files and before the segment is listed in a table of contents (segments.py), under a
temporary name then renamed: a listed segment has its whole file. A crash before the listing
leaves the file of a segment no one lists, which Whoosh's next commit deletes with that segment's
other files (the name is of their pattern). Segments are never changed once written: a deleted
document keeps its forms, and readers count only the documents of the sets they are given.

Layout: MAGIC, the header's length (4 bytes, little-endian), the header (JSON: the number of
documents, and per array its type code, offset and length), then the arrays, each at a multiple
of 8 bytes, in the machine's byte order (which the header names).
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import sys
import zlib
from array import array
from codecs import utf_16_le_decode
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from whoosh.util.numeric import byte_to_length, length_to_byte

from ..errors import IndexStateError
from .layout import load_pickle, save_pickle

FORMS_SUFFIX = ".forms"
VOCABULARY_FILE = "vocabulary.pickle"  # the segments' vocabularies merged (Forms.vocabulary)
VOCABULARY_FORMAT = "vocabulary-2"  # 2: {word: number}, not a list; the inverse of the maps
MAGIC = b"policysearch-forms-2\n"  # 2: the postings, the lengths, the shown fields
CODES = "BHIQ"  # the unsigned types an array is narrowed to, smallest first
ENCODING = "utf-16-le"
# A length byte -> the number of words it stands for (Whoosh's rounding, which BM25F's scores use).
LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
# A paragraph's fields that are read from here, in the order of each one's JSON list.
TEXT_FIELDS = ("id", "doc_id", "text", "section", "section_type", "position", "heading")
# Bytes of JSON per compressed block, measured on 250,000 real paragraphs (MB of blocks, us to read
# one paragraph by itself): 1 KB 32.0, 25; 2 KB 27.5, 31; 4 KB 23.7, 41; 8 KB 21.1, 56; 16 KB 19.3,
# 94. A block read is kept for the next paragraph (a report's paragraphs are read in a row).
TEXT_BLOCK = 4096


class FormsWriter:
    """A segment's forms as its documents are added, in order; written once the segment is."""

    def __init__(self) -> None:
        self.forms = bytearray()
        self.form_ends = array("Q")  # in UTF-16 code units
        self.vocabulary: dict[str, int] = {}
        self.word_ids = array("Q")
        self.word_counts = array("Q")
        self.word_ends = array("Q")
        self.lengths = array("B")  # length bytes
        self.words = 0
        self.texts = TextsWriter()

    def add(self, form: str, words: Mapping[str, int], shown: Mapping[str, Any] | None = None) -> None:
        """The next document: its match form, {word: how often} (schema.word_counts) and, for a
        paragraph, its shown fields ({name: value} of TEXT_FIELDS)."""
        self.texts.add(shown)
        self.forms += form.encode(ENCODING)
        self.form_ends.append(len(self.forms) // 2)
        vocabulary = self.vocabulary
        for word in [w for w in words if w not in vocabulary]:  # numbered in the order first met
            vocabulary[word] = len(vocabulary)
        self.word_ids.extend(map(vocabulary.__getitem__, words))
        self.word_counts.extend(words.values())
        self.word_ends.append(len(self.word_ids))
        length = sum(words.values())
        self.lengths.append(length_to_byte(length))
        self.words += length

    def write(self, path: str, documents: int) -> None:
        """Write the file of a segment of `documents` documents, atomically."""
        if len(self.form_ends) != documents:  # every document must come through add()
            raise IndexStateError(f"{path}: forms of {len(self.form_ends)} documents for a segment of {documents}")
        arrays: dict[str, array | bytes | bytearray] = {
            "form_ends": narrow(self.form_ends),
            "forms": self.forms,
            "word_ends": narrow(self.word_ends),
            "word_ids": narrow(self.word_ids),
            "word_counts": narrow(self.word_counts),
            "vocabulary": "\n".join(self.vocabulary).encode("utf-8"),  # a word holds no newline (schema.SPACES)
            "lengths": self.lengths,
            **postings(self.word_ids, self.word_counts, self.word_ends, len(self.vocabulary)),
            **self.texts.arrays(),
        }
        header: dict[str, Any] = {"documents": documents, "words": self.words, "byteorder": sys.byteorder, "arrays": {}}
        offset = 0
        for name, data in arrays.items():
            code = data.typecode if isinstance(data, array) else "B"
            header["arrays"][name] = [code, offset, len(data)]
            offset += padded(len(data) * array(code).itemsize)
        head = json.dumps(header).encode("utf-8")
        start = padded(len(MAGIC) + 4 + len(head))
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC + len(head).to_bytes(4, "little") + head)
            for name, data in arrays.items():
                f.seek(start + header["arrays"][name][1])
                f.write(data)
            f.truncate(start + offset)
        os.replace(tmp, path)


def postings(ids: array, counts: array, ends: array, words: int) -> dict[str, array]:
    """The words' postings of a segment, inverted from its documents' runs (ids, counts,
    ends: FormsWriter's) by a stable sort of the word numbers, which keeps each word's documents
    ascending: per word of the vocabulary (`words` of them, by number), its documents and how
    often it occurs in each, the words' runs one after another, and where each run ends."""
    import numpy as np

    numbers = np.asarray(ids).astype(np.int64)  # (numpy counts and repeats by signed numbers)
    order = np.argsort(numbers, kind="stable")
    ends64 = np.asarray(ends, dtype=np.int64)
    documents = np.repeat(np.arange(len(ends64)), ends64 - np.concatenate(([0], ends64[:-1])))
    return {
        "posting_ends": narrow(np.cumsum(np.bincount(numbers, minlength=words))),
        "posting_docs": narrow(documents[order]),
        "posting_counts": narrow(np.asarray(counts)[order]),
    }


def narrow(values) -> array:
    """The values (an array or a numpy array) in the smallest unsigned type that holds them all."""
    import numpy as np

    values = np.asarray(values)
    top = int(values.max()) if len(values) else 0
    code = next(c for c in CODES if top < 1 << (8 * array(c).itemsize))
    return array(code, values.astype(np.dtype(code)).tobytes())


def holders(maps: list[array], words: int) -> tuple[array, array, array]:
    """The inverse of a merge's maps (Forms.vocabulary): per word of the merge (`words` of them,
    by number), the segments that have it (ascending) and its number in each; the runs of the
    words one after another, and where each run ends. Plain arrays, as the maps are: a query
    that loads them need not import numpy (~0.15 s of a fresh process)."""
    import numpy as np

    merged, _, segment, local = sorted_holders(maps, 0)
    ends = np.cumsum(np.bincount(merged, minlength=words))
    return tuple(array("I", a.astype(np.uint32).tobytes()) for a in (ends, segment, local))  # type: ignore[return-value]


def sorted_holders(maps: list[array], first: int) -> tuple:
    """The words of maps of segments numbered from `first` (numpy int64, in the maps' order), the
    order that sorts them by word and by segment within a word, and the segment and number there
    of each in that order."""
    import numpy as np

    sizes = np.array([len(m) for m in maps], dtype=np.int64)
    merged = (
        np.concatenate([np.frombuffer(m, np.uint32) for m in maps]).astype(np.int64) if maps else np.zeros(0, np.int64)
    )
    order = np.argsort(merged, kind="stable")
    segment = np.repeat(np.arange(len(maps)), sizes)[order]
    local = order - (np.cumsum(sizes) - sizes)[segment]
    return merged, order, segment + first, local


def extended_holders(
    kept: tuple[array, array, array], maps: list[array], first: int, words: int
) -> tuple[array, array, array]:
    """holders(all maps, words) from the kept inverse of the maps before `first` and the maps from
    there on: each word's new holders go after its kept ones (they are of later segments), so
    only the new segments' words are sorted (holders sorts all: a quarter of a second at a million
    paragraphs, paid by every add)."""
    import numpy as np

    merged, order, segment, local = sorted_holders(maps, first)
    old_ends = np.frombuffer(kept[0], np.uint32).astype(np.int64)
    old_ends = np.concatenate([old_ends, np.full(words - len(old_ends), old_ends[-1] if len(old_ends) else 0)])
    ends = old_ends + np.cumsum(np.bincount(merged, minlength=words))
    at = old_ends[merged[order]] + np.arange(len(order))  # after the word's kept holders and the new ones before it
    out = []
    for old, new in ((kept[1], segment), (kept[2], local)):
        both = np.empty(len(old) + len(new), np.uint32)
        fresh = np.zeros(len(both), bool)
        fresh[at] = True
        both[fresh], both[~fresh] = new, np.frombuffer(old, np.uint32)
        out.append(array("I", both.tobytes()))
    return array("I", ends.astype(np.uint32).tobytes()), out[0], out[1]


def posting_arrays(runs: list[tuple[int, Any, Any]]) -> tuple[Any, Any]:
    """A word's posting runs (Forms.posting_runs) as numpy int64 arrays: all its documents'
    numbers, ascending, and how often it occurs in each (empty for no runs)."""
    import numpy as np

    if not runs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    numbers = [np.frombuffer(docs, docs.format).astype(np.int64) + base for base, docs, _ in runs]
    counts = [np.frombuffer(c, c.format) for _, _, c in runs]
    return np.concatenate(numbers), np.concatenate(counts).astype(np.int64)


class TextsWriter:
    """The shown fields of a segment's documents, in blocks of about TEXT_BLOCK bytes of JSON."""

    def __init__(self) -> None:
        self.ends = array("Q")  # per document: where its JSON ends, in the blocks' bytes laid end to end
        self.block = bytearray()  # the block being filled
        self.block_ends = array("Q")  # per block: where it ends, likewise
        self.packed = bytearray()  # the blocks compressed, one after another
        self.packed_ends = array("Q")  # per block: where it ends in `packed`
        self.written = 0  # bytes of JSON in the blocks before `block`

    def add(self, shown: Mapping[str, Any] | None) -> None:
        if shown is not None:
            record = [shown[name] for name in TEXT_FIELDS]
            self.block += json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.ends.append(self.written + len(self.block))
        if len(self.block) >= TEXT_BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.block:
            self.written += len(self.block)
            self.packed += zlib.compress(self.block)
            self.block_ends.append(self.written)
            self.packed_ends.append(len(self.packed))
            self.block = bytearray()

    def arrays(self) -> dict[str, array | bytearray]:
        self.flush()
        return {
            "text_ends": narrow(self.ends),
            "text_block_ends": narrow(self.block_ends),
            "text_packed_ends": narrow(self.packed_ends),
            "texts": self.packed,
        }


def padded(n: int) -> int:
    return (n + 7) // 8 * 8


class SegmentForms:
    """One segment's file, mapped into memory (pages are read as they are used)."""

    def __init__(self, path: str):
        try:
            with open(path, "rb") as f:
                self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            view = memoryview(self.map)
            if bytes(view[: len(MAGIC)]) != MAGIC:
                raise ValueError("not a forms file")
            size = int.from_bytes(view[len(MAGIC) : len(MAGIC) + 4], "little")
            header = json.loads(bytes(view[len(MAGIC) + 4 : len(MAGIC) + 4 + size]))
            if header["byteorder"] != sys.byteorder:
                raise ValueError(f"written on a {header['byteorder']}-endian machine")
            start = padded(len(MAGIC) + 4 + size)
            self.arrays = {}
            for name, (code, offset, length) in header["arrays"].items():
                begin, end = start + offset, start + offset + length * array(code).itemsize
                if end > len(view):
                    raise ValueError("cut short")
                self.arrays[name] = view[begin:end].cast(code)
            self.documents: int = header["documents"]
            self.word_total: int = header["words"]
            self.form_ends, self.forms = self.arrays["form_ends"], self.arrays["forms"]
            if any(len(self.arrays[n]) != self.documents for n in ("form_ends", "word_ends", "text_ends")):
                raise ValueError("documents missing")
            if len(self.arrays["lengths"]) != self.documents:
                raise ValueError("lengths missing")
            if len(self.arrays["posting_docs"]) != len(self.arrays["word_ids"]):
                raise ValueError("postings missing")
            self.views: dict[str, Any] = {}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise damaged(path, e) from None
        self.path = path
        self.block: tuple[int, bytes] = (-1, b"")  # the block read last: its number and its JSON

    def form(self, doc: int) -> str:
        """The match form of the segment's document `doc`."""
        start = self.form_ends[doc - 1] if doc else 0
        return utf_16_le_decode(self.forms[2 * start : 2 * self.form_ends[doc]])[0]  # the codec itself: no lookup

    def shown(self, doc: int) -> dict[str, Any] | None:
        """The shown fields of the segment's document `doc` ({name: value} of TEXT_FIELDS; None
        for a report's document)."""
        ends = self.arrays["text_ends"]
        start, end = ends[doc - 1] if doc else 0, ends[doc]
        if start == end:
            return None
        block_ends = self.arrays["text_block_ends"]
        at = bisect.bisect_right(block_ends, start)
        try:
            if self.block[0] != at:
                packed_ends = self.arrays["text_packed_ends"]
                packed = self.arrays["texts"][packed_ends[at - 1] if at else 0 : packed_ends[at]]
                self.block = at, zlib.decompress(packed)
            base = block_ends[at - 1] if at else 0
            record = json.loads(self.block[1][start - base : end - base])
            return dict(zip(TEXT_FIELDS, record, strict=True))
        except (IndexError, ValueError, TypeError, zlib.error) as e:
            raise damaged(self.path, e) from None

    def words(self) -> list[str]:
        """The vocabulary, in the order of the words' numbers."""
        blob = self.arrays["vocabulary"]
        return str(blob, "utf-8").split("\n") if len(blob) else []

    def numpy(self, name: str):
        """An array as numpy's (a view of the mapped file, made once)."""
        if name not in self.views:
            import numpy as np

            self.views[name] = np.frombuffer(self.arrays[name], dtype=np.dtype(self.arrays[name].format))
        return self.views[name]


def damaged(path: str, e: Exception) -> IndexStateError:
    return IndexStateError(
        f"{os.path.dirname(os.path.dirname(path))}: cannot read {os.path.basename(path)} ({e}); "
        "rebuild the index with `policysearch build`"
    )


class Runs(NamedTuple):
    """Some documents of one segment: their words (the segment's numbers) and counts, one
    document after another, each document's number of words, and the documents' numbers."""

    words: Any  # the segment's word numbers -> the snapshot's (numpy)
    ids: Any
    times: Any
    lengths: Any
    numbers: Any


class Forms:
    """The forms of a snapshot's segments, by document number. Word numbers are the snapshot's:
    its segments' vocabularies merged, in the order first met (`vocabulary`)."""

    def __init__(self, segments: Iterable[tuple[str, int, int]], kept: str):
        """`segments`: (file, number of its first document, number of documents), in order;
        `kept`: where the merged vocabulary is kept for other processes."""
        segments = list(segments)
        self.names = [os.path.basename(path) for path, _, _ in segments]
        self.segments = [(base, base + count, SegmentForms(path)) for path, base, count in segments]
        self.kept = kept
        self.documents = self.segments[-1][1] if self.segments else 0  # all of them, deleted ones too
        self.word_total = sum(segment.word_total for _, _, segment in self.segments)  # in all of them
        self.lengths: bytes | None = None
        self.index: dict[str, int] = {}  # word -> its number in `vocabulary` (once it is merged)
        self.merged: tuple[list[str], list] | None = None
        self.inverse: tuple[Any, Any, Any] = ((), (), ())  # of the maps (holders), once merged
        self.numpy_maps: list | None = None  # the maps as numpy indexes, made by the first count (runs)

    def length_bytes(self) -> bytes:
        """Every document's number of words as a length byte (LENGTH_OF_BYTE decodes it)."""
        if self.lengths is None:
            self.lengths = b"".join(segment.arrays["lengths"] for _, _, segment in self.segments)
        return self.lengths

    def located(self, numbers: Iterable[int]) -> Iterator[tuple[int, SegmentForms, int]]:
        """(number, its segment, its number there) of each of the (sorted) document numbers."""
        at = 0
        for number in numbers:
            while number >= self.segments[at][1]:
                at += 1
            base, _, segment = self.segments[at]
            yield number, segment, number - base

    def match_forms(self, numbers: Iterable[int]) -> Iterator[tuple[int, str]]:
        """(number, match form) of each of the (sorted) document numbers."""
        for number, segment, doc in self.located(numbers):
            yield number, segment.form(doc)

    def in_segments(self, numbers) -> Iterator[tuple[int, SegmentForms, Any, Any]]:
        """Per segment that holds some of a set of documents (a DocSet): its place in `segments`,
        its forms, the set's numbers there (numpy uint32) and their numbers within it (int64)."""
        import numpy as np

        every = np.frombuffer(numbers.to_array(), dtype=np.uint32)
        bounds = np.searchsorted(every, [end for _, end, _ in self.segments])
        for at, ((base, _, segment), start, stop) in enumerate(zip(self.segments, [0, *bounds[:-1]], bounds)):
            if start < stop:
                yield at, segment, every[start:stop], every[start:stop].astype(np.int64) - base

    def joined_forms(self, numbers) -> Iterator[str]:
        """The match forms of a set of documents (a DocSet), each segment's in one string with a NUL
        between them (no form holds one): one decode per segment, and str.count counts in C."""
        import numpy as np

        for _, segment, _, docs in self.in_segments(numbers):
            ends = segment.numpy("form_ends")
            stops = (2 * ends[docs].astype(np.int64)).tolist()
            starts = (2 * np.where(docs > 0, ends[docs - 1], 0).astype(np.int64)).tolist()
            blob = segment.forms
            yield utf_16_le_decode(b"\0\0".join([blob[a:b] for a, b in zip(starts, stops)]))[0]

    def texts(self, numbers: Iterable[int]) -> Iterator[tuple[int, dict[str, Any]]]:
        """(number, shown fields) of each paragraph among the (sorted) document numbers."""
        for number, segment, doc in self.located(numbers):
            shown = segment.shown(doc)
            if shown is not None:
                yield number, shown

    def vocabulary(self) -> tuple[list[str], list]:
        """Every word of the snapshot's segments, and per segment where each of its words is in
        that list. Merging takes about a microsecond per word of each segment's vocabulary (a
        second at a million paragraphs), so the merge ({word: number}, the maps and their
        inverse, `holders`) is kept in the generation folder; segments are only ever added to a
        generation, so a kept merge of the first ones is extended by the words of the segments
        added since."""
        if self.merged is None:
            saved = load_pickle(self.kept, VOCABULARY_FORMAT) or {"segments": []}
            known = saved["segments"]
            if known[: len(self.names)] != self.names[: len(known)]:  # kept for other segments than these
                saved, known = {"segments": []}, []
            index, maps = saved.get("index", {}), saved.get("maps", [])[: len(self.names)]
            for _, _, segment in self.segments[len(maps) :]:
                mine = segment.words()  # a word new to the merge is numbered next (len before it is added)
                maps.append(array("I", (index.setdefault(w, len(index)) for w in mine)))
            if known and known == self.names:
                inverse = saved["holders"]
            elif known and len(known) < len(self.names):
                inverse = extended_holders(saved["holders"], maps[len(known) :], len(known), len(index))
            else:
                inverse = holders(maps, len(index))
            if len(known) < len(self.names):
                kept = {"segments": self.names, "index": index, "maps": maps, "holders": inverse}
                save_pickle(self.kept, VOCABULARY_FORMAT, kept)
            self.index, self.merged, self.inverse = index, (list(index), maps), inverse
        return self.merged

    def has_word(self, word: str) -> bool:
        """Whether any of the snapshot's segments has the word (in a deleted document too)."""
        start, end = self.holding(word)
        return start < end

    def posting_runs(self, word: str) -> list[tuple[int, Any, Any]]:
        """The postings of a word in all the snapshot's documents, deleted ones too (as Whoosh
        counts them for idf), a run per segment that has it: (the segment's first number, its
        documents there, ascending, and how often the word occurs in each: views of the file).
        Only the segments that have the word are read (the inverse of the merge's maps,
        `holders`): no lookup in the others."""
        start, end = self.holding(word)
        _, segment, local = self.inverse
        runs = []
        for at, mine in zip(segment[start:end], local[start:end]):
            base, _, forms = self.segments[at]
            ends = forms.arrays["posting_ends"]
            first, last = ends[mine - 1] if mine else 0, ends[mine]
            runs.append((base, forms.arrays["posting_docs"][first:last], forms.arrays["posting_counts"][first:last]))
        return runs

    def holding(self, word: str) -> tuple[int, int]:
        """Where the word's run in `holders` starts and ends (empty for a word that none of these
        segments has: the kept merge may know words of segments added after this snapshot)."""
        self.vocabulary()
        number = self.index.get(word)
        if number is None:
            return 0, 0
        ends = self.inverse[0]
        return int(ends[number - 1]) if number else 0, int(ends[number])

    def runs(self, numbers) -> list[Runs]:
        """The words of a set of documents (a DocSet), per segment that holds some of them."""
        import numpy as np

        maps = self.vocabulary()[1]
        if self.numpy_maps is None:  # an index of the machine's own width moves counts twice as fast
            self.numpy_maps = [np.frombuffer(kept, np.uint32).astype(np.intp) for kept in maps]
        out = []
        for k, segment, there, docs in self.in_segments(numbers):
            ends = segment.numpy("word_ends").astype(np.int64)
            lengths = ends[docs] - np.where(docs > 0, ends[docs - 1], 0)
            ids, times = segment.numpy("word_ids"), segment.numpy("word_counts")
            if lengths.sum() < len(ids):  # else every run is the set's (the whole index, often)
                # the positions of the documents' runs, one after another: 0, 1, 2… along all the
                # runs, each run moved from where it falls in that count to where it starts
                before = np.cumsum(lengths) - lengths
                at = np.repeat(ends[docs] - lengths - before, lengths) + np.arange(lengths.sum())
                ids, times = ids[at], times[at]
            out.append(Runs(self.numpy_maps[k], ids, times, lengths, there))
        return out

    def word_counts(self, runs: list[Runs]):
        """Per word of `vocabulary`: how often it occurs in the runs' documents (numpy int64)."""
        import numpy as np

        counts = np.zeros(len(self.vocabulary()[0]), dtype=np.int64)
        for run in runs:  # counted by the segment's own numbers, then moved to the merged ones (one each)
            counts[run.words] += np.bincount(run.ids, weights=run.times, minlength=len(run.words)).astype(np.int64)
        return counts

    def reports_using(self, runs: list[Runs], reports, wanted):
        """Per word of `vocabulary` that is `wanted` (numpy bools), how many reports of the runs'
        documents use it (0 for the others); `reports`: the sorted numbers of the report documents
        (a paragraph's report is the next one)."""
        import numpy as np

        using = np.zeros(len(self.vocabulary()[0]), dtype=np.int64)
        for run in runs:
            keep = np.flatnonzero(wanted[run.words][run.ids])
            if not len(keep):
                continue
            # each kept word's document, by where it falls among the runs' ends (the wanted words are few:
            # a search per kept one, not a report number repeated for every word of the set)
            report = np.searchsorted(reports, run.numbers)[np.searchsorted(np.cumsum(run.lengths), keep, side="right")]
            # each (report, word) once: the pairs as (report within the segment, word) in one number,
            # sorted, and the first of each run of equal ones kept (a sort of pairs that come report
            # by report is ten times as fast as np.unique's hashing)
            shift = max(1, len(run.words) - 1).bit_length()
            wide = np.uint32 if (int(report[-1] - report[0]) + 1) << shift < 2**32 else np.uint64
            pairs = np.sort((report - report[0]).astype(wide) << wide(shift) | run.ids[keep])
            first = np.empty(len(pairs), dtype=bool)
            first[:1], first[1:] = True, pairs[1:] != pairs[:-1]
            using[run.words] += np.bincount(pairs[first] & wide((1 << shift) - 1), minlength=len(run.words))
        return using
