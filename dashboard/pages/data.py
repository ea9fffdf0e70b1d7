"""The monthly values of the chosen area and year in a grid (filter and sort in the column headers),
with CSV and XLSX downloads of exactly the rows the grid shows, a row counter that follows the
grid's filters, and a pivot view (交叉表) of the same rows with subtotals and totals.

``/dashboard/data?district=120102&year=2021``
"""

from __future__ import annotations

import math
from typing import Any

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html

from app.districts.codes import is_pseudo_city
from dashboard import downloads, ids, pivot, queries
from dashboard.components import controls, district_control, notice, page_header, period_text, year_control
from dashboard.formatting import format_timestamp
from dashboard.i18n import Lang, pick, t
from dashboard.page import PageContext, render
from dashboard.state import parse_search

dash.register_page(__name__, path="/data", name="数据 Data", title="数据 Data · 应急管理执法统计", order=3)

AUTO_HEIGHT_ROWS = 40
# This page's own components (ids.py holds the ones other modules share).
VALUES_SCOPE = "values-scope"  # what the downloads' title row says, and the pivot's groups
PIVOT_GRID = "pivot-grid"
PIVOT_ROWS = "pivot-rows"
PIVOT_COLUMNS = "pivot-columns"
PIVOT_INDICATOR = "pivot-indicator"
PIVOT_DOWNLOAD_XLSX = "pivot-download-xlsx"
PIVOT_DOWNLOAD = "pivot-download"
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


def text_width(texts: list[str], *, minimum: int) -> int:
    """A pinned column wide enough for its longest text (CJK characters take about 14 px, others 8,
    plus the cell's padding and the header's filter icon): names are never cut with "…"."""
    longest = max((sum(14 if ord(ch) > 0x2E80 else 8 for ch in text) for text in texts), default=0)
    return max(minimum, longest + 40)


