"""File uploads (issue 4): formats, shapes, every error, atomicity, idempotency, dry runs, warnings, the
template's round trip, the submissions log and the audit trail (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.submissions.models import DataSource, Submission, SubmissionStatus
from app.uploads import xlsx as upload_xlsx
from app.uploads.schemas import UploadResult
from app.values.models import Activity, MonthlyValue, MonthReport, ValueHistory
from tests.conftest import HeadersFor
from tests.upload_helpers import (
    CLEAN,
    CLEAN2,
    FULL_MONTH,
    LONG_HEADER,
    UPLOADS,
    codes,
    csv_bytes,
    dump,
    get_month,
    label,
    long_rows,
    months_ago,
    ok,
    patch_xlsx,
    problem,
    snapshot,
    submissions_count,
    template_xlsx,
    upload,
    wide_csv,
    xlsx_bytes,
)

Headers = dict[str, str]


@pytest.fixture
def staff(headers_for: HeadersFor) -> Headers:
    """A district staff member of the two clean (unseeded) Beijing districts."""
    return headers_for("staff", CLEAN, CLEAN2)


@pytest.fixture(scope="session")
def _seeded_dumps() -> dict[str, Any]:
    return {}


@pytest.fixture
def seeded(database: Any, session: Session, _seeded_dumps: dict[str, Any]) -> Any:
    """``dump()`` of the seeded database, taken once per backend: every test starts from exactly it
    (its writes are rolled back), so tests that write nothing before their upload compare with
    this instead of dumping 100,000 rows twice."""
    if database.url not in _seeded_dumps:
        _seeded_dumps[database.url] = dump(session)
    return _seeded_dumps[database.url]


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_long_csv_in_every_encoding_excel_writes(client: TestClient, staff: Headers, encoding: str) -> None:
    month = months_ago(3)
    rows = [(CLEAN, label(month), ind, v) for ind, v in FULL_MONTH.items()]
    content = csv_bytes(rows, encoding=encoding)
    body = ok(upload(client, staff, content))
    assert (body["format"], body["shape"], body["rows"], body["created"]) == ("csv", "long", 22, 22)
    assert get_month(client, staff, CLEAN, month)["values"] == FULL_MONTH


def test_gb18030_characters_outside_gbk(client: TestClient, staff: Headers) -> None:
    # 区划名称 is read but not used; 𠮷 exists in GB18030, not in GBK.
    content = csv_bytes(
        [(CLEAN, "𠮷城区", "2024-03", "执法检查", 5)],
        header=("区划代码", "区划名称", "月份", "指标", "数值"),
        encoding="gb18030",
    )
    assert ok(upload(client, staff, content))["created"] == 1


def test_utf16_tab_separated_unicode_text(client: TestClient, staff: Headers) -> None:
    text = "district_code\tmonth\tindicator\tvalue\r\n" + f"{CLEAN}\t2024-03\tpenalty.cases\t2\r\n"
    assert ok(upload(client, staff, text.encode("utf-16")))["created"] == 1


def test_english_headers_and_codes_or_chinese_names(client: TestClient, staff: Headers) -> None:
    rows = [
        (CLEAN, "2024-03", "double_random.inspections", 10),
        (CLEAN, "2024-03", "双随机抽查结果公开", 9),
        (CLEAN, "2024-03", "Enforcement inspections", 30),
    ]
    ok(upload(client, staff, csv_bytes(rows, header=("district_code", "month", "indicator", "value"))))
    values = get_month(client, staff, CLEAN, "2024-03")["values"]
    assert values == {"double_random.inspections": 10, "double_random.published": 9, "inspection.enterprises": 30}


def test_numbers_as_reports_write_them(client: TestClient, staff: Headers) -> None:
    rows = [
        (CLEAN, "2024-03", "执法检查", "3.2万"),
        (CLEAN, "2024-03", "发现隐患和违法行为", "1,234"),
        (CLEAN, "2024-03", "隐患整改", "１２３"),
        (CLEAN, "2024-03", "行政处罚案件", "12"),
        (CLEAN, "2024-03", "罚款金额", "1712万元"),
        (CLEAN, "2024-03", "penalty.detentions", "0"),
        (CLEAN, "2024-03", "accident.count", ""),
    ]
    ok(upload(client, staff, csv_bytes(rows)))
    values = get_month(client, staff, CLEAN, "2024-03")["values"]
    assert values == {
        "inspection.enterprises": 32000,
        "inspection.hazards_found": 1234,
        "inspection.hazards_rectified": 123,
        "penalty.cases": 12,
        "penalty.fines_yuan": 17_120_000,
        "penalty.detentions": 0,  # 0 is a reported zero
    }
    assert "accident.count" not in values  # empty is "not reported", never a stored 0


def test_units_in_a_unit_column_and_in_the_value_header(client: TestClient, staff: Headers) -> None:
    rows = [(CLEAN, "2024-03", "penalty.cases", 2, "件"), (CLEAN, "2024-03", "penalty.fines_yuan", "12.5", "万元")]
    ok(upload(client, staff, csv_bytes(rows, header=(*LONG_HEADER, "单位"))))
    assert get_month(client, staff, CLEAN, "2024-03")["values"]["penalty.fines_yuan"] == 125_000
    rows2 = [(CLEAN, "2024-04", "penalty.cases", 2), (CLEAN, "2024-04", "罚款金额（万元）", 3)]
    ok(upload(client, staff, csv_bytes(rows2)))
    assert get_month(client, staff, CLEAN, "2024-04")["values"]["penalty.fines_yuan"] == 30_000


@pytest.mark.parametrize("spelling", ["2021-03", "2021/3", "202103", "2021年3月", "2021.03", "2021-03-01", "44256"])
def test_month_spellings(client: TestClient, staff: Headers, spelling: str) -> None:
    body = ok(upload(client, staff, csv_bytes([(CLEAN, spelling, "执法检查", 5)])))
    assert body["district_months"][0]["month"] == "2021-03"


def test_a_district_code_written_as_a_decimal(client: TestClient, staff: Headers) -> None:
    """110101.0: a code that went through a number cell (Excel, pandas) before being saved as text."""
    rows = [(f"{CLEAN}.0", "2024-03", "penalty.cases", 1), (f"{CLEAN2}.00", "2024-03", "penalty.cases", 2)]
    body = ok(upload(client, staff, csv_bytes(rows)))
    assert sorted(m["district"] for m in body["district_months"]) == [CLEAN, CLEAN2]
    assert get_month(client, staff, CLEAN, "2024-03")["values"] == {"penalty.cases": 1}
    bad = problem(upload(client, staff, csv_bytes([(f"{CLEAN}.5", "2024-03", "penalty.cases", 1)])))
    assert codes(bad) == ["district.unknown"]


@pytest.mark.parametrize(("number", "shown"), [(2021.1, "2021.1"), (2021.03, "2021.03")])
def test_a_month_as_a_decimal_number_asks_for_text(
    client: TestClient, staff: Headers, number: float, shown: str
) -> None:
    """Excel keeps 2021.10 as 2021.1: October or January? The message says how to write it."""
    content = xlsx_bytes({"数据": [list(LONG_HEADER), [CLEAN, number, "penalty.cases", 1]]})
    body = problem(upload(client, staff, content, "m.xlsx"))
    assert codes(body) == ["month.format"]
    e = body["errors"][0]
    assert e["value"] == number and shown in e["message_en"]
    assert "2021-10" in e["message_zh"] and "2021-10" in e["message_en"]


def test_wide_shape_with_units_in_the_headers(client: TestClient, staff: Headers) -> None:
    content = csv_bytes(
        [(CLEAN, "2024-05", 30, 2, "1.5"), (CLEAN2, "2024-05", 12, "", "")],
        header=("区划代码", "月份", "执法检查（家次）", "行政处罚案件", "罚款金额（万元）"),
    )
    body = ok(upload(client, staff, content))
    assert body["shape"] == "wide" and body["months"] == 2
    assert get_month(client, staff, CLEAN, "2024-05")["values"] == {
        "inspection.enterprises": 30,
        "penalty.cases": 2,
        "penalty.fines_yuan": 15_000,
    }
    assert get_month(client, staff, CLEAN2, "2024-05")["values"] == {"inspection.enterprises": 12}


def test_xlsx_long_with_merged_cells_spacer_rows_and_excel_dates(client: TestClient, staff: Headers) -> None:
    rows: list[list[Any]] = [
        ["2024年执法统计（长表）"],
        [],
        ["区划代码", "月份", "指标", "数值"],
        [int(CLEAN), dt.date(2024, 3, 1), "双随机抽查", 5],
        [None, dt.datetime(2024, 3, 1), "双随机抽查结果公开", 3],
        [None, 45352, "执法检查", 20],  # 45352 is Excel's serial of 2024-03-01
        [],
        [],
        [CLEAN2, "2024年4月", "执法检查", 30.0],
        [CLEAN2, 202404, "罚款金额", "1.5万元"],
        [CLEAN2, "2024-04", "行政处罚案件", 1],
    ]
    content = xlsx_bytes({"Sheet1": rows}, merges={"Sheet1": ["A1:D1", "A4:A6"]})
    body = ok(upload(client, staff, content, "data.xlsx"))
    assert (body["format"], body["shape"], body["rows"], body["months"]) == ("xlsx", "long", 6, 2)
    assert get_month(client, staff, CLEAN, "2024-03")["values"] == {
        "double_random.inspections": 5,
        "double_random.published": 3,
        "inspection.enterprises": 20,
    }
    assert get_month(client, staff, CLEAN2, "2024-04")["values"] == {
        "inspection.enterprises": 30,
        "penalty.fines_yuan": 15_000,
        "penalty.cases": 1,
    }


def test_xlsx_merged_two_row_headers(client: TestClient, staff: Headers) -> None:
    grouped: list[list[Any]] = [
        ["报送信息", None, "统计数据", None],
        ["区划代码", "报告期", "指标名称", "本月数"],
        [CLEAN, "2024-06", "penalty.cases", 4],
    ]
    content = xlsx_bytes({"数据": grouped}, merges={"数据": ["A1:B1", "C1:D1"]})
    assert ok(upload(client, staff, content, "x.xlsx"))["created"] == 1
    tall: list[list[Any]] = [
        ["区划代码", "月份", "指标", "数值"],
        [],
        [CLEAN, "2024-07", "penalty.cases", 5],
    ]
    content = xlsx_bytes({"数据": tall}, merges={"数据": ["A1:A2", "B1:B2", "C1:C2", "D1:D2"]})
    assert ok(upload(client, staff, content, "x.xlsx"))["created"] == 1


def test_one_file_many_districts_and_months(client: TestClient, staff: Headers) -> None:
    rows = []
    for district in (CLEAN, CLEAN2):
        for m in range(1, 13):
            rows += long_rows(district, f"2023-{m:02d}", {"inspection.enterprises": m, "penalty.cases": 0})
    body = ok(upload(client, staff, csv_bytes(rows)))
    assert (body["months"], body["created"], body["values"]) == (24, 48, 48)
    assert UploadResult.model_validate(body).model_dump(mode="json") == body  # the documented shape
    assert get_month(client, staff, CLEAN2, "2023-07")["values"] == {"inspection.enterprises": 7, "penalty.cases": 0}


def test_xlsx_activities_sheet_with_district_column(client: TestClient, staff: Headers) -> None:
    data: list[list[Any]] = [
        list(LONG_HEADER),
        [CLEAN, "2024-06", "drill.drills", 1],
        [CLEAN2, "2024-06", "drill.drills", 2],
    ]
    acts: list[list[Any]] = [
        ["区划代码", "日期", "类别", "名称", "参加人数"],
        [CLEAN, dt.date(2024, 6, 15), "演练", "社区地震疏散应急演练", 300],
        [CLEAN2, "2024-06-20", "培训", "执法培训", None],
    ]
    body = ok(upload(client, staff, xlsx_bytes({"数据": data, "活动": acts}), "a.xlsx"))
    assert body["activities_created"] == 2
    got = get_month(client, staff, CLEAN, "2024-06")["activities"]
    assert got == [
        {"kind": "drill", "date": "2024-06-15", "title": "社区地震疏散应急演练", "participants": 300, "notes": None}
    ]


# ----------------------------------------------------------------------------- replacing months


def test_a_file_changes_only_what_it_states(client: TestClient, staff: Headers, session: Session) -> None:
    """Absent is not blank: a long file naming two indicators of a month with twelve stored changes
    those two; the other ten stay (and a month the file does not name at all stays whole)."""
    twelve = dict(list(FULL_MONTH.items())[:12])
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-02", twelve))))
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))))
    first, second = list(twelve)[:2]
    body = ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-02", {first: 70, second: twelve[second]}))))
    assert (body["created"], body["updated"], body["unchanged"], body["removed"]) == (0, 1, 1, 0)
    assert get_month(client, staff, CLEAN, "2024-02")["values"] == {**twelve, first: 70}
    assert get_month(client, staff, CLEAN, "2024-03")["values"] == {"penalty.cases": 1}  # not in the file: kept
    assert "month.replaces_earlier" in [w["code"] for w in body["warnings"]]


def test_empty_cells_withdraw_and_are_listed_by_the_dry_run(
    client: TestClient, staff: Headers, session: Session
) -> None:
    twelve = dict(list(FULL_MONTH.items())[:12])
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-02", twelve))))
    gone = list(twelve)[3]
    content = csv_bytes(long_rows(CLEAN, "2024-02", {gone: ""}))
    dry = ok(upload(client, staff, content, dry_run=True), 200)
    assert dry["removed"] == 1
    assert dry["changes"] == [
        {"district": CLEAN, "month": "2024-02", "indicator": gone, "old": twelve[gone], "new": None}
    ]
    body = ok(upload(client, staff, content))
    assert body["removed"] == 1 and body["changes"] is None
    assert get_month(client, staff, CLEAN, "2024-02")["values"] == {k: v for k, v in twelve.items() if k != gone}
    # History is kept for the withdrawn figure.
    removed = session.scalars(
        select(ValueHistory).where(
            ValueHistory.district_code == CLEAN,
            ValueHistory.month == dt.date(2024, 2, 1),
            ValueHistory.new_value.is_(None),
        )
    ).all()
    assert [h.indicator_code for h in removed] == [gone]


def test_an_empty_value_row_withdraws_the_month(client: TestClient, staff: Headers) -> None:
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-02", {"penalty.cases": 1}))))
    body = ok(upload(client, staff, csv_bytes([(CLEAN, "2024-02", "penalty.cases", "")])))
    assert body["removed"] == 1
    assert get_month(client, staff, CLEAN, "2024-02")["values"] == {}


def test_the_same_file_twice_changes_nothing(client: TestClient, staff: Headers, session: Session) -> None:
    content = csv_bytes(long_rows(CLEAN, "2024-02", FULL_MONTH))
    ok(upload(client, staff, content))
    before = snapshot(session)["value_history"]
    body = ok(upload(client, staff, content))
    assert (body["created"], body["updated"], body["unchanged"], body["removed"]) == (0, 0, 22, 0)
    assert snapshot(session)["value_history"] == before


# ----------------------------------------------------------------------------- the template


def test_template_layout(client: TestClient, staff: Headers) -> None:
    r = client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": 2021}, headers=staff)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["数据", "活动", "说明"]
    ws = wb["数据"]
    assert (ws["A2"].value, ws["B2"].value, ws["G2"].value, ws["H2"].value) == ("区划代码", CLEAN, "年度", 2021)
    assert [ws.cell(5, c).value for c in range(4, 16)] == [f"{m}月" for m in range(1, 13)]
    assert (ws["A6"].value, ws["B6"].value, ws["C6"].value) == ("double_random.inspections", "双随机抽查", "件")
    labels = {ws.cell(r_, 1).value: (ws.cell(r_, 2).value, ws.cell(r_, 3).value) for r_ in range(6, 28)}
    assert labels["penalty.fines_yuan"] == ("罚款金额", "元")
    assert len(labels) == 22
    rules = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert set(rules) == {"whole", "decimal"}
    fines_row = next(r_ for r_ in range(6, 28) if ws.cell(r_, 1).value == "penalty.fines_yuan")
    assert rules["decimal"] == f"D{fines_row}:O{fines_row}"
    for dv in ws.data_validations.dataValidation:
        assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0" and dv.showErrorMessage
    assert [c.value for c in wb["活动"][1]] == ["日期", "类别", "名称", "参加人数", "备注"]
    assert "空白表示“未报送”" in "".join(str(c.value) for c in wb["说明"]["A"])


def test_template_errors(client: TestClient, staff: Headers) -> None:
    problem(client.get(f"{UPLOADS}/template.xlsx", params={"district": "119999", "year": 2021}, headers=staff), 404)
    problem(client.get(f"{UPLOADS}/template.xlsx", params={"district": "500112", "year": 2021}, headers=staff), 403)
    problem(client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": 1999}, headers=staff), 422)
    future = dt.date.today().year + 1
    problem(client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": future}, headers=staff), 422)


def _fill(ws: Any, month: int, values: dict[str, float]) -> None:
    for r_ in range(6, 28):
        code = ws.cell(r_, 1).value
        if code in values:
            ws.cell(r_, 3 + month, values[code])


def test_template_round_trip(client: TestClient, headers_for: HeadersFor) -> None:
    """Download the template, fill it in with openpyxl, upload it, read back the same figures."""
    hedong = headers_for("staff", "120102")
    r = client.get(f"{UPLOADS}/template.xlsx", params={"district": "120102", "year": 2021}, headers=hedong)
    wb = load_workbook(io.BytesIO(r.content))
    may_before = get_month(client, hedong, "120102", "2021-05")
    march = dict(FULL_MONTH)
    april = {k: v + 1 for k, v in FULL_MONTH.items() if k not in ("accident.count", "accident.deaths")}
    _fill(wb["数据"], 3, march)
    _fill(wb["数据"], 4, april)
    acts = wb["活动"]
    acts.append([dt.date(2021, 3, 12), "演练", "社区地震疏散应急演练", 300, "与街道联合"])
    acts.append([dt.date(2021, 4, 2), "宣传", "安全生产月宣传", None, None])
    out = io.BytesIO()
    wb.save(out)
    body = ok(upload(client, hedong, out.getvalue(), "filled.xlsx"))
    assert (body["shape"], body["months"], body["values"]) == ("template", 2, 42)
    got = get_month(client, hedong, "120102", "2021-03")
    assert got["values"] == march
    assert got["activities"] == [
        {
            "kind": "drill",
            "date": "2021-03-12",
            "title": "社区地震疏散应急演练",
            "participants": 300,
            "notes": "与街道联合",
        }
    ]
    assert get_month(client, hedong, "120102", "2021-04")["values"] == april
    # Month columns left empty are not touched.
    assert get_month(client, hedong, "120102", "2021-05") == may_before


def test_prefilled_template_uploads_back_unchanged(client: TestClient, headers_for: HeadersFor) -> None:
    hedong = headers_for("staff", "120102")
    r = client.get(
        f"{UPLOADS}/template.xlsx", params={"district": "120102", "year": 2021, "prefill": "true"}, headers=hedong
    )
    body = ok(upload(client, hedong, r.content, "prefilled.xlsx", dry_run=True), 200)
    assert body["months"] == 12 and body["values"] > 200
    assert (body["created"], body["updated"], body["removed"]) == (0, 0, 0)
    assert (body["activities_created"], body["activities_removed"]) == (0, 0)


def test_template_unit_changed_to_wan_yuan(client: TestClient, staff: Headers) -> None:
    r = client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": 2024}, headers=staff)
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["数据"]
    fines_row = next(r_ for r_ in range(6, 28) if ws.cell(r_, 1).value == "penalty.fines_yuan")
    ws.cell(fines_row, 3, "万元")
    _fill(ws, 2, {"penalty.cases": 3, "penalty.fines_yuan": 1712})
    out = io.BytesIO()
    wb.save(out)
    ok(upload(client, staff, out.getvalue(), "t.xlsx"))
    assert get_month(client, staff, CLEAN, "2024-02")["values"]["penalty.fines_yuan"] == 17_120_000


def test_template_activity_outside_the_reported_months(client: TestClient, staff: Headers) -> None:
    r = client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": 2024}, headers=staff)
    wb = load_workbook(io.BytesIO(r.content))
    _fill(wb["数据"], 2, {"drill.drills": 1})
    wb["活动"].append([dt.date(2024, 7, 1), "演练", "防汛抢险演练", 50, None])
    out = io.BytesIO()
    wb.save(out)
    body = problem(upload(client, staff, out.getvalue(), "t.xlsx"))
    assert codes(body) == ["activity.month_not_in_file"]
    assert body["errors"][0]["sheet"] == "活动" and body["errors"][0]["row"] == 2


def test_an_untouched_template_is_empty(client: TestClient, staff: Headers) -> None:
    r = client.get(f"{UPLOADS}/template.xlsx", params={"district": CLEAN, "year": 2024}, headers=staff)
    assert codes(problem(upload(client, staff, r.content, "t.xlsx"))) == ["file.empty"]


# ----------------------------------------------------------------------------- errors


def _future() -> str:
    return label(months_ago(-2))


ERROR_CASES: list[tuple[str, list[tuple[Any, ...]], str, int]] = [
    ("unknown district", [("110199", "2024-03", "penalty.cases", 1)], "district.unknown", 2),
    ("not a county", [("110100", "2024-03", "penalty.cases", 1)], "district.not_county", 2),
    ("empty district", [("", "2024-03", "penalty.cases", 1)], "district.missing", 2),
    ("unknown indicator", [(CLEAN, "2024-03", "执法检察", 1)], "indicator.unknown", 2),
    ("future month", [(CLEAN, "FUTURE", "penalty.cases", 1)], "month.not_ended", 2),
    ("month before 2000", [(CLEAN, "1999-12", "penalty.cases", 1)], "month.too_early", 2),
    ("bad month", [(CLEAN, "March", "penalty.cases", 1)], "month.format", 2),
    ("negative", [(CLEAN, "2024-03", "penalty.cases", -1)], "value.negative", 2),
    ("fraction", [(CLEAN, "2024-03", "penalty.cases", "1.5")], "value.not_whole", 2),
    (
        "fen of fen",
        [(CLEAN, "2024-03", "penalty.cases", 1), (CLEAN, "2024-03", "penalty.fines_yuan", "1.555")],
        "value.too_many_decimals",
        3,
    ),
    ("text", [(CLEAN, "2024-03", "penalty.cases", "abc")], "value.not_a_number", 2),
    ("unit", [(CLEAN, "2024-03", "penalty.cases", "3万元")], "value.unit_mismatch", 2),
    (
        "duplicate",
        [(CLEAN, "2024-03", "penalty.cases", 1), (CLEAN, "2024-03", "行政处罚案件", 2)],
        "value.duplicate",
        3,
    ),
    (
        "published > inspections",
        [(CLEAN, "2024-03", "double_random.inspections", 3), (CLEAN, "2024-03", "double_random.published", 5)],
        "check.published_exceeds_inspections",
        3,
    ),
    ("fines without cases", [(CLEAN, "2024-03", "penalty.fines_yuan", 100)], "check.fines_without_cases", 2),
    (
        "deaths without accidents",
        [(CLEAN, "2024-03", "accident.deaths", 1), (CLEAN, "2024-03", "accident.count", 0)],
        "check.deaths_without_accidents",
        2,
    ),
]


@pytest.mark.parametrize(("rows", "code", "row"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_each_error_names_row_column_value_and_code(
    client: TestClient, staff: Headers, session: Session, seeded: Any, rows: list[tuple[Any, ...]], code: str, row: int
) -> None:
    rows = [tuple(_future() if v == "FUTURE" else v for v in r) for r in rows]
    body = problem(upload(client, staff, csv_bytes(rows)))
    assert codes(body) == [code]
    e = body["errors"][0]
    assert e["row"] == row and e["column"] and "cell" in e
    assert e["message_zh"].startswith(f"第{row}行") and e["message_en"].startswith(f"row {row}")
    assert "value" in e or code.startswith("district.missing")
    assert dump(session) == seeded


def _in_xlsx(rows: list[tuple[Any, ...]]) -> bytes:
    """The long rows as Excel holds them: codes and figures in number cells where they are numbers."""

    def cell(v: Any) -> Any:
        if v == "":
            return None
        if isinstance(v, str):
            try:
                return int(v) if v.isdigit() else float(v)
            except ValueError:
                return v
        return v

    sheet: list[list[Any]] = [list(LONG_HEADER)]
    sheet += [[cell(d), m, ind, cell(v)] for d, m, ind, v in rows]
    return xlsx_bytes({"数据": sheet})


@pytest.mark.parametrize(("rows", "code", "row"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_each_error_in_an_xlsx_names_sheet_row_and_cell(
    client: TestClient, staff: Headers, session: Session, seeded: Any, rows: list[tuple[Any, ...]], code: str, row: int
) -> None:
    rows = [tuple(_future() if v == "FUTURE" else v for v in r) for r in rows]
    body = problem(upload(client, staff, _in_xlsx(rows), "errors.xlsx"))
    assert codes(body) == [code]
    e = body["errors"][0]
    assert (e["sheet"], e["row"]) == ("数据", row) and e["cell"].endswith(str(row)) and e["column"]
    assert e["message_zh"].startswith(f"工作表“数据”第{row}行") and e["message_en"].startswith(
        f"sheet '数据' row {row}"
    )
    assert "value" in e or code.startswith("district.missing")
    assert dump(session) == seeded


# The same errors in the other two shapes: a representative subset (the template cannot spell a
# bad month or an unknown indicator column the way the long shape can).
SHAPE_CASES = [
    c
    for c in ERROR_CASES
    if c[0]
    in {
        "unknown district",
        "future month",
        "month before 2000",
        "negative",
        "fraction",
        "text",
        "unit",
        "duplicate",
        "published > inspections",
        "deaths without accidents",
    }
]


@pytest.mark.parametrize("shape", ["wide", "template"])
@pytest.mark.parametrize(("rows", "code"), [c[1:3] for c in SHAPE_CASES], ids=[c[0] for c in SHAPE_CASES])
def test_each_error_in_the_wide_and_template_shapes(
    client: TestClient,
    staff: Headers,
    session: Session,
    seeded: Any,
    rows: list[tuple[Any, ...]],
    code: str,
    shape: str,
) -> None:
    rows = [tuple(_future() if v == "FUTURE" else v for v in r) for r in rows]
    content, name = (wide_csv(rows), "wide.csv") if shape == "wide" else (template_xlsx(rows), "t.xlsx")
    body = problem(upload(client, staff, content, name))
    assert codes(body) == [code]
    e = body["errors"][0]
    # Wide: every figure of the district-month is on row 2. Template: the district is named on
    # row 1, the month in the header on row 3, figures from row 4 on.
    if shape == "wide":
        assert e["row"] == 2
    elif code.startswith("district."):
        assert e["row"] == 1
    elif code.startswith("month."):
        assert e["row"] == 3
    else:
        assert e["row"] >= 4
    assert e["cell"] and e["column"] and e["message_en"].startswith(("row", "sheet"))
    assert "value" in e
    assert dump(session) == seeded


def test_unknown_names_suggest_the_nearest(client: TestClient, staff: Headers) -> None:
    body = problem(
        upload(client, staff, csv_bytes([("110199", "2024-03", "penalty.cases", 1), (CLEAN, "2024-03", "执法检察", 1)]))
    )
    district, indicator = body["errors"]
    assert any(s.startswith("1101") for s in district["suggestions"]) and "您是否要找" in district["message_zh"]
    assert "inspection.enterprises" in indicator["suggestions"] and "did you mean" in indicator["message_en"]


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "a.csv", "file.empty"),
        (b"\xef\xbb\xbf\r\n", "a.csv", "file.empty"),
        ("区划代码,月份,指标,数值\r\n".encode(), "a.csv", "file.empty"),
        (f"区划代码,月份,数值\r\n{CLEAN},2024-03,5\r\n".encode(), "a.csv", "file.missing_columns"),
        (b"just,some,words\r\n1,2,3\r\n", "a.csv", "file.missing_columns"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a.pdf", "file.unsupported_format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "file.unsupported_format"),
        (b"\x00\x01\x02\x03\x04binary", "a.bin", "file.unsupported_format"),
        (b"PK\x03\x04broken zip", "a.xlsx", "file.unreadable"),
    ],
)
def test_file_level_errors(
    client: TestClient, staff: Headers, session: Session, seeded: Any, content: bytes, name: str, code: str
) -> None:
    body = problem(upload(client, staff, content, name))
    assert codes(body) == [code]
    assert dump(session) == seeded


def test_missing_columns_names_them(client: TestClient, staff: Headers) -> None:
    body = problem(upload(client, staff, f"区划代码,月份,数值\r\n{CLEAN},2024-03,5\r\n".encode()))
    assert body["errors"][0]["missing"] == ["indicator"]


def test_a_zip_that_is_no_workbook(client: TestClient, staff: Headers) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert codes(problem(upload(client, staff, out.getvalue(), "a.xlsx"))) == ["file.unsupported_format"]


def test_a_bad_file_changes_nothing_and_lists_every_row(client: TestClient, staff: Headers, session: Session) -> None:
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-01", FULL_MONTH))))
    before = dump(session)
    good = long_rows(CLEAN, "2024-01", {k: v + 1 for k, v in FULL_MONTH.items() if not k.startswith("accident")})
    bad = [
        (CLEAN, "2024-02", "penalty.cases", "x1"),
        ("110199", "2024-02", "penalty.cases", 1),
        (CLEAN, "2024-02", "drill.drills", -3),
        (CLEAN, "2024-02", "drill.participants", "2.5"),
        (CLEAN, _future(), "drill.drills", 1),
    ]
    rows = good[:10] + bad[:2] + good[10:] + bad[2:]
    body = problem(upload(client, staff, csv_bytes(rows)))
    assert body["error_count"] == 5 and not body["errors_truncated"]
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (12, "value.not_a_number"),
        (13, "district.unknown"),
        (24, "value.negative"),
        (25, "value.not_whole"),
        (26, "month.not_ended"),
    ]
    assert dump(session) == before
    # The attempt is logged as rejected, with what the uploader was told.
    sub = session.get(Submission, body["submission_id"])
    assert sub is not None and sub.status == SubmissionStatus.rejected and sub.error_count == 5
    log = ok(client.get(f"{UPLOADS}/{body['submission_id']}", headers=staff), 200)
    assert log["status"] == "rejected" and log["summary"]["response"]["errors"] == body["errors"]


def test_an_unknown_district_in_many_rows_is_reported_in_every_row(client: TestClient, staff: Headers) -> None:
    rows = long_rows("110199", "2024-03", FULL_MONTH)
    body = problem(upload(client, staff, csv_bytes(rows)))
    assert [e["row"] for e in body["errors"]] == list(range(2, 24))


def test_formula_without_a_computed_value(client: TestClient, staff: Headers) -> None:
    rows: list[list[Any]] = [list(LONG_HEADER), [CLEAN, "2024-03", "penalty.cases", "=1+1"]]
    body = problem(upload(client, staff, xlsx_bytes({"数据": rows}), "f.xlsx"))
    assert codes(body) == ["value.formula_not_computed"]
    assert (body["errors"][0]["sheet"], body["errors"][0]["cell"]) == ("数据", "D2")


def test_outside_the_scope_is_403_and_lists_the_rows(
    client: TestClient,
    headers_for: HeadersFor,
    session: Session,
) -> None:
    staff = headers_for("staff", CLEAN)
    before, logged = dump(session), submissions_count(session)
    rows = long_rows(CLEAN, "2024-03", {"penalty.cases": 1}) + long_rows("120102", "2024-03", {"penalty.cases": 1})
    body = problem(upload(client, staff, csv_bytes(rows)), 403)
    assert [(e["code"], e["row"]) for e in body["errors"]] == [("district.out_of_scope", 3)]
    assert body["districts"] == ["120102"]
    assert dump(session) == before and submissions_count(session) == logged


def test_a_viewer_cannot_upload(client: TestClient, headers_for: HeadersFor) -> None:
    viewer = headers_for("viewer", CLEAN)
    problem(upload(client, viewer, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))), 403)


def test_no_credentials_is_401(client: TestClient) -> None:
    assert upload(client, {}, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))).status_code == 401
    assert client.get(f"{UPLOADS}/template.xlsx?district={CLEAN}&year=2021").status_code == 401
    assert client.get("/api/v1/audit").status_code == 401


# ----------------------------------------------------------------------------- numbers and months beyond reason


def _xlsx_with_number(xml_number: str) -> bytes:
    """A long sheet whose figure cell holds ``<v>xml_number</v>`` (what openpyxl would never write)."""
    content = xlsx_bytes({"数据": [list(LONG_HEADER), [CLEAN, "2024-03", "penalty.cases", 777777]]})
    return patch_xlsx(content, {"<v>777777</v>": f"<v>{xml_number}</v>"})


TOO_LONG = [
    *[(f"long csv {n}", csv_bytes([(CLEAN, "2024-03", "penalty.cases", "7" * n)]), "a.csv") for n in (400, 5000)],
    *[(f"wide csv {n}", wide_csv([(CLEAN, "2024-03", "行政处罚案件", "7" * n)]), "a.csv") for n in (400, 5000)],
    *[
        (
            f"xlsx text {n}",
            xlsx_bytes({"数据": [list(LONG_HEADER), [CLEAN, "2024-03", "penalty.cases", "7" * n]]}),
            "a.xlsx",
        )
        for n in (400, 5000)
    ],
    ("csv grouped digits", csv_bytes([(CLEAN, "2024-03", "penalty.cases", "1" + ",000" * 150)]), "a.csv"),
    ("csv 万 of 320 digits", csv_bytes([(CLEAN, "2024-03", "penalty.cases", "9" * 320 + "万")]), "a.csv"),
    ("xlsx number 1e400", _xlsx_with_number("1e400"), "a.xlsx"),
    ("xlsx number of 400 digits", _xlsx_with_number("7" * 400), "a.xlsx"),
]


@pytest.mark.parametrize(("content", "name"), [c[1:] for c in TOO_LONG], ids=[c[0] for c in TOO_LONG])
def test_a_number_of_hundreds_of_digits_is_too_large_not_a_crash(
    client: TestClient, staff: Headers, session: Session, content: bytes, name: str
) -> None:
    """Beyond a float (1e308) a figure became infinity (then a 500 on the JSON answer, the rejected
    attempt logged with infinity, and its retry replaying the 500), or OverflowError, or — past
    4,300 digits — Python's int-string limit. It is value.too_large, shown cut short."""
    before = dump(session)
    first = upload(client, staff, content, name, key="huge-1")
    body = problem(first)
    assert codes(body) == ["value.too_large"]
    e = body["errors"][0]
    assert e["row"] == 2 and e["cell"] and isinstance(e["value"], str) and len(e["value"]) <= 64
    assert "过大" in e["message_zh"] and "large" in e["message_en"] and len(e["message_en"]) < 300
    assert dump(session) == before
    # The rejected attempt is logged in JSON PostgreSQL can hold, and a retry replays the answer.
    session.expire_all()
    sub = session.get(Submission, body["submission_id"])
    assert sub is not None and sub.status == SubmissionStatus.rejected
    json.dumps(sub.summary, allow_nan=False)
    again = upload(client, staff, content, name, key="huge-1")
    assert again.status_code == 422 and again.json() == body and again.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("spelling", ["0000-01", "000001", "0000年1月", "0000/12"])
