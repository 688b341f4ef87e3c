"""Output for people and programs: terminal text with highlights, JSON, CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from .model import AddOutcome, Context, Hit, Report, ReportEntry, Results, Stats
from .text import display_width

HIT_KEYS = (
    "id",
    "doc_id",
    "text",
    "snippet",
    "highlights",
    "province",
    "city",
    "district",
    "town",
    "year",
    "date",
    "doc_type",
    "title",
    "section",
    "section_type",
    "score",
)
CSV_KEYS = (
    "id",
    "doc_id",
    "province",
    "city",
    "district",
    "town",
    "year",
    "date",
    "doc_type",
    "title",
    "section",
    "section_type",
    "score",
    "snippet",
    "text",
)
STYLE = {"match": "\033[1;31m", "head": "\033[36m", "dim": "\033[2m", "bold": "\033[1m", "off": "\033[0m"}
LIST_KEYS = (
    "id",
    "source",
    "province",
    "city",
    "district",
    "town",
    "place_code",
    "year",
    "date",
    "doc_type",
    "doc_number",
    "issuer",
    "title",
    "paragraphs",
    "added",
    "missing",
)
SECTION_LABELS = {
    "preamble": "导言",
    "review": "回顾",
    "problems": "问题",
    "goals": "目标",
    "plan": "安排",
    "closing": "结语",
    "glossary": "名词解释",
    "other": "其他",
}


class Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        return f"{STYLE[style]}{text}{STYLE['off']}" if self.color and text else text


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def hit_dict(hit: Hit) -> dict:
    d = {k: getattr(hit, k) for k in HIT_KEYS}
    d["highlights"] = [list(span) for span in hit.highlights]
    return d


def results_json(results: Results) -> str:
    return to_json(
        {
            "query": results.query,
            "total": results.total,
            "hits": [hit_dict(h) for h in results.hits],
            "facets": jsonable_facets(results.facets),
        }
    )


def jsonable_facets(facets: dict) -> dict:
    return {name: {str(k): v for k, v in counts.items()} for name, counts in facets.items()}


def results_csv(results: Results) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_KEYS)
    for h in results.hits:
        row = hit_dict(h)
        row["section"] = " › ".join(h.section)
        w.writerow([row[k] if row[k] is not None else "" for k in CSV_KEYS])
    return out.getvalue()


def place_path(province: str | None, city: str | None, district: str | None, town: str | None) -> str:
    """上海市 › 闵行区 › 吴泾镇: the issuer's place, outermost first (a 直辖市, its own city, once)."""
    levels = [province, city if city != province else None, district, town]
    return " › ".join(p for p in levels if p)


def hit_header(hit: Hit, paint: Painter) -> str:
    place = [
        place_path(hit.province, hit.city, hit.district, hit.town),
        str(hit.year) if hit.year else None,
        hit.doc_type,
    ]
    path = " › ".join(hit.section) or SECTION_LABELS.get(hit.section_type, "")
    parts = [p for p in place if p] + [f"{path} [{hit.section_type}]", hit.id]
    return paint("head", " · ".join(parts))


def marked(text: str, spans, start: int, end: int, paint: Painter) -> str:
    """text[start:end] with the spans inside it painted."""
    out, at = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(text[at:a])
        out.append(paint("match", text[a:b]))
        at = b
    out.append(text[at:end])
    return "".join(out).replace("\n", " ")


def results_text(results: Results, paint: Painter, facets: bool = False, offset: int = 0) -> str:
    lines = []
    for i, hit in enumerate(results.hits, offset + 1):
        start, end = hit.snippet_span
        body = (
            ("…" if start else "")
            + marked(hit.text, hit.highlights, start, end, paint)
            + ("…" if end < len(hit.text) else "")
        )
        lines += [f"{paint('dim', str(i) + '.')} {hit_header(hit, paint)}", f"   {body}", ""]
    lines.append(summary(results, paint))
    if facets:
        for name, counts in results.facets.items():
            shown = ", ".join(f"{k} {v}" for k, v in counts.items()) or "—"
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines)


