"""Empty states: a chart with nothing to draw says 暂无数据 (No data) on its face instead of showing
empty axes, which a reader takes for a chart that failed or for figures of zero.

Kept apart from ``figures`` (whose builders assume something to draw): a page asks ``has_values``
and draws ``no_data_figure`` in the chart's place, at the same height, so the layout does not jump.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
from dash import dcc

from dashboard import ids
from dashboard.components import graph
from dashboard.figures import FONT, NEUTRAL, base_layout, make_figure
from dashboard.i18n import Lang, t

HIDDEN_AXIS = {"visible": False, "showgrid": False, "zeroline": False}


def has_values(*columns: Iterable[object]) -> bool:
    """Whether any of ``columns`` holds a reported figure (not NaN / None); 0 counts: it was reported."""
    return any(pd.Series(list(column), dtype="float64").notna().any() for column in columns)


def no_data_figure(lang: Lang, *, height: int = 300) -> go.Figure:
    """A blank figure of ``height`` that says 暂无数据 / No data in its middle, with no axes."""
    text = t("no_data", lang)
    layout = base_layout(
        height=height,
        lang=lang,
        xaxis=HIDDEN_AXIS,
        yaxis=HIDDEN_AXIS,
        meta={"lang": lang, "empty": True},
        annotations=[
            {
                "text": text,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"family": FONT, "size": 18, "color": NEUTRAL},
            }
        ],
    )
    return make_figure([], layout)


def graph_or_empty(
    graph_id: str, build: Callable[[], go.Figure], *, empty: bool, lang: Lang, height: int = 300
) -> dcc.Graph:
    """The chart ``build`` draws or, when ``empty``, the 暂无数据 figure in its place (same id, so a
    click handler bound to it stays valid; class ``chart-empty`` to find it by)."""
    if empty:
        return graph(graph_id, no_data_figure(lang, height=height), class_name=f"chart {ids.EMPTY_CHART}")
    return graph(graph_id, build())