def test_the_year_0000_is_too_early_not_a_crash(client: TestClient, staff: Headers, spelling: str) -> None:
    for content, name in (
        (csv_bytes([(CLEAN, spelling, "penalty.cases", 1)]), "a.csv"),
        (xlsx_bytes({"数据": [list(LONG_HEADER), [CLEAN, spelling, "penalty.cases", 1]]}), "a.xlsx"),
        (template_xlsx([(CLEAN, spelling, "penalty.cases", 1)]), "t.xlsx"),
    ):
        body = problem(upload(client, staff, content, name))
        assert codes(body) == ["month.too_early"], name
        assert body["errors"][0]["value"] == spelling and "2000" in body["errors"][0]["message_en"]


# ----------------------------------------------------------------------------- limits


def test_over_10_mb_is_413(client: TestClient, staff: Headers) -> None:
    content = b"a" * (10 * 1024 * 1024 + 1)
    problem(upload(client, staff, content), 413)


def test_over_10_mb_without_content_length_is_413(client: TestClient, staff: Headers) -> None:
    boundary = "yjboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def chunks() -> Any:
        yield head
        for _ in range(11):
            yield b"1" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post(
        UPLOADS, content=chunks(), headers={**staff, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    problem(r, 413)


def test_more_than_200000_rows_is_422(client: TestClient, staff: Headers) -> None:
    line = f"{CLEAN},202403,penalty.cases,1\n"
    content = ("区划代码,月份,指标,数值\n" + line * 200_001).encode()
    assert len(content) < 10 * 1024 * 1024
    assert codes(problem(upload(client, staff, content))) == ["file.too_many_rows"]


def test_zip_bombs_are_refused_before_opening(
    client: TestClient, staff: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024 * 1024))
    assert len(out.getvalue()) < 100_000
    assert codes(problem(upload(client, staff, out.getvalue(), "bomb.xlsx"))) == ["file.too_large_uncompressed"]
    # The total uncompressed size is capped as well.
    monkeypatch.setattr(upload_xlsx, "MAX_UNCOMPRESSED", 1000)
    content = xlsx_bytes({"数据": [list(LONG_HEADER), [CLEAN, "2024-03", "penalty.cases", 1]]})
    assert codes(problem(upload(client, staff, content, "a.xlsx"))) == ["file.too_large_uncompressed"]


def test_slow_parsing_is_a_file_too_complex_instead_of_hanging(
    client: TestClient, staff: Headers, api: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past its time a file is refused as too complex (it was a 503 before issue 13: a file that
    # takes a minute to read is the file's problem, and a retry would take as long).
    monkeypatch.setattr(api.state.settings, "upload_parse_seconds", 0.0)
    rows = [(CLEAN, f"2023-{m:02d}", "penalty.cases", i) for i in range(600) for m in range(1, 13)]
    r = upload(client, staff, csv_bytes(rows))
    assert codes(problem(r, 422)) == ["file.too_complex"]


# ----------------------------------------------------------------------------- idempotency and dry runs


def test_idempotency_key_returns_the_first_answer(client: TestClient, staff: Headers, session: Session) -> None:
    content = csv_bytes(long_rows(CLEAN, "2024-03", FULL_MONTH))
    first = upload(client, staff, content, key="k-2024-03")
    logged = submissions_count(session)
    again = upload(client, staff, content, key="k-2024-03")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert submissions_count(session) == logged
    # The same key with another file is refused; another user's key is theirs alone.
    other = csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 9}))
    assert codes(problem(upload(client, staff, other, key="k-2024-03"))) == ["idempotency.key_reused"]


