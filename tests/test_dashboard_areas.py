"""Issue 15, drawn in-process on SQLite and PostgreSQL: every area right (a municipality's
pseudo-cities 市辖区/县 are never areas: not in any picker, a link to one shows its municipality and
says so), an area outside the scope or unknown is a notice that stays (never a silent switch), the
year picker offers the years with data, and charts without data say 暂无数据."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.auth.scope import SYSTEM, Principal, Scope
from app.core.errors import Forbidden, NotFound
from app.districts import listing
from app.districts.codes import is_pseudo_city
from app.districts.models import District, DistrictLevel
from app.stats.context import StatsContext
from app.stats.years import years_with_data
from tests.conftest import SEED_TODAY
from tests.test_dashboard_pages import find, render, shown, sign_in, texts

PAGES = ("/dashboard/", "/dashboard/districts", "/dashboard/completeness", "/dashboard/data", "/dashboard/reports")
PSEUDO_CITIES = ("110100", "120100", "310100", "500100", "500200")


@pytest.fixture(autouse=True)
def seed_today(api: FastAPI) -> Iterator[None]:
    server = api.state.dash.server
    server.config["TODAY"] = SEED_TODAY
    yield
    server.config.pop("TODAY", None)


def content_of(client: TestClient, path: str, search: str) -> Any:
    return render(client, path, search)["response"]["_pages_content"]["children"]


def picker(content: Any, param: str = "district") -> dict[str, Any]:
    """The props of the page's dropdown bound to ``param``."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props")
            if props is not None:
                if props.get("id") == {"type": "query-param", "param": param}:
                    found.append(props)
                walk(props.get("children"))
            else:
                for value in node.values():
                    walk(value)

    walk(content)
    assert len(found) == 1, found
    return found[0]


def counties_under(session: Session, prefix: str) -> dict[str, str]:
    rows = session.execute(
        select(District.code, District.name).where(
            District.level == DistrictLevel.county, District.code.startswith(prefix)
        )
    )
    return {str(code): str(name) for code, name in rows}


# ----------------------------------------------------------------------------- every area right


def test_listed_areas_never_hold_a_pseudo_city_but_every_district_under_one(session: Session) -> None:
    everyone = listing.listed_areas(session, principal=SYSTEM)
    codes = {r["code"] for r in everyone}
    assert not codes & set(PSEUDO_CITIES)
    assert not [r for r in everyone if is_pseudo_city(r["name"])]
    assert set(counties_under(session, "12")) <= codes and len(counties_under(session, "12")) == 16
    assert set(counties_under(session, "50")) <= codes
    # The public API's list is unchanged: it still shows the code table as it is.
    assert "120100" in {r["code"] for r in listing.list_districts(session, principal=SYSTEM, parent="120000")}
    # A scope that is a pseudo-city alone keeps it: it is then the reader's only area above districts.
    own = Principal(user_id=None, name="u", role=Role.viewer, scope=Scope.of(["500200"]))
    mine = listing.listed_areas(session, principal=own)
    assert {r["code"] for r in mine} == {"500200", *counties_under(session, "5002")}


def test_report_and_bulletin_children_of_municipalities_are_their_districts(session: Session) -> None:
    tianjin = [d.code for d in listing.reporting_children(session, "120000")]
    assert tianjin == sorted(counties_under(session, "12")) and len(tianjin) == 16
    chongqing = [d.code for d in listing.reporting_children(session, "500000")]
    assert chongqing == sorted(counties_under(session, "50")) and "500112" in chongqing
    assert not set(chongqing) & set(PSEUDO_CITIES)


def test_lookup_area_reads_a_pseudo_city_as_its_municipality(session: Session) -> None:
    tianjin_reader = Principal(user_id=None, name="u", role=Role.viewer, scope=Scope.of(["120000"]))
    found = listing.lookup_area(session, "120100", principal=tianjin_reader)
    assert (found.code, found.name) == ("120000", "天津市") and found.pseudo_city is not None
    assert listing.lookup_area(session, "120102", principal=tianjin_reader).code == "120102"
    assert listing.lookup_area(session, "999999", principal=tianjin_reader).code is None
    only_county = Principal(user_id=None, name="u", role=Role.viewer, scope=Scope.of(["500200"]))
    assert listing.lookup_area(session, "500200", principal=only_county).code == "500200"


@pytest.mark.parametrize("path", PAGES)
def test_no_picker_offers_a_pseudo_city(client: TestClient, session: Session, path: str) -> None:
    sign_in(client, session, scope=("120000", "500000"))
    content = content_of(client, path, "?district=120000&year=2021")
    values = [o["value"] for o in picker(content)["options"]]
    assert not set(values) & set(PSEUDO_CITIES)
    assert "市辖区" not in json.dumps(picker(content)["options"], ensure_ascii=False)
    assert set(counties_under(session, "12")) <= set(values) and set(counties_under(session, "50")) <= set(values)


