"""The figures two real annual reports state (../shared/seeds/), and how we place them in months.

The reports give yearly totals only. Each total is spread over the twelve months with a
seasonal profile (largest remainder, so the months add up to the report exactly); where the
report names when something happened (安全生产月 is June) the months follow it. Dates of named
activities inside the year are ours: the reports name the activities, not their days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.values.models import ActivityKind

HEDONG = "120102"
YUBEI = "500112"

# A month profile: relative weight of each month, January first.
EVEN = [1.0] * 12
WORKLOAD = [0.9, 0.6, 1.0, 1.0, 1.05, 1.2, 1.0, 0.95, 1.05, 1.0, 1.1, 1.15]  # Spring Festival, 安全生产月
COVID_2020 = [0.8, 0.3, 0.8, 1.0, 1.1, 1.25, 1.1, 1.05, 1.1, 1.1, 1.2, 1.2]  # 2020: February stood still


@dataclass(frozen=True)
class ReportActivity:
    date: dt.date
    kind: ActivityKind
    title: str
    participants: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ReportYear:
    district: str
    year: int
    source: str
    # indicator code → (yearly total, month profile). A profile that is a dict {month: count}
    # places the total in those months exactly.
    totals: dict[str, tuple[float, list[float] | dict[int, int]]]
    activities: list[ReportActivity] = field(default_factory=list)


HEDONG_2021 = ReportYear(
    district=HEDONG,
    year=2021,
    source="河东区应急管理局2021年法治政府建设情况报告",
    totals={
        # 全年公开我局双随机检查199件: every spot check was published.
        "double_random.inspections": (199, WORKLOAD),
        "double_random.published": (199, WORKLOAD),
        # 五部门对12家企业开展部门联合"双随机、一公开"抽查 (second half of the year).
        "double_random.joint_inspections": (12, {9: 5, 10: 7}),
        "inspection.enterprises": (807, WORKLOAD),
        "case_review.meetings": (28, EVEN),
        "case_review.cases": (63, WORKLOAD),
        # 行政执法培训4次，受训96人次；知识考试5次，覆盖139人次.
        "training.sessions": (4, {3: 1, 6: 1, 9: 1, 11: 1}),
        "training.trainees": (96, {3: 24, 6: 24, 9: 24, 11: 24}),
        "training.exams": (5, {3: 1, 6: 1, 9: 1, 11: 1, 12: 1}),
        "training.examinees": (139, {3: 28, 6: 28, 9: 28, 11: 28, 12: 27}),
        # 安全生产月 8场 7000余人 (June) + 《安全生产法》巡回宣讲 11次 1350人 (Jul–Nov, the new law
        # took effect 2021-09-01) + 安全宣传"四进" 47场 1.2万人 (all year).
        "publicity.events": (
            66,
            {1: 4, 2: 3, 3: 4, 4: 4, 5: 4, 6: 12, 7: 6, 8: 6, 9: 6, 10: 6, 11: 7, 12: 4},
        ),
        "publicity.audience": (
            20350,
            {
                1: 1000,
                2: 800,
                3: 1000,
                4: 1000,
                5: 1000,
                6: 8000,
                7: 1270,
                8: 1270,
                9: 1270,
                10: 1270,
                11: 1470,
                12: 1000,
            },
        ),
        # Five named drills; drill.drills follows their dates below.
        "drill.drills": (5, {5: 3, 6: 1, 7: 1}),
    },
    activities=[
        ReportActivity(dt.date(2021, 5, 12), ActivityKind.drill, "校园地震应急疏散演练"),
        ReportActivity(dt.date(2021, 5, 14), ActivityKind.drill, "社区地震疏散应急演练"),
        ReportActivity(dt.date(2021, 5, 27), ActivityKind.drill, "综合防汛应急调度演练"),
        ReportActivity(dt.date(2021, 6, 24), ActivityKind.drill, "军地联合防汛演练"),
        ReportActivity(dt.date(2021, 7, 8), ActivityKind.drill, "防汛抢险演练"),
        ReportActivity(
            dt.date(2021, 6, 1),
            ActivityKind.publicity,
            "“安全生产月”活动",
            7000,
            "启动仪式、咨询日、专项培训等活动8场",
        ),
        ReportActivity(
            dt.date(2021, 7, 15),
            ActivityKind.publicity,
            "《安全生产法》巡回宣讲",
            1350,
            "安全生产主题宣讲11次",
        ),
        ReportActivity(
            dt.date(2021, 3, 1),
            ActivityKind.publicity,
            "安全宣传“四进”活动",
            12000,
            "进企业、进学校、进社区、进家庭等各类活动47场",
        ),
    ],
)

YUBEI_2020 = ReportYear(
    district=YUBEI,
    year=2020,
    source="重庆市渝北区应急管理局关于2020年度法治政府建设情况的报告",
    totals={
        # 全区共发生各类生产安全亡人事故19起，死亡19人: one death each.
        "accident.count": (19, {1: 2, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 1, 10: 2, 11: 2, 12: 1}),
        "accident.deaths": (19, {1: 2, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 1, 10: 2, 11: 2, 12: 1}),
        # 共开展检查3.2万家次，排查发现安全隐患或违法行为3.6万个，实施罚款1712万元，责令停产停业116家，
        # 行政拘留122人. The report rounds to 万; we store the figure as it reads.
        "inspection.enterprises": (32000, COVID_2020),
        "inspection.hazards_found": (36000, COVID_2020),
        "penalty.fines_yuan": (17_120_000, COVID_2020),
        "penalty.suspensions": (116, COVID_2020),
        "penalty.detentions": (122, COVID_2020),
    },
)

REPORT_YEARS = [HEDONG_2021, YUBEI_2020]

# What the synthetic generator must honour for years around the reports, so that year-on-year
# figures say what the reports say. Yubei 2020: deaths 同比均下降30%以上 → 2019 had at least 28
# accidents and 28 deaths (19/28 = −32.1%). These stay synthetic (the 2019 report is not ours).
SYNTHETIC_YEAR_TOTALS: dict[tuple[str, int], dict[str, int]] = {
    (YUBEI, 2019): {"accident.count": 28, "accident.deaths": 28},
}

# Size of a district relative to the synthetic baseline (≈70 enterprise-visits a month),
# calibrated on the reports: Hedong 807 a year, Yubei 32,000.
SIZE_OVERRIDES = {HEDONG: 0.95, YUBEI: 38.0}
