"""The year-end report's text: the seed reports' figures come back in their words, every number is
traceable to the appendix, gaps are noted, and the API answers only inside the caller's scope."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.auth.scope import SYSTEM
from app.core.db import Database
from app.core.errors import NotFound
from app.districts.models import DistrictLevel
from app.reports.annual import build_annual_report
from app.reports.render import APPENDIX_HEADING, to_html, to_markdown
from app.stats.completeness import completeness as completeness_of
from app.stats.context import StatsContext
from app.stats.ranking import district_ranking
from app.stats.totals import annual_totals
from app.values import yearly
from app.values.models import Activity, ActivityKind, MonthlyValue, MonthReport
from tests.conftest import SEED_TODAY, HeadersFor

HEDONG, YUBEI, TIANJIN = "120102", "500112", "120000"
HEDONG_DRILLS = [
    "综合防汛应急调度演练",
    "军地联合防汛演练",
    "防汛抢险演练",
    "校园地震应急疏散演练",
    "社区地震疏散应急演练",
]
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:万|亿)?%?")
# Appendix columns whose cells say what the text says: 文中写法, 统计月份, 缺报月份, 同比.
TRACED_COLUMNS = (1, 3, 4, 5)


def annual_md(client: TestClient, headers: dict[str, str], district: str, year: int) -> str:
    response = client.get("/api/v1/reports/annual", params={"district": district, "year": year}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    return response.text


def body_of(markdown: str) -> str:
    return markdown.split(f"## {APPENDIX_HEADING}")[0]


def appendix_cells(markdown: str) -> list[list[str]]:
    appendix = markdown.split(f"## {APPENDIX_HEADING}")[1]
    rows = [line for line in appendix.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]  # skip the header


def untraced_numbers(markdown: str) -> set[str]:
    """Numbers of the text (before the appendix) that neither an appendix row nor its lead (统计范围、统计期)
    states."""
    lead = next(
        line for line in markdown.split(f"## {APPENDIX_HEADING}")[1].splitlines() if line.startswith("统计范围")
    )
    traced: set[str] = set(NUMBER.findall(lead.split("数字按报告写法")[0]))
    for cells in appendix_cells(markdown):
        for i in TRACED_COLUMNS:
            traced.update(NUMBER.findall(cells[i]))
    return set(NUMBER.findall(body_of(markdown))) - traced


# ----------------------------------------------------------------------------- acceptance


def test_hedong_2021_states_the_reports_figures(client: TestClient, admin_headers: dict[str, str]) -> None:
    text = body_of(annual_md(client, admin_headers, HEDONG, 2021))
    assert "天津市河东区应急管理局2021年度法治政府建设情况报告" in text
    assert "“双随机、一公开”抽查199件" in text
    assert "执法检查807家次" in text
    # 2020 has no February or March: the change covers the months both years have and says so; beside
    # it the change on last year's full-year total (the figure last year's report states), so that
    # a rise on 736 and a fall on the comparable months read as two facts, not a contradiction.
    assert (
        "执法检查807家次，较上年全年（736家次）增长9.6%，按可比口径同比下降4.9%；"
        "排查发现安全隐患和违法行为904项，较上年全年（863项）增长4.8%，按可比口径同比下降9.6%"
    ) in text
    assert "案审会28次" in text
    assert "审理案件63件" in text
    # The five drills, named and joined by 、 in one sentence.
    drills = re.search(r"先后组织开展了([^。]+)。", text)
    assert drills is not None
    assert sorted(drills.group(1).split("、")) == sorted(HEDONG_DRILLS)
    # The report's training and publicity figures too.
    assert "组织行政执法培训4次" in text and "受训96人次" in text
    assert "组织执法知识考试5次" in text and "参考139人次" in text


def test_yubei_2020_states_the_reports_figures(client: TestClient, admin_headers: dict[str, str]) -> None:
    text = body_of(annual_md(client, admin_headers, YUBEI, 2020))
    assert "重庆市渝北区应急管理局" in text
    assert "执法检查3.2万家次" in text
    assert "隐患和违法行为3.6万项" in text
    assert "罚款1712万元" in text
    assert "责令停产停业116家" in text
    assert "行政拘留122人" in text
    # 同比均下降30%以上: 28 → 19.
    assert "生产安全事故19起，同比下降32.1%" in text
    assert "死亡19人，同比下降32.1%" in text
    assert "全区共发生" in text  # accidents are the district's record, not the bureau's work


def test_areas_follow_the_issue_order(session: Session) -> None:
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    headings = [s.heading for s in report.sections]
    assert headings == [
        "（一）“双随机、一公开”监管",
        "（二）执法检查",
        "（三）案件审理",
        "（四）行政处罚",
        "（五）应急演练",
        "（六）执法培训与考试",
        "（七）普法宣传",
    ]
    # Accidents are the district's safety record, not the bureau's work: a part of their own.
    assert report.situation is not None and report.situation.heading == "二、安全生产形势"
    assert report.writer_sections == [
        "三、主要负责人履行第一责任人职责情况",
        "四、存在的不足和原因",
        "五、下一年度工作安排",
    ]


# ----------------------------------------------------------------------------- traceability


@pytest.mark.parametrize(("district", "year"), [(HEDONG, 2021), (YUBEI, 2020), (TIANJIN, 2021), ("120103", 2026)])
def test_every_number_of_the_text_is_in_the_appendix(
    client: TestClient, admin_headers: dict[str, str], district: str, year: int
) -> None:
    markdown = annual_md(client, admin_headers, district, year)
    assert appendix_cells(markdown), "the appendix has no rows"
    assert untraced_numbers(markdown) == set()
    # Human names: no indicator code or table name in the document (they are in format=json).
    assert not re.search(r"[a-z_]+\.[a-z_]+|month_reports|activities\(", markdown.split(APPENDIX_HEADING)[1])
    assert "数据截至：" in markdown.split(APPENDIX_HEADING)[1]


def test_the_traceability_check_catches_a_number_the_appendix_lacks(session: Session) -> None:
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    markdown = to_markdown(report)
    assert untraced_numbers(markdown) == set()
    report.sections[0].paragraphs[0] += "另开展专项检查9876家次。"
    assert untraced_numbers(to_markdown(report)) == {"9876"}


def test_every_figure_of_the_appendix_is_written_in_the_text(session: Session) -> None:
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=YUBEI, year=2020)
    body = body_of(to_markdown(report))
    for figure in report.figures:
        assert figure.text in body, figure.key
        if figure.change_text:
            # In the same clause: "对80家企业开展部门联合抽查，同比增长2.6%".
            assert re.search(re.escape(figure.text) + "[^；。]*" + re.escape(figure.change_text), body), figure.key
    inspections = report.figure("inspection.enterprises")
    assert inspections is not None
    assert (inspections.value, inspections.text, inspections.code) == (32000, "3.2万家次", "inspection.enterprises")
    assert inspections.period == "2020年1—12月" and inspections.missing == ""
    assert inspections.basis == "2019年同期"


def test_html_has_the_same_text_and_appendix(session: Session) -> None:
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    body, appendix = page.split('<h2 id="appendix">')
    text = re.sub(r"<[^>]+>", " ", body.split("</head>")[1])
    assert "执法检查807家次" in text
    cells = re.findall(r"<td>([^<]*)</td>", appendix)
    traced = {n for c in cells for n in NUMBER.findall(c)}
    assert set(NUMBER.findall(text)) <= traced


# ----------------------------------------------------------------------------- gaps and zeros


def test_missing_months_are_noted_under_the_text_and_in_the_appendix(session: Session) -> None:
    march, april = dt.date(2021, 3, 1), dt.date(2021, 4, 1)
    for model in (MonthlyValue, MonthReport):
        session.execute(delete(model).where(model.district_code == HEDONG, model.month.in_([march, april])))
    yearly.refresh(session, {(HEDONG, 2021)})  # edited in SQL here: refresh the summary as writers do
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    assert "注：河东区3月、4月数据未报送。" in report.notes
    inspections = report.figure("inspection.enterprises")
    assert inspections is not None
    assert inspections.missing == "3月、4月"
    assert inspections.value is not None and inspections.value < 807
    markdown = to_markdown(report)
    assert "> 注：河东区3月、4月数据未报送。" in markdown
    assert untraced_numbers(markdown) == set()


def test_an_area_with_nothing_reported_is_left_out_and_zero_is_written_as_zero(session: Session) -> None:
    in_2021 = [MonthlyValue.month >= dt.date(2021, 1, 1), MonthlyValue.month < dt.date(2022, 1, 1)]
    session.execute(
        delete(MonthlyValue).where(
            MonthlyValue.district_code == HEDONG, MonthlyValue.indicator_code.like("drill.%"), *in_2021
        )
    )
    session.execute(delete(Activity).where(Activity.district_code == HEDONG, Activity.kind == ActivityKind.drill))
    session.execute(
        update(MonthlyValue)
        .where(MonthlyValue.district_code == HEDONG, MonthlyValue.indicator_code.like("accident.%"), *in_2021)
        .values(value=0)
    )
    yearly.refresh(session, {(HEDONG, 2021)})
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    text = body_of(to_markdown(report))
    assert "应急演练" not in text
    assert report.figure("drill.drills") is None
    assert "共发生生产安全事故0起" in text and "死亡0人" in text
    assert [s.heading for s in report.sections][-1] == "（六）普法宣传"
    assert report.situation is not None and report.situation.heading == "二、安全生产形势"


def test_a_district_without_data_is_404_report_no_data(
    session: Session, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """No empty report with 数据截至：无: a year without data is a 404 problem."""
    with pytest.raises(NotFound) as caught:
        build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district="110101", year=2021)
    assert caught.value.extra["code"] == "report.no_data"
    r = client.get("/api/v1/reports/annual", params={"district": "110101", "year": 2021}, headers=admin_headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "report.no_data" and "北京市东城区2021年没有已报送的数据" in body["detail"]


# ----------------------------------------------------------------------------- a city or province


def test_city_report_sums_names_most_and_least_and_reports_completeness(session: Session) -> None:
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=TIANJIN, year=2021)
    assert report.title == "天津市应急管理局2021年度法治政府建设情况报告"
    counties = district_ranking(
        StatsContext(session, SYSTEM, SEED_TODAY),
        year=2021,
        indicator="inspection.enterprises",
        parent=TIANJIN,
        level=DistrictLevel.county,
    ).rows
    per_county = {
        r.code: annual_totals(StatsContext(session, SYSTEM, SEED_TODAY), district=r.code, year=2021) for r in counties
    }
    totals = {
        code: next(i.total for i in out.indicators if i.code == "inspection.enterprises")
        for code, out in per_county.items()
    }
    city = report.figure("inspection.enterprises")
    assert city is not None and city.value == sum(t for t in totals.values() if t is not None)
    most, least = report.figure("rank.inspection.enterprises.most"), report.figure("rank.inspection.enterprises.least")
    assert most is not None and least is not None
    best = max(totals, key=lambda c: totals[c] or 0)
    # "Least" among districts that reported all twelve months: one that missed months (北辰区 missed
    # September in the seed) is not named least for not reporting.
    complete = {
        code
        for code, out in per_county.items()
        if all(i.months_reported == i.months_expected for i in out.indicators if i.code == "inspection.enterprises")
    }
    assert complete != set(totals), "the seed has a Tianjin district with a month not reported"
    worst = min((c for c in complete if totals[c] is not None), key=lambda c: totals[c] or 0)
    names = {r.code: r.name for r in counties}
    assert (most.district, most.value) == (names[best], totals[best])
    assert (least.district, least.value) == (names[worst], totals[worst])
    text = body_of(to_markdown(report))
    assert f"执法检查最多的是{most.district}（{most.text}），最少的是{least.district}（{least.text}）" in text
    # The districts left out of 最少 are named, not silently skipped.
    skipped = "、".join(names[c] for c in sorted(set(totals) - complete))
    assert f"{skipped}有月份未报送，未参与最少的比较" in text
    # Completeness: the paragraph and the note name the months not reported.
    assert report.sections[-1].heading == "（八）数据报送情况"
    completeness = completeness_of(StatsContext(session, SYSTEM, SEED_TODAY), year=2021, parent=TIANJIN)
    reported = report.figure("completeness.reported")
    assert reported is not None and reported.value == completeness.submitted + completeness.late
    assert f"{len(completeness.rows)}个区县应报送月度报表{completeness.expected}份，" in text
    missing_rows = [r for r in completeness.rows if r.missing]
    assert missing_rows, "the seed has months not reported in Tianjin 2021"
    assert any(n.startswith("注：") and missing_rows[0].name in n for n in report.notes)


# ----------------------------------------------------------------------------- the API


def test_formats_and_errors(client: TestClient, headers_for: HeadersFor, admin_headers: dict[str, str]) -> None:
    url = "/api/v1/reports/annual"
    staff = headers_for("staff", HEDONG)
    ok = client.get(url, params={"district": HEDONG, "year": 2021, "format": "html"}, headers=staff)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/html")
    assert "执法检查807家次" in ok.text
    as_json = client.get(url, params={"district": HEDONG, "year": 2021, "format": "json"}, headers=staff).json()
    assert {f["key"] for f in as_json["figures"]} >= {"inspection.enterprises", "activities.drill"}

    def problem(params: dict[str, object], headers: dict[str, str] | None, status: int) -> dict[str, object]:
        response = client.get(url, params=params, headers=headers or {})
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    problem({"district": YUBEI, "year": 2020}, staff, 403)
    problem({"district": TIANJIN, "year": 2021}, staff, 403)  # a county's user cannot read the city
    assert "did you mean" in str(problem({"district": "120199", "year": 2021}, staff, 404)["detail_en"])
    problem({"district": HEDONG, "year": 1990}, staff, 422)
    problem({"district": HEDONG, "year": 2021, "format": "pdf"}, staff, 422)
    problem({"district": HEDONG, "year": 2021}, None, 401)
    city_viewer = headers_for("viewer", TIANJIN)
    assert client.get(url, params={"district": HEDONG, "year": 2021}, headers=city_viewer).status_code == 200
    assert client.get(url, params={"district": TIANJIN, "year": 2021}, headers=city_viewer).status_code == 200


# ----------------------------------------------------------------------------- the command line


def test_cli_writes_a_docx_and_one_file_per_child(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docx import Document
    from typer.testing import CliRunner

    import app.reports.cli as report_cli
    from app.cli import app

    monkeypatch.setattr(report_cli, "open_database", lambda: database)
    runner = CliRunner()
    out = tmp_path / "report.docx"
    done = runner.invoke(app, ["report", "--district", HEDONG, "--year", "2021", "--format", "docx", "-o", str(out)])
    assert done.exit_code == 0, done.output
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "执法检查807家次" in text

    folder = tmp_path / "tianjin"
    done = runner.invoke(
        app, ["report", "--district", TIANJIN, "--year", "2021", "--format", "md", "--children", "-o", str(folder)]
    )
    assert done.exit_code == 0, done.output
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 16  # Tianjin's districts, not its pseudo-city 市辖区
    assert "120102-河东区-2021.md" in files
    assert "执法检查807家次" in (folder / "120102-河东区-2021.md").read_text(encoding="utf-8")

    done = runner.invoke(app, ["report", "--district", "999999", "--year", "2021"])
    assert done.exit_code == 2


# ----------------------------------------------------------------------------- user text


HOSTILE_TITLE = "<script>alert(1)</script>演练 | *要* [点此](http://evil.example)"


def test_user_text_cannot_add_markup_to_the_markdown_or_the_page(session: Session) -> None:
    drill = session.scalars(
        select(Activity)
        .where(Activity.district_code == HEDONG, Activity.kind == ActivityKind.drill)
        .where(Activity.date >= dt.date(2021, 1, 1), Activity.date < dt.date(2022, 1, 1))
        .order_by(Activity.id)
    ).first()
    assert drill is not None
    drill.title = HOSTILE_TITLE
    session.flush()
    report = build_annual_report(StatsContext(session, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    assert any(HOSTILE_TITLE in p for s in report.sections for p in s.paragraphs)
    # A district name (ranking figures name one) that would break the appendix table.
    report.figures[0] = report.figures[0].model_copy(update={"district": "某|区<b>"})

    markdown = to_markdown(report)
    assert "<script>" not in markdown and "<b>" not in markdown
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert not re.search(r"<(script|em|a|b)\b", rendered), "user text turned into markup"
    assert HOSTILE_TITLE in html.unescape(re.sub(r"<[^>]+>", "", rendered))  # shown as written
    rows = re.findall(r"<tr>(.*?)</tr>", rendered.split("附：数据附表")[1], flags=re.S)
    assert len(rows) == len(report.figures) + 1
    assert all(row.count("<td") == 7 for row in rows[1:]), "a cell broke out of its column"
    assert "某|区&lt;b&gt;" in rows[1]

    page = to_html(report)
    assert "<script>" not in page and "<b>" not in page
    assert html.escape(HOSTILE_TITLE, quote=False) in page


BEIJING_DISTRICT = "110101"  # no seed data: the report holds only what the test sends

# Issue 13, point 12: activity titles come from uploads; Markdown must show them, not run them.
EVIL = "<script>alert(1)</script> [点我](javascript:alert(1)) ![x](http://t.example/x.png) **演练** `c`\n# 标题"


def test_markdown_reports_show_user_text_as_text(client: TestClient, headers_for: Any) -> None:
    staff = headers_for("staff", BEIJING_DISTRICT)
    body = {
        "values": {"drill.drills": 1, "drill.participants": 40},
        "activities": [{"kind": "drill", "date": "2024-03-05", "title": EVIL.replace("\n", " ")}],
    }
    assert (
        client.put(f"/api/v1/districts/{BEIJING_DISTRICT}/months/2024-03", json=body, headers=staff).status_code == 200
    )
    r = client.get("/api/v1/reports/annual", params={"district": BEIJING_DISTRICT, "year": 2024}, headers=staff)
    assert r.status_code == 200, r.text
    html = MarkdownIt("commonmark").render(r.text)
    assert "<script" not in html and "<a " not in html and "<img" not in html and "<strong>演练" not in html
    # The title is there, to be read as written.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [点我](javascript:alert(1))" in html
    assert "**演练**" in html
