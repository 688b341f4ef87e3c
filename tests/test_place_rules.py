"""Rules for who issued a document, each on a real file (tests/fixtures/realdocs, sources.json) or a short
real excerpt: news openings, self-references, chains of names, the congress that adopted a regulation."""

from pathlib import Path

import pytest

from policysearch import places, read_report
from policysearch.describe import find_place, news_issuers, scope, self_reference, title_issuer

ESTATE = Path(__file__).parent / "fixtures" / "realdocs" / "China-Real-Estate-Policy-Database"


def place(path: Path) -> tuple:
    r = read_report(path)
    return r.province, r.city, r.district, r.town


def test_a_news_item_saying_the_unit_issued_measures_without_naming_a_document():
    # '据微信公众号“江宁发布”4月12日消息,江苏省南京市江宁区发布促进房地产市场平稳健康发展的最新举措'
    assert place(ESTATE / "2024-04-12_POL_C430716D9DBCF44E41A2.txt") == ("江苏省", "南京市", "江宁区", None)


def test_joint_issuers_of_a_news_item_the_first_named_in_full():
    # '湖北省武汉市黄陂区住建局、财政局、教育局、卫健局、人社局、商务局联合发布《黄陂区…若干措施》'
    assert place(ESTATE / "2024-06-16_POL_E54D2C4E8677A3602BCF.txt") == ("湖北省", "武汉市", "黄陂区", None)


def test_a_body_that_calls_itself_the_city_twice_and_names_one_city_once():
    # '在郑州市市内五区…对…本市户籍居民家庭和…非本市户籍居民家庭限购…'
    assert place(ESTATE / "2016-09-30_POL_D9871CF7AB7E96EDDE0C.txt") == ("河南省", "郑州市", None, None)


def test_a_body_that_calls_itself_the_city_once_and_names_one_city_once():
    # '…出台我市住房限购实施意见…暂停向其出售贵阳市中心城区…的住房': nothing else competes
    assert place(ESTATE / "2011-01-31_POL_DEF6A1D14C78E219F5F8.txt") == ("贵州省", "贵阳市", None, None)
    # a city named as the model another follows is not the one that follows it
    assert self_reference("本市住房公积金缴存基数上限、下限均参照长沙市标准执行。") is None
    assert self_reference("本市住房公积金缴存基数上限、下限均按长沙市标准执行。").name == "长沙市"


def test_an_excerpt_without_issuer_or_self_reference_is_the_city_it_names_most():
    # '三明市区户籍居民家庭在三明市区购买…非三明市区户籍居民在三明市区购买…'
    assert place(ESTATE / "2018-05-18_POL_5A73237B391D259C8CAD.txt") == ("福建省", "三明市", None, None)
    # named once, the counties it lists count for it: '廊坊市主城区(含广阳区、安次区…)、三河市、大厂回族自治县…'
    assert place(ESTATE / "2017-05-31_POL_DE6CF9E4F0945F8E0469.txt") == ("河北省", "廊坊市", None, None)
    # a city's notice naming one of its districts is the city's: '常州市区(不含金坛区)…常州市区(不含金坛区)'
    assert place(ESTATE / "2020-09-04_POL_3F25B6E7DBAE89633924.txt") == ("江苏省", "常州市", None, None)
    # '取消我省普通住宅和非普通住宅标准…由海口市先行探索…海口市相关部门': the province's, not its capital's
    assert place(ESTATE / "2025-08-15_POL_8B5D7461B39B6568C66A.txt") == ("海南省", None, None, None)
    assert scope("取消我省普通住宅标准,由海口市先行探索,具体方案由海口市相关部门制定。") is None
    # '我区' of an autonomous region: not the city it names (宁夏's 2024-10-29_POL_F3593FE459695C93D2A0)
    assert scope("结合我区实际,制定本措施。推进银川市灵活就业人员参加住房公积金制度,银川市先行。") is None
    assert scope("推进银川市灵活就业人员参加住房公积金制度,银川市先行。").name == "银川市"
    # once is not enough, nor a tie, nor a firm's text
    assert scope("在三明市区购买商品住房的,取得不动产权属证书满三年方可上市交易。") is None
    assert scope("在三明市、南平市购买住房的,三明市、南平市户籍居民家庭…") is None
    assert scope("国网三明供电公司:三明市、三明市区的用电…") is None
    assert scope("在三明市区购买住房的,三明市户籍居民家庭…").name == "三明市"


