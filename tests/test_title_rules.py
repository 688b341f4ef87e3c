"""Titles and dates of real documents as readers expect them: each test is a rule of the genre,
on a real file (tests/fixtures/realdocs, see sources.json there)."""

from __future__ import annotations

import os

from policysearch import read_report
from policysearch.describe import headline, kind_of

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


def test_a_doc_number_run_into_the_issuers_line_is_not_part_of_the_title():
    # '巴住公管委〔2022〕7号巴中市住房公积金管理委员会' + '关于调整住房公积金使用政策的批复'
    r = housing("2022-05-23_POL_50757B0C34B4E13CBB88.txt")
    assert r.title == "巴中市住房公积金管理委员会关于调整住房公积金使用政策的批复"
    assert r.doc_number == "巴住公管委〔2022〕7号"


def test_a_red_header_with_a_misbracketed_doc_number_is_not_part_of_the_title():
    # '台州市住房公积金管理委员会办公室文件台房金管办2022]1号' over the title
    r = housing("2022-05-17_POL_300C6D791C586EC86272.txt")
    assert r.title == "关于调整台州市住房公积金个人住房发款有关政策的通知"


# ---- a text without a title line: the policy its opening reports as issued ----------------


def test_a_news_report_is_titled_by_the_policy_it_reports():
    # '…淮北银保监分局印发《关于淮北市购房优惠政策的实施意见》,2022年房展会期间…'
    r = housing("2022-04-11_POL_DB94906D8ED210B8D889.txt")
    assert (r.title, r.doc_type) == ("关于淮北市购房优惠政策的实施意见", "实施意见")


def test_an_excerpt_opening_with_the_policys_name_is_titled_by_it():
    r = housing("2022-01-18_POL_0B7CDE3A2301A4B8C0EB.txt")
    assert (r.title, r.doc_type) == ("关于调整住房公积金政策问题的通知", "通知")


def test_a_covering_notice_without_its_title_is_titled_by_what_it_issues():
    # '各市、自治州人民政府…:' then '经省人民政府同意,现将《贵州省…行动方案》印发给你们'
    r = housing("2022-10-09_POL_5B46D8D3EE92A8D4ADB9.txt")
    assert r.title == "贵州省推动复工复产复市促进经济恢复提振行动方案"


def test_a_short_opening_sentence_that_reports_a_policy_is_not_the_title():
    # '近日印发《关于…的通知》(以下简称《若干措施》)该措施从颁布起施行…' is a sentence, not a title
    r = housing("2022-07-14_POL_C7CCBF72390130BB2EE2.txt")
    assert r.title == "关于促进中心城区住房消费的若干措施的通知"


def test_a_subheading_of_a_news_report_is_not_its_title():
    # the report opens with a paragraph; '选定两家市属国企作为试点企业' below it is a subheading
    r = housing("2022-05-10_POL_25A135E788334B7DEE43.txt")
    assert r.title == "关于推进长沙市租赁住房多主体供给多渠道保障盘活存量房的试点实施方案"


# ---- dates ------------------------------------------------------------------------------


def law(name: str):
    return read_report(os.path.join(REAL, "LawRefBook-Laws", name))


def test_a_laws_history_on_one_long_line_gives_its_latest_amendment():
    # '2005年…通过根据2011年…第一次修正根据…根据2020年9月24日…第四次修正' on one line of 500 characters
    assert law("zhejiang_fisheries_2020.md").date == "2020-09-24"


def test_a_laws_history_with_an_entry_broken_over_two_lines_gives_its_latest_amendment():
    # '1989年11月18日…《关于修改〈…乡' + '镇人民代表大会…〉的决定》第一次修正' and on to 2021
    assert law("shanghai_direct_elections_2021.md").date == "2021-03-24"


def test_a_laws_history_longer_than_the_head_is_read_to_its_end():
    # thirteen entries, the last '2022年1月21日…批准' / '…公告公布'
    assert law("qingdao_gas_2022.md").date == "2022-01-21"


def test_the_day_a_law_takes_effect_without_qi_is_not_its_date():
    # '…2013年12月9日杭州市…公告第14号公布自2014年1月1日施行'
    assert law("hangzhou_liangzhu_2013.md").date == "2013-12-09"


