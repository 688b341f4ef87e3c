"""The command line as a user meets it: first run, output formats, exit codes, errors."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import CORPUS, scan_form
from helpers import run_cli as run

HIT_KEYS = [
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
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A user's folder holding the sample corpus; the first query builds ./index in it."""
    d = tmp_path_factory.mktemp("user")
    shutil.copytree(CORPUS, d / "corpus")
    first = run("query", "城中村改造", cwd=d)
    assert first.returncode == 0, first.stderr
    assert "building the index" in first.stderr and "Traceback" not in first.stderr
    assert (d / "index" / "policysearch.json").exists()
    return d


def test_first_query_builds_and_answers(workdir):
    out = run("query", "城中村改造", "--color", "never", cwd=workdir)
    assert out.returncode == 0 and "building" not in out.stderr
    assert "上海市 › 松江区 › 车墩镇 · 2025 · 政府工作报告" in out.stdout
    assert "hits in" in out.stdout.splitlines()[-1]


def test_exit_codes(workdir):
    assert run("query", '"城中村"', cwd=workdir).returncode == 0
    assert run("query", '"这个短语不在任何报告里"', cwd=workdir).returncode == 1
    bad = run("query", '"城中村', cwd=workdir)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unbalanced quote" in bad.stderr
    for junk in ("town:", "year:abc", "(((", "乱码" * 1500, "section:nope"):
        r = run("query", junk, cwd=workdir)
        assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1, junk


def test_json_output_shape(workdir):
    out = run("query", '"城中村"', "--json", "--limit", "2", cwd=workdir)
    doc = json.loads(out.stdout)
    assert list(doc) == ["query", "total", "hits", "facets"]
    assert doc["total"] > 2 and len(doc["hits"]) == 2
    assert list(doc["hits"][0]) == HIT_KEYS
    assert set(doc["facets"]) == {"province", "city", "district", "town", "year", "section_type", "doc_type"}
    a, b = doc["hits"][0]["highlights"][0]
    assert scan_form(doc["hits"][0]["text"][a:b]) == "城中村"


def test_csv_output(workdir):
    out = run("query", '"城中村"', "--csv", "--limit", "0", cwd=workdir)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    total = json.loads(run("query", '"城中村"', "--json", cwd=workdir).stdout)["total"]
    assert len(rows) == total and all("城中村" in scan_form(r["text"]) for r in rows)


def test_filters_and_facets_options(workdir):
    out = run(
        "query",
        '"改造"',
        "--town",
        "车墩镇",
        "--year",
        "2023-2025",
        "--section",
        "plan",
        "--facets",
        "--color",
        "never",
        cwd=workdir,
    )
    assert out.returncode == 0
    assert "  town: 车墩镇" in out.stdout and "section_type: plan" in out.stdout
    assert "庙行镇" not in out.stdout


def test_color_follows_terminal_no_color_and_flag(workdir):
    plain = run("query", '"城中村"', cwd=workdir)
    assert "\033[" not in plain.stdout  # stdout is a pipe
    forced = run("query", '"城中村"', "--color", "always", cwd=workdir)
    assert "\033[1;31m城中村" in forced.stdout or "\033[1;31m“城中村”" in forced.stdout
    env = dict(os.environ, NO_COLOR="1")
    script = "import pty,sys; pty.spawn([sys.executable,'-m','policysearch.cli','query','\"城中村\"'])"
    tty = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=workdir, env=env)
    assert b"\033[1;31m" not in tty.stdout and "城中村".encode() in tty.stdout


def test_show_with_context(workdir):
    hit = json.loads(run("query", '"反诈宣教中心"', "--json", cwd=workdir).stdout)["hits"][0]
    out = run("show", hit["id"], "--context", "1", "--color", "never", cwd=workdir)
    assert out.returncode == 0
    assert hit["text"] in out.stdout and "车墩镇" in out.stdout and " › ".join(hit["section"]) in out.stdout
    doc = json.loads(run("show", hit["id"], "--context", "1", "--json", cwd=workdir).stdout)
    assert [p["id"] for p in doc["paragraphs"]].index(hit["id"]) == 1 and len(doc["paragraphs"]) == 3
    missing = run("show", "nope-0001", cwd=workdir)
    assert missing.returncode == 1 and "no paragraph" in missing.stderr


