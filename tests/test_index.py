"""Keeping a collection: add, replace, skip, remove, list, stats, rebuild from sources."""

import json
import os
import shutil
import sqlite3
from dataclasses import replace

import pytest
from helpers import CORPUS, scan_form
from helpers import run_cli as cli

from policysearch import Index, ReadError

NEW_LINE = "推进试点街区共享单车停放秩序综合治理示范项目。"
LIST_KEYS = [
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
]


@pytest.fixture
def built(tmp_path, corpus_copy):
    ix = Index(tmp_path / "index")
    ix.build(corpus_copy)
    return ix


def new_report(folder, name="new.txt", extra=NEW_LINE):
    """A real report of another town: sample 003 with one new paragraph."""
    text = open(os.path.join(CORPUS, "003_8d55160e06e9d7cd.txt"), encoding="utf-8").read()
    text = text.replace("庙行", "大场").replace("现在，我代表", extra + "\n\n现在，我代表", 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def hits(ix, q):
    return {h.id for h in ix.search(q, limit=None).hits}


def test_add_find_again_change_remove(built, tmp_path):
    path = new_report(tmp_path)
    before = len(built.reports())
    report = built.add(path)
    assert (report.town, report.district) == ("大场镇", "宝山区")
    found = hits(built, '"%s"' % NEW_LINE)
    assert len(found) == 1 and next(iter(found)).startswith(report.id)
    assert len(built.reports()) == before + 1

    again = built.add_files([path]).outcomes[0]  # same content: skipped
    assert again.status == "skipped" and report.id in again.message
    assert len(built.reports()) == before + 1

    path.write_text(path.read_text(encoding="utf-8").replace(NEW_LINE, "推进智慧停车改造。"), encoding="utf-8")
    changed = built.add_files([path]).outcomes[0]  # same source, new content: replaced
    assert changed.status == "replaced" and report.id in changed.message
    assert hits(built, '"%s"' % NEW_LINE) == set() and len(hits(built, '"推进智慧停车改造"')) == 1
    assert len(built.reports()) == before + 1

    assert built.remove(changed.report.id) and not built.remove(changed.report.id)
    assert hits(built, '"推进智慧停车改造"') == set() and built.paragraphs(changed.report.id) == []
    assert len(built.reports()) == before


def test_same_content_under_another_path_is_skipped(built, tmp_path):
    copy = tmp_path / "copy-of-000.txt"
    copy.write_bytes(open(os.path.join(CORPUS, "000_34ccb5e9137a61a1.txt"), "rb").read())
    outcome = built.add_files([copy]).outcomes[0]
    assert outcome.status == "skipped" and "000_34ccb5e9137a61a1.txt" in outcome.message


def test_paragraphs_as_indexed_in_order(built, corpus_reports):
    r = corpus_reports[1]
    got = built.paragraphs(r.id)
    assert [(p.id, p.text, p.section, p.section_type) for p in got] == [
        (p.id, p.text, p.section, p.section_type) for p in r.paragraphs
    ]


def test_a_paragraph_is_found_by_its_id_and_nothing_by_another(built, corpus_reports):
    """A paragraph's id is its report's id and its position; an id of another shape, or one past
    the report's end, finds nothing."""
    r = corpus_reports[1]
    assert [built.paragraph(p.id) for p in r.paragraphs] == built.paragraphs(r.id)
    others = [f"{r.id}-{len(r.paragraphs):04d}", f"{r.id}-00001", f"{r.id}-", f"{r.id}-٣", f"{r.id}-0000-0000"]
    for pid in [*others, "report:" + r.id, r.id, "0000000000000000-0000", "-0000", ""]:
        assert built.paragraph(pid) is None and built.context(pid) is None, pid


def test_overrides_apply_and_survive_a_rebuild(built, tmp_path, corpus_copy):
    path = new_report(tmp_path)
    report = built.add(path, year=2019, doc_type="工作报告")
    assert (report.year, report.doc_type) == (2019, "工作报告")
    built.build(corpus_copy)
    listed = {r.id: r for r in built.reports()}
    assert listed[report.id].year == 2019 and listed[report.id].doc_type == "工作报告"
    assert hits(built, '"%s" year:2019' % NEW_LINE)


def test_build_restores_added_files_and_reports_vanished_ones(built, tmp_path, corpus_copy):
    kept, gone = new_report(tmp_path, "kept.txt"), new_report(tmp_path, "gone.txt", "建设滨水慢行步道示范段。")
    built.add(kept)
    gone_id = built.add(gone).id
    os.remove(gone)
    listed = {r.id: r for r in built.reports()}
    assert listed[gone_id].missing is True
    summary = built.build(corpus_copy)
    assert [o.message for o in summary.failed] == [f"{gone}: source file has vanished"]
    assert hits(built, '"%s"' % NEW_LINE) and not hits(built, '"建设滨水慢行步道示范段"')
    assert len(built.reports()) == 6


def test_a_bad_file_does_not_stop_the_others(built, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    new_report(folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.pdf").write_bytes(b"%PDF-1.4\x00\x01garbage")
    summary = built.add_files([folder])
    status = {os.path.basename(o.path): o.status for o in summary.outcomes}
    assert status == {"new.txt": "added", "empty.txt": "failed", "binary.pdf": "failed"}
    assert hits(built, '"%s"' % NEW_LINE)
    with pytest.raises(ReadError, match="empty.txt"):
        built.add(folder / "empty.txt")


def test_cli_add_list_stats_remove(tmp_path, corpus_copy):
    index = str(tmp_path / "index")
    built = cli("build", str(corpus_copy), "--index", index)
    stats = json.loads(cli("stats", "--json", "--index", index).stdout)
    assert built.returncode == 0 and f": 5 reports, {stats['paragraphs']} paragraphs" in built.stdout
    path = new_report(tmp_path)
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    out = cli("add", str(path), str(tmp_path / "bad.docx"), "--index", index, "--year", "2024")
    assert out.returncode == 1
    line = [l for l in out.stdout.splitlines() if l.startswith("added")]
    assert len(line) == 1 and "上海市 › 宝山区 › 大场镇 · 2024 · 政府工作报告" in line[0] and "paragraphs" in line[0]
    assert out.stderr.count("\n") == 1 and "bad.docx" in out.stderr and "Traceback" not in out.stderr

    listed = json.loads(cli("list", "--json", "--index", index).stdout)
    assert len(listed) == 6 and list(listed[0]) == LIST_KEYS
    new = next(r for r in listed if r["source"] == str(path))
    assert new["year"] == 2024 and new["missing"] is False and new["paragraphs"] > 50

    stats = json.loads(cli("stats", "--json", "--index", index).stdout)
    assert stats["reports"] == 6 and stats["schema"] >= 1 and stats["size_bytes"] > 0
    assert stats["paragraphs"] == sum(r["paragraphs"] for r in listed)

    removed = cli("remove", "--source", str(path), "--index", index)
    assert removed.returncode == 0 and new["id"] in removed.stdout
    assert cli("remove", "0000000000000000", "--index", index).returncode == 1
    assert cli("query", '"%s"' % NEW_LINE, "--index", index, "--corpus", str(corpus_copy)).returncode == 1


def test_cli_add_same_file_twice_says_skipped(tmp_path, corpus_copy):
    index = str(tmp_path / "index")
    path = new_report(tmp_path)
    assert cli("add", str(path), "--index", index).returncode == 0
    again = cli("add", str(path), "--index", index)
    assert again.returncode == 0 and "skipped" in again.stderr and "already indexed as" in again.stderr


def test_usage_errors_exit_2(tmp_path):
    assert cli("add", "--index", str(tmp_path / "ix")).returncode == 2
    assert cli("remove", "--index", str(tmp_path / "ix")).returncode == 2
    missing = cli("add", str(tmp_path / "nope.txt"), "--index", str(tmp_path / "ix"))
    assert missing.returncode == 1 and "nope.txt" in missing.stderr


def test_headings_stay_searchable(sample_index):
    found = sample_index.search('"推动改革开放向纵深发展"', limit=None).hits
    assert found and found[0].section[-1].endswith("推动改革开放向纵深发展")
    assert all(scan_form("推动改革开放向纵深发展") in scan_form(h.text) for h in found)


def test_reports_missing_metadata_can_be_added_last_and_searched(built, tmp_path):
    # A report with no date, town or district, committed on its own, is the last document of its
    # segment: every column must still cover it (Whoosh 2.7 cuts short columns otherwise).
    f = tmp_path / "notes.txt"
    f.write_text("工作笔记\n\n推进城中村改造试点，做好居民沟通。\n", encoding="utf-8")
    r = built.add(f)
    assert (r.date, r.town, r.district) == (None, None, None)
    for sort in ("relevance", "date"):
        res = built.search('"城中村改造"', limit=None, sort=sort)
        assert any(h.doc_id == r.id for h in res.hits)
        mine = next(h for h in res.hits if h.doc_id == r.id)
        assert (mine.date, mine.town, mine.year) == (None, None, None)
    assert built.search('"城中村改造"', limit=None).facets["town"] == {"车墩镇": 3, "庙行镇": 1, "颛桥镇": 1}


def test_document_numbers_stay_put_through_adds_replacements_and_removals(built, tmp_path, corpus_copy):
    """Phrase rows are found by Whoosh document number: after every kind of write, each phrase
    still finds exactly the paragraphs that hold it, and nothing removed comes back."""
    ix = built
    folder = tmp_path / "more"
    folder.mkdir()
    names = sorted(os.listdir(corpus_copy))
    paths = []
    for k, name in enumerate(names[:3]):
        text = open(os.path.join(corpus_copy, name), encoding="utf-8").read()
        path = folder / f"copy{k}.txt"
        path.write_text(text + f"\n\n编号为甲乙{k}号的补充段落。\n", encoding="utf-8")
        paths.append(path)
        ix.add(path)
    assert ix.remove(next(r.id for r in ix.reports() if r.source == str(paths[1])))
    paths[2].write_text(paths[2].read_text(encoding="utf-8") + "\n改过一次的内容丙丁。\n", encoding="utf-8")
    ix.add(paths[2])
    listed = {r.id for r in ix.reports()}
    paragraphs = [p for rid in listed for p in ix.paragraphs(rid)]
    for phrase in ("甲乙0号", "甲乙1号", "甲乙2号", "改过一次", "城中村改造", "村", "补充段落"):
        want = {p.id for p in paragraphs if scan_form(phrase) in scan_form(p.text)}
        assert {h.id for h in ix.search(f'"{phrase}"', limit=None).hits} == want, phrase
    assert ix.search('"甲乙1号"').total == 0


def test_parallel_many_segment_build_equals_a_build_in_one_process(tmp_path, corpus_copy, monkeypatch):
    """Many files are read, cut and written as segments by worker processes, a segment per so many
    bytes of files; the index is the same as one process writing one segment makes, duplicates
    (in one worker's run and across runs) included."""
    from policysearch.store import build as build_module

    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(build_module.PARALLEL_FROM + 2):
        name = sorted(os.listdir(corpus_copy))[k % 5]
        text = open(os.path.join(corpus_copy, name), encoding="utf-8").read()
        (folder / f"{k:02d}-{name}").write_text(text + f"\n\n第{k}份副本的标记句子。\n", encoding="utf-8")
    first = sorted(folder.iterdir())[0]
    (folder / f"dup-{first.name}").write_bytes(first.read_bytes())  # the same as a file in another run
    for name in ("zz-1.txt", "zz-2.txt"):  # two small twins, in one run
        (folder / name).write_text("某镇2024年工作要点\n\n一、重点任务\n\n推进城中村改造。\n", encoding="utf-8")

    def built_with(cpus, segment_bytes=build_module.SEGMENT_BYTES):
        monkeypatch.setattr(build_module, "CPUS", cpus)
        monkeypatch.setattr(build_module, "SEGMENT_BYTES", segment_bytes)
        ix = Index(tmp_path / f"ix{cpus}")
        summary = ix.build(str(folder))
        # the writer keeps no paragraph of the collection: the reports come back with counts only
        listed = {r.source: r.paragraphs for r in ix.reports()}
        added = [o for o in summary.outcomes if o.status == "added"]
        assert added and all(o.report and not o.report.paragraphs and o.headings > 0 for o in added)
        assert {o.report.source: o.paragraphs for o in added if o.report} == listed
        return ix, [(os.path.basename(o.path), o.status) for o in summary.outcomes]

    (one, done_one), (two, done_two) = built_with(0), built_with(2, segment_bytes=30_000)  # and many segments
    assert done_one == done_two and [s for _, s in done_one].count("skipped") == 2
    assert len(two.reports()) == len(done_two) - 2 and two.search('"第0份副本"').total == 1
    assert len(two.snapshot().reader.leaf_readers()) > 4 > len(one.snapshot().reader.leaf_readers())
    assert one.reports() and [replace(r, added=0) for r in one.reports()] == [
        replace(r, added=0) for r in two.reports()
    ]
    for q in ('"城中村改造"', "城中村改造", '"副本的标记"', "发展 town:车墩镇", 'heading:回顾 "村"'):
        a, b = one.search(q, limit=None), two.search(q, limit=None)
        assert (a.total, a.facets, [h.id for h in a.hits]) == (b.total, b.facets, [h.id for h in b.hits]), q


def test_facet_counts_follow_every_write_whatever_the_saved_counts_say(built, tmp_path):
    """Facet bitmaps are saved per index state; a stale, damaged or missing file must never
    show: counts always equal a scan of the hits."""
    from policysearch.store.snapshot import FACETS_FILE

    def check(query):
        res = built.search(query, limit=None)
        meta = {r.id: r for r in built.reports()}
        want = {}
        for h in res.hits:
            for name, value in (
                ("town", meta[h.doc_id].town),
                ("year", meta[h.doc_id].year),
                ("section_type", h.section_type),
            ):
                if value:
                    want.setdefault(name, {}).setdefault(value, 0)
                    want[name][value] += 1
        assert {k: res.facets[k] for k in want} == want and res.total > 0, query

    folder = built.snapshot().folder
    check('"改造"')
    with open(os.path.join(folder, FACETS_FILE), "wb") as f:
        f.write(b"not a pickle")
    check('"改造"')
    new = new_report(tmp_path, extra="\n\n老旧小区改造工程全面完成。\n")
    built.add(new)
    check('"改造"')
    os.remove(os.path.join(folder, FACETS_FILE))
    check("改造 OR 城中村")


def test_a_build_writes_the_segment_whoosh_would(tmp_path, monkeypatch):
    """A build's workers write segments with their own add_document and hand the postings to
    Whoosh's writer a block at a time (SegmentBuilder); `add` goes through Whoosh's own writer,
    one posting per call. The same files must give the same segment files, byte for byte
    (postings, terms, stored fields, columns, lengths), with terms of many short blocks."""
    from datetime import datetime

    from whoosh import index as whoosh_index

    from policysearch.store import build as build_module
    from policysearch.store import schema as schema_module
    from policysearch.store import segments
    from policysearch.text import Lexicon

    class Frozen(datetime):  # the time a report was added is stored with it
        @classmethod
        def now(cls, tz=None):
            return datetime(2025, 1, 2, 3, 4, 5, tzinfo=tz)

    monkeypatch.setattr(schema_module, "datetime", Frozen)
    monkeypatch.setattr(segments, "POSTING_BLOCK", 3)
    items = [(os.path.join(CORPUS, name), {}, "corpus") for name in sorted(os.listdir(CORPUS))]
    whoosh_way, ours = str(tmp_path / "whoosh"), str(tmp_path / "ours")
    for folder in (whoosh_way, ours):
        os.makedirs(folder)
        whoosh_index.create_in(folder, schema_module.schema())
    lexicon = str(tmp_path / "lexicon.sqlite")
    Lexicon.write(lexicon)
    writer, first = segments.open_writer(whoosh_way), 0
    for item in items:
        prep = build_module.prepare(item, lexicon)
        build_module.write_report(writer, prep, first)
        first += len(prep.grams) + 1
    writer.commit()
    segments.list_segments(ours, [build_module.write_segment((ours, items, lexicon, False)).segment])

    def segment_files(folder):
        """{file name without the segment's id: bytes} of the one segment."""
        segment = whoosh_index.open_dir(folder).reader().segment()
        prefix = f"MAIN_{segment.segid}"
        return {
            n[len(prefix) :]: open(os.path.join(folder, n), "rb").read()
            for n in os.listdir(folder)
            if n.startswith(prefix)
        }

    a, b = segment_files(whoosh_way), segment_files(ours)
    assert {".pst", ".trm", "._stored.col", ".position.col", ".forms"} <= set(a)
    assert a == b
    reader = whoosh_index.open_dir(ours).reader()
    assert max(reader.doc_frequency(f, t) for f, t in reader.all_terms()) > 10 * 3  # terms of many blocks


def test_a_query_loads_the_saved_facets_it_counts_and_filters_by(built):
    """Each field of the saved facets is unpickled when first used: a query counting the place
    levels, filtered by year, leaves the others (文号, issuers, place codes…) as they were saved,
    and counts as a query that loaded them all."""
    from policysearch.store.schema import FILTER_FIELDS, PLACE_LEVELS
    from policysearch.store.snapshot import SavedFacets

    fresh = Index(built.path)  # another process's view: the facets come from the file the build saved
    res = fresh.search("改造 year:2020-2030", facets=PLACE_LEVELS, limit=3)
    facets = fresh.snapshot().facets()
    assert isinstance(facets, SavedFacets) and set(facets) == set(FILTER_FIELDS)
    assert set(facets.loaded) == {*PLACE_LEVELS, "year"}
    every = Index(built.path)
    assert dict(every.snapshot().facets()) == dict(facets)  # every field unpickled
    again = every.search("改造 year:2020-2030", facets=PLACE_LEVELS, limit=3)
    assert res.total and (res.total, res.facets) == (again.total, again.facets)


def test_the_saved_paragraphs_and_reports_follow_every_write(built, tmp_path):
    """The sets of paragraphs and of report documents are saved per index state for other
    processes (kinds.pickle); a stale, damaged or missing file must never show: they always
    equal the posting lists of kind:p and kind:r below the snapshot's end."""
    from policysearch.store.snapshot import KINDS_FILE, DocSet

    def check():
        snap = Index(built.path).snapshot()  # as a fresh process sees it
        below = DocSet(range(snap.end))
        assert snap.kinds() == (snap.postings("kind", "p") & below, snap.postings("kind", "r") & below)
        assert snap.report_numbers() == sorted(snap.postings("kind", "r")) and snap.universe
        assert os.path.exists(os.path.join(snap.folder, KINDS_FILE))
        return snap

    before = check()
    built.add(new_report(tmp_path))
    after = check()
    assert len(after.report_numbers()) == len(before.report_numbers()) + 1
    with open(os.path.join(after.folder, KINDS_FILE), "wb") as f:
        f.write(b"not a pickle")
    check()
    assert built.remove(built.reports()[0].id)
    assert len(check().report_numbers()) == len(before.report_numbers())


def test_facets_kept_across_writes_equal_facets_counted_afresh(built, tmp_path, corpus_copy):
    """A writer counts the new state's facets from the old state's plus what it wrote: after
    adds, a replacement and a removal they equal facets read from every posting list again."""
    from policysearch.store.snapshot import FACETS_FILE, facets_of

    def afresh():
        snap = built.snapshot()
        os.remove(os.path.join(snap.folder, FACETS_FILE))
        return facets_of(snap)

    first = new_report(tmp_path, "a.txt")
    built.add(first)
    other = tmp_path / "b.txt"
    other.write_text(
        (corpus_copy / sorted(os.listdir(corpus_copy))[0]).read_text(encoding="utf-8") + "\n\n另加的一段。\n",
        encoding="utf-8",
    )
    built.add(other, town="车墩镇", year="2031")
    first.write_text(first.read_text(encoding="utf-8") + "\n\n改过的一段文字。\n", encoding="utf-8")
    built.add(first)  # replaces the first version
    assert built.remove(sources=[str(other)])
    kept = built.snapshot().facets()
    assert kept["town"]["大场镇"] and not kept["year"].get(2031)  # the new report's; the removed one's
    assert kept == afresh()


def test_add_of_many_files_writes_a_segment_per_run_and_equals_a_build(built, tmp_path, corpus_copy, monkeypatch):
    """Many files are added as a build writes them: runs of files read, cut and written by worker
    processes, a commit per run (not a segment per report). Same content already there, twins,
    an unreadable file and a newer version of an added source come out as they do one by one,
    and the index answers as a build of the same files does."""
    from policysearch.store import build as build_module

    monkeypatch.setattr(build_module, "CPUS", 2)
    folder = tmp_path / "many"
    folder.mkdir()
    names = sorted(os.listdir(corpus_copy))
    for k in range(5):
        text = (corpus_copy / names[k]).read_text(encoding="utf-8")
        (folder / f"{k:02d}.txt").write_text(text + f"\n\n第{k}份副本的标记句子。\n", encoding="utf-8")
    for k in range(5, 5 + 2 * build_module.PARALLEL_FROM):  # short ones: several to a run
        (folder / f"{k:02d}.txt").write_text(
            f"某镇2024年工作要点\n\n一、重点任务\n\n推进第{k}片区城中村改造。\n", encoding="utf-8"
        )
    (folder / "same-as-indexed.txt").write_bytes((corpus_copy / names[0]).read_bytes())
    for name in ("twin-1.txt", "twin-2.txt"):
        (folder / name).write_text("某镇2024年工作要点\n\n一、重点任务\n\n推进城中村改造。\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    changed = folder / "00.txt"
    built.add(changed)  # the first version, alone
    changed.write_text(changed.read_text(encoding="utf-8") + "\n改过一次的内容丙丁。\n", encoding="utf-8")
    segments = len(built.snapshot().reader.leaf_readers())

    outcomes = {os.path.basename(o.path): o.status for o in built.add_files([folder]).outcomes}

    assert outcomes.pop("00.txt") == "replaced" and outcomes.pop("broken.pdf") == "failed"
    assert outcomes.pop("same-as-indexed.txt") == "skipped"
    assert sorted([outcomes.pop("twin-1.txt"), outcomes.pop("twin-2.txt")]) == ["added", "skipped"]
    assert set(outcomes.values()) == {"added"}
    new_segments = len(built.snapshot().reader.leaf_readers()) - segments
    assert 2 <= new_segments < len(outcomes)  # several runs, fewer segments than reports
    assert not [d for d in os.listdir(built.path) if d.startswith("adding-")]  # the workers' scratch index is gone

    both = tmp_path / "both"
    shutil.copytree(corpus_copy, both)
    shutil.copytree(folder, both / "many")
    whole = Index(tmp_path / "whole")
    whole.build(both)
    assert {r.id for r in built.reports()} == {r.id for r in whole.reports()}
    for q in ('"改过一次"', '"副本的标记"', "城中村改造", '"村" town:车墩镇', "发展"):
        a, b = built.search(q, limit=None), whole.search(q, limit=None)
        assert (a.total, a.facets, [h.id for h in a.hits]) == (b.total, b.facets, [h.id for h in b.hits]), q
    # the build's phrase table merges as FTS5 does by default; what adds write, less often
    from policysearch.store.phrases import ADD_MERGE, PHRASES_FILE

    def merge_setting(ix):
        db = sqlite3.connect(os.path.join(ix.folder.generation(), PHRASES_FILE))
        try:
            return dict(db.execute("SELECT k, v FROM grams_config")).get("automerge")
        finally:
            db.close()

    assert (merge_setting(built), merge_setting(whole)) == (ADD_MERGE, None)


def test_an_add_commits_each_run_when_its_last_file_is_back_not_when_the_next_one_is(built, tmp_path, monkeypatch):
    """A few files go in a run each: a file's report is in the index (another reader sees it)
    before the next file is read, not only once that one has been written too."""
    from policysearch.store import build as build_module

    paths = [str(new_report(tmp_path, f"n{k}.txt", f"第{k}份新增的段落，用于检查提交的时刻。")) for k in range(3)]
    seen = {}
    prepare = build_module.prepare

    def noting(item, lexicon):
        seen[item[0]] = {r.source for r in Index(built.path).reports()}  # before this file is read
        return prepare(item, lexicon)

    monkeypatch.setattr(build_module, "prepare", noting)
    assert [o.status for o in built.add_files(paths).outcomes] == ["added"] * 3
    assert [paths[k - 1] in seen[paths[k]] for k in (1, 2)] == [True, True]
