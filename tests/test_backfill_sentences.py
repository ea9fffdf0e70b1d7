"""Sentences in the styles of other bureaus (written for these tests, not taken from a report): each
gives exactly the proposals listed, and nothing else (app.backfill.extract with its rules)."""

from __future__ import annotations

import pytest

from app.backfill.extract import extract

YEAR = 2022

# (sentence, [(indicator, value, scope)]) — the whole list of proposals the sentence gives.
CASES: list[tuple[str, list[tuple[str, int | float, str]]]] = [
    # 万 and 亿
    (
        "2022年，全区共检查生产经营单位1.23万家次，发现各类隐患4,512项，已整改4,380项，整改率97.1%。",
        [
            ("inspection.enterprises", 12300, "total"),
            ("inspection.hazards_found", 4512, "total"),
            ("inspection.hazards_rectified", 4380, "total"),
        ],
    ),
    (
        "全年立案查处安全生产违法案件156起，罚款合计1.5亿元。",
        [
            ("penalty.cases", 156, "total"),
            ("penalty.fines_yuan", 150_000_000, "total"),
        ],
    ),
    (
        "全年实施行政处罚案件56件，罚款金额共计312.6万元，责令停产停业整顿8家，行政拘留3人。",
        [
            ("penalty.cases", 56, "total"),
            ("penalty.fines_yuan", 3_126_000, "total"),
            ("penalty.suspensions", 8, "total"),
            ("penalty.detentions", 3, "total"),
        ],
    ),
    ("罚款12.35万元。", [("penalty.fines_yuan", 123_500, "total")]),
    # Chinese numerals
    ("全年罚没款二百三十万元。", [("penalty.fines_yuan", 2_300_000, "total")]),
    ("共检查企业一千二百家次。", [("inspection.enterprises", 1200, "total")]),
    (
        "组织应急演练两百场，参演人员两万人次。",
        [
            ("drill.drills", 200, "total"),
            ("drill.participants", 20000, "total"),
        ],
    ),
    (
        "全年发生一般生产安全事故一起，死亡一人。",
        [
            ("accident.count", 1, "total"),
            ("accident.deaths", 1, "total"),
        ],
    ),
    ("全年检查企业１２３４家次。", [("inspection.enterprises", 1234, "total")]),  # full-width digits
    # Two figures in one clause (and in two clauses of one sentence)
    (
        "召开案审会十一次、审议案件二十八件。",
        [
            ("case_review.meetings", 11, "total"),
            ("case_review.cases", 28, "total"),
        ],
    ),
    (
        "开展执法培训十二期，培训执法人员三百人次；组织考试3场，参考人员280人。",
        [
            ("training.sessions", 12, "total"),
            ("training.trainees", 300, "total"),
            ("training.exams", 3, "total"),
            ("training.examinees", 280, "total"),
        ],
    ),
    (
        "共组织应急演练5次，参加演练1,200余人次。",
        [
            ("drill.drills", 5, "total"),
            ("drill.participants", 1200, "total"),
        ],
    ),
    ("共开展“双随机、一公开”抽查86次。", [("double_random.inspections", 86, "total")]),
    ("联合市场监管、消防等部门开展联合抽查25家次。", [("double_random.joint_inspections", 25, "total")]),
    # A figure of last year beside this year's: only this year's
    ("检查企业3.2万家次（去年同期2.8万家次）。", [("inspection.enterprises", 32000, "total")]),
    ("检查企业3.2万家次，较上年增加0.4万家次。", [("inspection.enterprises", 32000, "total")]),
    ("2021年检查企业1.8万家次，2022年检查企业2.1万家次。", [("inspection.enterprises", 21000, "total")]),
    (
        "发生生产安全事故3起，死亡2人，同比分别下降25%和33%。",
        [
            ("accident.count", 3, "total"),
            ("accident.deaths", 2, "total"),
        ],
    ),
    ("去年同期检查企业2.8万家次。", []),
    ("与去年同期相比，检查企业数增加1200家次。", []),
    ("“十三五”期间，全区事故死亡人数从53人下降到19人。", []),
    ("近3年累计检查企业5万家次。", []),
    ("1—9月检查企业9800家次。", []),
    ("上半年检查企业5000家次。", []),
    # Dates, document numbers, ranks, staff, laws, percentages, plans: never figures
    ("于2022年3月15日印发《关于开展2022年执法检查的通知》（某应急〔2022〕3号）。", []),
    ("依据《安全生产法》第九十四条，对5家企业责令停产停业整顿。", [("penalty.suspensions", 5, "total")]),
    ("全市排名第一，在全市考核中获第3名。", []),
    ("本局现有执法人员45人，其中持证执法人员40人。", []),
    ("组织局机关干部30人参加执法培训。", []),
    ("组织我局4人、街道5人，共9人参加行政执法证件培训考试。", []),
    ("执法检查覆盖率达到95%，检查企业数同比增长12.5%。", []),
    ("力争2023年检查企业达到2万家次。", []),
    ("计划全年检查企业2万家次。", []),
    ("平均每月检查企业150家次。", []),
    ("将3万元以下的行政处罚权限委托至镇街。", []),
    ("开展执法检查和隐患排查各5次。", []),
    ("检查企业和单位分别为300家和200家。", []),
    ("我们和消防部门一起开展演练。", []),
    ("一是落实“三项制度”，二是开展“两个示范”创建。", []),
    ("印制新《安全生产法》读本6000份，发放宣传资料2万份。", []),
    ("受理举报投诉案件120件，办理行政复议案件2件。", []),  # complaints and appeals are no penalties
    ("办理行政处罚案件45件。", [("penalty.cases", 45, "total")]),
    # Parts of the year
    (
        "安全生产月期间开展宣传活动8场，受众3000人次。",
        [
            ("publicity.events", 8, "part"),
            ("publicity.audience", 3000, "part"),
        ],
    ),
    (
        "全年开展普法宣传活动120场，受众3.5万人次，其中安全生产月期间8场。",
        [
            ("publicity.events", 120, "total"),
            ("publicity.audience", 35000, "total"),
        ],
    ),
    (
        # 其中 before another indicator's figure: that indicator's total (a subset of the inspections).
        "开展执法检查1200家次，其中“双随机”抽查300家次。",
        [
            ("inspection.enterprises", 1200, "total"),
            ("double_random.inspections", 300, "total"),
        ],
    ),
    ("开展部门联合抽查3次，检查企业24家。", [("double_random.joint_inspections", 24, "total")]),
    ("开展危化品专项检查，检查企业120家次。", [("inspection.enterprises", 120, "part")]),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[c[0][:24] for c in CASES])
