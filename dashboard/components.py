"""Building blocks the pages share: controls bound to the URL, page header (with the print view's
scope / year / as-of line), KPI and ratio cards, graphs and error panels. No data access here."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from app.core.errors import AppError
from dashboard import ids
from dashboard.figures import change_colour
from dashboard.formatting import (
    amount_parts,
    change_arrow,
    format_amount,
    format_change,
    format_month_range,
    format_number,
    format_percent,
    format_timestamp,
    format_year,
)
from dashboard.i18n import Lang, colon, parenthesised, pick, place_name, t
from dashboard.state import PageState

LEVEL_INDENT = {"province": 0, "city": 1, "county": 2}
MAX_OPTIONS = 600
GRAPH_CONFIG: dcc.Graph.Config = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
}


def graph(
    graph_id: str | None, figure: go.Figure, *, class_name: str = "chart", config: dcc.Graph.Config | None = None
) -> dcc.Graph:
    """A chart as tall as its figure says and as wide as its box (it follows the window, and the
    page when printing)."""
    height = figure.layout.height or 400
    extra: dict[str, Any] = {"id": graph_id} if graph_id else {}
    return dcc.Graph(
        figure=figure,
        config=config or GRAPH_CONFIG,
        responsive=True,
        className=class_name,
        style={"height": f"{height}px", "width": "100%"},
        **extra,
    )


# ----------------------------------------------------------------------------- controls


def district_options(
    districts: pd.DataFrame, *, lang: Lang, include_country: bool, focus: str | None = None
) -> list[dict[str, str]]:
    """The districts the user may read as a searchable tree: indented by level, in code order (GB/T
    2260 codes nest by prefix, so code order is tree order); search matches the name or the code.

    A country-wide list (3,000 districts) would weigh 400 kB on every page: past ``MAX_OPTIONS`` the
    tree holds the provinces and cities, and the county-level districts of ``focus``'s province only
    (choose a province or city first, then its districts are offered)."""
    shown = districts
    if len(districts) > MAX_OPTIONS:
        province = (focus or "")[:2]
        keep = districts["level"].isin(["province", "city"]) | districts["code"].str.startswith(province or "-")
        shown = districts[keep]
    options = []
    if include_country:
        options.append({"label": t("country", lang), "value": "all", "search": "全国 China all"})
    for code, name, level in zip(shown["code"], shown["name"], shown["level"], strict=True):
        indent = "\u3000" * LEVEL_INDENT.get(level, 2)
        label = place_name(code, name, lang)
        # Either name finds a place, whatever the page's language.
        search = f"{name} {code}" if lang == "zh" else f"{label} {name} {code}"
        options.append({"label": f"{indent}{label} {code}", "value": code, "search": search})
    return options


def labelled(label: str, control: Any, *, param: str, class_name: str = "control") -> html.Div:
    """A control with its label, in a box with a plain id (``control-year``) to find it by."""
    return html.Div(
        [html.Label(label, className="control-label"), control], id=ids.control_box(param), className=class_name
    )


def district_control(districts: pd.DataFrame, *, state: PageState, include_country: bool, lang: Lang) -> html.Div:
    """The area picker. ``state.unavailable`` ("forbidden", "unknown"): the URL's district cannot be shown; it
    stays the picker's value as a disabled option (by code only: a name outside the scope is not
    shown), so that the picker neither drops it nor switches to another area by itself."""
    value = state.district if state.district is not None else ("all" if include_country else None)
    options: list[dict[str, Any]] = [
        *district_options(districts, lang=lang, include_country=include_country, focus=state.district)
    ]
    if state.unavailable is not None and state.district is not None:
        label = t(f"area.option_{state.unavailable}", lang, code=state.district)
        options.insert(0, {"label": label, "value": state.district, "search": state.district, "disabled": True})
    return labelled(
        t("control.district", lang),
        param="district",
        control=dcc.Dropdown(
            id=ids.query_control("district"),
            options=options,
            value=value,
            clearable=False,
            searchable=True,
            placeholder=t("control.search", lang),
            className="district-dropdown",
        ),
        class_name="control control-wide",
    )


def year_control(years: Sequence[int], *, state: PageState, lang: Lang) -> html.Div:
    shown = sorted({*years, state.year}, reverse=True)
    return labelled(
        t("control.year", lang),
        param="year",
        control=dcc.Dropdown(
            id=ids.query_control("year"),
            options=[{"label": format_year(y, lang), "value": y} for y in shown],
            value=state.year,
            clearable=False,
            searchable=False,
            className="year-dropdown",
        ),
    )


def indicator_control(catalogue: pd.DataFrame, *, value: str, lang: Lang) -> html.Div:
    options = [
        {
            "label": pick(lang, r.name_zh, r.name_en) + parenthesised(pick(lang, r.unit, r.unit_en), lang),
            "value": r.code,
        }
        for r in catalogue.itertuples()
    ]
    return labelled(
        t("control.indicator", lang),
        param="indicator",
        control=dcc.Dropdown(
            id=ids.query_control("indicator"),
            options=options,
            value=value,
            clearable=False,
            searchable=True,
            className="indicator-dropdown",
        ),
        class_name="control control-wide",
    )


def measure_control(*, value: str, lang: Lang) -> html.Div:
    return labelled(
        t("control.measure", lang),
        param="measure",
        control=dcc.RadioItems(
            id=ids.query_control("measure"),
            options=[
                {"label": t("measure.total", lang), "value": "total"},
                {"label": t("measure.change", lang), "value": "change"},
            ],
            value=value,
            inline=True,
            className="measure-radio",
        ),
    )


def map_control(*, value: str, lang: Lang) -> html.Div:
    """Whether the country's map shows its provinces or every county."""
    return labelled(
        t("control.map", lang),
        param="map",
        control=dcc.RadioItems(
            id=ids.query_control("map"),
            options=[{"label": t(f"map.{view}", lang), "value": view} for view in ("children", "counties")],
            value=value,
            inline=True,
            className="map-radio",
        ),
    )


