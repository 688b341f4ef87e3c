"""Properties of places (hypothesis), for random units of the whole gazetteer: a unit named with its
parent is completed upwards to the gazetteer's own path; a former name resolves to today's unit;
and on a real index of generated reports naming random units as their issuers, `place:NAME` is
exactly the reports of the unit and of every unit below it, against a scan of the listed reports."""

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policysearch import Index, places, read_report

DATA = Path(__file__).parent.parent / "policysearch" / "data"
EVERYTHING = 'NOT "绝无此串QX9"'
ALL = places.gazetteer().by_code
BY_LEVEL = {level: sorted(c for c, u in ALL.items() if u.level == level) for level in places.LEVELS}
FORMER = json.loads((DATA / "former_names.json").read_text(encoding="utf-8"))["names"]
RENAMED = {former for former, *_ in FORMER}
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def unit_of(level: str):
    return st.sampled_from(BY_LEVEL[level]).map(ALL.__getitem__)


@pytest.fixture(scope="module")
def plain_notice(tmp_path_factory):
    """A notice that names no place: what a user's values say is all there is."""
    path = tmp_path_factory.mktemp("plain") / "notice.txt"
    path.write_text("关于做好防汛工作的通知\n\n各有关单位：\n\n请认真做好防汛值班和物资储备工作。\n", encoding="utf-8")
    return path


@PROPERTY
@given(st.one_of(unit_of("town"), unit_of("district"), unit_of("city")))
def test_a_unit_named_with_its_parent_is_completed_upwards_as_the_gazetteer_says(plain_notice, unit):
    path = unit.path
    # the gazetteer's own path: each unit's parent is its longest code prefix that is a unit
    assert [u.code for u in path] == sorted(u.code for u in path) and all(
        b.code.startswith(a.code) for a, b in zip(path, path[1:])
    )
    assert places.by_code(unit.place_code) is unit
    fields = unit.fields()
    for u in path:
        assert fields[u.level] == u.name
    parent = unit.parent
    assume(parent is not None and places.resolve(unit.name, within=parent) is unit)
    report = read_report(plain_notice, **{unit.level: unit.name, parent.level: parent.name})
    got = {k: getattr(report, k) for k in (*places.LEVELS, "place_code")}
    assert got == fields, (unit.name, parent.name)


@PROPERTY
@given(st.sampled_from(FORMER))
def test_a_former_name_resolves_to_todays_unit(plain_notice, line):
    former, now, within, _year = line
    scope = places.resolve(within)
    today = places.resolve(now, within=scope)
    assert today is not None and places.resolve(former, within=scope) is today
    level = today.level
    report = read_report(plain_notice, **{scope.level: within, level: former})  # 南市区 is also one of 保定's
    assert report.place_code == today.place_code and getattr(report, level) == now


@PROPERTY
@given(unit_of("district"))
def test_a_county_that_became_a_district_of_its_stem_resolves_to_it(unit):
    """崇明县 -> 崇明区, 从化市 -> 从化区: where no unit of today has the old name, and the list of
    former names does not say it became another unit (思茅市, the prefecture, is 普洱市 since 2007;
    test_a_former_name_resolves_to_todays_unit holds the list's names)."""
    assume(unit.name.endswith("区") and unit.name[-2] not in "新城矿郊" and len(unit.name) >= 3)
    for old in (unit.name[:-1] + "县", unit.name[:-1] + "市"):
        today = places.units(old)
        if not any(u.name == old for u in today) and old not in RENAMED:
            assert today == [unit] or unit in today, old


# -- place: on an index of generated reports -------------------------------------------------------

REGION = ("31", "3301")  # Shanghai and Hangzhou: towns, districts, a city and the provinces above them
TOPICS = ["做好防汛防台工作", "推进城市更新", "加强安全生产", "开展垃圾分类", "促进消费"]


def issuer_name(unit) -> str:
    """How a unit names itself: its whole path (上海市松江区车墩镇, 浙江省杭州市西湖区)."""
    return "".join(u.name for u in unit.path)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """An index of 40 notices, each issued by a random unit of the region (a seeded choice)."""
    rng = random.Random(2024)
    region = [
        u for c, u in ALL.items() if c.startswith(REGION) and (u.level != "town" or places.TOWNSHIP.search(u.name))
    ]
    chosen = rng.sample(region, 36) + [places.resolve(n) for n in ("上海市", "浙江省", "杭州市", "松江区")]
    folder = tmp_path_factory.mktemp("issued")
    corpus = folder / "corpus"
    corpus.mkdir()
    for k, unit in enumerate(chosen):
        name, topic = issuer_name(unit), rng.choice(TOPICS)
        (corpus / f"{k:02d}.txt").write_text(
            f"{name}人民政府关于{topic}的通知\n\n各有关单位：\n\n"
            f"为{topic}，现将有关事项通知如下。\n\n一、提高认识\n\n请各单位高度重视，落实责任，第{k}号。\n\n"
            f"{name}人民政府\n2024年5月{k % 28 + 1}日\n",
            encoding="utf-8",
        )
    ix = Index(folder / "index")
    summary = ix.build(str(corpus))
    assert not summary.failed
    return ix, chosen


def test_the_generated_issuers_are_detected(issued):
    ix, chosen = issued
    assert sorted(r.place_code for r in ix.reports()) == sorted(u.place_code for u in chosen)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_place_is_the_unit_and_everything_below_it(issued, data):
    ix, chosen = issued
    names = sorted({u.name for unit in chosen for u in unit.path})
    name = data.draw(st.sampled_from(names))
    target = places.resolve(name)
    assume(target is not None)
    scan = {r.id for r in ix.reports() if r.place_code and places.by_code(r.place_code).within(target)}
    assert scan  # the unit issued one, or one below it did
    by_keyword = {h.doc_id for h in ix.search(EVERYTHING, place=name, limit=None).hits}
    in_query = {h.doc_id for h in ix.search(f"{EVERYTHING} place:{name}", limit=None).hits}
    assert by_keyword == in_query == scan, name