def test_a_sentence_gives_exactly_its_figures(sentence: str, expected: list[tuple[str, int | float, str]]) -> None:
    got = [(p.indicator, p.value, p.scope) for p in extract(sentence, year=YEAR).proposals]
    assert got == expected


def test_the_part_in_a_total_sentence_is_noted_as_one() -> None:
    # "其中…8场" states no measure word of its own for publicity, so it is not proposed at all;
    # where it does, it is a part.
    got = extract("全年开展普法宣传活动120场，其中安全生产月期间开展宣传活动8场。", year=YEAR).proposals
    assert [(p.value, p.scope) for p in got] == [(120, "total"), (8, "part")]


@pytest.mark.parametrize(
    ("sentence", "indicator", "alternatives"),
    [
        # 案件 alone: a penalty case or a case reviewed.
        ("办结案件45件。", "penalty.cases", ["case_review.cases"]),
        # Two activities before one figure: the nearer words win, the other is an alternative.
        ("开展应急演练和执法培训12次。", "training.sessions", ["drill.drills"]),
        ("组织执法人员参加培训考试3次。", "training.exams", ["training.sessions"]),
        # Published spot checks are spot checks too.
        ("全年在政务网公开双随机抽查199件。", "double_random.published", ["double_random.inspections"]),
    ],
)
def test_ambiguous_sentences_give_alternatives(sentence: str, indicator: str, alternatives: list[str]) -> None:
    (proposal,) = extract(sentence, year=YEAR).proposals
    assert proposal.indicator == indicator
    assert [a.indicator for a in proposal.alternatives] == alternatives
    assert all(a.value == proposal.value for a in proposal.alternatives)
    assert proposal.confidence <= 0.8
    assert "alternatives" in [n.code for n in proposal.notes]


def test_two_different_totals_of_one_indicator_flag_each_other() -> None:
    text = "全年检查企业1200家次。\n全年共开展执法检查1350家次。"
    first, second = extract(text, year=YEAR).proposals
    assert (first.value, second.value) == (1200, 1350)
    assert [a.value for a in first.alternatives] == [1350]
    assert [a.value for a in second.alternatives] == [1200]
    assert all("conflict" in [n.code for n in p.notes] for p in (first, second))
    assert max(first.confidence, second.confidence) < 0.7


def test_a_figure_stated_twice_is_proposed_once() -> None:
    text = "全年检查企业1200家次。\n综上，全年检查企业1200家次。"
    assert len(extract(text, year=YEAR).proposals) == 1


def test_approximate_figures_are_lower_bounds_at_lower_confidence() -> None:
    exact, about = (extract(t, year=YEAR).proposals[0] for t in ("检查企业7000家次。", "检查企业7000余家次。"))
    assert about.value == exact.value == 7000
    assert about.approximate and not exact.approximate
    assert about.confidence < exact.confidence
    assert "approximate" in [n.code for n in about.notes]


def test_a_measure_word_that_does_not_fit_is_never_proposed() -> None:
    # 检查 with 次 (not 家次), 罚款 with 人, 演练 with 家: no indicator takes these measures.
    assert extract("开展执法检查12次，罚款3人，演练5家。", year=YEAR).proposals == []


def test_sections_of_plans_and_shortcomings_hold_no_figures() -> None:
    text = (
        "一、主要成效\n全年检查企业1200家次。\n二、存在的问题\n仍有12家企业隐患未整改。\n"
        "三、下一年度工作安排\n检查企业1500家次。"
    )
    assert [p.value for p in extract(text, year=YEAR).proposals] == [1200]


def test_another_years_figure_is_kept_when_the_year_is_unknown_but_its_own_is_preferred() -> None:
    # Without a year the text's years cannot be told apart: both stand, flagged as a conflict.
    proposals = extract("2021年检查企业1.8万家次，2022年检查企业2.1万家次。").proposals
    assert [p.value for p in proposals] == [18000, 21000]
    assert all("conflict" in [n.code for n in p.notes] for p in proposals)
