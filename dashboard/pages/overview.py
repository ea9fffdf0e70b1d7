"""Overview of one district (or city, or province) and year: KPI cards with year on year and 5-year
sparklines, derived ratios, this year against last month by month, and the trend over up to ten years.

``/dashboard/?district=120102&year=2021&indicator=inspection.enterprises&lang=en``
"""

from __future__ import annotations

from functools import partial
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard import figures, ids, queries
from dashboard.components import (
    controls,
    district_control,
    indicator_control,
    kpi_card,
    notice,
    page_header,
    ratio_card,
    section,
    year_control,
)
from dashboard.data import gather
from dashboard.empty import graph_or_empty, has_values
from dashboard.formatting import format_year
from dashboard.i18n import Lang, count_of, parenthesised, place_name, t
from dashboard.page import PageContext, render_kept

dash.register_page(__name__, path="/", name="总览 Overview", title="总览 Overview · 应急管理执法统计", order=0)


def layout(**query: str) -> html.Div | dict[str, Any]:
    return render_kept(query, controls=overview_controls, content=overview_content, class_name="page-overview")


def overview_controls(ctx: PageContext) -> html.Div:
    return controls(
        district_control(ctx.districts, state=ctx.state, include_country=ctx.country_wide, lang=ctx.lang),
        year_control(ctx.years, state=ctx.state, lang=ctx.lang),
        indicator_control(ctx.catalogue, value=ctx.indicator(), lang=ctx.lang),
    )


def drop_leading_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """Years before the first reported value carry no information (gaps later on stay gaps)."""
    reported = frame.index[frame["value"].notna()]
    return frame if len(reported) == 0 else frame.loc[reported[0] :]


def overview_content(ctx: PageContext) -> html.Div:
    state, lang = ctx.state, ctx.lang
    if state.district is None and not ctx.country_wide:
        return notice(t("choose_district", lang))
    indicator = ctx.indicator()
    years = queries.trend_years(state.year)
    where, today = state.district, ctx.today
    # Four calls to the query layer, side by side on PostgreSQL (see ``gather``).
    results = gather(
        ctx.stats,
        {
            "totals": partial(queries.annual_totals, district=where, year=state.year),
            "years": partial(queries.yearly_totals, district=where, years=years),
            "monthly": partial(queries.monthly_compare, district=where, year=state.year, indicator=indicator),
            "ratios": partial(queries.derived_ratios, district=where, year=state.year),
        },
    )
    totals = queries.totals_frame(results["totals"])
    by_year: pd.DataFrame = results["years"]
    monthly: pd.DataFrame = results["monthly"]

    place = results["totals"].district
    scope = place_name(place.code, place.name, lang)
    heading = (
        f"{scope} · {state.year}年 {t('overview.heading', lang)}"
        if lang == "zh"
        else f"{scope} · {t('overview.heading', lang)} {state.year}"
    )
    name = ctx.indicator_name(indicator)
    return html.Div(
        [
            page_header(
                heading,
                scope_name=scope + parenthesised(state.district, lang) if state.district else scope,
                year=state.year,
                lang=lang,
                today=today,
                generated=ctx.generated,
            ),
            section(
                t("overview.kpis", lang),
                html.Div(kpi_cards(ctx, totals, by_year), id=ids.KPI_GRID, className="kpi-grid"),
            ),
            section(
                t("overview.ratios", lang),
                html.Div(ratio_cards(ctx, results["ratios"]), id=ids.RATIOS, className="kpi-grid ratio-grid"),
            ),
            html.Div(
                [
                    section(
                        f"{t('overview.monthly', lang)} · {name}",
                        graph_or_empty(
                            ids.MONTHLY_GRAPH,
                            partial(monthly_figure, ctx, monthly, indicator),
                            empty=not has_values(monthly["this_year"], monthly["last_year"]),
                            lang=lang,
                        ),
                        *monthly_notes(ctx, totals, indicator),
                    ),
                    section(
                        f"{t('overview.trend', lang)} · {name}",
                        graph_or_empty(
                            ids.TREND_GRAPH,
                            partial(trend_figure, ctx, by_year, indicator),
                            empty=not has_values(trend_series(by_year, indicator)["value"]),
                            lang=lang,
                        ),
                        trend_notes(ctx, by_year, indicator),
                    ),
                ],
                className="two-columns",
            ),
        ]
    )


def kpi_cards(ctx: PageContext, totals: pd.DataFrame, by_year: pd.DataFrame) -> list[html.Div]:
    """A card per headline indicator: the chosen year's figures, the last five years as a sparkline."""
    this_year = totals.set_index("code")
    recent = by_year[by_year["year"] > ctx.state.year - queries.SPARK_YEARS]
    cards = []
    for code in queries.HEADLINE:
        row = this_year.loc[code]
        unit = ctx.indicator_unit(code)
        columns = ["year", "total", "months_reported", "districts_annual", "differs"]
        history = recent[recent["code"] == code][columns].rename(columns={"total": "value"})
        cards.append(
            kpi_card(
                code=code,
                name=ctx.indicator_name(code),
                unit=unit,
                total=row["total"],
                previous_total=row["previous_total"],
                comparable_total=row["comparable_total"],
                change_pct=row["change_pct"],
                good_direction=int(ctx.catalogue.at[code, "good_direction"]),
                months_reported=int(row["months_reported"]),
                months_expected=int(row["months_expected"]),
                spark=figures.sparkline(history, unit=unit, lang=ctx.lang),
                lang=ctx.lang,
                notes=annual_notes(row, ctx.lang),
                details=annual_details(row, ctx.lang),
                months_compared=None if pd.isna(row["months_compared"]) else int(row["months_compared"]),
            )
        )
    return cards


