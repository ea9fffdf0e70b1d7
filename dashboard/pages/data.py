"""The monthly values of the chosen area and year in a grid (filter and sort in the column headers),
with CSV and XLSX downloads of exactly the rows the grid shows.

``/dashboard/data?district=120102&year=2021``
"""

from __future__ import annotations

import math
from typing import Any

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html

from dashboard import downloads, ids, queries
from dashboard.components import controls, district_control, notice, page_header, year_control
from dashboard.i18n import Lang, pick, t
from dashboard.page import PageContext, render
from dashboard.state import parse_search

dash.register_page(__name__, path="/data", name="数据 Data", title="数据 Data · 应急管理执法统计", order=3)

AUTO_HEIGHT_ROWS = 40
# AG Grid's own words in Chinese (its filter menus); English is its default.
GRID_LOCALE_ZH = {
    "filterOoo": "筛选…",
    "equals": "等于",
    "notEqual": "不等于",
    "lessThan": "小于",
    "greaterThan": "大于",
    "lessThanOrEqual": "小于等于",
    "greaterThanOrEqual": "大于等于",
    "inRange": "介于",
    "inRangeStart": "从",
    "inRangeEnd": "到",
    "contains": "包含",
    "notContains": "不包含",
    "startsWith": "开头是",
    "endsWith": "结尾是",
    "blank": "空白（未报送）",
    "notBlank": "非空白",
    "andCondition": "且",
    "orCondition": "或",
    "noRowsToShow": "没有数据",
    "loadingOoo": "加载中…",
    "applyFilter": "应用",
    "resetFilter": "重置",
    "clearFilter": "清除",
    "cancelFilter": "取消",
}


def layout(**query: str) -> html.Div:
    return render(query, controls=data_controls, content=data_content, class_name="page-data")


def data_controls(ctx: PageContext) -> html.Div:
    return controls(
        district_control(ctx.districts, state=ctx.state, include_country=ctx.country_wide, lang=ctx.lang),
        year_control(ctx.years, state=ctx.state, lang=ctx.lang),
    )


def field_of(code: str) -> str:
    """A grid field for an indicator code (AG Grid reads dots in a field as nested objects)."""
    return code.replace(".", "__")


MONTH_ZH = "params.value ? params.value.slice(0, 4) + '年' + Number(params.value.slice(5, 7)) + '月' : ''"


def column_defs(ctx: PageContext, codes: list[str]) -> list[dict[str, Any]]:
    lang: Lang = ctx.lang
    columns: list[dict[str, Any]] = [
        {"field": "district", "headerName": t("data.district", lang), "pinned": "left", "width": 110},
        {"field": "district_name", "headerName": t("data.district_name", lang), "pinned": "left", "width": 120},
        {"field": "month", "headerName": t("data.month", lang), "pinned": "left", "width": 100},
    ]
    if lang == "zh":
        # Shown as reports write dates (2021年3月); the value stays 2021-03, so sorting, the filter
        # and the downloads keep the form the upload accepts back.
        columns[2]["valueFormatter"] = {"function": MONTH_ZH}
    for code in codes:
        row = ctx.catalogue.loc[code]
        header = f"{pick(lang, row.name_zh, row.name_en)}（{pick(lang, row.unit, row.unit_en)}）"
        columns.append(
            {
                "field": field_of(code),
                "headerName": header,
                "headerTooltip": code,
                "type": "numericColumn",
                "filter": "agNumberColumnFilter",
                "width": 130,
            }
        )
    return columns


def data_content(ctx: PageContext) -> html.Div:
    state, lang = ctx.state, ctx.lang
    header = page_header(
        f"{ctx.scope_name()} · {state.year}年 · {t('data.heading', lang)}"
        if lang == "zh"
        else f"{ctx.scope_name()} · {t('data.heading', lang)} {state.year}",
        scope_name=ctx.scope_name(),
        year=state.year,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    count = queries.count_values(ctx.stats, district=state.district, year=state.year)
    if count > queries.MAX_GRID_VALUES:
        return html.Div([header, notice(t("data.too_many", lang, rows=count))])
    frame = queries.monthly_values(ctx.stats, district=state.district, year=state.year)
    codes = [c for c in ctx.catalogue.index if c in frame.columns]
    rows = [
        {
            "district": r["district"],
            "district_name": r["district_name"],
            "month": r["month"],
            **{field_of(c): (None if _missing(r[c]) else r[c]) for c in codes},
        }
        for r in frame.to_dict("records")
    ]
    short = len(rows) <= AUTO_HEIGHT_ROWS
    grid = dag.AgGrid(
        id=ids.VALUES_GRID,
        rowData=rows,
        columnDefs=column_defs(ctx, codes),
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "floatingFilter": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        dashGridOptions={
            "localeText": GRID_LOCALE_ZH if lang == "zh" else {},
            "animateRows": False,
            "tooltipShowDelay": 300,
            # A short table shows whole (and prints whole); a long one scrolls inside its box.
            **({"domLayout": "autoHeight"} if short else {}),
        },
        className="ag-theme-alpine values-grid",
        style={"width": "100%"} if short else {"height": "600px", "width": "100%"},
    )
    return html.Div(
        [
            header,
            html.P(t("data.hint", lang), className="hint"),
            html.Div(
                [
                    html.Button(t("data.download_csv", lang), id=ids.DOWNLOAD_CSV, n_clicks=0),
                    html.Button(t("data.download_xlsx", lang), id=ids.DOWNLOAD_XLSX, n_clicks=0),
                    html.Span(t("data.rows", lang, rows=len(rows)), id=ids.VALUES_COUNT, className="hint"),
                    dcc.Download(id=ids.DOWNLOAD),
                ],
                className="download-buttons",
            ),
            grid,
        ]
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dash.callback(
    Output(ids.DOWNLOAD, "data"),
    Input(ids.DOWNLOAD_CSV, "n_clicks"),
    Input(ids.DOWNLOAD_XLSX, "n_clicks"),
    State(ids.VALUES_GRID, "virtualRowData"),
    State(ids.VALUES_GRID, "rowData"),
    State(ids.VALUES_GRID, "columnDefs"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def download(
    _csv: int,
    _xlsx: int,
    shown: list[dict[str, Any]] | None,
    rows: list[dict[str, Any]] | None,
    columns: Any,
    search: str | None,
) -> Any:
    """The grid as it is on screen (its filters and sort applied) as a file; nothing is read again."""
    table = downloads.grid_table(shown if shown is not None else rows or [], columns or [])
    query = parse_search(search)
    name = "_".join(["values", query.get("district", "all"), query.get("year", "")]).rstrip("_")
    if dash.ctx.triggered_id == ids.DOWNLOAD_XLSX:
        sheet = "数据" if query.get("lang") != "en" else "values"
        return dcc.send_bytes(downloads.xlsx_bytes(table, sheet=sheet), f"{name}.xlsx", type=downloads.XLSX_MEDIA_TYPE)
    return dcc.send_bytes(downloads.csv_bytes(table), f"{name}.csv", type="text/csv")