def test_a_sign_off_of_several_issuers_stands_apart_from_the_attachment_line_above_it():
    # '附件:南京市…咨询服务窗口及电话' / '南京市住房保障和房产局' / '南京市发展和改革委员会' / '南京市财政局' / '2025年2月15日'
    r = housing("2025-02-15_POL_829705CFC60B24030686.txt")
    assert r.date == "2025-02-15"
    assert r.paragraphs[-1].text == "2025年2月15日"


def test_a_sign_off_with_the_issuer_and_the_date_on_one_line():
    # '…监督电话:呈贡区住房和城乡建设局 0871-67470281' / '昆明市呈贡区住房和城乡建设局 2025年4月20日'
    assert housing("2025-04-20_POL_3A50207489E081F1F637.txt").date == "2025-04-20"


def test_the_day_a_policy_expires_is_not_its_date():
    # '本通知自发布之日起施行,有效期至2028年12月31日' over the sign-off '2026年4月16日'
    assert housing("2026-04-16_POL_2BA3690E33F471E4C6B2.txt").date == "2026-04-16"
    # a report: '上述公积金贷款新政自2022年5月11日起至2022年12月31日止'
    assert housing("2022-05-11_POL_8FC71237498CF58797C9.txt").date == "2022-05-11"


def test_a_doc_number_cited_in_a_sentence_is_not_the_documents_own():
    # '根据《住房公积金管理条例》《关于印发的通知》(云房金〔2021〕46号)等文件精神,…'; the notice takes
    # effect '自2022年9月5日起', which the cited number's year must not veto
    r = housing("2022-09-05_POL_21A68A9BDE8009A765DF.txt")
    assert r.doc_number is None
    assert r.date == "2022-09-05"


def test_a_news_report_without_a_date_of_its_own_is_dated_by_its_dateline():
    # '2022年11月21日,人民银行、银保监会联合召开全国性商业银行信贷工作座谈会…'
    assert housing("2022-11-21_POL_038373C8EB14082C5F9C.txt").date == "2022-11-21"
    # '烟台市政府新闻办公室于2025年2月8日召开烟台市发放定向购房优惠券新闻发布会…'
    assert housing("2025-02-08_POL_57C72F2DB3C46B7B39D3.txt").date == "2025-02-08"


def test_a_doc_number_cited_by_a_sentence_of_purpose_is_not_the_documents_own():
    # '为贯彻落实《中共揭阳市委办公室…的通知》(揭办字〔2022〕42号)…'; '该政策自2023年3月14日起施行'
    r = housing("2023-03-14_POL_027CE11A58BA036D9C8B.txt")
    assert r.doc_number is None
    assert r.date == "2023-03-14"


def test_the_day_it_takes_effect_may_be_written_without_zi():
    # '…经市住房公积金管理委员会审议通过,2022年9月24日起,实施高层次人才住房公积金优惠政策。'
    assert housing("2022-09-24_POL_7F8BBCB4187D3B3F2937.txt").date == "2022-09-24"


# ---- flattened texts ----------------------------------------------------------------------


def flattened(name: str):
    return read_report(os.path.join(REAL, "GovDocClassification", name))


def test_the_signer_after_a_flattened_doc_number_is_not_the_title():
    # '国网陕西后勤服务中心文件后勤中心办〔2021〕13号 签发人：XXX国网陕西后勤服务中心关于…的报告国网陕西省电力有限公司：…'
    r = flattened("shaanxi_logistics_report_signer.txt")
    assert r.title == "国网陕西后勤服务中心关于呈送安全生产专项整治三年行动“两个清单”的报告"
    assert (r.doc_type, r.doc_number) == ("报告", "后勤中心办〔2021〕13号")


def test_a_flattened_telegram_s_marks_and_numbers_before_its_title_are_not_the_title():
    # '中共山东省委办公厅发电等级特急，明电鲁办发电（2020）164号鲁机发4043号中共山东省委办公厅…关于召开…的通知
    # 各市党委和人民政府，…:': the letterhead and its marks, the 文号, the 机要 number, then the title
    r = flattened("train_0088.txt")
    assert r.title == "中共山东省委办公厅山东省人民政府办公厅关于召开山东省抗击新冠肺炎疫情表彰大会的通知"
    assert (r.doc_type, r.province) == ("通知", "山东省")