def test_review_submit_and_history_pickers_offer_no_pseudo_city(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("120000",), role="reviewer")
    review = content_of(client, "/dashboard/review", "?district=120000&month=2026-10")
    assert not {o["value"] for o in picker(review)["options"]} & set(PSEUDO_CITIES)
    # A reviewer's link to 市辖区 reviews Tianjin's districts: the municipality, said so on the page.
    review = content_of(client, "/dashboard/review", "?district=120100&month=2026-10")
    assert picker(review)["value"] == "120000" and "天津市（120000）" in shown(find(review, "area-note"))
    client.cookies.clear()  # sign out: another user signs in
    sign_in(client, session, scope=("120000",), role="staff")
    submit = content_of(client, "/dashboard/submit", "?district=120100&month=2026-10")
    options = {o["value"] for o in picker(submit)["options"]}
    assert not options & set(PSEUDO_CITIES) and picker(submit)["value"] in counties_under(session, "12")
    history = json.dumps(content_of(client, "/dashboard/history", "?district=120000"), ensure_ascii=False)
    assert "市辖区" not in history
    # Its district picker appears once a report is read; it offers the counties the user may write for.
    # The module Dash pages loaded (as "pages.history"): importing dashboard.pages.history anew would
    # register the page twice and break the app's routing.
    writable_counties = sys.modules["pages.history"].writable_counties

    staff = Principal(user_id=None, name="s", role=Role.staff, scope=Scope.of(["120000"]))
    assert sorted(writable_counties(session, staff).index) == sorted(counties_under(session, "12"))


def ranking_bars(content: Any) -> dict[str, Any]:
    graph = find(content, "ranking-graph")
    assert graph is not None
    return graph["props"]["figure"]["data"][0]


@pytest.mark.parametrize(("asked", "city", "prefix"), [("120100", "120000", "12"), ("500200", "500000", "50")])
def test_a_link_to_a_pseudo_city_shows_its_municipality_and_says_so(
    client: TestClient, session: Session, asked: str, city: str, prefix: str
) -> None:
    sign_in(client, session, scope=("120000", "500000"))
    content = content_of(client, "/dashboard/districts", f"?district={asked}&year=2020")
    note = shown(find(content, "area-note"))
    assert asked in note and f"（{city}）" in note and "不是统计地区" in note
    assert picker(content)["value"] == city
    bars = ranking_bars(content)
    assert sorted(bars["customdata"]) == sorted(counties_under(session, prefix))
    assert not {"市辖区", "县"} & set(bars["y"])
    overview = content_of(client, "/dashboard/", f"?district={asked}&year=2020")
    heading = shown(find(overview, "page-heading"))
    assert heading.startswith("天津市" if prefix == "12" else "重庆市") and "市辖区" not in heading
    english = content_of(client, "/dashboard/completeness", f"?district={asked}&year=2020&lang=en")
    assert "is a grouping of the division codes" in shown(find(english, "area-note"))


def test_chongqing_compares_its_districts_on_every_comparison(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("500000",))
    districts = counties_under(session, "50")
    content = content_of(client, "/dashboard/districts", "?district=500000&year=2020")
    assert sorted(ranking_bars(content)["customdata"]) == sorted(districts)
    heat = find(content, "heatmap-graph")
    assert heat is not None and len(heat["props"]["figure"]["data"][0]["y"]) == len(districts)
    grid = find(content_of(client, "/dashboard/completeness", "?district=500000&year=2020"), "completeness-graph")
    assert grid is not None and len(grid["props"]["figure"]["data"][0]["y"]) == len(districts)


# ----------------------------------------------------------------------------- out of scope, unknown


def test_an_area_outside_the_scope_is_a_403_notice_with_a_link_home(client: TestClient, session: Session) -> None:
    sign_in(client, session)  # Tianjin
    for path in (*PAGES, "/dashboard/review"):
        content = content_of(client, path, "?district=110000&year=2021")
        error = find(content, "page-error")
        assert error is not None, path
        assert error["props"]["data-status"] == "403" and "无权查看" in shown(error), path
        assert "北京" not in json.dumps(content, ensure_ascii=False), path  # no name outside the scope
        home = find(content, "area-home-link")
        assert home is not None and home["props"]["href"] == f"{path}?district=120000&year=2021", path
        assert "天津市（120000）" in shown(home)
        # The picker keeps the asked-for code (disabled): it does not switch by itself.
        box = picker(content)
        assert box["value"] == "110000"
        assert {"label": "110000（无权查看）", "value": "110000", "search": "110000", "disabled": True} in box[
            "options"
        ]
        assert find(content, "kpi-grid") is None and find(content, "ranking-graph") is None


