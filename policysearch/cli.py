"""The policysearch command: a thin click layer over the library.

Exit codes (as grep): 0 something matched or the command did its work, 1 nothing matched or some
files failed, 2 an error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import NoReturn

import click

from . import render
from .errors import PolicySearchError
from .index import Index
from .store.schema import FACETS, PLACE_LEVELS

INDEX_HELP = "index folder (default ./index, or $POLICYSEARCH_INDEX)"
CORPUS_HELP = "folder of reports (default ./corpus, or $POLICYSEARCH_CORPUS)"


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"policysearch: {message}", err=True)
    sys.exit(code)


def guarded(command):
    """No traceback reaches the user: our errors are one line, anything else too."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PolicySearchError as e:
            fail(f"error: {e}")
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except OSError as e:
            fail(f"error: {e.filename + ': ' if e.filename else ''}{e.strerror or e}")
        except Exception as e:  # a bug: still one line; POLICYSEARCH_DEBUG=1 shows the traceback
            if os.environ.get("POLICYSEARCH_DEBUG"):
                raise
            fail(f"internal error: {type(e).__name__}: {e}")

    return run


def index_option(f):
    return click.option(
        "--index", "index_path", envvar="POLICYSEARCH_INDEX", default="index", show_envvar=True, help=INDEX_HELP
    )(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="print JSON")(f)


def quiet_option(f):
    return click.option("--quiet", "-q", is_flag=True, help="no progress bar")(f)


def color_option(f):
    return click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)(f)


def corpus_option(f):
    return click.option("--corpus", envvar="POLICYSEARCH_CORPUS", default="corpus", show_envvar=True, help=CORPUS_HELP)(
        f
    )


def painter(color: str) -> render.Painter:
    if color == "always":
        return render.Painter(True)
    if color == "never" or os.environ.get("NO_COLOR"):
        return render.Painter(False)
    return render.Painter(sys.stdout.isatty())


def progress_bar(quiet: bool, what: str):
    """A tqdm bar on stderr, hidden when stderr is not a terminal or with --quiet."""
    from tqdm import tqdm

    return lambda items: tqdm(
        items, desc=what, unit="file", file=sys.stderr, disable=quiet or not sys.stderr.isatty(), leave=False
    )


def waiting(message: str):
    click.echo(f"policysearch: {message}", err=True)


def open_index(index_path: str, corpus: str | None = None, quiet: bool = False) -> Index:
    """Open the index; when there is none yet and a corpus is named, build it first (first use)."""

    def first_use(items):
        click.echo(f"policysearch: first use: building the index at {index_path} from {corpus}…", err=True)
        return progress_bar(quiet, "indexing")(items)

    return Index.open(
        index_path,
        build_from=corpus,
        progress=first_use,
        on_wait=waiting,
        on_built=lambda summary: report_run(summary, quiet=True),
    )


def report_run(summary, quiet: bool = False) -> int:
    """One line per file that was not simply added (and per added one unless quiet)."""
    for o in summary.outcomes:
        if o.status == "failed":
            click.echo(f"policysearch: {o.message}", err=True)
        elif o.status == "skipped":
            click.echo(f"skipped   {o.path}: {o.message}", err=True)
        elif not quiet:
            click.echo(f"{o.status:<9} {render.outcome_line(o)}" + (f"  ({o.message})" if o.message else ""))
    return 1 if summary.failed else 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policysearch")
def main():
    """Search Chinese local-government policy documents: exact phrases, facets, highlights.

    \b
    policysearch query "城中村改造"            find paragraphs (builds ./index from ./corpus on first use)
    policysearch query '"城中村" town:车墩镇 year:2022-2025 section:plan'
    policysearch add new-report.pdf           index one more report
    policysearch inspect report.txt           see how a file is read
    """


