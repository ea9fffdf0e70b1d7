"""The dashboard's pages drawn in-process (SQLite and PostgreSQL), through Dash's own callback
endpoint, as a signed-in user: what each page says, within the user's scope, in both languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import SEED_TODAY, create_user
from tests.dashboard_helpers import content_callback, csrf_header

PASSWORD = "dashboard-pass-2021"


def sign_in(
    client: TestClient, session: Session, *, scope: tuple[str, ...] = ("120000",), role: str = "viewer"
) -> None:
    user = create_user(session, role=role, districts=scope, password=PASSWORD)
    r = client.post("/dashboard/login", data={"username": user.name, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture(autouse=True)
def seed_today(api: FastAPI) -> Iterator[None]:
    """The dashboard's "today" is the seed's, so that the months that have ended do not move."""
    server = api.state.dash.server
    server.config["TODAY"] = SEED_TODAY
    yield
    server.config.pop("TODAY", None)


def render(client: TestClient, path: str, search: str = "") -> dict[str, Any]:
    """What Dash pages' content callback returns for ``path`` + ``search`` (as the browser asks)."""
    r = client.post(
        "/dashboard/_dash-update-component", json=content_callback(path, search), headers=csrf_header(client)
    )
    assert r.status_code == 200, r.text[:2000]
    return r.json()


def texts(node: Any) -> list[str]:
    """Every string shown in a component tree (children only, not figures or properties)."""
    out: list[str] = []
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, list):
        for item in node:
            out += texts(item)
    elif isinstance(node, dict):
        if "props" in node:
            out += texts(node["props"].get("children"))
        else:
            for value in node.values():
                out += texts(value)
    return out


def find(node: Any, component_id: str) -> dict[str, Any] | None:
    if isinstance(node, list):
        for item in node:
            if (hit := find(item, component_id)) is not None:
                return hit
    elif isinstance(node, dict):
        props = node.get("props")
        if props is not None:
            if props.get("id") == component_id:
                return node
            return find(props.get("children"), component_id)
        for value in node.values():
            if (hit := find(value, component_id)) is not None:
                return hit
    return None


def shown(node: dict[str, Any] | None) -> str:
    assert node is not None
    return "".join(texts(node))


