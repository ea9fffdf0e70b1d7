"""Pure figure builders: DataFrame (+ labels) → plotly Figure. No database, no request, no Dash.

"Not reported" arrives as NaN and leaves as a gap or a grey "未报送" mark, never as a zero bar.
Numbers on axes and in hover texts are written the way Chinese reports write them (3.2万, 1712万).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.formatting import (
    MONTHS_EN,
    format_amount,
    format_month,
    format_month_range,
    format_number,
    format_signed_percent,
    format_year,
)
from dashboard.i18n import Lang, colon, parenthesised, t

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
THIS_YEAR = "#c0392b"  # the bureau's red
LAST_YEAR = "#8c99a6"
# Years counted from annual reports (no months): the same hues, lighter (and cross-hatched).
ANNUAL_THIS_YEAR = "#e6a39b"
ANNUAL_OTHER_YEAR = "#c5ccd3"
GOOD = "#1e8449"
BAD = "#c0392b"
NEUTRAL = "#5d6d7e"
MISSING = "#d5d8dc"
STATUS_COLOURS = {"not_due": "#f2f3f4", "submitted": "#27ae60", "late": "#f39c12", "missing": "#e74c3c"}
STATUS_ORDER = ("not_due", "submitted", "late", "missing")


# A small template of our own: plotly's named templates are deep-copied into every figure, which
# costs more than drawing the figure (a dozen figures per page).
AXIS = {"gridcolor": "#ebf0f8", "linecolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "automargin": True}
TEMPLATE = go.layout.Template(
    layout={
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": AXIS,
        "yaxis": AXIS,
        "colorway": [THIS_YEAR],
    }
)


def base_layout(*, height: int, lang: Lang, **extra: object) -> dict[str, object]:
    """The layout every figure shares, updated with ``extra`` (one dict: plotly validates a figure
    once when it is built from dicts, but again on every ``update_*`` call)."""
    layout: dict[str, object] = {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 8, "r": 8, "t": 28, "b": 8},
        "font": {"family": FONT, "size": 13},
        "separators": ".,",
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        "meta": {"lang": lang},
    }
    layout.update(extra)
    return layout


def make_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A Figure from trace and layout dicts without plotly's property validation, which costs five
    times the rest of the build (a page draws a dozen figures). The unit tests validate every
    builder's output instead (``go.Figure(fig.to_dict())`` raises on a misspelt property)."""
    return go.Figure(data=data, layout=layout, _validate=False)


def month_names(lang: Lang) -> list[str]:
    return [f"{m}月" for m in range(1, 13)] if lang == "zh" else list(MONTHS_EN)


