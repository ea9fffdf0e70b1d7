"""Load the indicator catalogue of DOMAIN.md (its codes are the API's public contract).

The rows are written here literally, not imported from the app, so that this migration stays
what it was when it ran, whatever the code later becomes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, category, name_zh, name_en, unit, unit_en, whole_number, good_direction
CATALOGUE = [
    (
        "double_random.inspections",
        "double_random",
        "双随机抽查",
        "Double-random spot inspections",
        "件",
        "inspections",
        True,
        1,
    ),
    (
        "double_random.published",
        "double_random",
        "双随机抽查结果公开",
        "Spot-inspection results published",
        "件",
        "results",
        True,
        1,
    ),
    (
        "double_random.joint_inspections",
        "double_random",
        "部门联合抽查",
        "Joint inspections with other departments",
        "家",
        "enterprises",
        True,
        1,
    ),
    (
        "inspection.enterprises",
        "inspection",
        "执法检查",
        "Enforcement inspections",
        "家次",
        "enterprise-visits",
        True,
        1,
    ),
    (
        "inspection.hazards_found",
        "inspection",
        "发现隐患和违法行为",
        "Hazards and violations found",
        "项",
        "items",
        True,
        0,
    ),
    ("inspection.hazards_rectified", "inspection", "隐患整改", "Hazards rectified", "项", "items", True, 1),
    ("case_review.meetings", "case_review", "案审会", "Case-review meetings", "次", "meetings", True, 1),
    ("case_review.cases", "case_review", "审理案件", "Cases reviewed", "件", "cases", True, 1),
    ("penalty.cases", "penalty", "行政处罚案件", "Administrative penalty cases", "件", "cases", True, 0),
    ("penalty.fines_yuan", "penalty", "罚款金额", "Fines", "元", "yuan", False, 0),
    (
        "penalty.suspensions",
        "penalty",
        "责令停产停业",
        "Orders to suspend production",
        "家",
        "enterprises",
        True,
        0,
    ),
    ("penalty.detentions", "penalty", "行政拘留", "Administrative detentions", "人", "persons", True, 0),
    ("drill.drills", "drill", "应急演练", "Emergency drills", "次", "drills", True, 1),
    ("drill.participants", "drill", "参演人数", "Drill participants", "人次", "person-times", True, 1),
    ("training.sessions", "training", "执法培训", "Enforcement training sessions", "次", "sessions", True, 1),
    ("training.trainees", "training", "受训人数", "Trainees", "人次", "person-times", True, 1),
    ("training.exams", "training", "考试", "Exams", "次", "exams", True, 1),
    ("training.examinees", "training", "参考人数", "Examinees", "人次", "person-times", True, 1),
    ("publicity.events", "publicity", "普法宣传活动", "Legal-publicity events", "场", "events", True, 1),
    ("publicity.audience", "publicity", "宣传受众", "Publicity audience", "人次", "person-times", True, 1),
    (
        "accident.count",
        "accident",
        "生产安全事故",
        "Production-safety accidents",
        "起",
        "accidents",
        True,
        -1,
    ),
    ("accident.deaths", "accident", "事故死亡", "Accident deaths", "人", "deaths", True, -1),
]

indicators = sa.table(
    "indicators",
    sa.column("code", sa.String),
    sa.column("category", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
    sa.column("unit", sa.String),
    sa.column("unit_en", sa.String),
    sa.column("whole_number", sa.Boolean),
    sa.column("good_direction", sa.SmallInteger),
    sa.column("sort_order", sa.SmallInteger),
)


def upgrade() -> None:
    keys = ["code", "category", "name_zh", "name_en", "unit", "unit_en", "whole_number", "good_direction"]
    rows = [dict(zip(keys, row, strict=True), sort_order=i) for i, row in enumerate(CATALOGUE, start=1)]
    op.bulk_insert(indicators, rows)


def downgrade() -> None:
    op.execute(indicators.delete().where(indicators.c.code.in_([row[0] for row in CATALOGUE])))
