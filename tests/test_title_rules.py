"""Titles and dates of real documents as readers expect them: each test is a rule of the genre,
on a real file (tests/fixtures/realdocs, see sources.json there)."""

from __future__ import annotations

import os

from policysearch import read_report

REAL = os.path.join(os.path.dirname(__file__), "fixtures", "realdocs")
HOUSING = os.path.join(REAL, "China-Real-Estate-Policy-Database")


def housing(name: str):
    return read_report(os.path.join(HOUSING, name))


def test_a_web_pages_title_line_does_not_run_into_the_line_under_it():
    # '关于…的通知(试行)' then '文章来源:银川住房公积金管理中心浏览次数:264发布日期:2023-04-18'
    r = housing("2023-05-12_POL_83CBA24945BFD1C37BD2.txt")
    assert r.title == "关于开展提取住房公积金支付购房首付款业务有关事项的通知(试行)"
    assert r.doc_type == "通知"


def test_the_issuers_name_on_its_own_line_over_the_title_is_part_of_it():
    r = housing("2022-05-13_POL_4ADDA1277779D3A6A59E.txt")
    assert r.title == "安庆市住房公积金管理委员会关于调整住房公积金贷款有关政策的意见"


def test_a_title_broken_after_an_organs_name_inside_it_is_joined():
    # '国务院关于同意授权海南省人民政府' + '审批有关用地事项的批复': the first line ends like an organ
    r = housing("2025-06-05_POL_EACEC7BDE3022394200A.txt")
    assert r.title == "国务院关于同意授权海南省人民政府审批有关用地事项的批复"
    assert r.doc_type == "批复"


def test_a_bracketed_tail_on_the_line_under_the_title_belongs_to_it():
    r = housing("2022-09-09_POL_CC6D66F5E181AEFF7D84.txt")
    assert r.title == "关于加快推动青年发展友好型城市建设支持青年首套住房需求的若干措施(试行)"


def test_a_party_committees_proposal_is_a_kind_of_document():
    # '中共湖北省委' + '关于制定…第十五个五年规划的建议'
    r = housing("2025-12-05_POL_119ED2BE1EF2F242F470.txt")
    assert r.title == "中共湖北省委关于制定全省国民经济和社会发展第十五个五年规划的建议"
    assert r.doc_type == "建议"