def test_a_flattened_request_ends_its_title_at_qingshi():
    # '…签发人：XXX中共国网渭南供电公司委员会关于推荐XXX同志参选…代表的请示中共国网陕西省电力有限公司委员会：…'
    r = flattened("weinan_party_request_signer.txt")
    assert r.title == "中共国网渭南供电公司委员会关于推荐XXX同志参选渭南市第六次党代表大会代表的请示"
    assert r.doc_type == "请示"


def test_a_letter_spaced_title_run_into_its_doc_number_keeps_its_last_character():
    # '…请　示　的　通　知国发〔1981〕172号各省、市、自治区人民政府…'
    r = read_report(os.path.join(REAL, "GCCMPD-climate-policy-dataset", "024_1981_spaced_title_notice.txt"))
    assert r.title == "国务院批转国家能源委员会关于地方国营煤矿若干经济政策问题请示的通知"
    assert r.doc_number == "国发〔1981〕172号"


def test_an_order_is_titled_by_the_regulation_it_promulgates():
    # '中华人民共和国国务院令第432号《电力监管条例》已经2005年2月2日国务院第80次常务会议通过，现予公布…'
    r = read_report(os.path.join(REAL, "GCCMPD-climate-policy-dataset", "094_2005_order_promulgating_regulation.txt"))
    assert (r.title, r.doc_type) == ("电力监管条例", "条例")


def test_a_title_line_that_ends_with_wenjian_is_not_a_red_header():
    # '国务院办公厅关于全面推行行政规范性文件' + '合法性审核机制的指导意见'
    r = read_report(os.path.join(REAL, "ZhouYNF-platform-1", "034_2018_legality_review_opinion.txt"))
    assert r.title == "国务院办公厅关于全面推行行政规范性文件合法性审核机制的指导意见"


def test_a_title_of_more_than_eighty_characters_is_still_a_title():
    # '安徽省推进“三地一区”建设领导小组改革开放新高地执行小组办公室关于印发…实施意见的通知' (85 characters)
    r = read_report(os.path.join(REAL, "mengke25-pkulaw-policies", "anhui_rcep_opinion_notice.txt"))
    assert r.title.startswith("安徽省推进“三地一区”建设领导小组改革开放新高地执行小组办公室关于印发")
    assert r.title.endswith("扎实推进高水平开放实施意见的通知")
    assert r.doc_type == "通知"


def test_a_call_for_comments_is_titled_by_the_draft_it_puts_out():
    # '市公积金中心起草了《关于调整优化个人住房公积金贷款政策的通知(征求意见稿)》,2025年2月5日至2月24日期间…'
    r = housing("2025-02-05_POL_36DFCF86FEABB73BE146.txt")
    assert (r.title, r.doc_type) == ("关于调整优化个人住房公积金贷款政策的通知(征求意见稿)", "通知")


def test_a_covering_notice_after_its_doc_number_and_salutation_is_titled_by_what_it_issues():
    # '哈政规〔2024〕10号' / '各区、县(市)人民政府…:' / '现将《哈尔滨市保障性住房配售管理办法(试行)》予以印发…'
    r = housing("2024-12-23_POL_333ACFA814C51A1DC7B5.txt")
    assert (r.title, r.doc_type) == ("哈尔滨市保障性住房配售管理办法(试行)", "办法")


def test_a_motion_adopted_by_a_committee_is_a_kind_of_document():
    # '…管委会集体审议通过了《关于优化住房公积金业务政策和流程的议案》,…'
    r = housing("2023-03-24_POL_C1DD2880E83A72F4FB33.txt")
    assert (r.title, r.doc_type) == ("关于优化住房公积金业务政策和流程的议案", "议案")


def test_a_flattened_head_s_letterhead_marks_and_telegram_number_are_no_part_of_the_title():
    flat = os.path.join(REAL, "GovDocClassification")
    # '山东省发展和改革委员会特提关于召开…的函': the letterhead is the issuer, '特提' its mark
    r = read_report(os.path.join(flat, "train_0129.txt"))
    assert r.title == "关于召开全省工业用电分析专题座谈会的函" and r.doc_type == "函"
    assert (r.issuer, r.province) == ("山东省发展和改革委员会", "山东省")
    # '发电单位中共山东省委办公厅等级特急·明电鲁机发532号中共山东省委办公厅关于…的通知'
    r = read_report(os.path.join(flat, "train_0030.txt"))
    assert r.title == "中共山东省委办公厅关于进一步规范向省委报送请示报告有关事宜的通知"
    # '国家电网有限公司内部事项国网企协关于…的通知': a firm's letterhead and its mark
    r = read_report(os.path.join(flat, "train_0010.txt"))
    assert r.title == "国网企协关于做好企协工作对日部门和人员信息统计工作的通知"
    assert r.province is None