def test_a_national_organ_s_office_in_a_place_is_that_place_s():
    # signed '珠海市住房和城乡建设局中国人民银行珠海市分行' + '国家金融监督管理总局珠海监管分局'
    assert place(ESTATE / "2023-09-06_POL_8A1B579B5B624BF0AF15.txt") == ("广东省", "珠海市", None, None)
    for issuer, unit in [
        ("国家金融监督管理总局珠海监管分局", "珠海市"),
        ("中国人民银行四川省分行", "四川省"),
        ("国家税务总局重庆市税务局", "重庆市"),
        ("国家统计局湖南调查总队", "湖南省"),
    ]:
        assert find_place([], [], None, "现将有关事项通知如下。", issuer)[0].name == unit
    # the organ itself is the whole country's
    assert find_place([], [], None, "现将有关事项通知如下。", "国家金融监督管理总局")[0] is None


def test_the_places_a_unit_names_side_by_side_are_others():
    # Tianjin's notice: '职工及配偶在北京市、河北省购买自有住房,且在本市无购房提取…' is not Beijing's
    assert place(ESTATE / "2024-10-28_POL_765FBF4ED0CCD1D25747.txt") == (None, None, None, None)
    # 2024-10-25_POL_C2347D0C5921ED54EA93 (泰州市): '缴存在靖江市、泰兴市或兴化市的' names three of its counties
    text = "结合我市实际,现就进一步优化我市住房公积金使用政策通知如下:缴存在靖江市、泰兴市或兴化市的,只核查所在市房产情况。"
    assert self_reference(text) is None
    # a city and its own county listed together are no peers: '划分为镇江市、丹阳市、句容市、扬中市' (镇江市's)
    text = (
        "在我市行政区划划分的实际工作所在地,行政区划划分为镇江市、丹阳市、句容市、扬中市,无自有住房的,按我市规定提取。"
    )
    assert self_reference(text).name == "镇江市"


def test_a_city_s_body_that_names_only_its_province_is_placed_in_the_province():
    # 福州市's notice: '经福建省市场利率定价自律机制决议通过,本市五城区户籍居民家庭…' (no city named)
    assert place(ESTATE / "2017-03-28_POL_B053A138F96A142431FD.txt") == ("福建省", None, None, None)
    # a county's naming its city and province: the city (excerpts of 2022-09-21_POL_DCE2E7036D23BDEF12F9, 衡东县)
    text = (
        "促进我县房地产市场和建筑业平稳健康发展,特制定本政策措施。全县统一执行60万元的住房公积金贷款额度上限。"
        "按照《衡阳市城区商品房预售资金监管办法》进行监管。招标人可以根据《湖南省房屋建筑和市政基础设施工程招标投标管理办法》"
    )
    assert self_reference(text).name == "衡阳市"
    # '我区' in an autonomous region may be the region itself (宁夏's 2024-10-29_POL_F3593FE459695C93D2A0)
    text = "结合我区实际,制定本措施。“房票”可在全区城市范围通兑。更大力度推进银川市灵活就业人员参加住房公积金制度。"
    assert self_reference(text) is None