def nice_ticks(maximum: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``: steps of 1, 2 or 5 × 10ⁿ."""
    if not maximum or maximum <= 0 or math.isnan(maximum):
        return [0.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(maximum / step) + 1)]


def value_axis(values: Sequence[float] | pd.Series, lang: Lang) -> dict[str, object]:
    """Axis settings whose tick labels read 1万, 2万 … (or 10,000 in English)."""
    numbers = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    ticks = nice_ticks(max(numbers, default=0.0))
    return {
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [format_number(v, lang) for v in ticks],
        "rangemode": "tozero",
    }


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def change_colour(change: float | None, good_direction: int) -> str:
    """Green when the change is good news, red when bad, grey when neither or unknown."""
    if _is_missing(change) or change == 0 or good_direction == 0:
        return NEUTRAL
    assert change is not None
    return GOOD if (change > 0) == (good_direction > 0) else BAD


# ----------------------------------------------------------------------------- overview


def _values(series: pd.Series) -> list[float | None]:
    """A column as a JSON-friendly list with None (a gap) where nothing was reported."""
    return [None if _is_missing(v) else float(v) for v in series]


def sparkline(frame: pd.DataFrame, *, unit: str, lang: Lang, colour: str = THIS_YEAR) -> go.Figure:
    """A tiny line of ``value`` by ``year`` (gaps where nothing was reported), for a KPI card; with
    ``months_reported`` and ``districts_annual`` columns, a year from annual reports says so on hover."""
    annual_only = annual_only_years(frame)
    hover = [
        f"{format_year(int(y), lang)}{colon(lang)}{format_amount(v, unit, lang, missing=label_missing(lang))}"
        + "".join(f"<br>{line}" for line in annual_hover(frame, row, int(y) in annual_only, lang))
        for row, (y, v) in enumerate(zip(frame["year"], frame["value"], strict=True))
    ]
    trace = {
        "type": "scatter",
        "x": [int(y) for y in frame["year"]],
        "y": _values(frame["value"]),
        "mode": "lines+markers",
        "line": {"color": colour, "width": 2},
        "marker": {"size": 4},
        "connectgaps": False,
        "hovertext": hover,
        "hoverinfo": "text",
    }
    layout = base_layout(
        height=48,
        lang=lang,
        margin={"l": 2, "r": 2, "t": 2, "b": 2},
        showlegend=False,
        xaxis={"visible": False, "fixedrange": True},
        yaxis={"visible": False, "fixedrange": True, "rangemode": "tozero"},
    )
    return make_figure([trace], layout)


def label_missing(lang: Lang) -> str:
    return "未报送" if lang == "zh" else "not reported"


def _title(title: str) -> dict[str, object] | None:
    return {"text": title, "font": {"size": 14}} if title else None


def monthly_chart(
    frame: pd.DataFrame,
    *,
    year: int,
    unit: str,
    lang: Lang,
    this_label: str,
    last_label: str,
    title: str = "",
) -> go.Figure:
    """This year's months as bars, last year's as a dotted line; months not reported are gaps.

    ``frame``: month (1 … 12), this_year, last_year.
    """
    names = month_names(lang)
    missing = label_missing(lang)
    traces = []
    for column, label, shown_year in (("this_year", this_label, year), ("last_year", last_label, year - 1)):
        hover = [
            f"{format_month(shown_year, m, lang)}{colon(lang)}{format_amount(v, unit, lang, missing=missing)}"
            for m, v in zip(frame["month"], frame[column], strict=True)
        ]
        trace: dict[str, object] = {
            "x": names,
            "y": _values(frame[column]),
            "name": f"{label}（{shown_year}）" if lang == "zh" else f"{label} ({shown_year})",
            "hovertext": hover,
            "hoverinfo": "text",
        }
        if column == "this_year":
            trace.update(type="bar", marker={"color": THIS_YEAR})
        else:
            trace.update(
                type="scatter",
                mode="lines+markers",
                line={"color": LAST_YEAR, "width": 2, "dash": "dot"},
                connectgaps=False,
            )
        traces.append(trace)
    values = pd.concat([frame["this_year"], frame["last_year"]])
    layout = base_layout(height=300, lang=lang, yaxis=value_axis(values, lang), bargap=0.35, title=_title(title))
    return make_figure(traces, layout)


def trend_chart(
    frame: pd.DataFrame,
    *,
    unit: str,
    lang: Lang,
    highlight_year: int | None = None,
    ytd_year: int | None = None,
    ytd_month: int | None = None,
    title: str = "",
) -> go.Figure:
    """``value`` by ``year`` as bars: the chosen year in the bureau's red, the others grey; the
    year-to-date year hatched and labelled with its months (e.g. "2026年1–10月"); years with nothing
    reported left empty, never drawn as zero.

    With the columns ``months_reported``, ``districts_annual`` and ``differs`` (``yearly_totals``), a
    year counted from annual reports alone (no month reported) is drawn lighter and cross-hatched,
    labelled 年报数据 and said so on hover; a year partly from annual reports, or with district-years
    whose annual figure and monthly sum differ (数据差异), says so on hover."""
    years = [int(y) for y in frame["year"]]
    missing = label_missing(lang)
    annual_only = annual_only_years(frame)
    hover = []
    for row, (y, v) in enumerate(zip(years, frame["value"], strict=True)):
        text = f"{format_year(y, lang)}{colon(lang)}{format_amount(v, unit, lang, missing=missing)}"
        if y == ytd_year and ytd_month:
            text += parenthesised(format_month_range(y, 1, ytd_month, lang), lang)
        hover.append(text + "".join(f"<br>{line}" for line in annual_hover(frame, row, y in annual_only, lang)))
    shapes = ["/" if y == ytd_year else "x" if y in annual_only else "" for y in years]
    trace = {
        "type": "bar",
        "x": years,
        "y": _values(frame["value"]),
        "marker": {
            "color": [
                (ANNUAL_THIS_YEAR if y in annual_only else THIS_YEAR)
                if y == highlight_year
                else (ANNUAL_OTHER_YEAR if y in annual_only else LAST_YEAR)
                for y in years
            ],
            "pattern": {"shape": shapes, "fgcolor": "#ffffff", "solidity": 0.3},
        },
        "text": [format_number(v, lang, missing="") for v in frame["value"]],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertext": hover,
        "hoverinfo": "text",
        "showlegend": False,
    }
    annotations = []
    if ytd_year is not None and ytd_year in years and ytd_month:
        annotations.append(
            {
                "x": ytd_year,
                "y": 0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": format_month_range(ytd_year, 1, ytd_month, lang),
                "showarrow": False,
                "font": {"size": 11, "color": "#ffffff"},
                "bgcolor": "rgba(0,0,0,0.45)",
            }
        )
    for y in sorted(annual_only):
        annotations.append(
            {
                "x": y,
                "y": 0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": t("annual.label", lang),
                "showarrow": False,
                "font": {"size": 11, "color": "#ffffff"},
                "bgcolor": "rgba(93,109,126,0.75)",
                "name": "annual",
            }
        )
    layout = base_layout(
        height=300,
        lang=lang,
        yaxis=value_axis(frame["value"], lang),
        # Numbers on a linear axis, labelled 2019年: year strings like "2019" would be read as dates.
        xaxis={
            "type": "linear",
            "tickmode": "array",
            "tickvals": years,
            "ticktext": [format_year(y, lang) for y in years],
        },
        bargap=0.3,
        annotations=annotations,
        title=_title(title),
    )
    return make_figure([trace], layout)


def annual_only_years(frame: pd.DataFrame) -> set[int]:
    """The years of ``frame`` counted from annual reports alone: annual figures, no month reported."""
    if "districts_annual" not in frame or "months_reported" not in frame:
        return set()
    return {
        int(y)
        for y, n, m in zip(frame["year"], frame["districts_annual"], frame["months_reported"], strict=True)
        if not _is_missing(n) and n > 0 and not _is_missing(m) and m == 0
    }


def annual_hover(frame: pd.DataFrame, row: int, only: bool, lang: Lang) -> list[str]:
    """What a year's hover says of annual figures: 年报数据, 含年报数据 (some districts), 数据差异."""
    lines = []
    if only:
        lines.append(t("annual.hover_all", lang))
    elif "districts_annual" in frame and (count := frame["districts_annual"].iloc[row]) and count > 0:
        lines.append(t("annual.hover_some", lang, count=int(count)))
    if "differs" in frame and (count := frame["differs"].iloc[row]) and count > 0:
        lines.append(t("annual.differs_hover", lang, count=int(count)))
    return lines


# ----------------------------------------------------------------------------- districts


def text_width(text: str, size: float = 12) -> float:
    """Roughly how many pixels ``text`` takes at font ``size``: a CJK character a full em, others
    about 0.6 em (enough to reserve room for labels plotly cannot measure for us)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def unique_labels(names: Sequence[str], codes: Sequence[str]) -> list[str]:
    """``names`` as category labels, a name shared by two rows (朝阳区 of Beijing and of Changchun, or
    two names written alike in pinyin) followed by its code: a category axis would stack them."""
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [f"{n} {c}" if seen[n] > 1 else n for n, c in zip(names, codes, strict=True)]


def pooled_change(rows: pd.DataFrame) -> float | None:
    """The change of ``rows`` taken together, in percent: Σ comparable_total / Σ previous_total − 1,
    over the rows that have a change (the same rows and months each district's change compares).
    An average of the districts' percentages would let +200% of a district going from 1 to 3 outweigh
    −11% of one going from 900 to 800."""
    compared = rows[rows["change_pct"].notna() & rows["comparable_total"].notna() & rows["previous_total"].notna()]
    before = float(compared["previous_total"].sum())
    if compared.empty or before <= 0:
        return None
    return (float(compared["comparable_total"].sum()) / before - 1) * 100


def ranking_chart(
    frame: pd.DataFrame,
    *,
    unit: str,
    lang: Lang,
    average: float | None,
    average_label: str,
    percent: bool = False,
    good_direction: int = 0,
) -> go.Figure:
    """Horizontal bars of ``value`` per district, largest on top, with the average as a dashed line.

    ``frame``: code, name, value. With ``percent`` the values are changes in percent, coloured by
    ``good_direction``; otherwise totals in the bureau's red. Districts with no value get no bar but
    keep their row, labelled "未报送". ``customdata`` carries the district code (for drill-down).

    The values are written in a column of their own right of the bars (annotations in the right
    margin), never at the bars' ends: there the average line ran through them, and a "−100.0%" bar's
    label reached over the district names."""
    ordered = frame.sort_values("value", ascending=True, na_position="first").reset_index(drop=True)
    missing = label_missing(lang)
    names = unique_labels([str(n) for n in ordered["name"]], [str(c) for c in ordered["code"]])
    if percent:
        colours = [change_colour(v, good_direction) for v in ordered["value"]]
        texts = [missing if _is_missing(v) else format_signed_percent(v) for v in ordered["value"]]
    else:
        colours = [THIS_YEAR] * len(ordered)
        texts = [format_amount(v, unit, lang, missing=missing) for v in ordered["value"]]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": _values(ordered["value"]),
        "y": names,
        "marker": {"color": colours},
        # The values as the bars' text (the data a reader's tools find), drawn in the column instead.
        "text": texts,
        "textposition": "none",
        "customdata": list(ordered["code"]),
        "hovertext": [f"{n}{colon(lang)}{t}" for n, t in zip(names, texts, strict=True)],
        "hoverinfo": "text",
        "showlegend": False,
    }
    label_size = 12
    # English units are long ("1.2 million enterprise-visits" would take a third of the chart): the
    # column holds the figures and the axis names the unit once; Chinese keeps 807家次.
    unit_once = lang != "zh" and not percent and bool(unit)
    column = [format_number(v, lang, missing=missing) for v in ordered["value"]] if unit_once else texts
    values_column: list[dict[str, object]] = [
        {
            "x": 1,
            "xref": "paper",
            "xanchor": "left",
            "xshift": 8,
            "y": name,
            "yref": "y",
            "text": text,
            "showarrow": False,
            "font": {"size": label_size, "color": "#566573" if _is_missing(v) else "#1b2631"},
            "name": "value",
        }
        for name, text, v in zip(names, column, ordered["value"], strict=True)
    ]
    shapes, annotations = [], []
    if average is not None and not _is_missing(average):
        rounded = round(average, 1)
        shown = format_signed_percent(rounded) if percent else format_amount(rounded, unit, lang)
        shapes.append(
            {
                "type": "line",
                "x0": average,
                "x1": average,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#2c3e50", "width": 2, "dash": "dash"},
            }
        )
        annotations.append(
            {
                "x": average,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"{average_label} {shown}",
                "showarrow": False,
                "font": {"size": 12},
                "name": "average",
            }
        )
    values = [v for v in _values(ordered["value"]) if v is not None]
    if percent:
        # Room on both sides of zero for the average's label, and zero always in view.
        low, high = min([0.0, *values]), max([0.0, *values])
        pad = max((high - low) * 0.04, 1.0)
        xaxis: dict[str, object] = {
            "ticksuffix": "%",
            "zeroline": True,
            "zerolinecolor": "#2c3e50",
            "range": [low - pad, high + pad],
        }
    else:
        xaxis = value_axis(ordered["value"], lang)
    if unit_once:
        xaxis["title"] = {"text": unit, "font": {"size": 12}}
    width = max((text_width(x, label_size) for x in column), default=0.0)
    layout = base_layout(
        height=max(260, 26 * len(ordered) + 70),
        lang=lang,
        xaxis=xaxis,
        yaxis={"automargin": True, "type": "category"},
        margin={"l": 8, "r": int(width) + 20, "t": 36, "b": 8},
        shapes=shapes,
        annotations=annotations + values_column,
    )
    return make_figure([trace], layout)


def heat_label(change: float) -> str:
    """A heat-map cell's text: whole percents (the cells are small), more digits under 1 % so that a
    small change is never printed as "-0%"; an exact zero is "0%"."""
    if change == 0:
        return "0%"
    size = abs(change)
    digits = 0 if size >= 0.995 else 1 if size >= 0.095 else 2
    return f"{change:+.{digits}f}%"


def change_heatmap(
    frame: pd.DataFrame,
    *,
    indicator_labels: Mapping[str, str],
    good_direction: Mapping[str, int],
    lang: Lang,
    cap: float = 50.0,
) -> go.Figure:
    """District × indicator, each cell the change against last year in percent.

    ``frame``: code, name, indicator, change_pct (long). The colour is the meaning — green when the
    change is good news for that indicator, red when bad, white when neutral — capped at ±``cap``%;
    the text is the change itself. Cells with no comparison are blank. ``customdata``: the code.
    """
    present = set(frame["indicator"])
    indicators = [c for c in indicator_labels if c in present]
    districts = frame.drop_duplicates("code")[["code", "name"]].reset_index(drop=True)
    cells = {(c, i): v for c, i, v in zip(frame["code"], frame["indicator"], frame["change_pct"], strict=True)}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for code in districts["code"]:
        z_row: list[float | None] = []
        t_row: list[str] = []
        for ind in indicators:
            value = cells.get((code, ind))
            if value is None or _is_missing(value):
                z_row.append(None)
                t_row.append("")
                continue
            change = float(value)
            meaning = good_direction.get(ind, 0)
            z_row.append(max(-cap, min(cap, change)) * meaning if meaning else 0.0)
            t_row.append(heat_label(change))
        z.append(z_row)
        text.append(t_row)
    trace = {
        "type": "heatmap",
        "z": z,
        "x": [wrap_label(indicator_labels[c], 6 if lang == "zh" else 13) for c in indicators],
        "y": unique_labels([str(n) for n in districts["name"]], [str(c) for c in districts["code"]]),
        "text": text,
        "texttemplate": "%{text}",
        "customdata": [[code] * len(indicators) for code in districts["code"]],
        "hovertemplate": "%{y} · %{x}" + colon(lang) + "%{text}<extra></extra>",
        "colorscale": [[0.0, BAD], [0.5, "#fdfefe"], [1.0, GOOD]],
        "zmin": -cap,
        "zmax": cap,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
    }
    layout = base_layout(
        height=max(240, 28 * len(districts) + 110),
        lang=lang,
        xaxis={"side": "top", "tickangle": 0, "automargin": True, "tickfont": {"size": 12}},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )
    return make_figure([trace], layout)


def wrap_label(text: str, width: int) -> str:
    """A column header on lines of at most ``width`` characters (``<br>`` between them), broken at
    spaces in English and anywhere in Chinese: nine long English names side by side overlap."""
    if len(text) <= width:
        return text
    if " " not in text:
        if any(ord(ch) >= 0x2E80 for ch in text):
            return "<br>".join(text[i : i + width] for i in range(0, len(text), width))
        return text
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


# ----------------------------------------------------------------------------- completeness


def completeness_grid(frame: pd.DataFrame, *, status_labels: Mapping[str, str], lang: Lang) -> go.Figure:
    """Districts × months coloured submitted / late / missing, light grey where the month is not due.

    ``frame``: code, name, month (1 … 12), status (None for a month that has not ended), and
    optionally ``label``, the row's label (else "name code"). ``status_labels`` names each of
    STATUS_ORDER.
    """
    districts = frame.drop_duplicates("code").reset_index(drop=True)
    labels = (
        list(districts["label"])
        if "label" in districts
        else [f"{n} {c}" for c, n in zip(districts["code"], districts["name"], strict=True)]
    )
    row_of = {code: i for i, code in enumerate(districts["code"])}
    z = [[0] * 12 for _ in range(len(districts))]
    text = [[status_labels["not_due"]] * 12 for _ in range(len(districts))]
    for code, month, status in zip(frame["code"], frame["month"], frame["status"], strict=True):
        key = status if isinstance(status, str) else "not_due"
        z[row_of[code]][int(month) - 1] = STATUS_ORDER.index(key)
        text[row_of[code]][int(month) - 1] = status_labels[key]
    n = len(STATUS_ORDER)
    scale: list[list[object]] = []
    for i, key in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[key]], [(i + 1) / n, STATUS_COLOURS[key]]]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": month_names(lang),
        "y": labels,
        "text": text,
        "customdata": [[code] * 12 for code in districts["code"]],
        "hovertemplate": "%{y} · %{x}" + colon(lang) + "%{text}<extra></extra>",
        "colorscale": scale,
        "zmin": -0.5,
        "zmax": n - 0.5,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
    }
    layout = base_layout(
        height=max(200, 24 * len(districts) + 60),
        lang=lang,
        xaxis={"side": "top", "fixedrange": True},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category", "fixedrange": True},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )
    return make_figure([trace], layout)
