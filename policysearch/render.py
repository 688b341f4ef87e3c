"""Output for people and programs: terminal text with highlights, JSON, CSV."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from .model import Context, Hit, Report, ReportEntry, Results, Stats

HIT_KEYS = ("id", "doc_id", "text", "snippet", "highlights", "province", "city", "district", "town", "year", "date",
            "doc_type", "title", "section", "section_type", "score")
CSV_KEYS = ("id", "doc_id", "province", "city", "district", "town", "year", "date", "doc_type", "title", "section",
            "section_type", "score", "snippet", "text")
STYLE = {"match": "\033[1;31m", "head": "\033[36m", "dim": "\033[2m", "bold": "\033[1m", "off": "\033[0m"}
LIST_KEYS = ("id", "source", "province", "city", "district", "town", "place_code", "year", "date", "doc_type",
             "doc_number", "issuer", "title", "paragraphs", "added", "missing")
SECTION_LABELS = {"preamble": "导言", "review": "回顾", "problems": "问题", "goals": "目标", "plan": "安排",
                  "closing": "结语", "glossary": "名词解释", "other": "其他"}


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
    return to_json({"query": results.query, "total": results.total,
                    "hits": [hit_dict(h) for h in results.hits], "facets": jsonable_facets(results.facets)})


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
    place = [place_path(hit.province, hit.city, hit.district, hit.town), str(hit.year) if hit.year else None,
             hit.doc_type]
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
        body = ("…" if start else "") + marked(hit.text, hit.highlights, start, end, paint) + ("…" if end < len(hit.text) else "")
        lines += [f"{paint('dim', str(i) + '.')} {hit_header(hit, paint)}", f"   {body}", ""]
    lines.append(summary(results, paint))
    if facets:
        for name, counts in results.facets.items():
            shown = ", ".join(f"{k} {v}" for k, v in counts.items()) or "—"
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines)


def summary(results: Results, paint: Painter) -> str:
    # counts per place at the finest level the hits have
    towns = next((counts for level in ("town", "district", "city", "province") if (counts := results.facets.get(level))),
                 {})
    n, reports = results.total, results.reports
    head = f"{n} hit{'s' if n != 1 else ''} in {reports} report{'s' if reports != 1 else ''}"
    if results.hits and len(results.hits) < n:
        head += f" (showing {len(results.hits)})"
    by_town = ", ".join(f"{t} {c}" for t, c in towns.items())
    return paint("bold", head) + (f" · {by_town}" if by_town else "")


def report_json(report: Report) -> str:
    return to_json({
        "id": report.id, "source": report.source, "title": report.title, "town": report.town,
        "district": report.district, "date": report.date, "year": report.year, "doc_type": report.doc_type,
        "issuer": report.issuer, "doc_number": report.doc_number,
        "sections": [{"heading": s.heading, "type": s.type} for s in report.sections],
        "paragraphs": [{"id": p.id, "section": p.section, "section_type": p.section_type, "text": p.text}
                       for p in report.paragraphs],
    })


def report_text(report: Report, paint: Painter) -> str:
    meta = [("id", report.id), ("source", report.source), ("title", report.title), ("town", report.town),
            ("district", report.district), ("date", report.date), ("year", report.year),
            ("doc_type", report.doc_type), ("issuer", report.issuer), ("doc_number", report.doc_number)]
    lines = [f"{paint('bold', k + ':'):<12} {v if v is not None else '—'}" for k, v in meta]
    body = [p for p in report.paragraphs if not p.heading]
    lines.append(f"{paint('bold', 'paragraphs:'):<12} {len(report.paragraphs)} ({len(report.paragraphs) - len(body)} headings)")
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
    return "\n".join(lines)


def report_line(report: Report) -> str:
    """One line naming what was detected, so a wrong detection is seen at once."""
    headings = sum(1 for p in report.paragraphs if p.heading)
    place = place_path(report.province, report.city, report.district, report.town)
    facts = [place or "no place", str(report.year or "no year"), report.doc_type or "no type",
             f"{len(report.paragraphs)} paragraphs ({headings} headings)"]
    return f"{report.id}  {' · '.join(facts)}  {report.source}"


def context_json(context: Context) -> str:
    return to_json({"report": asdict(context.report), "paragraph": context.paragraph.id, "paragraphs": [
        {"id": p.id, "section": p.section, "section_type": p.section_type, "text": p.text} for p in context.around]})


def context_text(context: Context, paint: Painter) -> str:
    """The report's facts and source, then each paragraph with its heading path; ▶ marks the one asked for."""
    r = context.report
    facts = [r.title, place_path(r.province, r.city, r.district, r.town), r.date or r.year, r.doc_type]
    lines = [paint("bold", " · ".join(str(f) for f in facts if f)), paint("dim", r.source)]
    for p in context.around:
        mark = paint("match", "▶") if p.id == context.paragraph.id else " "
        lines += ["", f"{mark} {paint('head', ' › '.join(p.section) or '(preamble)')} [{p.section_type}] {paint('dim', p.id)}",
                  f"  {p.text}"]
    return "\n".join(lines)


def reports_json(reports: list[ReportEntry]) -> str:
    return to_json([{k: getattr(r, k) for k in LIST_KEYS} for r in reports])


def reports_text(reports: list[ReportEntry]) -> str:
    lines = []
    for r in reports:
        facts = " · ".join([place_path(r.province, r.city, r.district, r.town) or "—",
                            str(r.year or "—"), r.doc_type or "—"])
        gone = "  [source missing]" if r.missing else ""
        lines.append(f"{r.id}  {facts}  {r.paragraphs} paragraphs  {r.source}{gone}")
    lines.append(f"{len(reports)} report{'s' if len(reports) != 1 else ''}")
    return "\n".join(lines)


def stats_json(stats: Stats) -> str:
    return to_json(asdict(stats))


def stats_text(s: Stats) -> str:
    years = f"{s.years[0]}–{s.years[-1]}" if s.years else "—"
    return (f"index      {s.path}\nreports    {s.reports}\nparagraphs {s.paragraphs}\n"
            f"towns      {s.towns}\nyears      {years}\nsize       {s.size_bytes / 1e6:.1f} MB\n"
            f"built by   policysearch {s.built_by} (schema {s.schema}, analyzer {s.analyzer})")
