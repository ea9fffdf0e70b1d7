"""Reporting completeness: county-level districts × months (submitted / late / missing) with the
reporting rate, and the districts that have not reported last month, for the city bureau to chase.

``/dashboard/completeness?district=500000&year=2026``
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import dash
import pandas as pd
from dash import html

from app.core import periods
from app.core.periods import due_date
from dashboard import figures, ids, queries
from dashboard.components import controls, district_control, notice, page_header, section, year_control
from dashboard.data import gather
from dashboard.empty import graph_or_empty
from dashboard.formatting import format_month, format_percent
from dashboard.i18n import Lang, parenthesised, place_name, t
from dashboard.page import PageContext, render
from dashboard.reporting import review_months
from dashboard.reporting_components import status_grid, status_legend

dash.register_page(
    __name__,
    path="/completeness",
    name="报送情况 Completeness",
    title="报送情况 Completeness · 应急管理执法统计",
    order=2,
)

# A grid taller than this is unreadable; the districts with the most missing months come first.
MAX_GRID_ROWS = 60


def layout(**query: str) -> html.Div:
    return render(query, controls=completeness_controls, content=completeness_content, class_name="page-completeness")


def completeness_controls(ctx: PageContext) -> html.Div:
    return controls(
        district_control(ctx.districts, state=ctx.state, include_country=ctx.country_wide, lang=ctx.lang),
        year_control(ctx.years, state=ctx.state, lang=ctx.lang),
    )


def status_labels(lang: Lang) -> dict[str, str]:
    return {key: t(f"completeness.{key}", lang) for key in figures.STATUS_ORDER}


def worst_first(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The rows to draw: all of them in code order, or the ``limit`` with the most missing months."""
    if len(rows) <= limit:
        return rows
    return rows.sort_values(["missing", "late", "code"], ascending=[False, False, True]).head(limit)


def last_ended_month(today: dt.date) -> tuple[int, int]:
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return previous.year, previous.month


def completeness_content(ctx: PageContext) -> html.Div:
    state, lang = ctx.state, ctx.lang
    # Last month: the last month that has ended, whatever year is on screen.
    last_year, last_month = last_ended_month(ctx.today)
    calls = {
        str(year): partial(queries.completeness, parent=state.district, year=year)
        for year in dict.fromkeys([state.year, last_year])
        if year >= queries.EARLIEST_YEAR
    }
    results = gather(ctx.stats, calls)
    result = results[str(state.year)]
    last = results.get(str(last_year))
    summary = result.result
    shown = worst_first(result.rows, MAX_GRID_ROWS)
    rates = {
        r.code: f"{place_name(r.code, r.name, lang)} {format_percent(r.reporting_rate_pct, missing='—')}"
        for r in result.rows.itertuples()
    }
    cells = result.cells[result.cells["code"].isin(shown["code"])]
    order = {code: i for i, code in enumerate(shown["code"])}
    cells = cells.assign(label=cells["code"].map(rates), order=cells["code"].map(order)).sort_values(["order", "month"])
    grid = partial(figures.completeness_grid, cells, status_labels=status_labels(lang), lang=lang)

    # Until last month's deadline (the 10th of this month) nobody is late yet: the list is of who
    # has not reported so far (not yet expected), not of who missed it.
    due = due_date(dt.date(last_year, last_month, 1))
    pending = ctx.today <= due
    if last is not None:
        column = last.cells[last.cells["month"] == last_month]
        missing = column[column["status"].isna()] if pending else column[column["status"] == "missing"]
    else:
        missing = result.cells.head(0)
    if pending:
        due_text = f"{due.month}月{due.day}日" if lang == "zh" else f"{due:%d %b}"
        key = "completeness.not_yet_reported_last_month"
        missing_title = t(key, lang, due=due_text) + parenthesised(format_month(last_year, last_month, lang), lang)
    else:
        missing_title = t("completeness.missing_last_month", lang) + parenthesised(
            format_month(last_year, last_month, lang), lang
        )
    missing_list = (
        html.Ul(
            [html.Li(f"{place_name(r.code, r.name, lang)} {r.code}") for r in missing.itertuples()],
            className="missing-list",
        )
        if not missing.empty
        else html.P(t("completeness.none_missing", lang))
    )
    note = []
    if len(shown) < len(result.rows):
        note.append(
            html.P(t("completeness.top_rows", lang, shown=len(shown), total=len(result.rows)), className="hint")
        )
    legend = html.Div(
        [
            html.Span([html.I(style={"background": figures.STATUS_COLOURS[key]}), label])
            for key, label in status_labels(lang).items()
        ],
        className="legend",
    )
    cards = html.Div(
        [
            _figure_card(
                t("completeness.rate", lang), format_percent(summary.reporting_rate_pct), ids.COMPLETENESS_RATE
            ),
            _figure_card(t("completeness.on_time_rate", lang), format_percent(summary.on_time_rate_pct)),
            _figure_card(t("completeness.submitted", lang), str(summary.submitted)),
            _figure_card(t("completeness.late", lang), str(summary.late)),
            _figure_card(t("completeness.missing", lang), str(summary.missing)),
        ],
        className="summary",
    )
    return html.Div(
        [
            page_header(
                f"{ctx.scope_name()} · {t('completeness.heading', lang)}",
                scope_name=ctx.scope_name(),
                year=state.year,
                lang=lang,
                today=ctx.today,
                generated=ctx.generated,
            ),
            cards,
            section(
                html.Span(missing_title, id=ids.MISSING_TITLE),
                html.Div(missing_list, id=ids.MISSING_LIST),
            ),
            section(
                t("completeness.heading", lang),
                html.P(t("completeness.deadline", lang, day=summary.deadline_day), className="hint"),
                legend,
                *note,
                # No district listed (none in the scope under the area): 暂无数据, not an empty grid.
                graph_or_empty(ids.COMPLETENESS_GRAPH, grid, empty=cells.empty, lang=lang, height=200),
            ),
            approval_section(ctx),
        ]
    )


def approval_section(ctx: PageContext) -> html.Section:
    """Each district-month's review status (approved, awaiting review, returned, not sent) for the
    year's ended months, beside timeliness above."""
    state, lang = ctx.state, ctx.lang
    last = periods.last_ended_month(ctx.today)
    months = [dt.date(state.year, m, 1) for m in range(1, 13) if dt.date(state.year, m, 1) <= last]
    if state.district is None:
        return section(t("completeness.approval", lang), notice(t("completeness.approval_country", lang)))
    if not months:
        return section(t("completeness.approval", lang), notice(t("completeness.none_missing", lang)))
    listings = review_months(ctx.stats, parent=state.district, months=months)
    return section(
        t("completeness.approval", lang),
        status_legend(lang),
        html.Div(
            status_grid(listings, lang=lang, grid_id=ids.APPROVAL_GRID, max_rows=MAX_GRID_ROWS),
            className="grid-scroll",
        ),
    )


def _figure_card(label: str, value: str, value_id: str | None = None) -> html.Div:
    extra: dict[str, Any] = {"id": value_id} if value_id else {}
    return html.Div(
        [html.Div(label, className="kpi-name"), html.Div(value, className="kpi-value", **extra)], className="kpi-card"
    )
