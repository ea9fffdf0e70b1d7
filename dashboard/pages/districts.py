"""Districts compared: the children of the chosen area ranked for one indicator (with the area's
average), a map of them coloured by the same measure (real boundaries; the country's map shows its
provinces or, with ``map=counties``, every county), and a district × indicator heat map of the change
against last year. Clicking an area on the map opens its own comparison (province → city → county);
a bar, a heat-map row or a table link opens the district's Overview.

``/dashboard/districts?district=500000&year=2020&indicator=penalty.fines_yuan&measure=change``
"""

from __future__ import annotations

from functools import partial
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from app.districts.models import DistrictLevel
from dashboard import data, figures, geo, ids, maps, queries
from dashboard.components import (
    controls,
    district_control,
    graph,
    indicator_control,
    map_control,
    measure_control,
    notice,
    page_header,
    section,
    year_control,
)
from dashboard.empty import graph_or_empty, has_values
from dashboard.formatting import format_amount, format_percent, format_signed_percent
from dashboard.i18n import localised, t
from dashboard.page import PageContext, render_kept
from dashboard.state import merge_search

dash.register_page(
    __name__, path="/districts", name="区划对比 Districts", title="区划对比 Districts · 应急管理执法统计", order=1
)


def layout(**query: str) -> html.Div | dict[str, Any]:
    return render_kept(query, controls=districts_controls, content=districts_content, class_name="page-districts")


def districts_controls(ctx: PageContext) -> html.Div:
    boxes = [
        district_control(ctx.districts, state=ctx.state, include_country=ctx.country_wide, lang=ctx.lang),
        year_control(ctx.years, state=ctx.state, lang=ctx.lang),
        indicator_control(ctx.catalogue, value=ctx.indicator(), lang=ctx.lang),
        measure_control(value=ctx.state.measure, lang=ctx.lang),
    ]
    if ctx.state.district is None:  # the country: its provinces, or every county
        boxes.append(map_control(value=ctx.state.map_view, lang=ctx.lang))
    return controls(*boxes)