def summary(results: Results, paint: Painter) -> str:
    # counts per place at the finest level the hits have
    towns = next(
        (counts for level in ("town", "district", "city", "province") if (counts := results.facets.get(level))), {}
    )
    n, reports = results.total, results.reports
    head = f"{n} hit{'s' if n != 1 else ''} in {reports} report{'s' if reports != 1 else ''}"
    if results.hits and len(results.hits) < n:
        head += f" (showing {len(results.hits)})"
    by_town = ", ".join(f"{t} {c}" for t, c in towns.items())
    return paint("bold", head) + (f" · {by_town}" if by_town else "")


def report_json(report: Report) -> str:
    return to_json(
        {
            "id": report.id,
            "source": report.source,
            "title": report.title,
            "province": report.province,
            "city": report.city,
            "district": report.district,
            "town": report.town,
            "place_code": report.place_code,
            "date": report.date,
            "year": report.year,
            "doc_type": report.doc_type,
            "issuer": report.issuer,
            "doc_number": report.doc_number,
            "sections": [{"heading": s.heading, "type": s.type} for s in report.sections],
            "paragraphs": [
                {"id": p.id, "section": p.section, "section_type": p.section_type, "text": p.text}
                for p in report.paragraphs
            ],
            # what reading noticed, only when it noticed something
            **{k: getattr(report, k) for k in ("warnings", "dropped") if getattr(report, k)},
        }
    )


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet shows as text: a document's '=…' or '+…' is never run as a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def rows_csv(rows: list[dict], keys: tuple[str, ...] | None = None) -> str:
    """Rows of like dicts as CSV: `keys` (else the first row's) as the header, every cell safe in
    a spreadsheet."""
    out = io.StringIO()
    w = csv.writer(out)
    keys = keys or (tuple(rows[0]) if rows else ())
    if keys:
        w.writerow(keys)
    for row in rows:
        w.writerow([spreadsheet_safe(row.get(k)) for k in keys])
    return out.getvalue()


def report_text(report: Report, paint: Painter) -> str:
    meta = [
        ("id", report.id),
        ("source", report.source),
        ("title", report.title),
        ("province", report.province),
        ("city", report.city),
        ("district", report.district),
        ("town", report.town),
        ("place_code", report.place_code),
        ("date", report.date),
        ("year", report.year),
        ("doc_type", report.doc_type),
        ("issuer", report.issuer),
        ("doc_number", report.doc_number),
    ]
    lines = [f"{paint('bold', k + ':'):<12} {v if v is not None else '—'}" for k, v in meta]
    body = [p for p in report.paragraphs if not p.heading]
    lines.append(
        f"{paint('bold', 'paragraphs:'):<12} {len(report.paragraphs)} ({len(report.paragraphs) - len(body)} headings)"
    )
    lines.append(paint("bold", "outline:"))
    for s in report.sections:
        count = sum(1 for p in body if p.section and p.section[0] == s.heading)
        lines.append(f"  {s.heading}  [{s.type}] {count} paragraphs")
    types: dict = {}
    for p in body:
        types[p.section_type] = types.get(p.section_type, 0) + 1
    lines.append(paint("bold", "section types: ") + ", ".join(f"{k} {v}" for k, v in types.items()))
    for w in report.warnings:
        lines.append(paint("dim", f"warning: {w}"))
    for d in report.dropped:
        lines.append(paint("dim", f"dropped: {d}"))
    return "\n".join(lines)


def outcome_line(outcome: AddOutcome) -> str:
    """One line naming what was detected in a report added, so a wrong detection is seen at once."""
    report = outcome.report
    assert report is not None
    place = place_path(report.province, report.city, report.district, report.town)
    facts = [
        place or "no place",
        str(report.year or "no year"),
        report.doc_type or "no type",
        f"{outcome.paragraphs} paragraphs ({outcome.headings} headings)",
    ]
    return f"{report.id}  {' · '.join(facts)}  {report.source}"


