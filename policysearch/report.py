"""read_report: a file on disk -> a described Report of typed paragraphs (read, repair,
structure, describe)."""

from __future__ import annotations

import hashlib
import os
import re

from . import places
from .describe import describe, find_date, find_year, normal_doc_number, settle, valid_date
from .errors import ReadError
from .model import METADATA_KEYS, PLACE_KEYS, Paragraph, Report, Section
from .readers import read_source, walk
from .repair import repair, take_furniture
from .structure import heading_level, structure


def report_id(data: bytes) -> str:
    """Same content, same id, wherever the file lives."""
    return hashlib.sha256(data).hexdigest()[:16]


def clean_overrides(values: dict, warnings: list[str] | None = None) -> dict:
    """User metadata as the project stores it: strings stripped, year an int, date YYYY-MM-DD.
    A value that cannot be read raises ReadError (a user's typo is to be told), or, given a list of
    `warnings` (metadata the file brings: front matter, sidecar), is noted there and left out:
    a file is never refused for its metadata."""
    out = {}
    for key, value in values.items():
        if key not in METADATA_KEYS or value is None or str(value).strip() == "":
            continue
        value = given = str(value).strip()
        problem = None
        if key == "year":
            m = re.fullmatch(r"(\d{4})\s*年?", given)
            value = int(m.group(1)) if m else None
            problem = None if m else f"year must be a number, not {given!r}"
        elif key == "date":
            parts = given.replace("/", "-").replace(".", "-").split("-")
            value = valid_date(*map(int, parts)) if len(parts) == 3 and all(p.isdigit() for p in parts) else None
            value = value or find_date(given)
            problem = None if value else f"date must look like 2024-01-31, not {given!r}"
        elif key == "doc_number":
            value = normal_doc_number(given)
        if problem is None:
            out[key] = value
        elif warnings is None:
            raise ReadError(problem)
        else:
            warnings.append(f"metadata ignored: {problem}")
    return out


def read_report(path, **overrides) -> Report:
    """Read one report. Keyword arguments (title, town, district, date, year, doc_type,
    doc_number, issuer) override what is detected, as do front matter and NAME.meta.json."""
    path = os.fspath(path)
    source = read_source(path)
    with open(path, "rb") as f:
        rid = report_id(f.read())
    warnings = list(source.warnings)
    given = clean_overrides(source.metadata, warnings) | clean_overrides(overrides)
    text, dropped = take_furniture(source.text, keep_facts=source.format == "html")
    blocks = repair(text)
    if not blocks:
        raise ReadError(f"{path}: no text found")
    # A Markdown '#' line at the top that is not a numbered part is the title, not a part of the report.
    title = None
    if blocks[0].heading and heading_level(blocks[0].text) is None:
        blocks[0].heading = False
        title = blocks[0].text
    lines = [b.text for b in blocks]
    first_heading = next((b.text for b in blocks if b.heading or heading_level(b.text)), None)
    text = "\n".join(lines)
    meta = describe(lines, first_heading, text, given.get("issuer"), title, dropped)
    place, place_warnings = place_fields(given, meta.pop("place"), text)
    meta = meta | given | place
    outline = structure(blocks, meta["doc_type"])
    if "year" not in given:
        meta["year"] = find_year(meta["date"], meta["doc_number"], meta["title"], outline.sections)
    paragraphs = [
        Paragraph(
            id=f"{rid}-{i:04d}", text=text, section=path_, section_type=type_, position=i, doc_id=rid, heading=heading
        )
        for i, (text, path_, type_, heading) in enumerate(outline.paragraphs)
    ]
    return Report(
        id=rid,
        source=os.path.abspath(path),
        sections=[Section(h, t) for h, t in outline.sections],
        paragraphs=paragraphs,
        warnings=warnings + meta.pop("place_warnings") + place_warnings,
        dropped=dropped,
        **{k: meta.get(k) for k in METADATA_KEYS},
    )


def place_fields(given: dict, detected: places.Unit | None, text: str) -> tuple[dict, list[str]]:
    """The place of a report. The user's names, at any level, are resolved from the top down (each
    below the one before) and completed upwards; what is detected counts only below them. A name
    the gazetteer does not know, or cannot tell from its namesakes, is kept as the user wrote it."""
    named = {k: given[k] for k in PLACE_KEYS if k in given}
    if not named:
        return (detected.fields() if detected else {}), []
    unit = places.by_code(named["place_code"]) if "place_code" in named else None
    warnings = [] if unit or "place_code" not in named else [f"place: no unit has the code {named['place_code']!r}"]
    for i, level in enumerate(PLACE_KEYS[:-1]):
        if level not in named or unit and unit.fields()[level] == named[level]:
            continue
        found = [
            u
            for u in places.units(named[level])
            if (unit is None or u.within(unit))
            and (u.level == level or level == "city" and u.fields()["city"] == u.name)
        ]
        # the names given below decide among namesakes (朝阳区 with 建外街道 is Beijing's)
        lower = [places.units(named[k]) for k in PLACE_KEYS[i + 1 : -1] if k in named]
        found = [u for u in found if all(any(v.within(u) for v in below) for below in lower)] or found
        if not found:
            warnings.append(
                f"place: the {level} given, {named[level]!r}, is not in the gazetteer"
                + (f" below {unit.name}" if unit else "")
            )
            break
        one, why = settle(found, text, f"{level} given")
        warnings += why
        if one is None or one not in found:
            unit = one or unit
            break
        unit = one
    if unit and detected and detected.within(unit):
        unit = detected
    out = unit.fields() if unit else dict.fromkeys(PLACE_KEYS)
    unresolved = {k: v for k, v in named.items() if out.get(k) is None}
    if unresolved:
        out["place_code"] = None
    return out | unresolved, warnings


def inspect_rows(path) -> list[dict]:
    """One row per readable file under `path` (a file or a folder): what was detected, the
    warnings and what was dropped, or why the file was refused; nothing is indexed. For checking
    a collection's metadata in a spreadsheet before it goes in."""
    rows = []
    for file in walk([path]):
        try:
            report = read_report(file)
        except ReadError as e:
            rows.append(
                {
                    "file": file,
                    **dict.fromkeys(("id",) + METADATA_KEYS),
                    "paragraphs": None,
                    "warnings": "",
                    "dropped": "",
                    "error": str(e),
                }
            )
            continue
        meta = report.metadata()
        meta.pop("source")
        rows.append(
            {
                "file": file,
                **meta,
                "paragraphs": len(report.paragraphs),
                "warnings": "; ".join(report.warnings),
                "dropped": "; ".join(report.dropped),
                "error": "",
            }
        )
    return rows
