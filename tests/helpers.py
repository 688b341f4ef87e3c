"""What several test files need: the repository's paths, the oracle's match form, the command
line as a user runs it, and PDF and DOCX files made on the spot."""

import os
import re
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "corpus")
SEEDS = os.path.join(ROOT, "tests", "data", "seeds.json")
POLICYSEARCH = os.path.join(os.path.dirname(sys.executable), "policysearch")  # the installed command
DROP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』【】〔〕()\[\]{}]")


def scan_form(text: str) -> str:
    """The oracle's own match form, written independently of policysearch.text."""
    return DROP.sub("", unicodedata.normalize("NFKC", text))


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