FILTERS = [
    ("province", "only this province (省/自治区/直辖市)"),
    ("city", "only this city (市/州/地区/盟)"),
    ("district", "only this district (区/县/县级市/旗)"),
    ("town", "only this town (镇/乡/街道)"),
    ("place", "only this unit and the units below it, at any level"),
    ("year", "a year or a range: 2024, 2022-2025"),
    ("section", "section type: preamble review problems goals plan closing glossary other"),
    ("doc_type", "document type, e.g. 政府工作报告, 工作要点"),
]


def filter_options(f):
    """The filters of `query` as options, handed to the command as one dict `filters`."""

    @functools.wraps(f)
    def run(*args, **kwargs):
        return f(*args, filters={name: kwargs.pop(name) for name, _ in FILTERS}, **kwargs)

    for name, help_ in reversed(FILTERS):
        run = click.option("--type" if name == "doc_type" else f"--{name}", name, help=help_)(run)
    return run


@main.command()
@click.argument("query")
@filter_options
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=0), help="hits to show (0 = all)")
@click.option("--offset", default=0, type=click.IntRange(min=0), help="hits to skip")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--facets", is_flag=True, help="counts per place (every level), year, section type, doc type")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="print CSV, one row per hit")
@color_option
@index_option
@corpus_option
@quiet_option
@guarded
def query(query, filters, limit, offset, sort, facets, as_json, as_csv, color, index_path, corpus, quiet):
    """Find paragraphs. QUERY: words, "exact phrases", OR, NOT/-, ( ), and filters province: city:
    district: town: place: year: section: type: heading: docnum: issuer: ."""
    ix = open_index(index_path, corpus, quiet)
    # Plain output without --facets shows counts per place only: counting nothing else is faster.
    counted = FACETS if facets or as_json or as_csv else PLACE_LEVELS
    results = ix.search(query, **filters, limit=limit or None, offset=offset, sort=sort, facets=counted)
    if as_json:
        click.echo(render.results_json(results))
    elif as_csv:
        click.echo(render.results_csv(results), nl=False)
    else:
        paint = painter(color)
        click.echo(render.results_text(results, paint, facets, offset), color=paint.color)
    sys.exit(0 if results.total else 1)


@main.command()
@click.argument("paragraph_id")
@click.option("--context", "-C", default=0, type=click.IntRange(min=0), help="paragraphs to show around it")
@json_option
@color_option
@index_option
@guarded
def show(paragraph_id, context, as_json, color, index_path):
    """Show a whole paragraph with its report's metadata and heading path."""
    context_ = open_index(index_path).context(paragraph_id, context)
    if context_ is None:
        return fail(f"no paragraph {paragraph_id} in {os.path.abspath(index_path)}", 1)
    if as_json:
        click.echo(render.context_json(context_))
        return
    paint = painter(color)
    click.echo(render.context_text(context_, paint), color=paint.color)


@main.command()
@click.argument("path", type=click.Path(exists=True))
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="one row per file (a folder: every file in it), for a spreadsheet")
@color_option
@guarded
def inspect(path, as_json, as_csv, color):
    """Show how a file is read: metadata, outline of parts with their types, warnings, what was
    dropped. A folder (or --csv): one row per file with what was detected. Nothing is indexed."""
    from .report import inspect_rows, read_report

    if os.path.isdir(path) or as_csv:
        rows = inspect_rows(path)
        click.echo(render.to_json(rows) if as_json else render.rows_csv(rows), nl=as_json)
        sys.exit(1 if any(r["error"] for r in rows) else 0)
    report = read_report(path)
    paint = painter(color)
    click.echo(render.report_json(report) if as_json else render.report_text(report, paint), color=paint.color)


def metadata_options(f):
    for name, help_ in reversed(
        [
            ("province", "province of every file named"),
            ("city", "city"),
            ("district", "district"),
            ("town", "town (the levels above are completed)"),
            ("year", "year"),
            ("date", "date, YYYY-MM-DD"),
            ("type", "document type"),
            ("title", "title"),
        ]
    ):
        f = click.option(f"--{name}", f"meta_{name}", help=help_)(f)
    return f