def districts_content(ctx: PageContext) -> html.Div:
    state, lang = ctx.state, ctx.lang
    parent = state.district
    header = page_header(
        f"{ctx.scope_name()} · {t('districts.heading', lang)}",
        scope_name=ctx.scope_name(),
        year=state.year,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    if parent is not None and parent in ctx.districts.index and ctx.districts.at[parent, "level"] == "county":
        return html.Div([header, notice(t("county_has_no_children", lang))])
    indicator = ctx.indicator()
    unit = ctx.indicator_unit(indicator)
    name = ctx.indicator_name(indicator)
    good = int(ctx.catalogue.at[indicator, "good_direction"])
    level = queries.children_level(ctx.session, principal=ctx.principal, parent=parent)
    # The chosen indicator's ranking and the heat map's nine, in one call.
    rankings = queries.rankings(
        ctx.stats, parent=parent, year=state.year, indicators=[indicator, *queries.HEADLINE], level=level
    )
    rows = localised(rankings[indicator].rows, lang)
    percent = state.measure == "change"
    values = rows.assign(value=rows["change_pct"] if percent else rows["total"])
    # Changes: the change of the compared districts taken together (Σ this year / Σ last year), not
    # the mean of their percentages, which lets a district going from 1 to 3 (+200%) outweigh one
    # going from 900 to 800. Totals: the mean district.
    if percent:
        average = figures.pooled_change(rows)
    else:
        average = float(values["value"].mean()) if values["value"].notna().any() else None
    ranking_fig = partial(
        figures.ranking_chart,
        values[["code", "name", "value"]],
        unit=unit,
        lang=lang,
        average=average,
        average_label=t("districts.pooled" if percent else "districts.average", lang),
        percent=percent,
        good_direction=good,
    )
    map_part = district_map(ctx, rows, indicator=indicator, unit=unit, name=name, percent=percent, good=good)
    matrix = localised(queries.change_matrix({code: rankings[code] for code in queries.HEADLINE}), lang)
    heatmap = partial(
        figures.change_heatmap,
        matrix,
        indicator_labels={code: ctx.indicator_name(code) for code in queries.HEADLINE},
        good_direction={code: int(ctx.catalogue.at[code, "good_direction"]) for code in queries.HEADLINE},
        lang=lang,
    )
    measure = t("measure.change", lang) if percent else t("measure.total", lang)
    return html.Div(
        [
            header,
            dcc.Location(id=ids.DRILL_LOCATION, refresh="callback-nav"),
            html.P(t("districts.click_hint", lang), className="hint no-print"),
            html.Div(
                [
                    section(
                        f"{t('districts.ranking', lang)} · {name} · {measure}",
                        # Nothing reported (or, for the change, nothing comparable): 暂无数据.
                        graph_or_empty(
                            ids.RANKING_GRAPH, ranking_fig, empty=not has_values(values["value"]), lang=lang
                        ),
                    ),
                    section(f"{t('districts.map', lang)} · {name} · {measure}", *map_part),
                ],
                className="two-columns",
            ),
            section(
                t("districts.heatmap", lang),
                graph_or_empty(ids.HEATMAP_GRAPH, heatmap, empty=not has_values(matrix["total"]), lang=lang),
            ),
            section(f"{t('districts.ranking', lang)} · {name}", ranking_table(rows, ctx=ctx, unit=unit)),
        ]
    )


def district_map(
    ctx: PageContext, rows: pd.DataFrame, *, indicator: str, unit: str, name: str, percent: bool, good: int
) -> list[Any]:
    """The map of the compared areas (or of every county of the country) and, when some have no
    boundary, a note naming those drawn as points."""
    state, lang = ctx.state, ctx.lang
    all_counties = state.district is None and state.map_view == "counties"
    if all_counties:
        rows = queries.rankings(
            ctx.stats, parent=None, year=state.year, indicators=[indicator], level=DistrictLevel.county
        )[indicator].rows
        rows = localised(rows, lang)
    atlas = data.atlas()
    geojson = atlas.children_geojson(state.district, all_counties=all_counties)
    located = rows.assign(
        value=rows["change_pct"] if percent else rows["total"],
        # An area with districts of its own opens their comparison; a county (or a city without
        # districts, like 东莞) its Overview.
        drill=["districts" if atlas.tree.map_children(code) else "overview" for code in rows["code"]],
    ).merge(ctx.districts[["longitude", "latitude"]], left_on="code", right_index=True, how="left")
    figure = maps.district_choropleth(
        located[["code", "name", "value", "longitude", "latitude", "drill"]],
        geojson,
        unit=unit,
        lang=lang,
        value_label=name,
        percent=percent,
        good_direction=good,
        totals=dict(zip(rows["code"], rows["total"], strict=True)) if percent else None,
        geojson_url=geo.view_url(state.district, all_counties=all_counties),
    )
    shaped = {str(f["id"]) for f in geojson["features"]}
    pointed = [str(n) for c, n in zip(rows["code"], rows["name"], strict=True) if c not in shaped]
    part: list[Any] = [graph(ids.MAP_GRAPH, figure)]
    if pointed:
        shown = "、".join(pointed[:8]) + (f"等{len(pointed)}个区划" if len(pointed) > 8 else "")
        if lang != "zh":
            shown = ", ".join(pointed[:8]) + (f" and {len(pointed) - 8} more" if len(pointed) > 8 else "")
        part.append(html.P(t("districts.map_points", lang, names=shown), id=ids.MAP_NOTE, className="hint"))
    return part


def ranking_table(rows: pd.DataFrame, *, ctx: PageContext, unit: str) -> html.Table:
    """The ranking as a table: readable in print, and each name a link to that district's Overview."""
    lang = ctx.lang
    head = html.Tr(
        [
            html.Th(t(key, lang))
            for key in (
                "districts.rank",
                "districts.name",
                "districts.total",
                "districts.share",
                "districts.change",
                "districts.completeness",
            )
        ]
    )
    body = []
    for r in rows.itertuples():
        href = dash.get_relative_path("/") + ctx.state.query(district=r.code, measure="total")
        body.append(
            html.Tr(
                [
                    html.Td("" if pd.isna(r.rank) else str(int(r.rank))),
                    html.Td(dcc.Link(f"{r.name}", href=href)),
                    html.Td(format_amount(r.total, unit, lang, missing=t("not_reported", lang))),
                    html.Td(format_percent(r.share_pct)),
                    html.Td(format_signed_percent(r.change_pct, missing="")),
                    html.Td(format_percent(r.completeness_pct)),
                ]
            )
        )
    return html.Table([html.Thead(head), html.Tbody(body)], id=ids.RANKING_TABLE, className="data-table")


def clicked(click: dict[str, Any] | None) -> tuple[str | None, str]:
    """The district code a click on a bar, an area of the map or a heat-map cell carries, and where
    it leads: "overview", or "districts" (a map's area with districts of its own)."""
    if not click or not click.get("points"):
        return None, "overview"
    custom = click["points"][0].get("customdata")
    target = "overview"
    if isinstance(custom, list):
        target = str(custom[1]) if len(custom) > 1 and custom[1] == "districts" else "overview"
        custom = custom[0] if custom else None
    return (str(custom) if custom else None), target


@dash.callback(
    Output(ids.DRILL_LOCATION, "href"),
    Input(ids.RANKING_GRAPH, "clickData"),
    Input(ids.MAP_GRAPH, "clickData"),
    Input(ids.HEATMAP_GRAPH, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def drill_down(ranking: Any, areas: Any, heat: Any, search: str | None) -> Any:
    """A click on a district opens its Overview (same year, indicator and language); on the map, an
    area with districts of its own opens their comparison instead (province → city → county)."""
    trigger = dash.ctx.triggered_id
    click = {ids.RANKING_GRAPH: ranking, ids.MAP_GRAPH: areas, ids.HEATMAP_GRAPH: heat}.get(str(trigger))
    code, target = clicked(click)
    if code is None:
        return dash.no_update
    if target == "districts":
        return dash.get_relative_path("/districts") + merge_search(search, {"district": code, "map": None})
    return dash.get_relative_path("/") + merge_search(search, {"district": code, "measure": None, "map": None})
