"""read_report: a file on disk -> a described Report of typed paragraphs (read, repair,
structure, describe)."""
from __future__ import annotations

import hashlib
import os

from .describe import describe, district_of, find_date, find_year, valid_date
from .errors import ReadError
from .model import METADATA_KEYS, Paragraph, Report, Section
from .readers import read_source
from .repair import repair
from .structure import heading_level, structure


def report_id(data: bytes) -> str:
    """Same content, same id, wherever the file lives."""
    return hashlib.sha256(data).hexdigest()[:16]


def clean_overrides(values: dict) -> dict:
    """User metadata as the project stores it: strings stripped, year an int, date YYYY-MM-DD."""
    out = {}
    for key, value in values.items():
        if key not in METADATA_KEYS or value is None or str(value).strip() == "":
            continue
        value = str(value).strip()
        if key == "year":
            if not value.isdigit():
                raise ReadError(f"year must be a number, not {value!r}")
            out[key] = int(value)
        elif key == "date":
            parts = value.replace("/", "-").replace(".", "-").split("-")
            date = valid_date(*map(int, parts)) if len(parts) == 3 and all(p.isdigit() for p in parts) else None
            if date is None:
                date = find_date(value)
            if date is None:
                raise ReadError(f"date must look like 2024-01-31, not {value!r}")
            out[key] = date
        else:
            out[key] = value
    return out


def read_report(path, **overrides) -> Report:
    """Read one report. Keyword arguments (title, town, district, date, year, doc_type,
    doc_number, issuer) override what is detected, as do front matter and NAME.meta.json."""
    path = os.fspath(path)
    source = read_source(path)
    with open(path, "rb") as f:
        rid = report_id(f.read())
    given = clean_overrides(source.metadata) | clean_overrides(overrides)
    blocks = repair(source.text)
    if not blocks:
        raise ReadError(f"{path}: no text found")
    lines = [b.text for b in blocks]
    first_heading = next((b.text for b in blocks if b.heading or heading_level(b.text)), None)
    meta = describe(lines, first_heading, "\n".join(lines)) | given
    if "town" in given and "district" not in given:
        meta["district"] = district_of(given["town"]) or meta["district"]
    outline = structure(blocks, meta["doc_type"])
    if "year" not in given:
        meta["year"] = find_year(meta["date"], meta["doc_number"], meta["title"], outline.sections)
    paragraphs = [Paragraph(id=f"{rid}-{i:04d}", text=text, section=path_, section_type=type_,
                            position=i, doc_id=rid, heading=heading)
                  for i, (text, path_, type_, heading) in enumerate(outline.paragraphs)]
    return Report(id=rid, source=os.path.abspath(path),
                  sections=[Section(h, t) for h, t in outline.sections], paragraphs=paragraphs,
                  warnings=source.warnings, **{k: meta.get(k) for k in METADATA_KEYS})