def test_a_city_s_short_name_after_its_province_in_an_issuer_s_name():
    # '7月1日,湖北省荆州住房公积金中心发布《…》': 荆州 is 荆州市 or its own 荆州区, the city either way
    assert place(ESTATE / "2024-07-01_POL_2CDF52F6CE325F372A32.txt") == ("湖北省", "荆州市", None, None)
    assert [[u.name for u in level] for level in places.chain("广东省深圳住建局")] == [["广东省"], ["深圳市"]]
    # a short form two unrelated units share is none: 中山 (中山市, 大连's 中山区), 吉林 (吉林省, 吉林市)
    assert places.chain("广东省中山大学") == [[places.resolve("广东省")]] and places.units("吉林") == []


LAWS = ESTATE.parent / "LawRefBook-Laws"


def test_a_city_s_congress_written_without_di_before_its_term():
    # '湖州市七届人民代表大会常务委员会第三十一次会议通过', approved by '浙江省第十二届…': 湖州市's regulation
    assert place(LAWS / "huzhou_sanitation_2019.md") == ("浙江省", "湖州市", None, None)


def test_a_free_trade_zone_s_title_names_its_place_in_brackets():
    # '中国（上海）自由贸易试验区条例', a regulation of Shanghai; the State Council's plan for it is national
    assert place(LAWS / "shanghai_ftz_2014.md") == ("上海市", "上海市", None, None)
    assert title_issuer("国务院关于印发中国（上海）自由贸易试验区总体方案的通知") == "国务院"


def test_the_central_bank_by_its_short_name_is_national():
    # 2023-01-11_POL_290EC649283A8ADF2766: the meeting of 人民银行营业管理部 (its Beijing office), which
    # names 北京市委 as any national organ in Beijing may
    title = "人民银行营业管理部召开2023年工作会议"
    text = (
        title + "\n1月12日,2023年人民银行营业管理部工作会议以现场与视频结合形式召开。会议传达学习贯彻2023年中国人民银行"
        "工作会议暨全国外汇管理工作会议精神,以及北京市委第十三届第二次全会精神。\n在总行党委的正确领导和北京市委市政府"
        "的指导支持下,全力助企纾困和稳住首都经济基本盘。全市金融运行总体平稳。"
    )
    assert find_place([title], [], title, text) == (None, [])


def test_a_notice_that_issues_a_plan_signs_off_before_the_plan():
    # '…现印发给你们,请认真贯彻落实。' / '晋城市人民政府办公室' / '2023年6月30日' / '(此件公开发布)' / the plan
    r = read_report(ESTATE / "2023-07-27_POL_E911A7C5CA76AE41B10A.txt")
    assert (r.province, r.city, r.district, r.issuer) == ("山西省", "晋城市", None, "晋城市人民政府办公室")
    # joint issuers one a line above the date, the first decides (Huace 014, 上海市科委 and 杨浦区政府's plan)
    lines = [
        "各有关单位：",
        "现予以印发，请认真按照执行。",
        "上海市科学技术委员会",
        "上海市杨浦区人民政府",
        "2025年3月10日",
    ]
    text = "\n".join(lines + ["杨“数”浦新质秀带创新区建设方案", "为全面贯彻落实习近平总书记考察上海重要讲话精神。"])
    assert find_place([], [], None, text)[0].name == "上海市"


