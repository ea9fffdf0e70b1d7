"""Overview page (placeholder until the dashboard issue fills it): what the database holds."""

from __future__ import annotations

import dash
from dash import html
from sqlalchemy import func, select

from app.districts.models import District, DistrictLevel
from app.values.models import MonthlyValue
from dashboard.data import session_scope

dash.register_page(__name__, path="/", name="总览 Overview", title="总览 · 应急管理执法统计")


def layout(**_query: str) -> html.Div:
    with session_scope() as session:
        counties = session.scalar(
            select(func.count()).select_from(District).where(District.level == DistrictLevel.county)
        )
        values = session.scalar(select(func.count()).select_from(MonthlyValue))
    return html.Div(
        [
            html.H2("总览"),
            html.P("仪表盘建设中：各区县执法工作量、同比、排名与报送情况将在此展示。"),
            html.P("Dashboard under construction: totals, year-on-year, rankings and completeness."),
            html.P(f"已载入区县 {counties} 个，月度数据 {values} 条。", id="overview-counts"),
            html.A("API 文档 / API docs", href="/docs"),
        ]
    )
