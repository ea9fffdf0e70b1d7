"""The Districts page's map as a pure builder: DataFrame + GeoJSON boundaries → plotly Figure.

A choropleth on a geo subplot (mercator) with no base map (no tiles, nothing fetched: the boundaries are the
map), fitted to the areas shown. Areas are coloured by the page's indicator — the total, or the change
on last year coloured by its meaning; "not reported" is grey with its own words, never a zero; areas
of the view without a row (outside the reader's scope, or not reporting) are a paler grey. Names are
written only on areas big enough to hold them, and every area names itself on hover. Districts without
a boundary are points at their centroids. ``customdata`` carries [code, where a click leads].
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from app.districts.names_en import english_name
from dashboard.figures import BAD, GOOD, MISSING, base_layout, label_missing, make_figure, value_axis
from dashboard.formatting import format_amount, format_signed_percent
from dashboard.i18n import Lang, colon

HEIGHT = 460
BORDER = "#ffffff"
OUTSIDE = "#eef0f2"  # areas of the view with no row of their own: context, not data
TOTAL_SCALE = [[0.0, "#fbeee6"], [0.5, "#e6735c"], [1.0, "#7b1d12"]]
NEUTRAL_SCALE = [[0.0, "#d6eaf8"], [1.0, "#1f618d"]]
CHANGE_CAP = 50.0  # ±50 % and beyond share the strongest colour; hover shows the real change
# An area is named on the map when it covers at least this share of the view's extent (the rest
# are named on hover): Tianjin's six central districts stay unlabelled instead of piling up.
LABEL_SHARE = 0.008
MAX_LABELS = 40
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# 彭水苗族土家族自治县 → 彭水县, 延边朝鲜族自治州 → 延边州: the place, not its peoples, on the map.
AUTONOMOUS = re.compile(
    "^(.{2,}?)(?:(?:土家|哈尼|普米|布依|仡佬|拉祜|布朗|撒拉|景颇|傈僳|朝鲜|纳西|毛南|裕固|仫佬|达斡尔|独龙|保安|东乡"
    "|鄂温克|鄂伦春|蒙古|哈萨克|锡伯|塔吉克|柯尔克孜|维吾尔)族?|[苗回满黎瑶侗水土彝傣白羌佤藏畲怒壮各]族).*自治([县旗州])$"
)
# The map's drawing area in pixels (the graph's width less its colour bar) and a label's size: enough
# to keep two names from being written over each other.
PLOT_WIDTH = 520
CHAR_WIDTH = 12
LABEL_HEIGHT = 16


def no_comparison(lang: Lang) -> str:
    return "无可比数据" if lang == "zh" else "no comparable data"


def no_data(lang: Lang) -> str:
    return "暂无数据" if lang == "zh" else "no data"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _collection(features: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def change_scale(good_direction: int) -> list[list[object]]:
    """Red for bad news, green for good, white for no change; blues when neither is good."""
    if good_direction == 0:
        return [[0.0, "#1f618d"], [0.5, "#fdfefe"], [1.0, "#1f618d"]]
    low, high = (BAD, GOOD) if good_direction > 0 else (GOOD, BAD)
    return [[0.0, low], [0.5, "#fdfefe"], [1.0, high]]


def label_name(code: str, name: str) -> str:
    """An area's name as maps write it: provinces short (新疆, 内蒙古, 广西), autonomous counties and
    prefectures by their place (彭水县), others in full."""
    if code.endswith("0000"):
        for suffix in PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name[: -len(suffix)]
        return name
    short = AUTONOMOUS.match(name)
    return short.group(1) + short.group(2) if short else name


def outside_name(feature: Mapping[str, Any], lang: Lang) -> str:
    """The name of an area shown for context only (no row of its own), in the page's language."""
    name = str(feature["properties"].get("name", feature["id"]))
    return name if lang == "zh" else english_name(str(feature["id"]), name)


def _corners(feature: Mapping[str, Any]) -> Iterator[Sequence[float]]:
    """Two opposite corners of a feature: of its ``bbox`` if it has one, else of its coordinates."""
    box = feature.get("bbox")
    if box is None:
        points = list(_positions(feature["geometry"]["coordinates"]))
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        box = (min(lons), min(lats), max(lons), max(lats))
    yield box[0], box[1]
    yield box[2], box[3]


def _positions(coordinates: Any) -> Iterator[Sequence[float]]:
    if coordinates and isinstance(coordinates[0], (int, float)):
        yield coordinates
    else:
        for part in coordinates:
            yield from _positions(part)


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-85.0, min(85.0, lat))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def map_name(code: str, name: str, lang: Lang = "zh") -> str:
    """The name written on an area: ``label_name`` in Chinese; in English the place without its
    generic part (Hedong, Shizhu), as maps write them."""
    return label_name(code, name) if lang == "zh" else english_name(code, name, generic=False)