def test_an_unknown_area_is_a_404_notice_chinese_first_then_english(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    content = content_of(client, "/dashboard/districts", "?district=999999&year=2021&lang=en")
    error = find(content, "page-error")
    assert error is not None and error["props"]["data-status"] == "404"
    lines = texts(error)
    assert lines[0].startswith("未找到地区 · Area not found：999999")
    zh = next(i for i, line in enumerate(lines) if "区划代码 999999 不存在" in line)
    en = next(i for i, line in enumerate(lines) if "No district with code 999999" in line)
    assert zh < en
    assert "Go to your own area: Tianjin (120000)" in lines
    assert find(content, "area-home-link")["props"]["href"] == "/dashboard/districts?district=120000&year=2021&lang=en"  # type: ignore[index]
    assert picker(content)["value"] == "999999"
    chinese = content_of(client, "/dashboard/", "?district=999999")
    assert "No district" not in shown(find(chinese, "page-error"))


# ----------------------------------------------------------------------------- years and empty states


def test_years_with_data_come_from_the_query_layer_in_the_readers_scope(session: Session) -> None:
    from app.backfill.models import AnnualFigure

    ctx = StatsContext(session, SYSTEM, SEED_TODAY)
    assert years_with_data(ctx, district="120102") == list(range(2019, 2027))
    assert years_with_data(ctx, district="120000") == list(range(2019, 2027))
    assert years_with_data(ctx, district="110101") == []  # Beijing: no demo data
    # An annual figure (年报数据) alone makes a year with data.
    session.add(AnnualFigure(district_code="110101", year=2015, indicator_code="inspection.enterprises", value=12))
    session.flush()
    assert years_with_data(ctx, district="110000") == [2015]
    assert 2015 in years_with_data(ctx, district=None)
    beijing = Principal(user_id=None, name="u", role=Role.viewer, scope=Scope.of(["110000"]))
    assert years_with_data(StatsContext(session, beijing, SEED_TODAY), district=None) == [2015]
    with pytest.raises(Forbidden):
        years_with_data(StatsContext(session, beijing, SEED_TODAY), district="120102")
    with pytest.raises(NotFound):
        years_with_data(ctx, district="999999")
    # This year is offered once it has a figure, not before.
    assert 2027 not in years_with_data(StatsContext(session, SYSTEM, dt.date(2027, 1, 5)), district="120000")
    session.add(AnnualFigure(district_code="120102", year=2027, indicator_code="inspection.enterprises", value=1))
    session.flush()
    assert years_with_data(StatsContext(session, SYSTEM, dt.date(2027, 1, 5)), district="120000")[-1] == 2027
    assert (session.scalar(select(func.count()).select_from(AnnualFigure)) or 0) >= 2


def year_values(content: Any) -> list[int]:
    return [o["value"] for o in picker(content, "year")["options"]]


def test_the_year_picker_offers_only_years_with_data(client: TestClient, session: Session, api: FastAPI) -> None:
    sign_in(client, session)
    assert year_values(content_of(client, "/dashboard/", "?district=120000&year=2021")) == list(range(2026, 2018, -1))
    # A year asked for in the link stays chosen (its charts say 暂无数据), but the others are data years.
    assert year_values(content_of(client, "/dashboard/", "?district=120000&year=2015")) == [
        *range(2026, 2018, -1),
        2015,
    ]
    # Without a year in the link, the default year (of the last ended month) only if it has data.
    api.state.dash.server.config["TODAY"] = dt.date(2027, 2, 15)
    content = content_of(client, "/dashboard/", "?district=120000")
    assert picker(content, "year")["value"] == 2026 and 2027 not in year_values(content)
    client.cookies.clear()  # sign out: another user signs in
    sign_in(client, session, scope=("110000",))
    api.state.dash.server.config["TODAY"] = SEED_TODAY
    assert year_values(content_of(client, "/dashboard/", "?district=110101&year=2021")) == [2021]


def empty_chart(content: Any, graph_id: str) -> str:
    graph = find(content, graph_id)
    assert graph is not None, graph_id
    assert "chart-empty" in graph["props"]["className"], graph_id
    figure = graph["props"]["figure"]
    assert figure["data"] == [] and figure["layout"]["xaxis"]["visible"] is False
    return str(figure["layout"]["annotations"][0]["text"])


def test_charts_without_data_say_no_data(client: TestClient, session: Session) -> None:
    sign_in(client, session, scope=("110000",))  # Beijing: no demo data
    overview = content_of(client, "/dashboard/", "?district=110101&year=2021")
    assert empty_chart(overview, "monthly-graph") == "暂无数据"
    assert empty_chart(overview, "trend-graph") == "暂无数据"
    districts = content_of(client, "/dashboard/districts", "?district=110000&year=2021&lang=en")
    assert empty_chart(districts, "ranking-graph") == "No data"
    assert empty_chart(districts, "heatmap-graph") == "No data"
    # With data, the same charts draw as before.
    client.cookies.clear()  # sign out: another user signs in
    sign_in(client, session)
    tianjin = content_of(client, "/dashboard/", "?district=120102&year=2021")
    for graph_id in ("monthly-graph", "trend-graph"):
        graph = find(tianjin, graph_id)
        assert graph is not None and "chart-empty" not in graph["props"]["className"]
        assert graph["props"]["figure"]["data"]
