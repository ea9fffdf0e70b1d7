"""The acceptance of issue 18 on the two real reports: every figure of DOMAIN.md's seed table is
proposed with the right value and unit, and nothing else is proposed.

How each line of the seed table maps (``SEED_TABLE`` below is the executable form):

河东 2021 (120102)
- 双随机检查公开199件 → double_random.published 199 件, total; double_random.inspections as its
  alternative: "全年公开我局双随机检查199件" counts published checks, and there were at least as many.
- 5 departments jointly spot-checked 12 enterprises → double_random.joint_inspections 12 家, total
  ("五部门" is no figure: 部门 is the measure of no indicator).
- 执法检查807家次 → inspection.enterprises 807, total.
- 案审会28次, 研究案件63件 → case_review.meetings 28 and case_review.cases 63, total: two figures of
  one sentence, each to its own indicator.
- training 4 sessions, 96 person-times → training.sessions 4, training.trainees 96, total.
- exams 5, 139 person-times → training.exams 5, training.examinees 139 (覆盖 139人次 takes the exam of
  the clause before), total.
- 安全生产月 8 events, 7,000+ participants → publicity.events 8 and publicity.audience 7000
  (approximate: 7000余人), both part: a campaign of the year, not the year's publicity.
- 安全生产法 lectures 11, audience 1,350 → publicity.events 11, publicity.audience 1350, part (巡回宣讲).
- "四进" 47 events, audience 12,000 → publicity.events 47, publicity.audience 12000 (1.2万人), part.
- drills named (five) → nothing: the report names drills and states no count; named activities
  are records of their own, not figures.

渝北 2020 (500112)
- 生产安全亡人事故19起 → accident.count 19, total, with the caveat that 亡人事故 are fatal ones only.
- 死亡19人 (同比下降30%以上) → accident.deaths 19, total; neither the percentage nor 十三五's
  "从死亡53人下降到19人" is proposed.
- 检查3.2万家次 → inspection.enterprises 32000 (unit 万家次), total.
- 排查隐患或违法行为3.6万个 → inspection.hazards_found 36000 (unit 万个), total.
- 罚款1712万元 → penalty.fines_yuan 17,120,000 yuan (unit 万元), total.
- 责令停产停业116家 → penalty.suspensions 116; 行政拘留122人 → penalty.detentions 122; both total.

The seed data (seed/report_figures.py) stores publicity.events 66 and publicity.audience 20350 for
河东 2021: the sum of the three campaigns. The report states no such total, so the extraction
proposes the three parts, marked ``part``, and leaves the sum to the reviewer.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.backfill.extract import extract
from app.backfill.proposals import Extraction
from tests.backfill_helpers import HEDONG, YUBEI, gazetteer

# (indicator, value, unit as written, scope, approximate, alternative indicators)
Row = tuple[str, int, str, str, bool, tuple[str, ...]]
SEED_TABLE: dict[str, list[Row]] = {
    "hedong": [
        ("double_random.published", 199, "件", "total", False, ("double_random.inspections",)),
        ("double_random.joint_inspections", 12, "家", "total", False, ()),
        ("inspection.enterprises", 807, "家次", "total", False, ()),
        ("case_review.meetings", 28, "次", "total", False, ()),
        ("case_review.cases", 63, "件", "total", False, ()),
        ("training.sessions", 4, "次", "total", False, ()),
        ("training.trainees", 96, "人次", "total", False, ()),
        ("training.exams", 5, "次", "total", False, ()),
        ("training.examinees", 139, "人次", "total", False, ()),
        ("publicity.events", 8, "场", "part", False, ()),
        ("publicity.audience", 7000, "人", "part", True, ()),
        ("publicity.events", 11, "次", "part", False, ()),
        ("publicity.audience", 1350, "人", "part", False, ()),
        ("publicity.events", 47, "场", "part", False, ()),
        ("publicity.audience", 12000, "万人", "part", False, ()),
    ],
    "yubei": [
        ("accident.count", 19, "起", "total", False, ()),
        ("accident.deaths", 19, "人", "total", False, ()),
        ("inspection.enterprises", 32000, "万家次", "total", False, ()),
        ("inspection.hazards_found", 36000, "万个", "total", False, ()),
        ("penalty.fines_yuan", 17_120_000, "万元", "total", False, ()),
        ("penalty.suspensions", 116, "家", "total", False, ()),
        ("penalty.detentions", 122, "人", "total", False, ()),
    ],
}
REPORTS = {"hedong": (HEDONG, "120102", 2021), "yubei": (YUBEI, "500112", 2020)}


def _extract(report: str) -> Extraction:
    path, _code, _year = REPORTS[report]
    return extract(path.read_text(encoding="utf-8"), gazetteer=gazetteer())


@pytest.mark.parametrize("report", list(REPORTS))
def test_every_seed_figure_is_proposed_and_nothing_else(report: str) -> None:
    found = [
        (p.indicator, p.value, p.unit, p.scope, p.approximate, tuple(a.indicator for a in p.alternatives))
        for p in _extract(report).proposals
    ]
    assert sorted(found) == sorted(SEED_TABLE[report])


@pytest.mark.parametrize("report", list(REPORTS))
def test_district_and_year_come_from_the_report(report: str) -> None:
    _path, code, year = REPORTS[report]
    extraction = _extract(report)
    assert extraction.district is not None and extraction.district.code == code
    assert extraction.year == year


def test_hedong_names_no_district_in_its_title_so_the_bureau_in_the_text_is_read() -> None:
    how = _extract("hedong").how
    assert how.district.source == "body"
    assert how.district.evidence == "天津市河东区应急管理局"
    assert how.year.source == "title" and how.year.evidence == "区应急管理局2021年法治政府建设情况报告"


def test_yubei_title_broken_over_two_lines_reads_as_one() -> None:
    extraction = _extract("yubei")
    assert extraction.how.district.source == "title"
    assert extraction.how.district.evidence is not None
    assert "重庆市渝北区应急管理局" in extraction.how.district.evidence
    assert "关于 2020 年度法治政府建设情况的报告" in extraction.how.district.evidence


@pytest.mark.parametrize("report", list(REPORTS))
def test_offsets_point_at_the_figure_and_its_sentence(report: str) -> None:
    extraction = _extract(report)
    for p in extraction.proposals:
        assert extraction.text[p.start : p.end] == p.written
        assert extraction.text[p.evidence_start : p.evidence_end] == p.evidence
        assert p.evidence_start <= p.start < p.end <= p.evidence_end


def test_totals_are_surer_than_parts_and_bounds() -> None:
    by_value: dict[Any, float] = {(p.indicator, p.value): p.confidence for p in _extract("hedong").proposals}
    assert by_value[("inspection.enterprises", 807)] >= 0.9
    assert by_value[("case_review.meetings", 28)] >= 0.9
    parts = [by_value[("publicity.events", v)] for v in (8, 11, 47)]
    assert max(parts) < 0.5
    # 7000余人: a part, an approximate figure, its activity read from the clause before.
    assert by_value[("publicity.audience", 7000)] < min(parts)


def test_yubei_fatal_accidents_carry_a_caveat() -> None:
    (accidents,) = [p for p in _extract("yubei").proposals if p.indicator == "accident.count"]
    assert [n.code for n in accidents.notes if n.code == "fatal_accidents_only"]
    assert accidents.confidence < 0.9


def test_what_the_reports_refuse_and_why() -> None:
    reasons = {(r.written, r.reason) for r in _extract("yubei").rejected}
    # 十三五期间从死亡 53 人下降到 19 人: neither is this year's figure.
    assert ("53 人", "previous_period") in reasons
    assert ("3万元", "upper_bound") in reasons  # 将3万元以下的行政处罚权限委托至镇街
    hedong = {(r.written, r.reason) for r in _extract("hedong").rejected}
    assert ("9人", "staff_headcount") in hedong  # 组织我局4人、街道5人，共9人参加…培训考试
    assert ("37人", "staff_headcount") in hedong  # 组织全局及执法大队37人参加…培训