@main.command()
@click.argument("paths", nargs=-1, required=True)
@metadata_options
@index_option
@quiet_option
@guarded
def add(
    paths,
    meta_province,
    meta_city,
    meta_district,
    meta_town,
    meta_year,
    meta_date,
    meta_type,
    meta_title,
    index_path,
    quiet,
):
    """Add report files or folders (txt, md, pdf, docx, html) to the index."""
    overrides = {
        "province": meta_province,
        "city": meta_city,
        "district": meta_district,
        "town": meta_town,
        "year": meta_year,
        "date": meta_date,
        "doc_type": meta_type,
        "title": meta_title,
    }
    missing = [p for p in paths if not os.path.exists(p)]
    for p in missing:
        click.echo(f"policysearch: {p}: no such file or folder", err=True)
    ix = Index(index_path)
    summary = ix.add_files([p for p in paths if p not in missing], overrides, progress_bar(quiet, "adding"), waiting)
    code = report_run(summary)
    sys.exit(1 if missing or code else 0)


@main.command()
@click.argument("report_ids", nargs=-1)
@click.option("--source", "sources", multiple=True, type=click.Path(), help="remove the report read from this file")
@index_option
@guarded
def remove(report_ids, sources, index_path):
    """Remove reports (by id, or by --source file) and all their paragraphs."""
    if not report_ids and not sources:
        raise click.UsageError("name report ids or --source files")
    removal = open_index(index_path).remove(*report_ids, sources=sources)
    for rid in removal.removed:
        click.echo(f"removed {rid}")
    for what in removal.absent:
        named = f"report from {what}" if what in sources else f"report {what}"
        click.echo(f"policysearch: no {named} in the index", err=True)
    sys.exit(1 if removal.absent else 0)


@main.command(name="list")
@json_option
@index_option
@guarded
def list_reports(as_json, index_path):
    """List the reports in the index; a source file that has vanished is marked."""
    reports = open_index(index_path).reports()
    click.echo(render.reports_json(reports) if as_json else render.reports_text(reports))


@main.command()
@json_option
@index_option
@guarded
def stats(as_json, index_path):
    """Reports, paragraphs, towns, years, index size, and what built the index."""
    s = open_index(index_path).stats()
    click.echo(render.stats_json(s) if as_json else render.stats_text(s))


@main.command()
@click.argument("corpus", required=False, envvar="POLICYSEARCH_CORPUS")
@index_option
@quiet_option
@guarded
def build(corpus, index_path, quiet):
    """(Re)build the index from a folder (default ./corpus) plus the files added since."""
    corpus = corpus or "corpus"
    ix = Index(index_path)
    summary = ix.build(corpus, progress=progress_bar(quiet, "indexing"), on_wait=waiting)
    code = report_run(summary, quiet=True)
    added = [o for o in summary.outcomes if o.status == "added"]
    paragraphs = sum(o.paragraphs for o in added)
    click.echo(
        f"built {ix.path}: {len(added)} reports, {paragraphs} paragraphs"
        + (f", {len(summary.failed)} failed" if summary.failed else "")
    )
    sys.exit(code)


@main.command()
@index_option
@corpus_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="address to listen on (another than this machine's own lets others read the index)",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--open", "open_browser", is_flag=True, help="open the page in the browser")
@quiet_option
@guarded
def serve(index_path, corpus, host, port, open_browser, quiet):
    """Serve the search page on this machine (read-only)."""
    from .web import serve as run

    run(open_index(index_path, corpus, quiet), host, port, open_browser)


# -- trend, kwic, keywords ------------------------------------------------------------------------
def reading_options(f):
    """What every reading command takes: the output format, colour, the index (built on first use)."""
    csv_option = click.option("--csv", "as_csv", is_flag=True, help="print CSV")
    for option in reversed([json_option, csv_option, color_option, index_option, corpus_option, quiet_option]):
        f = option(f)
    return f