def test_idempotency_key_replays_a_rejection(client: TestClient, staff: Headers, session: Session) -> None:
    content = csv_bytes([(CLEAN, "2024-03", "penalty.cases", "x")])
    first = upload(client, staff, content, key="bad-1")
    again = upload(client, staff, content, key="bad-1")
    assert again.status_code == first.status_code == 422
    assert again.json() == first.json()
    assert again.headers["content-type"].startswith("application/problem+json")


def test_idempotency_keys_belong_to_their_user(client: TestClient, headers_for: HeadersFor) -> None:
    a, b = headers_for("staff", CLEAN), headers_for("staff", CLEAN)
    ok(upload(client, a, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1})), key="same"))
    body = ok(upload(client, b, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 2})), key="same"))
    assert body["updated"] == 1


def test_dry_run_answers_what_an_upload_would_and_stores_nothing(
    client: TestClient, staff: Headers, session: Session
) -> None:
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1, "drill.drills": 2}))))
    content = csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 3, "training.sessions": 1}))
    before, logged = dump(session), submissions_count(session)
    dry = ok(upload(client, staff, content, dry_run=True), 200)
    assert dump(session) == before and submissions_count(session) == logged
    assert dry["status"] == "dry_run" and dry["submission_id"] is None
    real = ok(upload(client, staff, content))
    for name in ("created", "updated", "unchanged", "removed", "months", "rows", "values"):
        assert dry[name] == real[name], name
    # The dry run also gives each month's version (for the confirming upload's base_versions).
    assert [{**m, "version": None} for m in dry["district_months"]] == real["district_months"]
    assert all(m["version"] for m in dry["district_months"])
    assert [w["code"] for w in dry["warnings"]] == [w["code"] for w in real["warnings"]]