def controls(*boxes: html.Div) -> html.Div:
    """The page's controls (boxes made by ``labelled``) and the print button, with a record of the
    values the controls were drawn with: the frame's URL callback ignores a control that still
    shows them (Dash also calls it when a new page's controls appear, which is no change)."""
    drawn = {}
    for box in boxes:
        control = box.children[1]
        drawn[control.id["param"]] = control.value
    return html.Div([*boxes, print_button(), dcc.Store(id=ids.DRAWN_STATE, data=drawn)], className="controls no-print")


def print_button() -> html.Button:
    # Lang-neutral: the frame's callback does not reach into pages, so it carries both words.
    return html.Button("打印 Print", id=ids.PRINT_BUTTON, className="print-button", n_clicks=0)


# ----------------------------------------------------------------------------- header and messages


def period_text(year: int, today: dt.date, lang: Lang) -> str:
    """ "2021年" for a past year, "2026年1–10月" while the year runs (the months that have ended)."""
    if year < today.year:
        return format_year(year, lang)
    ended = today.month - 1
    return format_month_range(year, 1, ended, lang) if ended >= 1 else format_year(year, lang)


def page_header(
    title: str, *, scope_name: str, year: int | None, lang: Lang, today: dt.date, generated: dt.datetime
) -> html.Div:
    """The page's heading and the line the print view needs: scope, period and the data's as-of time
    (pages read the database on every load, so the data is as of the moment the page was drawn)."""
    sep = colon(lang)
    parts = [f"{t('scope', lang)}{sep}{scope_name}"]
    if year is not None:
        parts.append(f"{t('year', lang)}{sep}{period_text(year, today, lang)}")
    parts.append(f"{t('as_of', lang)}{sep}{format_timestamp(generated, lang)}")
    return html.Div(
        [
            html.H2(title, id=ids.PAGE_HEADING),
            html.P(" · ".join(parts), id=ids.AS_OF, className="as-of"),
        ],
        className="page-header",
    )


def error_panel(error: AppError, lang: Lang) -> html.Div:
    return html.Div(
        [html.Strong(t("error.title", lang)), html.P(pick(lang, error.detail_zh, error.detail_en))],
        id=ids.PAGE_ERROR,
        className="notice notice-error",
        role="alert",
    )


def notice(text: str) -> html.Div:
    return html.Div(text, className="notice")


def section(title: str | Component, *children: Any, class_name: str = "section") -> html.Section:
    return html.Section([html.H3(title), *children], className=class_name)