def test_overview_of_hedong_2021_shows_the_report_figures(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    page = render(client, "/dashboard/", "?district=120102&year=2021")
    content = page["response"]["_pages_content"]["children"]
    assert shown(find(content, "kpi-double-random-inspections-value")) == "199件"
    assert shown(find(content, "kpi-inspection-enterprises-value")) == "807家次"
    assert "河东区" in shown(find(content, "page-heading"))
    as_of = shown(find(content, "as-of"))
    assert "范围：河东区（120102）" in as_of and "年度：2021年" in as_of and "数据截至：" in as_of
    # Each card carries a 5-year sparkline and the change against the same months of last year.
    card = find(content, "kpi-inspection-enterprises")
    assert card is not None and "同比" in "".join(texts(card))
    assert find(content, "monthly-graph") is not None and find(content, "trend-graph") is not None
    ratios = "".join(texts(find(content, "ratios")))
    assert "公开率" in ratios and "整改率" in ratios and "平均罚款" in ratios


def test_overview_of_the_whole_country(client: TestClient, session: Session) -> None:
    """A national viewer opening the Overview without a district sees the country's cards, the
    figures ``/api/v1/stats/totals?district=100000`` answers; a city viewer still chooses a district."""
    from app.auth.scope import SYSTEM
    from app.stats.context import StatsContext
    from app.stats.totals import annual_totals
    from dashboard.formatting import format_amount

    sign_in(client, session, scope=())
    content = render(client, "/dashboard/", "?year=2021")["response"]["_pages_content"]["children"]
    assert "全国" in shown(find(content, "page-heading"))
    country = annual_totals(StatsContext(session, SYSTEM, SEED_TODAY), district=None, year=2021)
    inspections = next(i for i in country.indicators if i.code == "inspection.enterprises")
    assert inspections.total is not None and inspections.total > 807
    assert shown(find(content, "kpi-inspection-enterprises-value")) == format_amount(inspections.total, "家次")


def test_overview_in_english(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    page = render(client, "/dashboard/", "?district=120102&year=2021&lang=en")
    content = page["response"]["_pages_content"]["children"]
    assert shown(find(content, "kpi-inspection-enterprises-value")) == "807enterprise-visits"
    assert "Enforcement overview 2021" in shown(find(content, "page-heading"))


def test_not_reported_is_never_shown_as_zero(client: TestClient, session: Session) -> None:
    # Beijing's districts have no demo months: every card says so instead of showing 0.
    sign_in(client, session, scope=("110000",))
    content = render(client, "/dashboard/", "?district=110101&year=2021")["response"]["_pages_content"]["children"]
    value = shown(find(content, "kpi-inspection-enterprises-value"))
    assert value == "未报送"
    ratio = shown(find(content, "ratio-published-rate-value"))
    assert ratio == "无可比数据"


def test_a_district_outside_the_scope_is_refused_on_the_page(client: TestClient, session: Session) -> None:
    sign_in(client, session)  # Tianjin
    content = render(client, "/dashboard/", "?district=500112&year=2020")["response"]["_pages_content"]["children"]
    error = shown(find(content, "page-error"))
    assert "无权查看区划 500112" in error
    assert find(content, "kpi-grid") is None
    # The picker offers only what the user may read.
    options = json.dumps(content, ensure_ascii=False)
    assert "河东区 120102" in options and "渝北区" not in options


def test_districts_page_ranks_the_counties_of_tianjin(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    content = render(client, "/dashboard/districts", "?district=120000&year=2021")["response"]["_pages_content"][
        "children"
    ]
    table = find(content, "ranking-table")
    assert table is not None
    names = texts(table)
    # Tianjin has a single 市辖区, so the comparison lists its 16 county-level districts.
    assert "河东区" in names and "和平区" in names and "807家次" in names
    ranking = find(content, "ranking-graph")
    assert ranking is not None
    bars = ranking["props"]["figure"]["data"][0]
    assert len(bars["y"]) == 16 and "120102" in bars["customdata"]
    assert find(content, "heatmap-graph") is not None
    # The map draws the same 16 districts with their boundaries; a click opens the district's Overview.
    areas = [t for t in map_traces(content) if t["type"] == "choropleth" and t.get("customdata")]
    assert sorted(code for t in areas for code in t["locations"]) == sorted(bars["customdata"])
    assert all(c[1] == "overview" for t in areas for c in t["customdata"])
    assert find(content, "map-note") is None  # every district has a boundary
    # The boundaries are not in the figure: the browser fetches them once, from a URL that never changes.
    (url,) = {t["geojson"] for t in areas}
    assert re.fullmatch(r"/dashboard/boundaries/[0-9a-f]{16}/120000\.json", url)
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert "immutable" in r.headers["cache-control"] and "private" in r.headers["cache-control"]
    assert sorted(f["id"] for f in r.json()["features"]) == sorted(bars["customdata"])
    assert client.get(url.replace("120000", "999999")).status_code == 404
    assert client.get(url.replace("boundaries/", "boundaries/0000000000000000x")).status_code == 404
    client.cookies.clear()
    assert client.get(url, follow_redirects=False).status_code in (302, 303, 401)  # signed-in users only


def map_traces(content: Any) -> list[dict[str, Any]]:
    graph = find(content, "map-graph")
    assert graph is not None
    return graph["props"]["figure"]["data"]


def test_districts_page_of_chongqing_compares_its_38_districts_not_its_pseudo_cities(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session, scope=("500000",))
    content = render(client, "/dashboard/districts", "?district=500000&year=2020&measure=change")["response"][
        "_pages_content"
    ]["children"]
    bars = find(content, "ranking-graph")["props"]["figure"]["data"][0]  # type: ignore[index]
    assert len(bars["y"]) == 39 and "市辖区" not in bars["y"] and "渝北区" in bars["y"]
    traces = map_traces(content)
    areas = [code for t in traces if t["type"] == "choropleth" and t.get("customdata") for code in t["locations"]]
    assert len(areas) == 38 and "500112" in areas
    points = [c[0] for t in traces if t["type"] == "scattergeo" and t["mode"] == "markers" for c in t["customdata"]]
    assert points == ["500157"]  # 两江新区: no boundary, a dot at its centroid
    assert "两江新区" in shown(find(content, "map-note"))
    # Coloured by the change, as the page's measure says.
    assert any("同比" in t["hovertext"][0] or "%" in t["hovertext"][0] for t in traces if t.get("hovertext"))


def test_the_country_map_offers_provinces_or_every_county(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=())
    page = render(client, "/dashboard/districts", "?year=2021")["response"]["_pages_content"]["children"]
    areas = [
        code for t in map_traces(page) if t["type"] == "choropleth" and t.get("customdata") for code in t["locations"]
    ]
    assert len(areas) == 31 and "120000" in areas  # the reporting provinces; a click opens their districts
    drill = {c[0]: c[1] for t in map_traces(page) if t.get("customdata") for c in t["customdata"]}
    assert drill["120000"] == "districts"
    assert find(page, "control-map") is not None
    tianjin = render(client, "/dashboard/districts", "?district=120000&year=2021")["response"]["_pages_content"]
    assert find(tianjin["children"], "control-map") is None  # only the country's map has the choice


def test_completeness_page_lists_who_is_missing(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    content = render(client, "/dashboard/completeness", "?district=120000&year=2026")["response"]["_pages_content"][
        "children"
    ]
    assert shown(find(content, "completeness-rate")).endswith("%")
    assert find(content, "missing-list") is not None
    grid = find(content, "completeness-graph")
    assert grid is not None and len(grid["props"]["figure"]["data"][0]["y"]) == 16


def test_before_the_deadline_last_month_is_not_yet_due_not_missing(
    client: TestClient, session: Session, api: FastAPI
) -> None:
    from sqlalchemy import delete

    from app.values.models import MonthReport

    sign_in(client, session)
    # Two districts have not sent October.
    session.execute(
        delete(MonthReport).where(
            MonthReport.district_code.in_(["120101", "120102"]), MonthReport.month == dt.date(2026, 10, 1)
        )
    )
    session.flush()
    search = "?district=120000&year=2026"
    after = render(client, "/dashboard/completeness", search)["response"]["_pages_content"]["children"]
    assert shown(find(after, "missing-title")) == "上月未报送的区县（2026年10月）"  # today 11-22: past 11-10
    gone = sorted(texts(find(after, "missing-list")))
    assert {"和平区 120101", "河东区 120102"} <= set(gone)
    api.state.dash.server.config["TODAY"] = dt.date(2026, 11, 5)
    before = render(client, "/dashboard/completeness", search)["response"]["_pages_content"]["children"]
    assert shown(find(before, "missing-title")) == "上月尚未报送的区县（报送期限11月10日）（2026年10月）"
    assert sorted(texts(find(before, "missing-list"))) == gone  # the same districts, not yet late
    # And they are not counted as missing yet: October is not expected of them.
    grid = find(before, "completeness-graph")
    assert grid is not None
    heat = grid["props"]["figure"]["data"][0]
    rows = {label.split(" ")[0]: z for label, z in zip(heat["y"], heat["z"], strict=True)}
    assert rows["河东区"][9] == 0 and rows["红桥区"][9] != 0  # 0: not due; others sent October


def test_data_page_shows_the_months_of_the_scope(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    content = render(client, "/dashboard/data", "?district=120102&year=2021")["response"]["_pages_content"]["children"]
    grid = find(content, "values-grid")
    assert grid is not None
    rows = grid["props"]["rowData"]
    assert len(rows) == 12 and {r["month"] for r in rows} == {f"2021-{m:02d}" for m in range(1, 13)}
    assert sum(r["inspection__enterprises"] for r in rows) == 807


def test_reports_page_links_the_generator_or_says_it_is_missing(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    content = render(client, "/dashboard/reports", "?district=120102&year=2021")["response"]["_pages_content"][
        "children"
    ]
    link = find(content, "report-docx")
    assert link is not None
    if "/api/v1/reports/annual" in client.get("/openapi.json").json()["paths"]:
        assert link["props"]["href"] == "/api/v1/reports/annual?district=120102&year=2021&format=docx"
    else:
        assert "尚未上线" in json.dumps(content, ensure_ascii=False)


def test_reports_page_says_when_the_generator_is_missing(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import data

    monkeypatch.setattr(data, "api_route_exists", lambda _path: False)
    sign_in(client, session)
    content = render(client, "/dashboard/reports", "?district=120102&year=2021&lang=en")["response"]["_pages_content"][
        "children"
    ]
    assert "not available yet" in shown(find(content, "report-status"))
    link = find(content, "report-docx")
    assert link is not None and link["props"]["href"] is None and link["props"]["aria-disabled"] == "true"