# News openings, each a real excerpt (the file it comes from named), and the issuers read from them.
NEWS = [
    # the unit issued measures without naming a document (2022-09-09_POL_409E2969B9D5D345508D, 2023-12-12_POL_C12D5CD4ABE6FB43A102)
    ("为促进绍兴越城区房地产业良性循环和健康发展,稳地价、稳房价、稳预期,越城区推出房产新政18条。", ["越城区"]),
    ("促进房地产市场平稳健康发展,近日,姜堰区制定出台《姜堰区房屋征收补偿房票安置实施办法(试行)》。", ["姜堰区"]),
    # a city's short name at the start of the unit's name (2022-09-01_POL_A09D5E916D832036A9AD)
    ("9月1日,杭州富阳区发布了《“聚力人才招引助力产业强区”的若干意见》。", ["杭州富阳区"]),
    # joint issuers, the first named in full (2025-09-30_POL_192F84122895FF96532F)
    (
        "9月30日,宁乡市住房和城乡建设局、宁乡市自然资源局、宁乡市财政局、宁乡市教育局、长沙住房公积金管理中心"
        "宁乡市管理部、宁乡市征地服务中心等6部门联合发布《关于促进宁乡市房地产平稳健康高质量发展的若干措施》。",
        ["宁乡市住房和城乡建设局"],
    ),
    # the issuer in the second sentence (2022-05-10_POL_25A135E788334B7DEE43)
    (
        "长沙正加快建立多主体供给、多渠道保障、租购并举的住房制度。记者11日从长沙市住建局获悉,长沙市培育和发展住房租赁"
        "市场工作领导小组日前正式印发《方案》。",
        ["长沙市住建局", "长沙市培育和发展住房租赁市场工作领导小组"],
    ),
    # not the issuer of a document cited (2022-06-24_POL_6DE6F26DE274AF5F03FA)
    (
        "为贯彻落实《福建省住房和城乡建设厅印发〈关于稳住住建行业经济运行若干措施〉的通知》(闽建办〔2022〕5号)文件要求,"
        "结合我市实际,龙岩市住房公积金管理委员会出台政策支持职工合理住房需求。",
        ["龙岩市住房公积金管理委员会"],
    ),
    # the words around the issuer (2023-05-04_POL_E96637C54AD260C26AA6, 2023-07-07_POL_EDBC42E4E70AC014A573,
    # 2023-01-31_POL_48D9A35D987C7580A429, 2024-09-17_POL_53FAA80926C0652DA12A)
    (
        "5月5日,澎湃新闻(www.thepaper.cn)从江苏省苏州市住房公积金管理中心热线获悉,苏州大市范围内住房公积金贷款政策有所调整。",
        ["江苏省苏州市住房公积金管理中心"],
    ),
    (
        "为贯彻落实中央精神,九江市人民政府办公室于2022年6月2日印发《关于印发促进房地产业健康发展和良性循环若干措施的通知》。",
        ["九江市人民政府办公室"],
    ),
    ("为稳定经济增长,提升住房公积金服务管理,沈阳住房公积金管理中心近期出台系列举措。", ["沈阳住房公积金管理中心"]),
    ("9月17日,南京市房产局宣布,将在2024年金秋房展会期间发放限时购房补助。", ["南京市房产局"]),
    # a unit's figures, its press conference: no issuing
    ("上海市发布的数据显示,5月份新建商品住宅成交面积回升。", []),
    ("4月12日,南京市发布会介绍了全市楼市情况。", []),
]


@pytest.mark.parametrize(("opening", "issuers"), NEWS)
def test_a_news_item_s_opening_names_its_issuer(opening: str, issuers: list[str]):
    assert news_issuers(opening) == issuers


def test_a_street_office_named_as_its_district_governments_is_the_street_s(tmp_path):
    # a 街道办事处 is the district government's agency and is often named so in its sign-off and seal
    name = "上海市浦东新区人民政府陆家嘴街道办事处"
    assert [[u.name for u in level] for level in places.chain(name)] == [["上海市"], ["浦东新区"], ["陆家嘴街道"]]
    assert [[u.name for u in level] for level in places.chain("浦东新区人民政府关于加强街道工作的通知")] == [
        ["浦东新区"]
    ]
    path = tmp_path / "notice.txt"
    path.write_text(
        "关于开展2023年度社区治理工作的通知\n\n各居民区党组织、居委会：\n\n为进一步加强社区治理，现将有关事项通知如下。\n\n"
        f"{name}\n2023年5月30日\n",
        encoding="utf-8",
    )
    r = read_report(path)
    assert (r.province, r.city, r.district, r.town) == ("上海市", "上海市", "浦东新区", "陆家嘴街道")
