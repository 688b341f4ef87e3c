"""What several test files need: the repository's paths, the oracle's match form and words, a
stock Whoosh index to score against, the command line as a user runs it, and PDF and DOCX files
made on the spot."""

import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "corpus")
SEEDS = os.path.join(ROOT, "tests", "data", "seeds.json")
POLICYSEARCH = os.path.join(os.path.dirname(sys.executable), "policysearch")  # the installed command
DROP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』【】〔〕()\[\]{}]")


def scan_form(text: str) -> str:
    """The oracle's own match form, written independently of policysearch.text."""
    return DROP.sub("", unicodedata.normalize("NFKC", text))


def words_of(text: str) -> Counter:
    """A paragraph's words as the index should count them: jieba's, lowercased, stop words out."""
    from policysearch.store.schema import STOP_WORDS
    from policysearch.text import segment

    return Counter(w.lower() for w in segment(text) if w.lower() not in STOP_WORDS)


def whoosh_scores(snap, folder, words: list[str]) -> dict[int, float]:
    """Whoosh's own BM25F scores of an OR of the words, {document number: score}, in a stock
    Whoosh index (`folder`) of the snapshot's documents in the same order: each paragraph with its
    words (words_of its text as shown) in a field analyzed by Whoosh's own tokenizer and filters,
    each report's document with none, the deleted ones deleted (Whoosh's idf still counts them)."""
    from whoosh import fields, index
    from whoosh.analysis import LowercaseFilter, SpaceSeparatedTokenizer, StopFilter
    from whoosh.query import Or, Term

    from policysearch.store.schema import STOP_WORDS

    analyzer = SpaceSeparatedTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)
    os.makedirs(folder, exist_ok=True)
    stock = index.create_in(folder, fields.Schema(words=fields.TEXT(analyzer=analyzer, phrase=False)))
    reader, w = snap.reader, stock.writer()
    for base, end, segment in snap.forms().segments:
        for d in range(end - base):
            shown = segment.shown(d)  # None for a report's document
            w.add_document(words=" ".join(words_of(shown["text"]).elements()) if shown else "")
    w.commit()
    w = stock.writer()
    for d in range(reader.doc_count_all()):
        if reader.is_deleted(d):
            w.delete_document(d)
    w.commit(merge=False)
    with stock.searcher() as searcher:
        return {d: s for s, d in searcher.search(Or([Term("words", x) for x in words]), limit=None).top_n}


def run_cli(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    """`policysearch ARGS` in a fresh process, as a user runs it (NO_COLOR only when `env` sets it)."""
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "policysearch.cli", *args], capture_output=True, text=True, cwd=cwd, env=full_env
    )


def make_pdf(target, pages, **options):
    """A PDF with a text layer (Chinese in a CID font), a list of lines per page; `target` is a
    path or a binary file."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(target if hasattr(target, "write") else str(target), **options)
    for lines in pages:
        pdf.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            pdf.drawString(72, 760 - 24 * i, line)
        pdf.showPage()
    pdf.save()
    return target


def make_docx(target, heading: str, paragraphs: list[str]):
    """A DOCX with a level-1 heading and plain paragraphs; `target` is a path or a binary file."""
    import docx

    document = docx.Document()
    document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(target if hasattr(target, "write") else str(target))
    return target