def test_dry_run_reports_errors_without_logging(client: TestClient, staff: Headers, session: Session) -> None:
    logged = submissions_count(session)
    content = csv_bytes([(CLEAN, "2024-03", "penalty.cases", -1)])
    body = problem(upload(client, staff, content, dry_run=True))
    assert codes(body) == ["value.negative"] and body["submission_id"] is None and body["dry_run"]
    assert submissions_count(session) == logged


def test_dry_run_as_a_form_field(client: TestClient, staff: Headers, session: Session) -> None:
    content = csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))
    r = client.post(UPLOADS, files={"file": ("a.csv", content, "text/csv")}, data={"dry_run": "true"}, headers=staff)
    assert ok(r, 200)["status"] == "dry_run"
    assert get_month(client, staff, CLEAN, "2024-03")["values"] == {}


# ----------------------------------------------------------------------------- warnings


def test_spike_warning_against_the_median_of_previous_months(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", CLEAN)
    rows = []
    for m in range(1, 13):
        rows += long_rows(CLEAN, f"2023-{m:02d}", {"inspection.enterprises": 60 + m})
    ok(upload(client, staff, csv_bytes(rows)))
    quiet = ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-01", {"inspection.enterprises": 300}))))
    assert "value.spike" not in [w["code"] for w in quiet["warnings"]]  # 300 < 5 × 66.5
    body = ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-01", {"inspection.enterprises": 6600}))))
    spike = [w for w in body["warnings"] if w["code"] == "value.spike"]
    assert len(spike) == 1 and spike[0]["indicator"] == "inspection.enterprises" and spike[0]["row"] == 2
    # Small figures are no news: 5 after a median of 0 is not flagged.
    rows = []
    for m in range(1, 13):
        rows += long_rows(CLEAN2, f"2023-{m:02d}", {"accident.count": 0})
    small = ok(
        upload(
            client, headers_for("staff", CLEAN2), csv_bytes(rows + long_rows(CLEAN2, "2024-01", {"accident.count": 5}))
        )
    )
    assert "value.spike" not in [w["code"] for w in small["warnings"]]


def test_spike_warning_on_seeded_history(client: TestClient, headers_for: HeadersFor, session: Session) -> None:
    hedong = headers_for("staff", "120102")
    body = ok(upload(client, hedong, csv_bytes(long_rows("120102", months_ago(1), {"inspection.enterprises": 99999}))))
    assert "value.spike" in [w["code"] for w in body["warnings"]]
    sub = session.get(Submission, body["submission_id"])
    assert sub is not None and sub.warning_count == len(body["warnings"]) >= 1
    assert sub.summary is not None and sub.summary["warnings"] == body["warnings"]


def test_rectified_exceeding_found_year_to_date_is_a_warning(client: TestClient, staff: Headers) -> None:
    rows = long_rows(CLEAN, "2024-01", {"inspection.hazards_found": 10, "inspection.hazards_rectified": 8})
    rows += long_rows(CLEAN, "2024-02", {"inspection.hazards_found": 1, "inspection.hazards_rectified": 2})
    body = ok(upload(client, staff, csv_bytes(rows)))
    assert "check.rectified_exceeds_found_ytd" not in [w["code"] for w in body["warnings"]]
    rows = long_rows(CLEAN, "2024-03", {"inspection.hazards_found": 0, "inspection.hazards_rectified": 5})
    body = ok(upload(client, staff, csv_bytes(rows)))
    warning = next(w for w in body["warnings"] if w["code"] == "check.rectified_exceeds_found_ytd")
    assert warning["month"] == "2024-03" and warning["row"] == 3


# ----------------------------------------------------------------------------- the log and the audit trail


def test_submissions_log_and_visibility(
    client: TestClient, headers_for: HeadersFor, admin_headers: dict[str, str]
) -> None:
    a = headers_for("staff", CLEAN)
    stranger = headers_for("staff", "120102")
    city = headers_for("viewer", "110100")
    body = ok(upload(client, a, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1})), "march.csv"))
    sid = body["submission_id"]
    mine = ok(client.get(UPLOADS, headers=a), 200)
    assert mine["total"] >= 1 and mine["items"][0]["id"] == sid and mine["items"][0]["file_name"] == "march.csv"
    assert mine["items"][0]["created"] == 1 and mine["items"][0]["status"] == "applied"
    detail = ok(client.get(f"{UPLOADS}/{sid}", headers=a), 200)
    assert detail["summary"]["response"] == body
    assert sid not in [i["id"] for i in ok(client.get(UPLOADS, headers=stranger), 200)["items"]]
    problem(client.get(f"{UPLOADS}/{sid}", headers=stranger), 403)
    assert ok(client.get(f"{UPLOADS}/{sid}", headers=city), 200)["id"] == sid  # it changed figures in its city
    assert ok(client.get(f"{UPLOADS}/{sid}", headers=admin_headers), 200)["id"] == sid
    problem(client.get(f"{UPLOADS}/999999999", headers=admin_headers), 404)
    rejected = ok(client.get(UPLOADS, params={"status": "rejected"}, headers=admin_headers), 200)
    assert all(i["status"] == "rejected" for i in rejected["items"])


