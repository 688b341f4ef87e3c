"""Who issued a document, on real files of three collections (tests/fixtures/realdocs, sources.json):
the congress that adopted a regulation, a firm's own text, a former city, a news item's opening."""

from pathlib import Path

from policysearch import read_report
from policysearch.describe import compiled_from, find_issuer, find_place, news_issuers, territory

REAL = Path(__file__).parent / "fixtures" / "realdocs"


def place(name: str) -> tuple:
    r = read_report(REAL / name)
    return r.province, r.city, r.district, r.town


def test_a_regulation_is_the_adopting_congress_s_not_the_district_its_title_names():
    # 上海市浦东新区…规定: adopted by 上海市人大常委会 for the district, a regulation of Shanghai
    assert place("LawRefBook-Laws/pudong_market_exit_2021.md") == ("上海市", "上海市", None, None)


def test_a_city_s_regulation_approved_by_the_province_stays_the_city_s():
    # adopted by 日照市's congress, approved by 山东省's: the one that adopted it issued it (the date's 日
    # does not cut 日照市 short)
    assert place("LawRefBook-Laws/rizhao_parks_2021.md") == ("山东省", "日照市", None, None)


def test_a_former_city_resolves_to_today_s_city_only():
    # 莱芜市 became two districts of 济南市 in 2019: the city of today, no district guessed
    assert place("LawRefBook-Laws/laiwu_steel_buildings_2016.md") == ("山东省", "济南市", None, None)


def test_a_firm_s_report_has_no_place_a_government_s_notice_to_the_firm_keeps_it():
    # 国网湖北省电力有限公司's own report says 我省 and names 湖北省: a firm is no government
    assert place("GovDocClassification/hubei_grid_company_report.txt") == (None, None, None, None)
    # received by the same company, 山东省人民政府办公厅's notice is the province's
    assert place("GovDocClassification/shandong_yellow_river_ice_notice.txt")[:2] == ("山东省", None)


def test_a_youth_league_committee_is_its_unit_s_not_a_city_its_body_names():
    # 共青团山东省省直机关工作委员会文件: the province's League committee; the body's example
    # (济南市公安局…) and the contact's address (济南市纬…路) do not make it 济南市's
    assert place("GovDocClassification/shandong_youth_league_notice.txt") == ("山东省", None, None, None)


def test_a_news_item_s_opening_names_the_issuer():
    # '据山东省淄博市住房和城乡建设局5月22日消息', '今天(6月25日),苏州市公安局发布通知'
    estate = "China-Real-Estate-Policy-Database/"
    assert place(estate + "2022-05-22_POL_3FDF8DAF636C26811104.txt")[:2] == ("山东省", "淄博市")
    assert place(estate + "2024-06-25_POL_B9DFA738B3E7774E5E86.txt")[:2] == ("江苏省", "苏州市")


def test_a_preamble_that_carries_out_the_state_council_s_policy_keeps_the_unit_s_place():
    # '为深入贯彻党中央、国务院关于促进房地产市场…的决策部署': no national document; the title's
    # 麻城市 is the county-level city the body calls 我市
    estate = "China-Real-Estate-Policy-Database/"
    assert place(estate + "2022-08-16_POL_E8B043DCC0028AA9E4FE.txt") == ("湖北省", "黄冈市", "麻城市", None)


def test_a_ministry_s_meeting_in_a_city_is_not_the_city_s_a_city_carrying_out_its_policy_is():
    estate = "China-Real-Estate-Policy-Database/"
    # '2月5日,住房城乡建设部在福建省福州市召开…现场会': where, not who
    assert place(estate + "2024-02-05_POL_F618514F067272D9961D.txt") == (None, None, None, None)
    # '8月25日,住房城乡建设部…联合印发了《…》', then 杭州's own measures: 杭州市's
    assert place(estate + "2023-09-05_POL_82B2D47F5AD80B2E2CB8.txt")[:2] == ("浙江省", "杭州市")


def test_an_excerpt_of_a_county_s_measures_is_the_county_s_where_it_says_it_holds():
    estate = "China-Real-Estate-Policy-Database/"
    # '在叙州区范围内购买…', '购买万年县内新建商品住房', '结合长沙县实际,制定…': no issuer, no 我县, only where
    assert place(estate + "2023-12-25_POL_B21D8850E7C329087BE7.txt") == ("四川省", "宜宾市", "叙州区", None)
    assert place(estate + "2024-02-01_POL_7FD2ED02E3D8871A9B99.txt") == ("江西省", "上饶市", "万年县", None)
    assert place(estate + "2025-08-14_POL_C2C5F507881448A035DD.txt") == ("湖南省", "长沙市", "长沙县", None)