def placed_labels(features: Sequence[Mapping[str, Any]], lang: Lang = "zh") -> list[tuple[Mapping[str, Any], str]]:
    """The areas to name on the map, with their names: those covering at least LABEL_SHARE of the view,
    biggest first, each only if its name does not run into one already placed (the map is fitted to
    the features, so their extent says how many pixels a degree takes)."""
    candidates = sorted(
        (f for f in features if f["properties"].get("share", 0) >= LABEL_SHARE and f["properties"].get("label")),
        key=lambda f: -f["properties"]["share"],
    )
    if not candidates:
        return []
    xs, ys = zip(*(_mercator(lon, lat) for f in features for lon, lat in _corners(f)), strict=True)
    scale = min(PLOT_WIDTH / max(max(xs) - min(xs), 1e-9), HEIGHT / max(max(ys) - min(ys), 1e-9))
    placed: list[tuple[float, float, float, float]] = []
    chosen = []
    for feature in candidates:
        text = map_name(str(feature["id"]), feature["properties"]["name"], lang)
        x, y = _mercator(*feature["properties"]["label"])
        # A Latin letter takes about 0.6 of a Chinese character's width.
        width = sum(CHAR_WIDTH if ord(ch) >= 0x2E80 else CHAR_WIDTH * 0.6 for ch in text)
        half_w, half_h = width / 2 + 2, LABEL_HEIGHT / 2
        box = (x * scale - half_w, y * scale - half_h, x * scale + half_w, y * scale + half_h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        chosen.append((feature, text))
        if len(chosen) == MAX_LABELS:
            break
    return chosen


def district_choropleth(
    frame: pd.DataFrame,
    geojson: Mapping[str, Any],
    *,
    unit: str,
    lang: Lang,
    value_label: str,
    percent: bool = False,
    good_direction: int = 0,
    totals: Mapping[str, float] | None = None,
    geojson_url: str | None = None,
) -> go.Figure:
    """The areas of ``geojson`` coloured by ``value``.

    ``frame``: code, name, value (NaN: not reported, or no comparison), longitude, latitude, drill
    ("districts" when a click opens the area's own map, "overview" when it opens its Overview).
    ``geojson``: a FeatureCollection whose features' ``id`` is a district code (properties ``name``,
    ``label`` [lon, lat] and ``share`` as ``app.districts.boundaries`` makes them). With ``percent``
    the values are changes in percent, coloured by ``good_direction``; ``totals`` (code → total) then
    adds each area's total to its hover text. Rows without a feature are drawn as points.

    With ``geojson_url`` (where the browser can fetch ``geojson``) the traces name the URL instead of
    carrying the boundaries: the figure stays small and the browser fetches them once.
    """
    features = {str(f["id"]): f for f in geojson.get("features", [])}
    rows = frame.reset_index(drop=True)
    shaped = rows[rows["code"].isin(features.keys())]
    reported = shaped[shaped["value"].notna()]
    silent = shaped[shaped["value"].isna()]
    pointed = rows[~rows["code"].isin(features.keys())].dropna(subset=["longitude", "latitude"])
    pointed_reported = pointed[pointed["value"].notna()]
    compared = set(rows["code"])
    outside = [f for code, f in features.items() if code not in compared]
    missing_text = no_comparison(lang) if percent else label_missing(lang)
    sep = colon(lang)  # half-width punctuation in English

    def hover(name: str, code: str, value: float | None) -> str:
        if percent:
            shown = missing_text if _missing(value) else format_signed_percent(value)
            total = (totals or {}).get(code)
            amount = format_amount(total, unit, lang)
            extra = "" if _missing(total) else (f"（{amount}）" if lang == "zh" else f" ({amount})")
            return f"<b>{name}</b><br>{value_label}{sep}{shown}{extra}"
        return f"<b>{name}</b><br>{value_label}{sep}{format_amount(value, unit, lang, missing=missing_text)}"

    def customdata(part: pd.DataFrame) -> list[list[str]]:
        drill = part["drill"] if "drill" in part else ["overview"] * len(part)
        return [[str(c), str(d)] for c, d in zip(part["code"], drill, strict=True)]

    values = pd.concat([reported["value"], pointed_reported["value"]])
    if percent:
        coloraxis: dict[str, Any] = {
            "colorscale": change_scale(good_direction),
            "cmin": -CHANGE_CAP,
            "cmax": CHANGE_CAP,
            "colorbar": {"thickness": 12, "len": 0.7, "ticksuffix": "%", "title": {"text": value_label}},
        }
    else:
        axis = value_axis(values, lang)
        coloraxis = {
            "colorscale": TOTAL_SCALE,
            "cmin": 0,
            "cmax": max([float(v) for v in values] + [1.0]),
            "colorbar": {
                "thickness": 12,
                "len": 0.7,
                "title": {"text": value_label},
                # 1万, 2万 … as on the other axes, not plotly's 10k / 1M.
                **{k: v for k, v in axis.items() if k != "rangemode"},
            },
        }

    def clamp(v: float) -> float:
        return max(-CHANGE_CAP, min(CHANGE_CAP, float(v))) if percent else float(v)

    border = {"line": {"color": BORDER, "width": 0.8}}
    traces: list[dict[str, Any]] = []
    if not reported.empty:
        traces.append(
            {
                "type": "choropleth",
                "name": value_label,
                "geojson": geojson_url or _collection([features[c] for c in reported["code"]]),
                "locations": list(reported["code"]),
                "z": [clamp(v) for v in reported["value"]],
                "coloraxis": "coloraxis",
                "marker": border,
                "customdata": customdata(reported),
                "hovertext": [
                    hover(n, c, v)
                    for n, c, v in zip(reported["name"], reported["code"], reported["value"], strict=True)
                ],
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    for part, colour, name, texts, data in (
        (
            silent,
            MISSING,
            missing_text,
            [hover(n, c, None) for n, c in zip(silent["name"], silent["code"], strict=True)],
            customdata(silent),
        ),
        (
            pd.DataFrame({"code": [str(f["id"]) for f in outside]}),
            OUTSIDE,
            no_data(lang),
            [f"<b>{outside_name(f, lang)}</b><br>{no_data(lang)}" for f in outside],
            None,  # nothing to open: not a row of this comparison
        ),
    ):
        if part.empty:
            continue
        traces.append(
            {
                "type": "choropleth",
                "name": name,
                "geojson": geojson_url or _collection([features[c] for c in part["code"]]),
                "locations": list(part["code"]),
                "z": [0] * len(part),
                "colorscale": [[0, colour], [1, colour]],
                "showscale": False,
                "marker": border,
                "customdata": data,
                "hovertext": texts,
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    # Districts without a boundary: a dot at the centroid, coloured like an area, or a grey ring.
    for part, marker in (
        (pointed_reported, {"color": [clamp(v) for v in pointed_reported["value"]], "coloraxis": "coloraxis"}),
        (pointed[pointed["value"].isna()], {"color": "rgba(0,0,0,0)"}),
    ):
        if part.empty:
            continue
        traces.append(
            {
                "type": "scattergeo",
                "name": value_label,
                "lon": list(part["longitude"]),
                "lat": list(part["latitude"]),
                "mode": "markers",
                "marker": {"size": 11, "line": {"width": 1.5, "color": "#566573"}, **marker},
                "customdata": customdata(part),
                "hovertext": [
                    hover(n, c, v) for n, c, v in zip(part["name"], part["code"], part["value"], strict=True)
                ],
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    labelled = placed_labels(list(features.values()), lang)
    strength = {
        code: abs(clamp(v)) / (CHANGE_CAP if percent else max(float(coloraxis["cmax"]), 1.0))
        for code, v in zip(reported["code"], reported["value"], strict=True)
    }

    def label_colour(feature: Mapping[str, Any]) -> str:
        return "#ffffff" if strength.get(str(feature["id"]), 0.0) > 0.55 else "#1b2631"

    if labelled:
        traces.append(
            {
                "type": "scattergeo",
                "name": "labels",
                "lon": [f["properties"]["label"][0] for f, _ in labelled],
                "lat": [f["properties"]["label"][1] for f, _ in labelled],
                "mode": "text",
                "text": [text for _, text in labelled],
                # Dark names on pale areas, white on dark ones; plotly adds a contrasting halo.
                "textfont": {"size": 11, "color": [label_colour(f) for f, _ in labelled], "shadow": "auto"},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    layout = base_layout(
        height=HEIGHT,
        lang=lang,
        margin={"l": 0, "r": 0, "t": 8, "b": 0},
        # A dot takes the pointer only when it is under it: the areas around it are what one points at.
        hoverdistance=4,
        coloraxis=coloraxis,
        geo={
            # No base layers (coastlines, land, countries): plotly would fetch them from a CDN, and the
            # boundaries are the map.
            "visible": False,
            "fitbounds": "locations",
            # Mercator, as the web maps leaders know draw China (a fitted conic would be truer to area,
            # but plotly's fitbounds does not fit one reliably).
            "projection": {"type": "mercator"},
            "bgcolor": "rgba(0,0,0,0)",
        },
    )
    return make_figure(traces, layout)
