"""The reporting pages in-process (SQLite and PostgreSQL), through Dash's own callback endpoint:
数据报送 (the form, saving with the month's version, uploads previewed and confirmed, the log and a
figure's history), 审核 (the grid, a district-month's figures, approve / return / unlock, approve a
whole month, reminders), the approval status on 报送情况, and the reminder notice staff see."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.dashboard_helpers import csrf_header
from tests.test_dashboard_pages import find, render, seed_today, shown, sign_in, texts
from tests.upload_helpers import CLEAN, FULL_MONTH, csv_bytes, long_rows

__all__ = ["seed_today"]  # the autouse fixture: the dashboard's today is the seed's

MONTH = "2026-09"
PARENT = "110000"
FORM = "/dashboard/submit"
REVIEW = "/dashboard/review"


# ----------------------------------------------------------------------------- Dash callbacks


def dependencies(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/dashboard/_dash-dependencies")
    assert r.status_code == 200, r.text[:500]
    deps: list[dict[str, Any]] = r.json()
    return deps


def callback(
    client: TestClient,
    *,
    output: str,
    inputs: list[Any],
    state: list[Any] | None = None,
    triggered: str | None = None,
) -> dict[str, Any]:
    """Post a callback as the browser does: ``output`` names one of its outputs (``id.prop``); the
    callback's full output spec (allow_duplicate hashes included) is read from Dash's dependencies."""
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    trigger = first["id"]["type"] if isinstance(first["id"], dict) else first["id"]
    dep = next(
        d for d in dependencies(client) if output in d["output"] and any(trigger in str(i["id"]) for i in d["inputs"])
    )
    spec = dep["output"].strip(".")
    outputs = []
    for part in spec.split("..."):
        component, _dot, prop = part.rpartition(".")
        outputs.append({"id": component, "property": prop})
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [triggered or f"{_id_text(inputs[0]['id'])}.{inputs[0]['property']}"],
    }
    r = client.post("/dashboard/_dash-update-component", json=body, headers=csrf_header(client))
    assert r.status_code in (200, 204), r.text[:2000]
    return r.json() if r.status_code == 200 else {}


def _id_text(component: Any) -> str:
    return component if isinstance(component, str) else json.dumps(component, separators=(",", ":"), sort_keys=True)


def content(client: TestClient, path: str, search: str) -> Any:
    return render(client, path, search)["response"]["_pages_content"]["children"]


def find_all(node: Any, predicate: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, list):
        for item in node:
            out += find_all(item, predicate)
    elif isinstance(node, dict):
        props = node.get("props")
        if props is not None:
            if predicate(node):
                out.append(node)
            out += find_all(props.get("children"), predicate)
        else:
            for value in node.values():
                out += find_all(value, predicate)
    return out


def form_inputs(page: Any) -> dict[str, dict[str, Any]]:
    """The form's inputs by indicator."""
    nodes = find_all(
        page, lambda n: isinstance(n["props"].get("id"), dict) and n["props"]["id"].get("type") == "report-value"
    )
    return {n["props"]["id"]["indicator"]: n["props"] for n in nodes}


def form_state(page: Any) -> dict[str, Any]:
    node = find(page, "report-state")
    assert node is not None
    data: dict[str, Any] = node["props"]["data"]
    return data