def context_json(context: Context) -> str:
    return to_json(
        {
            "report": asdict(context.report),
            "paragraph": context.paragraph.id,
            "paragraphs": [
                {"id": p.id, "section": p.section, "section_type": p.section_type, "text": p.text}
                for p in context.around
            ],
        }
    )


def context_text(context: Context, paint: Painter) -> str:
    """The report's facts and source, then each paragraph with its heading path; ▶ marks the one asked for."""
    r = context.report
    facts = [r.title, place_path(r.province, r.city, r.district, r.town), r.date or r.year, r.doc_type]
    lines = [paint("bold", " · ".join(str(f) for f in facts if f)), paint("dim", r.source)]
    for p in context.around:
        mark = paint("match", "▶") if p.id == context.paragraph.id else " "
        lines += [
            "",
            f"{mark} {paint('head', ' › '.join(p.section) or '(preamble)')} [{p.section_type}] {paint('dim', p.id)}",
            f"  {p.text}",
        ]
    return "\n".join(lines)


def reports_json(reports: list[ReportEntry]) -> str:
    return to_json([{k: getattr(r, k) for k in LIST_KEYS} for r in reports])


def reports_text(reports: list[ReportEntry]) -> str:
    lines = []
    for r in reports:
        facts = " · ".join(
            [place_path(r.province, r.city, r.district, r.town) or "—", str(r.year or "—"), r.doc_type or "—"]
        )
        gone = "  [source missing]" if r.missing else ""
        lines.append(f"{r.id}  {facts}  {r.paragraphs} paragraphs  {r.source}{gone}")
    lines.append(f"{len(reports)} report{'s' if len(reports) != 1 else ''}")
    return "\n".join(lines)


def stats_json(stats: Stats) -> str:
    return to_json(asdict(stats))


def stats_text(s: Stats) -> str:
    years = f"{s.years[0]}–{s.years[-1]}" if s.years else "—"
    return (
        f"index      {s.path}\nreports    {s.reports}\nparagraphs {s.paragraphs}\n"
        f"places     {count(s.provinces, 'province')}, {count(s.cities, 'city', 'cities')}, "
        f"{count(s.districts, 'district')}, {count(s.towns, 'town')}\n"
        f"years      {years}\nsize       {s.size_bytes / 1e6:.1f} MB\n"
        f"built by   policysearch {s.built_by} (schema {s.schema}, analyzer {s.analyzer})"
    )


# -- trend, kwic, keywords ------------------------------------------------------------------------
BAR = 30  # columns of the longest bar
EIGHTHS = " ▏▎▍▌▋▊▉"
RATE_UNITS = {"paragraphs": "‰", "reports": "%"}
RATE_WORDS = {"paragraphs": "per 1,000 paragraphs", "reports": "% of reports"}
TREND_CSV = ("by", "key", "query", "paragraphs", "reports", "rate", "total_paragraphs", "total_reports", "thin")
KWIC_CSV = ("left", "match", "right", "paragraph_id", "doc_id", "town", "district", "city", "province", "year", "start")
KEYWORD_CSV = (
    "word",
    "score",
    "focus_count",
    "reference_count",
    "focus_per_million",
    "reference_per_million",
    "focus_reports",
)