def test_audit_lists_every_change_newest_first(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", CLEAN)
    first = ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1, "drill.drills": 2}))))
    # An empty cell withdraws drill.drills; a file that left it out would leave it as it is.
    second = ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 4, "drill.drills": ""}))))
    params: dict[str, Any] = {"district": CLEAN, "month": "2024-03"}
    page = ok(client.get("/api/v1/audit", params=params, headers=staff), 200)
    assert page["total"] == 4
    newest = page["items"][:2]
    assert {(i["indicator"], i["old_value"], i["new_value"]) for i in newest} == {
        ("penalty.cases", 1, 4),
        ("drill.drills", 2, None),
    }
    assert {i["submission_id"] for i in newest} == {second["submission_id"]}
    assert {i["submission_id"] for i in page["items"][2:]} == {first["submission_id"]}
    assert all(i["user"] and i["changed_at"] for i in page["items"])
    one = ok(client.get("/api/v1/audit", params={**params, "indicator": "penalty.cases"}, headers=staff), 200)
    assert [(i["old_value"], i["new_value"]) for i in one["items"]] == [(1, 4), (None, 1)]
    paged = ok(client.get("/api/v1/audit", params={**params, "limit": 1, "offset": 1}, headers=staff), 200)
    assert paged["items"] == page["items"][1:2] and paged["total"] == 4