def test_a_page_s_counter_and_font_size_switch_are_furniture_not_the_title():
    # '+1' / '1' / the headline / byline / '来源:澎湃新闻' / '∙地产界>' / '字号' / the text
    r = housing("2023-06-05_POL_3DEC3E63CBA1F1AEA136.txt")
    assert r.title == "南通通州:购买首套或改善性二套新房,最高可补贴房款总额的1.5%"
    assert {"+1", "字号"} <= set(r.dropped)
    assert not any(p.text in ("+1", "字号") for p in r.paragraphs)


def test_an_excerpt_that_opens_with_a_fragment_has_no_title():
    # '01不断优化住宅供给' over '一是优化住宅用地供应结构…'; '市各有关单位' (a salutation without its colon)
    assert housing("2024-10-13_POL_DDFA28D12B2144955C91.txt").title is None
    r = housing("2024-09-30_POL_7CC9DE743DEB74ABD77C.txt")
    assert r.title is None and (r.province, r.city) == ("江苏省", "镇江市")
    for line in ["为", "【热点聚焦】", "富阳区", "各镇人民政府、街道办事处", "一、补贴范围", "(一)补贴对象"]:
        assert not headline(line), line
    # a news item's headline that names no kind of document stays its title
    assert headline("杭州新增3个街道放宽住房限购") and headline("我市调整部分住房公积金贷款政策")


def test_a_sites_spaced_out_fact_table_is_furniture_and_gives_its_facts():
    # '索 引 号:…主题分类:' / '发文机关:…成文日期:…' / '标 题:…' / '文 号:…发布日期:…' / '备案登记号:' /
    # '废止日期:时 效 性:' / '有效', then the notice itself
    r = housing("2026-07-02_POL_08DAB107CC0E8BFDE780.txt")
    assert r.title == "海南省住房公积金管理局关于进一步优化调整住房公积金贷款政策的通知"
    assert r.doc_number == "琼公积金贷〔2026〕10号" and r.date == "2026-07-02"
    assert "有效" in r.dropped and any(d.startswith("标 题:") for d in r.dropped)
    assert not any(p.text.startswith(("索引号", "标题", "有效")) for p in r.paragraphs)


def test_a_posting_time_before_the_source_line_is_furniture_and_an_exclaimed_headline_is_not_the_title():
    # '义安区发布最新通知!购买新房政府有补贴!' / '2023-02-0808:41来源:“魅力义安”微信公众号【字号:小中大】打印' /
    # '关于印发义安区促进房地产市场' + '平稳健康发展若干措施的通知'
    r = housing("2023-02-07_POL_8B2FED8BD99510CCC4A8.txt")
    assert r.title == "关于印发义安区促进房地产市场平稳健康发展若干措施的通知" and r.doc_type == "通知"
    assert any("来源" in d for d in r.dropped)


def test_an_attachment_printed_alone_is_titled_under_its_label():
    # '附件' / '佛山市关于推进“好房子”建设的' / '实施指引' / '一' / '、工作目标'
    r = housing("2026-02-26_POL_927DAD6C04E834B9DCC5.txt")
    assert r.title == "佛山市关于推进“好房子”建设的实施指引" and r.doc_type == "指引"
    assert "一、工作目标" in [p.text for p in r.paragraphs if p.heading]


def test_a_flattened_title_run_into_its_opening_sentence_comes_apart():
    # '…暂行规定(试行)为了进一步发挥住房公积金制度保障作用,…'
    r = housing("2023-01-05_POL_8A9136120FF1CB4B3A82.txt")
    assert r.title == "兰州住房公积金管理中心商业性个人住房贷款转住房公积金个人住房贷款暂行规定(试行)"
    assert r.doc_type == "规定" and r.paragraphs[1].text.startswith("为了进一步发挥")
    # '…评选方案依据《…办法》(国家电网企管〔2018〕1225号)…': the 文号 cited is not the document's
    r = read_report(os.path.join(REAL, "GovDocClassification", "val_0009.txt"))
    assert r.title == "国网陕西省电力有限公司2021年度先进集体、先进个人评选方案"
    assert r.doc_number is None and r.year == 2021


