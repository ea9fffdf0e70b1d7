"""历史数据导入 in-process (SQLite and PostgreSQL), through Dash's own callback endpoint: a report read
into proposals (the text with each figure marked, the table with alternatives), one edited, one
rejected, stored as annual figures through the API's writer; the refusal for a year whose approved
months disagree, in Chinese; and the overview's trend marking a year counted from annual figures
(年报数据) and a year whose annual and monthly figures differ (数据差异)."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.dashboard_helpers import csrf_header
from tests.test_dashboard_pages import find, seed_today, shown, sign_in, texts
from tests.test_dashboard_reporting import callback, content, dependencies, find_all

__all__ = ["seed_today"]  # the autouse fixture: the dashboard's today is the seed's

HISTORY = "/dashboard/history"
HEDONG = "120102"
REPORT = (
    "天津市河东区应急管理局2017年度法治政府建设情况报告\n\n"
    "2017年，河东区应急管理局共检查生产经营单位512家次，发现安全隐患1,135项，"
    "立案查处行政处罚案件46件，罚款金额合计171.2万元。全年组织应急演练38次。"
    "<script>alert(1)</script>"
)


def page_state(page: Any) -> dict[str, Any]:
    node = find(page, "history-state")
    assert node is not None
    data: dict[str, Any] = node["props"]["data"]
    return data


def read(client: TestClient, state: dict[str, Any], text: str) -> dict[str, Any]:
    answer: dict[str, Any] = callback(
        client,
        output="history-result.children",
        inputs=[
            {"id": "history-extract", "property": "n_clicks", "value": 1},
            {"id": "history-upload", "property": "contents", "value": None},
        ],
        state=[
            {"id": "history-text", "property": "value", "value": text},
            {"id": "history-upload", "property": "filename", "value": None},
            {"id": "history-state", "property": "data", "value": state},
        ],
        triggered="history-extract.n_clicks",
    )["response"]
    return answer


def rows(result: Any) -> list[dict[str, Any]]:
    return find_all(result, lambda n: n.get("type") == "Tr" and "data-indicator" in n["props"])


def inputs_of(result: Any, kind: str) -> dict[int, Any]:
    nodes = find_all(result, lambda n: isinstance(n["props"].get("id"), dict) and n["props"]["id"]["type"] == kind)
    return {n["props"]["id"]["index"]: n["props"]["value"] for n in nodes}


def dropdown_value(result: Any, component: str) -> Any:
    node = find(result, component)
    assert node is not None
    return node["props"]["value"]


def mark_decision(client: TestClient, index: int, decision: str) -> list[str]:
    """The MATCH callback striking a rejected proposal through (its mark in the text, its row)."""
    dep = next(d for d in dependencies(client) if "history-mark" in d["output"])
    mark, row = {"type": "history-mark", "index": index}, {"type": "history-row", "index": index}
    decision_id = {"type": "history-decision", "index": index}
    body = {
        "output": dep["output"],
        "outputs": [{"id": mark, "property": "className"}, {"id": row, "property": "className"}],
        "inputs": [{"id": decision_id, "property": "value", "value": decision}],
        "state": [],
        "changedPropIds": [json.dumps(decision_id, separators=(",", ":"), sort_keys=True) + ".value"],
    }
    r = client.post("/dashboard/_dash-update-component", json=body, headers=csrf_header(client))
    assert r.status_code == 200, r.text[:2000]
    response = r.json()["response"]
    return [next(iter(response[key].values())) for key in response]


def store(
    client: TestClient, answer: dict[str, Any], *, values: dict[int, Any], decisions: dict[int, str], **where: Any
) -> Any:
    result = answer["history-result"]["children"]
    value_ids: list[dict[str, Any]] = [{"type": "history-value", "index": i} for i in sorted(values)]
    return callback(
        client,
        output="history-stored.children",
        inputs=[{"id": "history-store", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "history-district", "property": "value", "value": where.get("district", HEDONG)},
            {
                "id": "history-year",
                "property": "value",
                "value": where.get("year", dropdown_value(result, "history-year")),
            },
            [{"id": i, "property": "value", "value": values[int(i["index"])]} for i in value_ids],
            [{"id": i, "property": "id", "value": i} for i in value_ids],
            [
                {"id": {"type": "history-decision", "index": i}, "property": "value", "value": decisions[i]}
                for i in sorted(decisions)
            ],
            {"id": "history-found", "property": "data", "value": answer["history-found"]["data"]},
        ],
    )["response"]["history-stored"]["children"]


def test_a_report_is_read_reviewed_and_stored_as_annual_figures(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    sign_in(client, session, scope=(HEDONG,), role="staff")
    page = content(client, HISTORY, f"?district={HEDONG}")
    assert "历史数据导入" in shown(find(page, "page-heading")) and find(page, "history-text") is not None
    answer = read(client, page_state(page), REPORT)
    result = answer["history-result"]["children"]
    # District and year from the title, said how.
    assert dropdown_value(result, "history-district") == HEDONG and dropdown_value(result, "history-year") == 2017
    assert "标题中的“2017年”" in shown(find(result, "history-how"))
    # The text with each proposal's figure marked, user text as text (the script is a string).
    marks = find_all(result, lambda n: n.get("type") == "Mark")
    assert [texts(m)[0] for m in marks] == ["512家次", "1,135项", "46件", "171.2万元", "38次"]
    read_text = "".join(texts(find(result, "history-read")))
    assert read_text == REPORT.replace("\r", "")
    assert "<script>alert(1)</script>" in read_text
    table = rows(result)
    assert [r["props"]["data-indicator"] for r in table] == [
        "inspection.enterprises",
        "inspection.hazards_found",
        "penalty.cases",
        "penalty.fines_yuan",
        "drill.drills",
    ]
    assert "执法检查" in texts(table[0]) and "罚款金额" in texts(table[3])
    values = inputs_of(result, "history-value")
    decisions = inputs_of(result, "history-decision")
    assert values[3] == "1712000" and set(decisions.values()) == {"accept"}
    # Reject the drills, edit the hazards: the mark of a rejected proposal is struck through.
    struck = mark_decision(client, 4, "reject")
    assert struck == ["proposal proposal-rejected", "proposal-row rejected"]
    values[1] = "1,136"
    decisions[4] = "reject"
    stored = store(client, answer, values=values, decisions=decisions)
    words = "".join(texts(stored))
    assert "已保存河东区2017年年度数据：新增 4 项" in words
    assert "年报数据" in words and "应急演练" not in words
    link = find_all(stored, lambda n: n.get("type") == "Link")[0]["props"]["href"]
    assert link.startswith(f"/dashboard/?district={HEDONG}&year=2025")
    year = client.get(f"/api/v1/districts/{HEDONG}/years/2017", headers=headers_for("viewer", HEDONG)).json()
    annual = {f["indicator"]: f["annual"] for f in year["figures"] if f["annual"] is not None}
    assert annual == {
        "inspection.enterprises": 512,
        "inspection.hazards_found": 1136,
        "penalty.cases": 46,
        "penalty.fines_yuan": 1_712_000,
    }
    row = next(f for f in year["figures"] if f["indicator"] == "inspection.enterprises")
    assert row["evidence"].startswith("2017年，河东区应急管理局共检查生产经营单位512家次")
    assert row["source"] == "天津市河东区应急管理局2017年度法治政府建设情况报告"
    # Storing the same again changes nothing.
    again = "".join(texts(store(client, answer, values=values, decisions=decisions)))
    assert "新增 0 项、修改 0 项、未变 4 项" in again


def test_problems_and_the_refusal_for_approved_months_are_said_in_chinese(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    reviewer = headers_for("reviewer", "120000")
    r = client.post(f"/api/v1/districts/{HEDONG}/months/2021-03/approve", headers=reviewer)
    assert r.status_code == 200, r.text
    sign_in(client, session, scope=(HEDONG,), role="staff")
    page = content(client, HISTORY, f"?district={HEDONG}")
    report = "天津市河东区应急管理局2021年度法治政府建设情况报告\n\n全年共检查生产经营单位800家次，立案查处案件46件。"
    answer = read(client, page_state(page), report)
    values = inputs_of(answer["history-result"]["children"], "history-value")
    decisions = inputs_of(answer["history-result"]["children"], "history-decision")
    assert values == {0: "800", 1: "46"}
    # A value that is not a number is refused before anything is written.
    bad = "".join(texts(store(client, answer, values={0: "八百多", 1: "46"}, decisions=decisions)))
    assert "未保存" in bad and "执法检查" in bad and "不是数字" in bad
    refused = "".join(texts(store(client, answer, values=values, decisions=decisions)))
    assert "未保存" in refused and "已有审核通过的月度数据" in refused
    assert "执法检查：年度 800，审核通过的月度合计 807" in refused
    year = client.get(f"/api/v1/districts/{HEDONG}/years/2021", headers=headers_for("viewer", HEDONG)).json()
    assert all(f["annual"] is None for f in year["figures"])
    nothing = "".join(texts(store(client, answer, values=values, decisions={0: "reject", 1: "reject"})))
    assert "没有采纳任何数据" in nothing
    no_year = "".join(texts(store(client, answer, values=values, decisions=decisions, year=None)))
    assert "请选择年份" in no_year
    empty = read(client, page_state(page), "  ")
    assert "请粘贴报告全文或上传文件" in "".join(texts(empty["history-result"]["children"]))


def test_the_page_is_for_staff_and_admins(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("120000",), role="viewer")
    page = content(client, HISTORY, "")
    assert "历史数据导入仅限区县报送账号" in "".join(texts(page))
    assert find(page, "history-text") is None
    client.cookies.clear()
    sign_in(client, session, scope=(HEDONG,), role="staff")
    page = content(client, HISTORY, "?lang=en")
    words = "".join(texts(page))
    assert "Import history" in words and "Read the figures" in words and "历史" not in words
    # A city's staff: the county asked for, else the city's first county.
    client.cookies.clear()
    sign_in(client, session, scope=("120000",), role="staff")
    assert page_state(content(client, HISTORY, "?district=120103"))["district"] == "120103"
    assert page_state(content(client, HISTORY, "?district=120000"))["district"] == "120101"


def test_the_overview_marks_years_from_annual_reports_and_differences(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    staff = headers_for("staff", HEDONG)
    for year, figures in ((2017, {"inspection.enterprises": 512}), (2021, {"inspection.enterprises": 800})):
        r = client.post(
            "/api/v1/backfill/accept", json={"district": HEDONG, "year": year, "figures": figures}, headers=staff
        )
        assert r.status_code == 200, r.text
    sign_in(client, session, scope=("120000",), role="viewer")
    page = content(client, "/dashboard/", f"?district={HEDONG}&year=2021&indicator=inspection.enterprises")
    graph = find(page, "trend-graph")
    assert graph is not None
    bar = graph["props"]["figure"]["data"][0]
    years = list(bar["x"])
    assert years[0] == 2017 and bar["y"][0] == 512 and bar["y"][years.index(2018)] is None
    assert "年报数据" in bar["hovertext"][0] and bar["marker"]["pattern"]["shape"][0] == "x"
    assert "年报数据" not in bar["hovertext"][years.index(2020)]
    assert "数据差异" in bar["hovertext"][years.index(2021)] and bar["y"][years.index(2021)] == 807
    annotations = graph["props"]["figure"]["layout"]["annotations"]
    assert [a["x"] for a in annotations if a["text"] == "年报数据"] == [2017]
    assert "2017年的数据来自年报" in shown(find(page, "annual-note"))
    assert "数据差异" in shown(find(page, "differs-note")) and "2021年" in shown(find(page, "differs-note"))
    assert "数据差异" in shown(find(page, "kpi-inspection-enterprises"))
    assert find(page, "monthly-annual-note") is None
    # The year itself: the card says 年报数据, the months (none) say why there are no bars.
    year = content(client, "/dashboard/", f"?district={HEDONG}&year=2017&indicator=inspection.enterprises")
    assert shown(find(year, "kpi-inspection-enterprises-value")) == "512家次"
    assert "年报数据" in shown(find(year, "kpi-inspection-enterprises"))
    assert "年报数据" not in shown(find(year, "kpi-penalty-cases"))
    assert "2017年的数据来自年报" in shown(find(year, "monthly-annual-note"))
    # The city's trend counts Hedong's 2017 figure too, marked the same way.
    city = content(client, "/dashboard/", "?district=120000&year=2021&indicator=inspection.enterprises")
    city_bar = find(city, "trend-graph")["props"]["figure"]["data"][0]  # type: ignore[index]
    assert city_bar["x"][0] == 2017 and "年报数据" in city_bar["hovertext"][0]


def test_an_uploaded_report_is_read_and_its_file_named_as_the_source(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    sign_in(client, session, scope=(HEDONG,), role="staff")
    state = page_state(content(client, HISTORY, f"?district={HEDONG}"))
    encoded = "data:text/plain;base64," + base64.b64encode(REPORT.encode("utf-8")).decode()
    answer = callback(
        client,
        output="history-result.children",
        inputs=[
            {"id": "history-extract", "property": "n_clicks", "value": 0},
            {"id": "history-upload", "property": "contents", "value": encoded},
        ],
        state=[
            {"id": "history-text", "property": "value", "value": None},
            {"id": "history-upload", "property": "filename", "value": "河东区2017年报.txt"},
            {"id": "history-state", "property": "data", "value": state},
        ],
        triggered="history-upload.contents",
    )["response"]
    result = answer["history-result"]["children"]
    assert len(find_all(result, lambda n: n.get("type") == "Mark")) == 5
    assert answer["history-found"]["data"]["source"] == "河东区2017年报.txt"
    values = inputs_of(result, "history-value")
    stored = "".join(texts(store(client, answer, values=values, decisions={0: "accept", 1: "reject"})))
    assert "新增 1 项" in stored
    year = client.get(f"/api/v1/districts/{HEDONG}/years/2017", headers=headers_for("viewer", HEDONG)).json()
    row = next(f for f in year["figures"] if f["indicator"] == "inspection.enterprises")
    assert (row["annual"], row["source"]) == (512, "河东区2017年报.txt")
    unreadable = callback(
        client,
        output="history-result.children",
        inputs=[
            {"id": "history-extract", "property": "n_clicks", "value": 0},
            {"id": "history-upload", "property": "contents", "value": "data:application/pdf;base64,JVBERi0xLjQK"},
        ],
        state=[
            {"id": "history-text", "property": "value", "value": None},
            {"id": "history-upload", "property": "filename", "value": "report.pdf"},
            {"id": "history-state", "property": "data", "value": state},
        ],
        triggered="history-upload.contents",
    )["response"]
    assert "未能识别" in "".join(texts(unreadable["history-result"]["children"]))


def test_a_stored_figure_that_differs_from_the_months_says_so(client: TestClient, session: Session) -> None:
    """Months not approved: the annual figure is stored, and the page says the monthly sum counts."""
    sign_in(client, session, scope=(HEDONG,), role="staff")
    state = page_state(content(client, HISTORY, f"?district={HEDONG}"))
    report = "天津市河东区应急管理局2021年度法治政府建设情况报告\n\n全年共检查生产经营单位800家次。"
    answer = read(client, state, report)
    result = answer["history-result"]["children"]
    stored = store(client, answer, values=inputs_of(result, "history-value"), decisions={0: "accept"})
    row = find_all(stored, lambda n: n["props"].get("data-indicator") == "inspection.enterprises")[0]
    assert texts(row) == ["执法检查", "800家次", "807家次", "月度合计", "数据差异"]