def save(client: TestClient, state: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    ids = [{"type": "report-value", "indicator": code} for code in values]
    return callback(
        client,
        output="report-save-result.children",
        inputs=[{"id": "report-save", "property": "n_clicks", "value": 1}],
        state=[
            [{"id": i, "property": "value", "value": v} for i, v in zip(ids, values.values(), strict=True)],
            [{"id": i, "property": "id", "value": i} for i in ids],
            {"id": "report-state", "property": "data", "value": state},
        ],
    )["response"]


def full_form(page: Any, **changes: Any) -> dict[str, Any]:
    values = {code: props.get("value") for code, props in form_inputs(page).items()}
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return values


def staff_form(client: TestClient, session: Session, month: str = MONTH) -> Any:
    sign_in(client, session, scope=(CLEAN,), role="staff")
    return content(client, FORM, f"?district={CLEAN}&month={month}")


def upload_preview(client: TestClient, state: dict[str, Any], file: bytes, name: str = "figures.csv") -> Any:
    import base64

    encoded = "data:text/csv;base64," + base64.b64encode(file).decode()
    return callback(
        client,
        output="report-upload-store.data",
        inputs=[{"id": "report-upload", "property": "contents", "value": encoded}],
        state=[
            {"id": "report-upload", "property": "filename", "value": name},
            {"id": "report-state", "property": "data", "value": state},
        ],
    )["response"]


def review_action(client: TestClient, state: dict[str, Any], button: str, reason: str = "") -> Any:
    buttons = ["review-approve", "review-return", "review-unlock", "review-approve-all", "review-remind"]
    return callback(
        client,
        output="review-result.children",
        inputs=[{"id": b, "property": "n_clicks", "value": 1 if b == button else 0} for b in buttons],
        state=[
            {"id": "review-reason", "property": "value", "value": reason},
            {"id": "review-state", "property": "data", "value": state},
        ],
        triggered=f"{button}.n_clicks",
    )["response"]


def review_state(client: TestClient, focus: str = CLEAN, month: str = MONTH) -> tuple[Any, dict[str, Any]]:
    page = content(client, REVIEW, f"?district={PARENT}&month={month}&focus={focus}")
    node = find(page, "review-state")
    assert node is not None
    return page, node["props"]["data"]


def as_reviewer(client: TestClient, session: Session) -> None:
    client.cookies.clear()
    sign_in(client, session, scope=(PARENT,), role="reviewer")


def as_staff(client: TestClient, session: Session) -> None:
    client.cookies.clear()
    sign_in(client, session, scope=(CLEAN,), role="staff")


# ----------------------------------------------------------------------------- 数据报送


def test_the_form_lists_every_indicator_with_last_month_and_last_year(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("120102",), role="staff")
    page = content(client, FORM, "?district=120102&month=2021-06")
    inputs = form_inputs(page)
    assert len(inputs) == 22
    assert "河东区" in shown(find(page, "page-heading")) and "2021年6月" in shown(find(page, "page-heading"))
    words = texts(page)
    assert "双随机抽查" in words and "执法检查" in words and "家次" in words
    assert "本月" in words and "上月" in words and "上年同月" in words
    assert inputs["inspection.enterprises"]["value"] not in ("", None)
    assert all(p["placeholder"] == "未报送" for p in inputs.values())
    assert "已报送待审" in shown(find(page, "report-status-panel"))
    link = find(page, "report-template")
    assert link is not None
    assert link["props"]["href"] == "/api/v1/uploads/template.xlsx?district=120102&year=2021&prefill=true"


def test_an_empty_month_is_not_reported_not_zero(client: TestClient, session: Session) -> None:
    page = staff_form(client, session)
    inputs = form_inputs(page)
    assert {p["value"] for p in inputs.values()} == {""}
    assert "未报送" in shown(find(page, "report-status-panel"))
    # Beside each figure, last month's and last year's say 未报送, never 0.
    row = find_all(page, lambda n: n["props"].get("data-indicator") == "penalty.cases")[0]
    assert texts(row).count("未报送") == 2 and "0件" not in texts(row)


def test_saving_the_form_stores_the_month_and_blank_stays_not_reported(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    page = staff_form(client, session)
    values = {k: str(v) for k, v in FULL_MONTH.items()}
    values["accident.deaths"] = ""  # left blank: not reported
    answer = save(client, form_state(page), values)
    assert "已保存：新增 21 项" in shown(answer["report-save-result"]["children"])
    assert "已报送待审" in "".join(texts(answer["report-status-panel"]["children"]))
    assert "表单/接口已写入21/0/0" in "".join(texts(answer["report-log"]["children"]))  # the log shows the save
    stored = client.get(f"/api/v1/districts/{CLEAN}/months/{MONTH}", headers=headers_for("viewer", CLEAN)).json()
    assert stored["values"]["penalty.fines_yuan"] == 125000.5 and "accident.deaths" not in stored["values"]
    again = form_inputs(content(client, FORM, f"?district={CLEAN}&month={MONTH}"))
    assert again["penalty.fines_yuan"]["value"] == "125000.5" and again["accident.deaths"]["value"] == ""
    assert again["penalty.detentions"]["value"] == "0"  # a reported zero is 0


def test_the_form_keeps_the_api_rules_and_saves_nothing_on_an_error(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    page = staff_form(client, session)
    values = {k: str(v) for k, v in FULL_MONTH.items()}
    values["drill.drills"] = "<b>三</b>"
    answer = save(client, form_state(page), values)
    text = shown(answer["report-save-result"]["children"])
    # The value as typed, shown as text (Dash children are never markup).
    assert "未保存" in text and "应急演练" in text and "“<b>三</b>”不是数字" in text
    values["drill.drills"] = "3"
    values["double_random.published"] = "99"  # more published than inspected: the API's cross-check
    answer = save(client, form_state(page), values)
    text = shown(answer["report-save-result"]["children"])
    assert "未保存" in text and "双随机抽查结果公开" in text
    stored = client.get(f"/api/v1/districts/{CLEAN}/months/{MONTH}", headers=headers_for("viewer", CLEAN)).json()
    assert stored["values"] == {}


def test_someone_elses_change_meanwhile_is_not_overwritten(
    client: TestClient, session: Session, headers_for: Any
) -> None:
    page = staff_form(client, session)
    state = form_state(page)
    other = headers_for("staff", CLEAN)
    r = client.put(f"/api/v1/districts/{CLEAN}/months/{MONTH}", json={"values": {"penalty.cases": 9}}, headers=other)
    assert r.status_code == 200, r.text
    answer = save(client, state, {k: str(v) for k, v in FULL_MONTH.items()})
    assert "已被他人修改" in shown(answer["report-save-result"]["children"])
    stored = client.get(f"/api/v1/districts/{CLEAN}/months/{MONTH}", headers=other).json()
    assert stored["values"] == {"penalty.cases": 9}


def test_an_upload_is_previewed_then_confirmed(client: TestClient, session: Session, headers_for: Any) -> None:
    page = staff_form(client, session)
    state = form_state(page)
    save(client, state, {"penalty.cases": "4", "penalty.fines_yuan": "1000"})
    state = form_state(content(client, FORM, f"?district={CLEAN}&month={MONTH}"))
    file = csv_bytes(long_rows(CLEAN, MONTH, {"penalty.cases": 5, "penalty.fines_yuan": "", "drill.drills": 2}))
    answer = upload_preview(client, state, file)
    preview = answer["report-preview"]["children"]
    words = "".join(texts(preview))
    assert "预览" in words and "将新增 1 项、修改 1 项、撤回 1 项" in words
    rows = find_all(preview, lambda n: "change" in str(n["props"].get("className", "")).split())
    withdrawn = [r for r in rows if "withdrawn" in r["props"]["className"]]
    assert len(rows) == 3 and len(withdrawn) == 1 and "撤回" in texts(withdrawn[0])
    assert "4件" in texts(rows[0]) + texts(rows[1]) + texts(rows[2])
    stored = answer["report-upload-store"]["data"]
    assert f"{CLEAN}/{MONTH}" in stored["base_versions"]
    # Nothing is written until confirmed.
    viewer = headers_for("viewer", CLEAN)
    assert (
        client.get(f"/api/v1/districts/{CLEAN}/months/{MONTH}", headers=viewer).json()["values"]["penalty.cases"] == 4
    )
    done = callback(
        client,
        output="report-log.children",
        inputs=[{"id": "report-confirm", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "report-upload-store", "property": "data", "value": stored},
            {"id": "report-state", "property": "data", "value": state},
        ],
    )["response"]
    uploaded = "".join(texts(done["report-preview"]["children"]))
    assert "已上传：新增 1 项、修改 1 项、撤回 1 项" in uploaded and "重新打开本月" in uploaded
    assert "CSV 文件 · figures.csv已写入" in "".join(texts(done["report-log"]["children"]))
    after = client.get(f"/api/v1/districts/{CLEAN}/months/{MONTH}", headers=viewer).json()["values"]
    assert after == {"penalty.cases": 5, "drill.drills": 2}


def test_a_file_with_errors_lists_them_by_row_and_cell(client: TestClient, session: Session) -> None:
    state = form_state(staff_form(client, session))
    file = csv_bytes(long_rows(CLEAN, MONTH, {"penalty.cases": "五", "drill.drills": -1}))
    answer = upload_preview(client, state, file)
    box = answer["report-preview"]["children"]
    assert "文件有 2 处错误" in "".join(texts(box))
    table = find(box, "report-file-errors")
    assert table is not None
    cells = find_all(table, lambda n: n.get("type") == "Td")
    rows = {"".join(texts(c)) for c in cells}
    assert {"2", "3"} <= rows  # the rows of the file
    assert answer["report-upload-store"]["data"] is None


def test_a_figures_history_opens_on_click(client: TestClient, session: Session) -> None:
    state = form_state(staff_form(client, session))
    save(client, state, {"penalty.cases": "4"})
    state = form_state(content(client, FORM, f"?district={CLEAN}&month={MONTH}"))
    save(client, state, {"penalty.cases": "6"})
    button = {"type": "report-history-button", "indicator": "penalty.cases"}
    answer = callback(
        client,
        output="report-history.children",
        inputs=[[{"id": button, "property": "n_clicks", "value": 1}]],
        state=[{"id": "report-state", "property": "data", "value": state}],
        triggered=_id_text(button) + ".n_clicks",
    )["response"]
    words = texts(answer["report-history"]["children"])
    assert "行政处罚案件的修改记录" in words and "4件" in words and "6件" in words and "未报送" in words


# ----------------------------------------------------------------------------- 审核 and the way back


def test_return_approve_and_the_lock_seen_by_the_clerk(client: TestClient, session: Session) -> None:
    state = form_state(staff_form(client, session))
    save(client, state, {k: str(v) for k, v in FULL_MONTH.items()})

    as_reviewer(client, session)
    page, rstate = review_state(client)
    grid = find(page, "review-grid")
    assert grid is not None
    cell = find_all(grid, lambda n: n["props"].get("data-district") == CLEAN and n["props"].get("data-month") == MONTH)
    assert cell and cell[0]["props"]["data-status"] == "submitted"
    detail = texts(find(page, "review-detail"))
    assert "罚款金额" in detail and "上年同月" in detail
    # A return needs a reason; user text is shown as text.
    refused = review_action(client, rstate, "review-return", "")
    assert "请填写原因" in "".join(texts(refused["review-result"]["children"]))
    reason = "罚款金额<script>alert(1)</script>与案件数不符"
    bad = review_action(client, rstate, "review-return", "退回\x07原因")
    assert "原因含不可保存的字符" in "".join(texts(bad["review-result"]["children"]))
    done = review_action(client, rstate, "review-return", reason)
    assert "已退回" in "".join(texts(done["review-result"]["children"]))
    assert reason in texts(done["review-detail"]["children"])  # the detail shows the new status
    assert "已退回" in "".join(texts(done["review-detail"]["children"]))

    as_staff(client, session)
    page = content(client, FORM, f"?district={CLEAN}&month={MONTH}")
    panel = find(page, "report-status-panel")
    assert "已退回" in shown(panel) and reason in texts(panel)
    save(client, form_state(page), full_form(page, penalty__cases="5"))
    page = content(client, FORM, f"?district={CLEAN}&month={MONTH}")
    assert "已报送待审" in shown(find(page, "report-status-panel"))

    as_reviewer(client, session)
    _page, rstate = review_state(client)
    done = review_action(client, rstate, "review-approve")
    assert "已审核通过（锁定）" in "".join(texts(done["review-result"]["children"]))

    as_staff(client, session)
    page = content(client, FORM, f"?district={CLEAN}&month={MONTH}")
    assert "已审核通过（锁定）" in shown(find(page, "report-status-panel"))
    refused = save(client, form_state(page), full_form(page, penalty__cases="7"))
    text = "".join(texts(refused["report-save-result"]["children"]))
    assert "已审核通过并锁定，不能修改" in text and "联系审核人解锁" in text

    as_reviewer(client, session)
    _page, rstate = review_state(client)
    done = review_action(client, rstate, "review-unlock", "核对后需更正")
    assert "已报送待审" in "".join(texts(done["review-result"]["children"]))


def test_approve_all_and_reminders_then_staff_see_the_notice(client: TestClient, session: Session) -> None:
    state = form_state(staff_form(client, session))
    save(client, state, {k: str(v) for k, v in FULL_MONTH.items()})
    as_reviewer(client, session)
    _page, rstate = review_state(client)
    done = review_action(client, rstate, "review-approve-all")
    assert "审核通过 1 个" in "".join(texts(done["review-result"]["children"]))
    grid = done["review-grid-box"]["children"]
    cell = find_all(grid, lambda n: n["props"].get("data-district") == CLEAN and n["props"].get("data-month") == MONTH)
    assert cell[0]["props"]["data-status"] == "approved"

    _page, rstate = review_state(client, focus="110102", month="2026-08")
    done = review_action(client, rstate, "review-remind")
    assert "已催报" in "".join(texts(done["review-result"]["children"]))

    # The staff user of 110101 (whose 2026-08 is not sent) sees the reminder on the next page load.
    as_staff(client, session)
    assert find(client.get("/dashboard/_dash-layout").json(), "reminders") is not None
    for search, words in (("", ("催报提醒", "2026年8月", "未报送", "去报送")), ("?lang=en", ("Reminders", "Aug 2026"))):
        answer = callback(
            client, output="reminders.children", inputs=[{"id": "url", "property": "search", "value": search}]
        )["response"]
        shown_text = "".join(texts(answer["reminders"]["children"]))
        assert all(w in shown_text for w in words), shown_text
        assert answer["reminders"]["hidden"] is False
    # A reviewer sees no such notice.
    as_reviewer(client, session)
    answer = callback(client, output="reminders.children", inputs=[{"id": "url", "property": "search", "value": ""}])
    assert answer["response"]["reminders"]["hidden"] is True


def test_the_review_page_is_for_reviewers(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=(CLEAN,), role="staff")
    page = content(client, REVIEW, f"?district={CLEAN}&month={MONTH}")
    assert "审核页面仅限审核人和管理员" in "".join(texts(page))
    client.cookies.clear()
    sign_in(client, session, scope=("120000",), role="viewer")
    page = content(client, FORM, "?district=120102")
    assert "数据报送仅限" in "".join(texts(page))


def test_the_review_page_in_english(client: TestClient, session: Session) -> None:
    as_reviewer(client, session)
    page = content(client, REVIEW, f"?district={PARENT}&month={MONTH}&focus={CLEAN}&lang=en")
    words = "".join(texts(page))
    assert "Review" in words and "Approve (lock)" in words and "审核" not in words


def test_completeness_shows_the_review_status(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("120000",), role="viewer")
    page = content(client, "/dashboard/completeness", "?district=120000&year=2026")
    grid = find(page, "approval-grid")
    assert grid is not None
    statuses = {c["props"]["data-status"] for c in find_all(grid, lambda n: "data-status" in n["props"])}
    assert statuses <= {"approved", "submitted", "returned", "missing"} and "submitted" in statuses
    assert "审核状态" in texts(page)


def test_the_form_in_english_and_a_city_opens_its_first_county(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("120000",), role="staff")
    page = content(client, FORM, "?district=120000&month=2021-06&lang=en")
    words = "".join(texts(page))
    assert "Report a month" in words and "Last month" in words and "Same month last year" in words
    assert "Save" in words and "Enforcement inspections" in words and "enterprise-visits" in words
    assert form_state(page)["district"] == "120101"  # 和平区, Tianjin's first district
    inputs = form_inputs(page)
    assert all(p["placeholder"] == "not reported" for p in inputs.values())