def test_a_wires_bracketed_headline_is_its_title():
    # '【郑州保交楼出台新举措:交房即发证】财联社9月20日电,…'
    assert housing("2022-09-20_POL_7A52D15C8D5DBDCA60FE.txt").title == "郑州保交楼出台新举措:交房即发证"


def test_a_news_lead_glued_before_the_title_is_not_part_of_it():
    # '该市日前修订的《住房公积金个人住房贷款管理实施细则》明确,' + '台州市住房公积金个人住房贷款管理实施细则'
    r = housing("2022-04-12_POL_C8DB13F82F2AB581E11F.txt")
    assert r.title == "台州市住房公积金个人住房贷款管理实施细则" and r.doc_type == "细则"


def test_an_opening_sentence_or_an_explainers_part_is_no_title():
    # '为深入贯彻落实…,适应…,全面落实…的政策措施' broken off its line: a sentence, though it ends like a title
    assert housing("2024-09-25_POL_EF5CAC643414D667622C.txt").title is None
    # '政策出台背景' over the explainer's first paragraph
    assert housing("2022-06-24_POL_6DE6F26DE274AF5F03FA.txt").title is None
    assert not headline("政策出台背景") and headline("我县综合施策")


def test_a_short_headline_broken_over_two_lines_is_joined():
    # '我县综合施策' / '' / '促进房地产市场平稳健康发展' / '' / '为贯彻落实…'
    r = housing("2023-09-22_POL_D771228A8ADB9C544F8A.txt")
    assert r.title == "我县综合施策促进房地产市场平稳健康发展"


def test_a_flattened_internal_papers_title_comes_apart_at_its_occasion_its_heading_or_its_label():
    flat = os.path.join(REAL, "GovDocClassification")
    # '…专项补助的方案近期，陕西西安突发…': the occasion opens the text; '参照…《…》（财社〔2020〕2号）' is cited
    r = read_report(os.path.join(flat, "val_0013.txt"))
    assert r.title == "国网陕西省电力有限公司关于给予奋战在抗击新冠肺炎疫情一线有关人员专项补助的方案"
    assert r.doc_type == "方案" and r.doc_number is None
    # '…有关情况的报告一.2022年营销项目执行情况…': a heading numbered '一.'
    r = read_report(os.path.join(flat, "val_0045.txt"))
    assert r.title == "关于2022年投资调整及2023年投资安排有关情况的报告" and r.doc_type == "报告"
    # '附件国网…服务保障工作方案根据…': an attachment's label run into its title
    r = read_report(os.path.join(flat, "val_0021.txt"))
    assert r.title == "国网陕西省电力有限公司2022年全国两会服务保障工作方案" and r.doc_type == "工作方案"
    # '…评选工作方案的汇报现将…进行汇报。': a 汇报 is a kind of its own, what it presents opens the text
    r = read_report(os.path.join(flat, "val_0020.txt"))
    assert r.title == "关于国网陕西省电力有限公司2022年“巾帼建功标兵”评选工作方案的汇报" and r.doc_type == "汇报"


def test_an_explainer_a_speech_and_a_drafts_explanation_are_kinds_of_their_own():
    # '《…九条措施》政策解读' over '来源:遂宁市住建局栏目:政策解读…': the explainer, not the measures it explains
    r = housing("2022-05-20_POL_2386D20749D8D05D4893.txt")
    assert r.title == "《遂宁市主城区促进房地产业平稳健康发展九条措施》政策解读" and r.doc_type == "解读"
    r = housing("2023-02-03_POL_B7D1BEE11637DFACE02D.txt")
    assert r.title == "关于《关于调整部分住房公积金使用政策的通知》的解读" and r.doc_type == "解读"
    assert kind_of("在全市经济工作会议上的讲话") == "讲话"
    assert kind_of("关于《杭州市物业管理条例（修订草案）》的说明") == "说明"
    assert kind_of("杭州市2024年政府部门权责清单") == "清单"