def emit(as_json: bool, as_csv: bool, color: str, result: dict, csv_text, plain) -> None:
    """Print a result as JSON, CSV, or text for people (plain: Painter -> str)."""
    if as_json:
        click.echo(render.to_json(result))
    elif as_csv:
        click.echo(csv_text(), nl=False)
    else:
        paint = painter(color)
        click.echo(plain(paint), color=paint.color)


@main.command()
@click.argument("queries", nargs=-1, required=True)
@click.option(
    "--by",
    default="year",
    show_default=True,
    help="count per year, town, district, section or type (any facet of the index)",
)
@click.option(
    "--per",
    type=click.Choice(["paragraphs", "reports"]),
    default="paragraphs",
    show_default=True,
    help="rate per 1,000 paragraphs, or % of reports",
)
@click.option("--chart", type=click.Path(dir_okay=False), help="also write a chart: FILE.svg or FILE.png")
@filter_options
@reading_options
@guarded
def trend(queries, by, per, chart, filters, as_json, as_csv, color, index_path, corpus, quiet):
    """How often each QUERY is met per year, place, section type or kind, against all paragraphs
    and reports of each under the same filters. One series per QUERY."""
    from .chart import chart_format, write_chart

    if chart:
        chart_format(chart)  # a bad name fails before the counting
    result = open_index(index_path, corpus, quiet).trend(list(queries), by=by, per=per, **filters)
    if chart:
        write_chart(result, chart)
    emit(as_json, as_csv, color, result, lambda: render.trend_csv(result), lambda p: render.trend_text(result, p))
    sys.exit(0 if any(s["paragraphs"] for c in result["cells"] for s in c["series"]) else 1)


@main.command()
@click.argument("query")
@click.option(
    "--width",
    default=40,
    show_default=True,
    type=click.IntRange(min=0),
    help="display columns of context on each side (a Chinese character takes two)",
)
@click.option(
    "--sort",
    type=click.Choice(["year", "place", "left", "right"]),
    default="year",
    show_default=True,
    help="left: by the characters nearest the match, reading leftwards",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=0), help="lines to show (0 = all)")
@filter_options
@reading_options
@guarded
def kwic(query, width, sort, limit, filters, as_json, as_csv, color, index_path, corpus, quiet):
    """A concordance: every occurrence of QUERY's text in context, one line each."""
    result = open_index(index_path, corpus, quiet).kwic(query, width=width, sort=sort, limit=limit or None, **filters)
    emit(
        as_json,
        as_csv,
        color,
        result,
        lambda: render.rows_csv(result["lines"], render.KWIC_CSV),
        lambda p: render.kwic_text(result, width, p),
    )
    sys.exit(0 if result["total"] else 1)


@main.command()
@click.argument("focus", nargs=-1)
@click.option("--vs", help="the reference: filters or a query (default: the whole index)")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(min=0), help="words to show (0 = all)")
@click.option(
    "--min-reports",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="leave out words used by fewer reports of the focus",
)
@filter_options
@reading_options
@guarded
def keywords(focus, vs, limit, min_reports, filters, as_json, as_csv, color, index_path, corpus, quiet):
    """jieba's words most characteristic of the FOCUS (filters such as town:车墩镇 year:2024, or a
    query) against a reference, by Sketch Engine's simple maths."""
    result = open_index(index_path, corpus, quiet).keywords(
        " ".join(focus), vs=vs, limit=limit or None, min_reports=min_reports, **filters
    )
    emit(
        as_json,
        as_csv,
        color,
        result,
        lambda: render.rows_csv(result["keywords"], render.KEYWORD_CSV),
        lambda p: render.keywords_text(result, p),
    )
    sys.exit(0 if result["keywords"] else 1)


if __name__ == "__main__":
    main()