def test_audit_respects_the_scope(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", CLEAN)
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))))
    tianjin = headers_for("viewer", "120000")
    problem(client.get("/api/v1/audit", params={"district": CLEAN}, headers=tianjin), 403)
    seen = ok(client.get("/api/v1/audit", params={"month": "2024-03", "limit": 1000}, headers=tianjin), 200)
    assert all(i["district"].startswith("12") for i in seen["items"])
    problem(client.get("/api/v1/audit", params={"indicator": "penalty.case"}, headers=staff), 422)
    problem(client.get("/api/v1/audit", params={"month": "2024-3"}, headers=staff), 422)


def test_activities_are_left_alone_by_files_without_them(client: TestClient, staff: Headers, session: Session) -> None:
    r = client.put(
        f"/api/v1/districts/{CLEAN}/months/2024-06",
        json={
            "values": {"drill.drills": 1},
            "activities": [{"kind": "drill", "date": "2024-06-15", "title": "防汛演练", "participants": 30}],
        },
        headers=staff,
    )
    assert r.status_code == 200, r.text
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-06", {"drill.drills": 2}))))
    titles = session.scalars(select(Activity.title).where(Activity.district_code == CLEAN)).all()
    assert titles == ["防汛演练"]


def test_waiting_too_long_for_another_upload_answers_503(
    client: TestClient, staff: Headers, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload does not hang behind another one that holds its district: 503 and Retry-After."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite waits out its busy timeout (30 s) instead; the same 503 follows")
    from sqlalchemy import text

    from app.uploads import service as upload_service
    from app.values.store import DISTRICT_LOCK_SPACE

    monkeypatch.setattr(upload_service, "LOCK_TIMEOUT", "200ms")
    with database.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:s, :k)"), {"s": DISTRICT_LOCK_SPACE, "k": int(CLEAN)})
        r = upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1})))
        other.rollback()
    problem(r, 503)
    assert r.headers["retry-after"]


