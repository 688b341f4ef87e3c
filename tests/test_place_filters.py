"""Places at four levels, 文号 and issuer as filters and facets, against a scan of what the index
lists for each report (the sample corpus plus real documents of other provinces)."""

import glob
import json
import os
import shutil

import pytest
from helpers import CORPUS, ROOT, run_cli

from policysearch import Index

LEVELS = ("province", "city", "district", "town")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed") / "corpus"
    shutil.copytree(CORPUS, folder)
    for path in glob.glob(os.path.join(ROOT, "tests", "fixtures", "realdocs", "*", "*")):
        shutil.copy(path, folder)
    ix = Index(folder.parent / "ix")
    ix.build(str(folder))
    return ix


def reports_where(ix, test) -> set:
    return {r.id for r in ix.reports() if test(r)}


def hit_reports(ix, query, **filters) -> set:
    return {h.doc_id for h in ix.search(query, limit=None, **filters).hits}


def test_every_level_is_a_facet_and_every_hit_carries_its_path(mixed):
    res = mixed.search('"的"', limit=None)
    entries = {r.id: r for r in mixed.reports()}
    for level in LEVELS:
        want: dict = {}
        for h in res.hits:
            value = getattr(entries[h.doc_id], level)
            assert getattr(h, level) == value
            if value:
                want[value] = want.get(value, 0) + 1
        assert res.facets[level] == dict(sorted(want.items(), key=lambda kv: (-kv[1], kv[0])))
    assert len(res.facets["province"]) >= 5 and "上海市" in res.facets["city"]


def test_a_place_filter_is_the_reports_of_that_unit_at_its_level(mixed):
    for level in LEVELS:
        for name in {getattr(r, level) for r in mixed.reports()} - {None}:
            want = reports_where(mixed, lambda r: getattr(r, level) == name)
            assert hit_reports(mixed, f'"的" {level}:{name}') == want == hit_reports(mixed, '"的"', **{level: name})


def test_place_takes_in_every_unit_below(mixed):
    """place:松江区 = the district's own documents and its towns'; place:上海市 = every level."""
    names = {getattr(r, level) for r in mixed.reports() for level in LEVELS} - {None}
    for name in names:
        want = reports_where(mixed, lambda r: name in (r.province, r.city, r.district, r.town))
        assert hit_reports(mixed, f'"的" place:{name}') == want, name
    assert hit_reports(mixed, '"的" place:上海市') > hit_reports(mixed, '"的" place:松江区') > set()


def test_a_place_may_be_written_without_the_word_for_its_kind(mixed):
    assert hit_reports(mixed, '"的" province:浙江') == hit_reports(mixed, '"的" province:浙江省') != set()
    assert hit_reports(mixed, '"的" 市:杭州') == hit_reports(mixed, '"的" city:杭州市') != set()
    assert hit_reports(mixed, '"的" 区:松江') == hit_reports(mixed, '"的" district:松江区') != set()
    assert hit_reports(mixed, '"的" district:松') == set()  # a part of a name is not the name


def test_docnum_matches_whole_or_part_in_any_bracket_form(mixed):
    numbered = [r for r in mixed.reports() if r.doc_number and "〔" in r.doc_number]
    assert numbered
    for r in numbered:
        head = r.doc_number.split("〔")[0]
        year = r.doc_number.split("〔")[1][:4]
        forms = [r.doc_number, f"{head}〔{year}〕", f"{head}[{year}]", f"{head}【{year}】", f"{head}({year})"]
        want = reports_where(mixed, lambda e: e.doc_number and e.doc_number.startswith(f"{head}〔{year}〕"))
        for form in forms:
            assert hit_reports(mixed, f'"的" docnum:{form}') >= {r.id} and hit_reports(
                mixed, f'"的" 文号:{form}'
            ) <= want | {r.id}, form


def test_issuer_matches_part_of_the_issuer(mixed):
    issued = [r for r in mixed.reports() if r.issuer]
    assert issued
    for r in issued:
        part = r.issuer[-6:]
        want = reports_where(mixed, lambda e: e.issuer and part in e.issuer)
        assert r.id in want and hit_reports(mixed, f'"的" issuer:{part}') == want


def test_cli_options_json_and_csv_carry_the_place_levels(mixed):
    out = run_cli("query", '"的"', "--province", "浙江", "--json", "--limit", "0", "--index", mixed.path)
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and doc["hits"] and {h["province"] for h in doc["hits"]} == {"浙江省"}
    # a province's own law has no city; a hit below the city level always has one
    assert all(h["city"] or not h["district"] for h in doc["hits"]) and set(doc["facets"]) >= set(LEVELS)
    csv_out = run_cli("query", '"的"', "--place", "上海市", "--csv", "--index", mixed.path).stdout
    assert csv_out.splitlines()[0].startswith("id,doc_id,province,city,district,town,")
    listed = json.loads(run_cli("list", "--json", "--index", mixed.path).stdout)
    assert {"province", "city", "place_code", "doc_number", "issuer"} <= set(listed[0])
    text = run_cli("query", '"城中村改造"', "--color", "never", "--index", mixed.path).stdout
    assert "上海市 › 松江区 › 车墩镇 · " in text