def pad(text: str, width: int, right: bool = False) -> str:
    """The text filled with spaces to `width` display columns (on the left when right-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def bar(value: float, top: float) -> str:
    """A bar of up to BAR columns, in eighths of a column."""
    eighths = round(BAR * 8 * value / top) if top else 0
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def cell_label(key: str | None) -> str:
    return "(unknown)" if key is None else key


def trend_text(result: dict, paint: Painter) -> str:
    """One bar per cell and query, aligned, with the counts and the cell's denominators."""
    cells, per = result["cells"], result["per"]
    if not cells:
        return "nothing to count under these filters"
    unit, queries = RATE_UNITS[per], result["queries"]
    top = max(s["rate"] for c in cells for s in c["series"])
    key_width = max(display_width(result["by"]), *(display_width(cell_label(c["key"])) for c in cells))
    query_width = max(display_width(q) for q in queries)
    rate_width = max(len(f"{s['rate']:.2f}") for c in cells for s in c["series"])
    lines = []
    for c in cells:
        for i, s in enumerate(c["series"]):
            head = pad(cell_label(c["key"]) if i == 0 else "", key_width)
            label = f"  {pad(s['query'], query_width)}" if len(queries) > 1 else ""
            counts = (
                f"{s['paragraphs']} of {c['total_paragraphs']} paragraphs, "
                f"{s['reports']} of {c['total_reports']} reports"
            )
            thin = paint("dim", "  thin") if c["thin"] and i == 0 else ""
            lines.append(
                f"{paint('bold', head)}{label}  {paint('match', pad(bar(s['rate'], top), BAR))} "
                f"{s['rate']:>{rate_width}.2f}{unit}  {counts}{thin}"
            )
    lines.append(
        paint(
            "dim", f"rate: {RATE_WORDS[per]} of each {result['by']} under the same filters; thin: fewer than 3 reports"
        )
    )
    return "\n".join(lines)


def trend_csv(result: dict) -> str:
    """One row per cell and query."""
    return rows_csv(
        [
            {
                "by": result["by"],
                "key": c["key"],
                **s,
                "total_paragraphs": c["total_paragraphs"],
                "total_reports": c["total_reports"],
                "thin": c["thin"],
            }
            for c in result["cells"]
            for s in c["series"]
        ],
        TREND_CSV,
    )


def place_of(line: dict) -> str:
    """The two narrowest places known, broad to narrow (松江区 车墩镇)."""
    known = [str(line[k]) for k in ("province", "city", "district", "town") if line.get(k)]
    return " ".join(known[-2:])


def kwic_text(result: dict, width: int, paint: Painter) -> str:
    """Left context right-aligned, the match, right context, then place, year and paragraph id."""
    lines = [
        f"{pad(line['left'], width, right=True)} {paint('match', line['match'])} {pad(line['right'], width)}  "
        + paint("dim", "  ".join(str(v) for v in (place_of(line), line["year"], line["paragraph_id"]) if v))
        for line in result["lines"]
    ]
    total, shown = result["total"], len(result["lines"])
    lines.append(
        paint(
            "bold", f"{total} occurrence{'s' if total != 1 else ''}" + (f" (showing {shown})" if shown < total else "")
        )
    )
    return "\n".join(lines)


def keywords_text(result: dict, paint: Painter) -> str:
    """A table of the words, aligned, under a line saying what was compared with what."""

    def side(name: str) -> str:
        s = result[name]
        return (
            f"{s['query'] or 'the whole index'} ({s['paragraphs']} paragraphs, {s['reports']} reports, "
            f"{s['words']} words)"
        )

    rows = [("word", "score", "focus", "per million", "reference", "per million", "reports")]
    rows += [
        (
            k["word"],
            f"{k['score']:.2f}",
            str(k["focus_count"]),
            f"{k['focus_per_million']:.1f}",
            str(k["reference_count"]),
            f"{k['reference_per_million']:.1f}",
            str(k["focus_reports"]),
        )
        for k in result["keywords"]
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [paint("bold", f"{side('focus')} against {side('reference')}")]
    for n, row in enumerate(rows):
        line = "  ".join(pad(cell, w, right=i > 0) for i, (cell, w) in enumerate(zip(row, widths)))
        lines.append(paint("dim", line) if n == 0 else line)
    if not result["keywords"]:
        lines.append("no word of the focus is used by enough of its reports (see --min-reports)")
    lines.append(
        paint(
            "dim",
            "score: (per million in focus + 1) / (per million in reference + 1); reports: focus reports using the word",
        )
    )
    return "\n".join(lines)


def count(n: int, one: str, many: str | None = None) -> str:
    """'1 province', '4 towns'."""
    return f"{n} {one if n == 1 else many or one + 's'}"