def test_a_big_file_keeps_history_complete(client: TestClient, admin_headers: Headers, session: Session) -> None:
    """Over 2,000 new figures take the bulk path (COPY on PostgreSQL, INSERT … SELECT on SQLite)."""
    from app.districts.models import District, DistrictLevel

    beijing = session.scalars(
        select(District.code).where(District.code.like("1101%"), District.level == DistrictLevel.county)
    ).all()
    rows = [r for code in beijing for m in range(1, 13) for r in long_rows(code, f"2022-{m:02d}", FULL_MONTH)]
    assert len(rows) > 2000
    body = ok(upload(client, admin_headers, csv_bytes(rows)))
    assert body["created"] == len(rows) and body["months"] == len(beijing) * 12
    history = session.execute(
        select(
            ValueHistory.district_code, ValueHistory.indicator_code, ValueHistory.old_value, ValueHistory.new_value
        ).where(ValueHistory.submission_id == body["submission_id"])
    ).all()
    assert len(history) == len(rows)
    assert {(old, new) for _d, ind, old, new in history if ind == "penalty.fines_yuan"} == {(None, 125000.5)}
    # Bulk-written rows read back like any other (types, enums, timestamps).
    sid = body["submission_id"]
    assert set(session.scalars(select(MonthlyValue.source).where(MonthlyValue.submission_id == sid))) == {
        DataSource.upload
    }
    reports = session.scalars(select(MonthReport).where(MonthReport.last_submission_id == sid)).all()
    assert len(reports) == len(beijing) * 12 and {r.source for r in reports} == {DataSource.upload}
    stamped = session.scalars(select(MonthlyValue.updated_at).where(MonthlyValue.submission_id == sid).limit(1)).one()
    assert isinstance(stamped, dt.datetime)
    assert all(
        h.user_id is not None
        for h in session.scalars(
            select(ValueHistory).where(ValueHistory.submission_id == body["submission_id"]).limit(5)
        )
    )
    # Replacing it again: every figure changed once more, history still one row per change.
    changed = [(d, m, i, v + 1 if not i.startswith("accident") else v) for d, m, i, v in rows]
    again = ok(upload(client, admin_headers, csv_bytes(changed)))
    assert again["updated"] == len(beijing) * 12 * 20 and again["unchanged"] == len(beijing) * 12 * 2
    got = get_month(client, admin_headers, beijing[0], "2022-06")["values"]
    assert got["penalty.fines_yuan"] == 125001.5 and got["accident.count"] == 0


def test_audit_of_a_city_covers_its_districts(client: TestClient, staff: Headers, admin_headers: Headers) -> None:
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, "2024-03", {"penalty.cases": 1}))))
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN2, "2024-03", {"penalty.cases": 2}))))
    page = ok(
        client.get("/api/v1/audit", params={"district": "110100", "month": "2024-03"}, headers=admin_headers), 200
    )
    assert {i["district"] for i in page["items"]} == {CLEAN, CLEAN2}