def test_an_excerpt_says_where_it_holds_in_the_genre_s_other_phrases():
    estate = "China-Real-Estate-Policy-Database/"
    # '在望城区购买新建商品房', '1.庆元县域范围内取得…', '结合鄞州区房地产市场实际,特制定本办法'
    assert place(estate + "2023-09-28_POL_61D1E9E0D662BB4F55D5.txt") == ("湖南省", "长沙市", "望城区", None)
    assert place(estate + "2022-10-01_POL_99216CC55A0C0BE79F7C.txt") == ("浙江省", "丽水市", "庆元县", None)
    assert place(estate + "2023-10-23_POL_ACE8C91DBF9C3EE1709A.txt") == ("浙江省", "宁波市", "鄞州区", None)
    # '购买丰县城区新建商品住房的' (城区 is three units' name too, and no name of a run here); '经西双版纳州
    # 住房公积金管理委员会同意,现就西双版纳州住房公积金…通知如下'
    assert place(estate + "2022-10-11_POL_693D7D07C624A3284002.txt") == ("江苏省", "徐州市", "丰县", None)
    assert place(estate + "2024-10-10_POL_149CE7836A423B9EAF6F.txt") == ("云南省", "西双版纳傣族自治州", None, None)
    # '在南沙区范围内购买…' three times, '(在广州市内已购有首套商品房的除外)' once: the district within the city
    assert place(estate + "2019-12-10_POL_FE9CED1FD6C0C2EC8A88.txt") == ("广东省", "广州市", "南沙区", None)


def test_a_national_regulator_s_office_and_a_city_s_urban_area_give_the_place():
    estate = "China-Real-Estate-Policy-Database/"
    # signed first by '中国银保监会北京监管局', then 北京市's bodies: Beijing's
    assert place(estate + "2023-03-31_POL_23D0631DCD79B03ED30C.txt") == ("北京市", "北京市", None, None)
    # '本通知实施之日起在台州市区新购买的住房…': where it holds
    assert place(estate + "2020-11-02_POL_A109CE60F8A617ADA875.txt") == ("浙江省", "台州市", None, None)


def test_an_excerpt_of_an_autonomous_county_by_its_short_name():
    # '在江华县城区购买新建商品房…': 江华瑶族自治县, in 永州市
    place_of = place("China-Real-Estate-Policy-Database/2024-02-07_POL_7D41C4178946ECA2FAC8.txt")
    assert place_of == ("湖南省", "永州市", "江华瑶族自治县", None)


def test_a_compilation_of_several_units_notices_is_the_unit_they_lie_in():
    # five notices, each signed over its date: 杭州市富阳区商务局, 杭州市临安区商务局, 桐庐县商务局,
    # 淳安县经济信息化和科学技术局, 建德市商务局 (the last signs the foot): 杭州市's, issued by none of them
    r = read_report(REAL / "China-Real-Estate-Policy-Database/2025-10-24_POL_C6C147BEB4A078A58EF8.txt")
    assert (r.province, r.city, r.district, r.issuer) == ("浙江省", "杭州市", None, None)
    # a notice and the plan it issues, signed by two bodies of one city: no compilation
    one_city = "关于印发方案的通知\n请认真贯彻落实。\n晋城市人民政府办公室\n2023年6月30日\n方案\n一、目标。\n晋城市住房和城乡建设局\n2023年6月30日"
    assert compiled_from(one_city) is None


def test_a_policy_whose_spirit_an_excerpt_follows_is_not_its_title():
    # '根据…市住建局、市财政局联合下发《张掖市2022年阶段性住房支持政策实施方案》(张市建〔2022〕241号)文件精神':
    # cited, not reported; the excerpt is 甘州区's ('在甘州区城市规划区内购买新建商品住宅')
    r = read_report(REAL / "China-Real-Estate-Policy-Database/2022-11-22_POL_5F6B9A385680123DB503.txt")
    assert r.title is None
    assert (r.province, r.city, r.district) == ("甘肃省", "张掖市", "甘州区")