def annual_notes(row: pd.Series, lang: Lang) -> list[str]:
    """A card's badges for a year's figure from annual reports: 年报数据 (no month reported), 含年报
    (some districts), 数据差异 (an annual figure differs from the monthly sum, which counts); the
    counts behind them are in the card's tooltip (``annual_details``)."""
    notes = []
    if row["districts_annual"] > 0:
        only = row["months_reported"] == 0
        notes.append(t("annual.label", lang) if only else t("kpi.part_annual", lang))
    if row["differs"] > 0:
        notes.append(t("history.differs", lang))
    return notes


def annual_details(row: pd.Series, lang: Lang) -> list[str]:
    """The tooltip's lines on annual figures: how many districts gave them, how many differ."""
    lines = []
    count = int(row["districts_annual"])
    if count > 0:
        if row["months_reported"] == 0:
            lines.append(t("annual.hover_all", lang))
        elif lang == "zh":
            lines.append(t("annual.hover_some", lang, count=count))
        else:
            lines.append(f"includes annual-report figures of {count_of(count, 'district', 'districts')}")
    differs = int(row["differs"])
    if differs > 0:
        lines.append(
            t("annual.differs_hover", lang, count=differs)
            if lang == "zh"
            else f"{count_of(differs, 'district', 'districts')}: annual figure ≠ monthly sum (the monthly sum counts)"
        )
    return lines


def ratio_cards(ctx: PageContext, ratios: pd.DataFrame) -> list[html.Div]:
    lang = ctx.lang
    return [
        ratio_card(
            code=r.code,
            label=t(f"ratio.{r.code}", lang),
            full_name=r.name_zh if lang == "zh" else r.name_en,
            value=r.value,
            unit=r.unit if lang == "zh" or r.unit == "%" else "yuan/case",
            lang=lang,
        )
        for r in ratios.itertuples()
    ]


def monthly_figure(ctx: PageContext, monthly: pd.DataFrame, indicator: str) -> go.Figure:
    return figures.monthly_chart(
        monthly,
        year=ctx.state.year,
        unit=ctx.indicator_unit(indicator),
        lang=ctx.lang,
        this_label=t("overview.this_year", ctx.lang),
        last_label=t("overview.last_year", ctx.lang),
    )


def monthly_notes(ctx: PageContext, totals: pd.DataFrame, indicator: str) -> list[html.P]:
    """Under the months: a year counted from annual reports alone has no monthly bars, and says why."""
    row = totals.set_index("code").loc[indicator]
    if row["districts_annual"] > 0 and row["months_reported"] == 0:
        text = t("annual.monthly_note", ctx.lang, year=format_year(ctx.state.year, ctx.lang))
        return [html.P(text, className="hint annual-note", id="monthly-annual-note")]
    return []


def trend_series(by_year: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One indicator's years (value, and what of it comes from annual reports), from the first
    year with a value on."""
    columns = ["year", "total", "months_reported", "districts_annual", "differs"]
    series = (
        by_year[by_year["code"] == indicator][columns]
        .rename(columns={"total": "value"})
        .sort_values("year")
        .reset_index(drop=True)
    )
    return drop_leading_empty(series)


def trend_notes(ctx: PageContext, by_year: pd.DataFrame, indicator: str) -> html.Div:
    """Under the trend: which years come from annual reports alone (年报数据), and where an annual
    figure and the monthly sum differ (数据差异: the monthly sum counts)."""
    lang = ctx.lang
    series = trend_series(by_year, indicator)
    notes: list[html.P] = []
    if ctx.state.year == ctx.today.year:
        notes.append(html.P(t("overview.ytd_note", lang), className="hint"))
    annual = sorted(figures.annual_only_years(series))
    if annual:
        years = "、".join(format_year(y, lang) for y in annual) if lang == "zh" else ", ".join(map(str, annual))
        notes.append(html.P(t("annual.note", lang, years=years), className="hint annual-note", id="annual-note"))
    differing = series[series["differs"] > 0]
    if len(differing):
        years_list = [int(y) for y in differing["year"]]
        years = "、".join(format_year(y, lang) for y in years_list) if lang == "zh" else ", ".join(map(str, years_list))
        notes.append(
            html.P(
                t("annual.differs_note", lang, years=years, count=int(differing["differs"].sum())),
                className="notice notice-warn differs-note",
                id="differs-note",
            )
        )
    return html.Div(notes, id=ids.TREND_NOTES)


def trend_figure(ctx: PageContext, by_year: pd.DataFrame, indicator: str) -> go.Figure:
    """The indicator over up to ten years, this year (if shown) marked with the months it holds."""
    ended = ctx.today.month - 1  # the months of this year that have ended
    return figures.trend_chart(
        trend_series(by_year, indicator),
        unit=ctx.indicator_unit(indicator),
        lang=ctx.lang,
        highlight_year=ctx.state.year,
        ytd_year=ctx.today.year,
        ytd_month=ended or None,
    )
