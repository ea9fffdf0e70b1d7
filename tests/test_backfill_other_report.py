"""A whole report in another bureau's style, written for this test (tests/data/backfill/
invented-linyi-hedong-2022.txt): the other 河东区 (Linyi, Shandong) named with its province and city,
figures of every kind, and beside them last year's figures, a plan, staff counts, percentages and
a section of shortcomings that must give nothing."""

from __future__ import annotations

from app.backfill.extract import extract
from tests.backfill_helpers import DATA, gazetteer

EXPECTED = [
    ("inspection.enterprises", 2356, "total"),
    ("inspection.hazards_found", 6812, "total"),
    ("inspection.hazards_rectified", 6745, "total"),
    ("double_random.inspections", 186, "total"),
    # 联合…开展部门联合抽查3次，检查企业24家: the joint check's enterprises (3次 counts no enterprise).
    ("double_random.joint_inspections", 24, "total"),
    ("penalty.cases", 128, "total"),
    ("penalty.fines_yuan", 4_865_000, "total"),
    ("penalty.suspensions", 15, "total"),
    ("penalty.detentions", 7, "total"),
    ("case_review.meetings", 24, "total"),  # 二十四次
    ("case_review.cases", 37, "total"),
    ("training.sessions", 6, "total"),
    ("training.trainees", 320, "total"),
    ("training.exams", 4, "total"),
    ("training.examinees", 318, "total"),
    ("drill.drills", 156, "total"),
    ("drill.participants", 12000, "total"),
    ("drill.drills", 32, "part"),  # “5·12”防灾减灾日期间
    ("publicity.events", 95, "total"),
    ("publicity.audience", 38000, "total"),
    ("publicity.events", 12, "part"),  # 安全生产月期间
    ("accident.count", 4, "total"),
    ("accident.deaths", 4, "total"),
]


def test_the_invented_report_gives_exactly_its_figures() -> None:
    x = extract((DATA / "invented-linyi-hedong-2022.txt").read_text(encoding="utf-8"), gazetteer=gazetteer())
    assert x.district is not None and x.district.code == "371312" and x.year == 2022
    assert [(p.indicator, p.value, p.scope) for p in x.proposals] == EXPECTED
    refused = {r.written: r.reason for r in x.rejected}
    assert refused["2起"] == refused["2人"] == "previous_period"  # 与上年同期相比分别减少2起、2人
    assert refused["2500家次"] == refused["28人"] == "section_of_plans"