def column_defs(ctx: PageContext, codes: list[str], names: list[str] | None = None) -> list[dict[str, Any]]:
    lang: Lang = ctx.lang
    # "2021年12月" needs about 90 px of text: the month column is wide enough for the longest.
    month_width = 124 if lang == "zh" else 100
    columns: list[dict[str, Any]] = [
        {"field": "district", "headerName": t("data.district", lang), "pinned": "left", "width": 110},
        {
            "field": "district_name",
            "headerName": t("data.district_name", lang),
            "pinned": "left",
            "width": text_width(names or [], minimum=120),
        },
        {"field": "month", "headerName": t("data.month", lang), "pinned": "left", "width": month_width},
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
    names = sorted({str(r["district_name"]) for r in rows})
    grid = dag.AgGrid(
        id=ids.VALUES_GRID,
        rowData=rows,
        columnDefs=column_defs(ctx, codes, names),
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
    scope = scope_store(ctx, codes, [str(r["district"]) for r in rows])
    return html.Div(
        [
            header,
            html.P(t("data.hint", lang), className="hint"),
            html.Div(
                [
                    html.Button(t("data.download_csv", lang), id=ids.DOWNLOAD_CSV, n_clicks=0),
                    html.Button(t("data.download_xlsx", lang), id=ids.DOWNLOAD_XLSX, n_clicks=0),
                    html.Span(
                        count_text(len(rows), len(rows), lang),
                        id=ids.VALUES_COUNT,
                        className="hint",
                        role="status",  # a polite live region: screen readers hear the new count
                    ),
                    dcc.Download(id=ids.DOWNLOAD),
                ],
                className="download-buttons",
            ),
            grid,
            dcc.Store(id=VALUES_SCOPE, data=scope),
            pivot_section(ctx, rows, scope),
        ]
    )


SOME_ROWS = {"zh": "显示 {shown} 行（共 {total} 行）", "en": "{shown} of {total} rows shown"}


def count_text(shown: int, total: int, lang: Lang) -> str:
    """The counter beside the downloads: the rows the grid's filters leave, of all rows (the browser
    redraws it from the same words whenever a filter changes)."""
    if shown == total:
        return t("data.rows", lang, rows=total)
    return SOME_ROWS[lang].format(shown=shown, total=total)


def scope_title(ctx: PageContext, unapproved: int) -> str:
    """The downloads' title row: area, period, as-of and, when it applies, 含未审核数据."""
    state, lang = ctx.state, ctx.lang
    area = ctx.scope_name() + (f"（{state.district}）" if lang == "zh" else f" ({state.district})")
    if state.district is None:
        area = ctx.scope_name()
    parts = [
        area,
        period_text(state.year, ctx.today, lang),
        t("data.heading", lang),
        f"{t('as_of', lang)}{'：' if lang == 'zh' else ': '}{format_timestamp(ctx.generated, lang)}",
    ]
    if unapproved:
        parts.append(
            f"含未审核数据（{unapproved}份月度报表尚未审核通过）"
            if lang == "zh"
            else f"includes data not yet approved ({unapproved} monthly report{'s' if unapproved != 1 else ''})"
        )
    return " · ".join(parts)


def group_of(ctx: PageContext, county: str) -> tuple[str, str] | None:
    """The area a county's figures are subtotalled under: the child of the chosen area it lies in
    (a city of a province, a province of the country); none below a city, and never a pseudo-city
    (市辖区, 县: Chongqing's 38 districts list as one run)."""
    parents = ctx.districts["parent_code"]
    code: str | None = county
    chain: list[str] = []
    while code is not None and code in parents.index and code != ctx.state.district:
        chain.append(code)
        parent = parents.get(code)
        code = str(parent) if isinstance(parent, str) else None
    if len(chain) < 2:
        return None
    top = chain[-1]
    name = str(ctx.districts.at[top, "name"])
    return None if is_pseudo_city(name) else (top, name)


def scope_store(ctx: PageContext, codes: list[str], districts: list[str]) -> dict[str, Any]:
    unapproved = queries.unapproved_months(ctx.stats, district=ctx.state.district, year=ctx.state.year)
    groups = {d: g for d in sorted(set(districts)) if (g := group_of(ctx, d)) is not None}
    return {
        "title": scope_title(ctx, unapproved),
        "lang": ctx.lang,
        "year": ctx.state.year,
        "unapproved": unapproved,
        "groups": groups,
        "indicators": [[field_of(c), indicator_header(ctx, c)] for c in codes],
        "count_words": {"same": t("data.rows", ctx.lang, rows="{total}"), "some": SOME_ROWS[ctx.lang]},
    }


def indicator_header(ctx: PageContext, code: str) -> str:
    row = ctx.catalogue.loc[code]
    return f"{pick(ctx.lang, row.name_zh, row.name_en)}（{pick(ctx.lang, row.unit, row.unit_en)}）"


# ----------------------------------------------------------------------------- the pivot view


def pivot_section(ctx: PageContext, rows: list[dict[str, Any]], scope: dict[str, Any]) -> html.Section:
    lang = ctx.lang
    zh = lang == "zh"
    indicators = scope["indicators"]
    default = field_of(queries.DEFAULT_INDICATOR)
    indicator = default if any(f == default for f, _h in indicators) else (indicators[0][0] if indicators else None)
    defs, data = pivot_grid_props(rows, scope, rows_by="district", columns_by="month", indicator=indicator)

    def picker(label: str, component: Any) -> html.Label:
        # A box with a plain id (``pivot-rows-box``) to find the control by, as ``labelled`` does.
        return html.Label(
            [html.Span(label, className="pivot-label"), component], id=f"{component.id}-box", className="pivot-control"
        )

    return html.Section(
        [
            html.H3("交叉表" if zh else "Pivot table", id="pivot-heading"),
            html.P(
                "与上表同一数据、同样筛选：小计、合计为已报送数值之和，未报送不计为 0。"
                if zh
                else "The rows of the grid above, with its filters: subtotals and totals add the figures "
                "reported; not reported is never counted as 0.",
                className="hint",
            ),
            html.Div(
                [
                    picker(
                        "行" if zh else "Rows",
                        dcc.Dropdown(
                            id=PIVOT_ROWS,
                            options=[
                                {"label": "区县" if zh else "Districts", "value": "district"},
                                {"label": "月份" if zh else "Months", "value": "month"},
                            ],
                            value="district",
                            clearable=False,
                            searchable=False,
                        ),
                    ),
                    picker(
                        "列" if zh else "Columns",
                        dcc.Dropdown(
                            id=PIVOT_COLUMNS,
                            options=[
                                {"label": "月份" if zh else "Months", "value": "month"},
                                {"label": "指标" if zh else "Indicators", "value": "indicator"},
                            ],
                            value="month",
                            clearable=False,
                            searchable=False,
                        ),
                    ),
                    picker(
                        "指标" if zh else "Indicator",
                        dcc.Dropdown(
                            id=PIVOT_INDICATOR,
                            options=[{"label": h, "value": f} for f, h in indicators],
                            value=indicator,
                            clearable=False,
                        ),
                    ),
                    html.Button("下载交叉表 Excel" if zh else "Download pivot (Excel)", id=PIVOT_DOWNLOAD_XLSX),
                    dcc.Download(id=PIVOT_DOWNLOAD),
                ],
                className="pivot-controls download-buttons no-print",
            ),
            dag.AgGrid(
                id=PIVOT_GRID,
                rowData=data,
                columnDefs=defs,
                defaultColDef={"sortable": False, "filter": False, "resizable": True, "wrapHeaderText": True},
                dashGridOptions={
                    "domLayout": "autoHeight",
                    "animateRows": False,
                    "suppressMovableColumns": True,
                    "localeText": {"noRowsToShow": "没有数据" if zh else "No rows"},
                },
                rowClassRules={
                    "pivot-subtotal": "params.data.kind === 'subtotal'",
                    "pivot-total": "params.data.kind === 'total'",
                },
                className="ag-theme-alpine values-grid pivot-grid",
                style={"width": "100%"},
            ),
        ],
        className="section pivot-section",
    )


def pivot_grid_props(
    rows: list[dict[str, Any]], scope: dict[str, Any], *, rows_by: str, columns_by: str, indicator: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pivot grid's columnDefs and rowData for the grid's (filtered) ``rows``."""
    built = pivot.build(
        rows,
        rows_by="month" if rows_by == "month" else "district",
        columns_by="indicator" if columns_by == "indicator" else "month",
        indicator=indicator,
        indicators=[(f, h) for f, h in scope["indicators"]],
        groups={k: (v[0], v[1]) for k, v in scope["groups"].items()},
        year=scope["year"],
        lang=scope["lang"],
    )
    defs: list[dict[str, Any]] = []
    for position, (field, header, numeric) in enumerate(built.columns):
        column: dict[str, Any] = {"field": field, "headerName": header}
        if numeric:
            column.update(type="numericColumn", width=120 if columns_by == "month" else 130)
        else:
            texts = [str(r.get(field) or "") for r in built.rows]
            column.update(pinned="left", width=text_width(texts, minimum=110 if position == 0 else 120))
        defs.append(column)
    return defs, built.rows


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
    State(VALUES_SCOPE, "data"),
    prevent_initial_call=True,
)
def download(
    _csv: int,
    _xlsx: int,
    shown: list[dict[str, Any]] | None,
    rows: list[dict[str, Any]] | None,
    columns: Any,
    search: str | None,
    scope: dict[str, Any] | None = None,
) -> Any:
    """The grid as it is on screen (its filters and sort applied) as a file; nothing is read again.
    The Excel file adds the title/scope row, a frozen header, widths and the totals row."""
    table = downloads.grid_table(shown if shown is not None else rows or [], columns or [])
    query = parse_search(search)
    name = "_".join(["values", query.get("district", "all"), query.get("year", "")]).rstrip("_")
    if dash.ctx.triggered_id == ids.DOWNLOAD_XLSX:
        lang = "en" if query.get("lang") == "en" else "zh"
        sheet = "数据" if lang == "zh" else "values"
        content = downloads.xlsx_bytes(
            table,
            sheet=sheet,
            title=(scope or {}).get("title"),
            figures=downloads.figure_columns(columns or []),
            frozen_columns=sum(1 for c in columns or [] if c.get("pinned") == "left"),
            lang=lang,
        )
        return dcc.send_bytes(content, f"{name}.xlsx", type=downloads.XLSX_MEDIA_TYPE)
    return dcc.send_bytes(downloads.csv_bytes(table), f"{name}.csv", type="text/csv")


# The counter follows the grid's filters in the browser (no round trip with the rows).
dash.clientside_callback(
    """function (shown, rows, scope) {
        var total = (rows || []).length;
        var count = shown ? shown.length : total;
        var words = (scope && scope.count_words) || {};
        if (count === total || !words.some) {
            return (words.same || '{total}').replace('{total}', total);
        }
        return words.some.replace('{shown}', count).replace('{total}', total);
    }""",
    Output(ids.VALUES_COUNT, "children"),
    Input(ids.VALUES_GRID, "virtualRowData"),
    State(ids.VALUES_GRID, "rowData"),
    State(VALUES_SCOPE, "data"),
    prevent_initial_call=True,
)


@dash.callback(
    Output(PIVOT_GRID, "columnDefs"),
    Output(PIVOT_GRID, "rowData"),
    Input(PIVOT_ROWS, "value"),
    Input(PIVOT_COLUMNS, "value"),
    Input(PIVOT_INDICATOR, "value"),
    Input(ids.VALUES_GRID, "virtualRowData"),
    State(ids.VALUES_GRID, "rowData"),
    State(VALUES_SCOPE, "data"),
    prevent_initial_call=True,
)
def update_pivot(
    rows_by: str,
    columns_by: str,
    indicator: str | None,
    shown: list[dict[str, Any]] | None,
    rows: list[dict[str, Any]] | None,
    scope: dict[str, Any] | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pivot of the rows the grid shows now (its filters applied), as picked."""
    if scope is None:
        raise dash.exceptions.PreventUpdate
    data = shown if shown is not None else rows or []
    return pivot_grid_props(data, scope, rows_by=rows_by, columns_by=columns_by, indicator=indicator)


@dash.callback(
    Output(PIVOT_DOWNLOAD, "data"),
    Input(PIVOT_DOWNLOAD_XLSX, "n_clicks"),
    State(PIVOT_GRID, "rowData"),
    State(PIVOT_GRID, "columnDefs"),
    State(PIVOT_INDICATOR, "value"),
    State(PIVOT_COLUMNS, "value"),
    State(ids.URL, "search"),
    State(VALUES_SCOPE, "data"),
    prevent_initial_call=True,
)
def download_pivot(
    _n: int | None,
    rows: list[dict[str, Any]] | None,
    columns: list[dict[str, Any]] | None,
    indicator: str | None,
    columns_by: str | None,
    search: str | None,
    scope: dict[str, Any] | None,
) -> Any:
    """The pivot exactly as shown (its rows, subtotals and totals, its headers) as an Excel file."""
    scope = scope or {}
    columns = columns or []
    headers = [str(c.get("headerName") or c["field"]) for c in columns]
    body = [[r.get(c["field"]) for c in columns] for r in rows or []]
    kinds = [str(r.get("kind", "item")) for r in rows or []]
    title = scope.get("title") or ""
    if columns_by != "indicator" and indicator:
        name = dict((f, h) for f, h in scope.get("indicators", [])).get(indicator)
        if name:
            title = f"{title} · {name}"
    query = parse_search(search)
    lang = "en" if query.get("lang") == "en" else "zh"
    content = downloads.pivot_xlsx_bytes(
        headers,
        body,
        kinds=kinds,
        sheet="交叉表" if lang == "zh" else "pivot",
        title=title,
        frozen_columns=sum(1 for c in columns if c.get("pinned") == "left"),
    )
    name = "_".join(["pivot", query.get("district", "all"), query.get("year", "")]).rstrip("_")
    return dcc.send_bytes(content, f"{name}.xlsx", type=downloads.XLSX_MEDIA_TYPE)