def test_where_a_measure_holds_decides_only_when_one_unit_is_named_there():
    assert territory("在路桥区范围内购买新建商品住房的,给予购房补贴。")[0].name == "路桥区"
    # two units' territories, a list of places, a word that is no unit's name: nothing decided
    assert territory("在路桥区范围内购买的,或在黄岩区范围内购买的,给予补贴。") == (None, [])
    assert territory("在北京市、河北省内购买自有住房的。") == (None, [])
    assert territory("在城区范围内购买新建商品住房的。") == (None, [])
    # a unit and one below it: the finer; a unit and one elsewhere: nothing
    assert territory("在台州市内已有住房的,在路桥区范围内购买新建商品住房的。")[0].name == "路桥区"
    assert territory("在宁波市内已有住房的,在路桥区范围内购买新建商品住房的。") == (None, [])
    # a name several units have, which nothing in the text decides: the levels they share, and why
    unit, why = territory("在向阳区范围内购买新建商品住房的,给予购房补贴。")  # 佳木斯市's and 鹤岗市's
    assert unit.name == "黑龙江省" and "向阳区" in why[0] and "黑龙江省" in why[0]
    assert territory("在朝阳区范围内购买新建商品住房的。")[0] is None  # 北京市's and 长春市's
    assert "朝阳区" in territory("在朝阳区范围内购买新建商品住房的。")[1][0]


def test_an_excerpt_that_holds_in_a_shared_name_says_why_it_has_no_place(tmp_path):
    excerpt = tmp_path / "excerpt.txt"
    excerpt.write_text(
        "一、在朝阳区范围内购买新建商品住房的,给予契税补贴。\n二、补贴资金由区财政承担。\n", encoding="utf-8"
    )
    r = read_report(excerpt)
    assert (r.province, r.city, r.district) == (None, None, None)
    assert [w for w in r.warnings if "朝阳区" in w and "no place given" in w]


def test_only_an_organ_that_starts_with_a_unit_is_a_news_item_s_issuer():
    suzhou = (REAL / "China-Real-Estate-Policy-Database/2024-06-25_POL_B9DFA738B3E7774E5E86.txt").read_text("utf-8")
    assert news_issuers(suzhou) == ["苏州市公安局"]
    # a national organ acting with a city, a place merely mentioned, a newspaper: no issuer of a place
    assert news_issuers("国家发展改革委会同苏州市人民政府印发《方案》。") == []
    assert news_issuers("对购买广州市首套住房的购房人家庭,公积金贷款最低首付款比例为20%。") == []
    assert news_issuers("6月4日,澎湃新闻获悉,苏州市人民政府办公室近日印发《若干措施》。") == ["苏州市人民政府办公室"]


def test_an_autonomous_prefecture_by_the_short_name_its_papers_use():
    # '阿坝州人民政府办公室关于印发《阿坝州…办法》的通知': 阿坝藏族羌族自治州, in 四川省
    aba = place("mengke25-pkulaw-policies/aba_data_resources_notice.txt")
    assert aba == ("四川省", "阿坝藏族羌族自治州", None, None)


def test_a_news_item_that_says_the_unit_itself_issued_it():
    # '近日,珠海市印发《…》', '湖北省襄阳市南漳县发布《…》': the unit's own name and the verb, nothing else
    estate = "China-Real-Estate-Policy-Database/"
    assert place(estate + "2025-05-07_POL_3B973B1293DC2C8683CE.txt")[:2] == ("广东省", "珠海市")
    assert place(estate + "2024-02-23_POL_99807574073CA357E340.txt")[:3] == ("湖北省", "襄阳市", "南漳县")
    assert news_issuers("国务院关于上海市发布《方案》的批复") == []


def test_a_joint_sign_off_ending_in_a_bank_s_department():
    # the foot of China-Real-Estate-Policy-Database/2022-05-10_POL_43D55302A0F5FA512293.txt (a text too
    # short to hold '的', which the other tests' mixed corpus asks of every file)
    foot = ["沈阳市房产局中国人民银行沈阳分行营业管理部", "2022年5月10日", "(此文件公开发布)"]
    text = (
        "各区县(市)房产部门:\n为支持刚需和改善性住房需求,结合沈阳房地产市场实际,"
        "现将居民家庭购买第二套住房贷款最低首付比例由50%调整为40%。\n" + "\n".join(foot)
    )
    unit, _ = find_place([], foot, None, text)
    assert unit.fields()["city"] == "沈阳市" and find_issuer([], foot, text) == foot[0]