# ----------------------------------------------------------------------------- cards


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def kpi_card(
    *,
    code: str,
    name: str,
    unit: str,
    total: float | None,
    previous_total: float | None,
    change_pct: float | None,
    good_direction: int,
    months_reported: int,
    months_expected: int,
    spark: go.Figure,
    lang: Lang,
    comparable_total: float | None = None,
    notes: Sequence[str] = (),
    details: Sequence[str] = (),
    months_compared: int | None = None,
) -> html.Div:
    """One headline indicator: the year's value; ONE comparison line — the change against the same
    months of last year (arrow and percentage coloured by meaning) followed by the two figures it
    compares, so that "807 ▼4.9%" never stands beside "736" unexplained; a 5-year sparkline.

    ``notes`` (年报数据, 数据差异) are short badges by the name. The detail — which months are
    compared, how many district-months are reported, which districts gave annual figures
    (``details``) — is the card's tooltip (``title``, also behind the ⓘ), not lines of footnotes."""
    if _missing(total):
        value = html.Div(t("not_reported", lang), id=ids.kpi_value(code), className="kpi-value kpi-missing")
    else:
        assert total is not None
        # The number large, its unit small: "807" "家次", "1712万" "元"; English "16.26" "million yuan".
        number, unit_text = amount_parts(total, unit, lang)
        value = html.Div(
            [html.Span(number, className="kpi-number"), html.Span(unit_text, className="kpi-unit")],
            id=ids.kpi_value(code),
            className="kpi-value",
            title=format_amount(total, unit, lang),
        )
    gapped = not _missing(comparable_total) and not _missing(total) and comparable_total != total
    versus = ""
    if not _missing(previous_total):
        # Chinese writes each figure with its unit (736家次); English the bare figures, the unit being
        # right above them (the line would otherwise run to three lines in a narrow card).
        def shown(v: float | None) -> str:
            return format_amount(v, unit, lang) if lang == "zh" else format_number(v, lang)

        # Last year lacks some of this year's months: the change compares only the months both years
        # reported, so the line names the figure it compares, or 807 ▼4.9% beside 736 reads as wrong.
        versus = (
            t("kpi.versus_comparable", lang, comparable=shown(comparable_total), previous=shown(previous_total))
            if gapped
            else t("kpi.versus", lang, previous=shown(previous_total))
        )
    detail = kpi_details(
        change_pct=change_pct,
        total=total,
        unit=unit,
        lang=lang,
        gapped=gapped,
        versus=versus,
        months_reported=months_reported,
        months_expected=months_expected,
        months_compared=months_compared,
        details=details,
    )
    if change_pct is None or _missing(change_pct):
        parts: list[Any] = [html.Span(t("no_comparison", lang), className="kpi-neutral")]
    else:
        parts = [
            html.Span(t("change", lang), className="kpi-change-label"),
            html.Span(
                [html.Span(change_arrow(change_pct), className="kpi-arrow"), format_percent(abs(change_pct))],
                className="kpi-delta",
                style={"color": change_colour(change_pct, good_direction)},
            ),
        ]
    if versus:
        parts.append(html.Span(versus, className="kpi-versus" + (" kpi-comparable" if gapped else "")))
    change = html.Div(parts, id=ids.kpi_change(code), className="kpi-change", title=detail)
    head = [html.Span(name, className="kpi-name-text")]
    head += [html.Span(note, className="kpi-badge") for note in notes]
    # The ⓘ says that the card has a tooltip; read out, it is the tooltip.
    info: dict[str, Any] = {"role": "img", "aria-label": detail}
    head.append(html.Span("ⓘ", className="kpi-info", title=detail, **info))
    return html.Div(
        [
            html.Div(head, className="kpi-name"),
            value,
            change,
            graph(None, spark, class_name="kpi-spark", config={"displayModeBar": False}),
        ],
        id=ids.kpi_card(code),
        className="kpi-card",
        title=detail,
        **data_attributes(indicator=code),
    )


def kpi_details(
    *,
    change_pct: float | None,
    total: float | None,
    unit: str,
    lang: Lang,
    gapped: bool,
    versus: str,
    months_reported: int,
    months_expected: int,
    months_compared: int | None,
    details: Sequence[str],
) -> str:
    """The KPI card's tooltip, one fact a line: the change in words, the figures compared and on
    which basis, the district-months reported, annual figures."""
    sep = colon(lang)
    lines = []
    if not _missing(change_pct):
        lines.append(format_change(change_pct, lang))
    if not _missing(total):
        lines.append(f"{t('kpi.this_year', lang)}{sep}{format_amount(total, unit, lang)}")
    if versus:
        lines.append(versus + ("" if lang == "zh" else f" ({unit})"))
    if gapped:
        lines.append(t("kpi.basis", lang, compared=months_compared) if months_compared else t("kpi.basis_short", lang))
    if months_expected:
        lines.append(f"{t('months_reported', lang)}{sep}{months_reported}/{months_expected}")
    lines += details
    return "\n".join(lines)


def data_attributes(**values: str) -> dict[str, Any]:
    """``data-*`` attributes for an html component (``data_attributes(indicator=code)``)."""
    return {f"data-{key}": value for key, value in values.items()}


def ratio_card(*, code: str, label: str, full_name: str, value: float | None, unit: str, lang: Lang) -> html.Div:
    if _missing(value):
        text = t("no_comparison", lang)
    elif unit == "%":
        text = format_percent(value)
    else:
        text = format_amount(value, unit, lang)
    return html.Div(
        [
            html.Div(label, className="kpi-name", title=full_name),
            html.Div(text, id=ids.ratio_value(code), className="kpi-value"),
            html.Div(full_name, className="kpi-footer"),
        ],
        className="kpi-card ratio-card",
    )
