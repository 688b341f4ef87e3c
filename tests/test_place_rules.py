"""Rules for who issued a document, each on a real file (tests/fixtures/realdocs, sources.json) or a short
real excerpt: news openings, self-references, chains of names, the congress that adopted a regulation."""

from pathlib import Path

from policysearch import read_report
from policysearch.describe import news_issuers

ESTATE = Path(__file__).parent / "fixtures" / "realdocs" / "China-Real-Estate-Policy-Database"


def place(path: Path) -> tuple:
    r = read_report(path)
    return r.province, r.city, r.district, r.town


def test_a_news_item_saying_the_unit_issued_measures_without_naming_a_document():
    # '据微信公众号“江宁发布”4月12日消息,江苏省南京市江宁区发布促进房地产市场平稳健康发展的最新举措'
    assert place(ESTATE / "2024-04-12_POL_C430716D9DBCF44E41A2.txt") == ("江苏省", "南京市", "江宁区", None)
    # '…稳预期,越城区推出房产新政18条' (2022-09-09_POL_409E2969B9D5D345508D), '近日,姜堰区制定出台《…》'
    assert news_issuers(
        "为促进绍兴越城区房地产业良性循环和健康发展,稳地价、稳房价、稳预期,越城区推出房产新政18条。"
    ) == ["越城区"]
    assert news_issuers("促进房地产市场平稳健康发展,近日,姜堰区制定出台《姜堰区房屋征收补偿房票安置实施办法》。") == [
        "姜堰区"
    ]
    # a city's short name at the start of the unit's name: '9月1日,杭州富阳区发布了《…》'
    assert news_issuers("9月1日,杭州富阳区发布了《“聚力人才招引助力产业强区”的若干意见》。") == ["杭州富阳区"]


def test_a_unit_s_press_conference_its_figures_or_its_account_are_no_issuing():
    assert news_issuers("上海市发布的数据显示,5月份新建商品住宅成交面积回升。") == []
    assert news_issuers("4月12日,南京市发布会介绍了全市楼市情况。") == []


def test_joint_issuers_of_a_news_item_the_first_named_in_full():
    # '湖北省武汉市黄陂区住建局、财政局、教育局、卫健局、人社局、商务局联合发布《黄陂区…若干措施》'
    assert place(ESTATE / "2024-06-16_POL_E54D2C4E8677A3602BCF.txt") == ("湖北省", "武汉市", "黄陂区", None)
    # 2025-09-30_POL_192F84122895FF96532F: '…等6部门联合发布《…》'
    opening = (
        "9月30日,宁乡市住房和城乡建设局、宁乡市自然资源局、宁乡市财政局、宁乡市教育局、长沙住房公积金管理中心"
        "宁乡市管理部、宁乡市征地服务中心等6部门联合发布《关于促进宁乡市房地产平稳健康高质量发展的若干措施》。"
    )
    assert news_issuers(opening) == ["宁乡市住房和城乡建设局"]