def test_env_variables_name_index_and_corpus(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "reports")
    env = {"POLICYSEARCH_INDEX": str(tmp_path / "ix"), "POLICYSEARCH_CORPUS": str(tmp_path / "reports")}
    out = run("query", '"城中村"', cwd=tmp_path, env=env)
    assert out.returncode == 0 and (tmp_path / "ix" / "policysearch.json").exists()


def test_missing_index_and_corpus_is_one_line(tmp_path):
    out = run("query", "改造", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_index_built_by_another_version_asks_for_rebuild(tmp_path):
    from policysearch import Index

    Index(tmp_path / "ix")
    meta = tmp_path / "ix" / "policysearch.json"
    data = json.loads(meta.read_text())
    data["schema"] = 0
    meta.write_text(json.dumps(data))
    out = run("query", '"城中村"', "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert out.returncode == 2 and "rebuild" in out.stderr and "Traceback" not in out.stderr


def test_inspect_a_folder_gives_a_row_per_file_for_a_spreadsheet(tmp_path):
    """Before indexing a collection, its metadata is checked in a spreadsheet: one CSV row per
    file with what was detected, the refused ones with why; exit 1 when some file was refused."""
    folder = tmp_path / "collection"
    shutil.copytree(CORPUS, folder)
    (folder / "empty.txt").write_bytes(b"")
    out = run("inspect", str(folder), "--csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(rows) == len(os.listdir(CORPUS)) + 1
    by_file = {os.path.basename(r["file"]): r for r in rows}
    assert by_file["empty.txt"]["error"] and not by_file["empty.txt"]["title"]
    good = [r for name, r in by_file.items() if name != "empty.txt"]
    assert all(r["province"] == "上海市" and r["town"] and r["year"] and not r["error"] for r in good)
    assert list(rows[0])[:7] == ["file", "id", "title", "province", "city", "district", "town"]
    as_json = json.loads(run("inspect", str(folder), "--json").stdout)
    assert [r["file"] for r in as_json] == [r["file"] for r in rows]


def imported_by(*args, cwd) -> set[str]:
    """The modules a fresh `policysearch ARGS` process imports (python -X importtime's listing)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "policysearch.cli", *args], capture_output=True, text=True, cwd=cwd
    )
    assert out.returncode == 0, out.stderr[-500:]
    return {line.rsplit("|", 1)[1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}


NOT_FOR_A_QUERY = {"numpy", "matplotlib", "starlette", "jinja2", "uvicorn", "pdfminer", "docx", "bs4", "tqdm"}


def test_a_query_process_imports_what_a_query_needs_only(workdir):
    """A fresh query loads no web page, chart, numpy or file reader, and not urllib.request (with
    http, email and ssl), which Whoosh's compat module imports for a function Whoosh never calls;
    nor Whoosh's searcher and queries, nor our writers; nor jieba, when the query's words are words
    of the dictionary beside the index."""
    for query in ("城中村改造", '"城中村改造"'):
        imported = imported_by("query", query, "--json", cwd=workdir)
        assert {"whoosh.fields", "whoosh.codec.whoosh3", "pyroaring"} <= imported  # the index was read
        top = {name.split(".")[0] for name in imported}
        assert not top & (NOT_FOR_A_QUERY | {"http", "email", "ssl", "jieba"}), query
        assert not {"urllib.request", "whoosh.searching", "whoosh.query", "policysearch.store.write"} & imported, query


def test_a_run_of_characters_no_word_covers_is_cut_by_jiebas_hmm(workdir):
    """Characters that no word of the dictionary covers go to jieba's HMM, which is imported for
    them: the query finds what jieba's words find."""
    imported = imported_by("query", "松江区车墩镇", "--json", cwd=workdir)
    assert "jieba.finalseg" in imported
    out = json.loads(run("query", "松江区车墩镇", "--json", cwd=workdir).stdout)
    assert out["total"] and all("车墩" in hit["text"] for hit in out["hits"])
