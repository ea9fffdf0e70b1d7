"""The Districts page's map builder (dashboard/maps.py), on small made-up boundaries: areas coloured by
the indicator, "not reported" grey and never a zero, hover texts written as reports write numbers,
names only where they fit, points where a boundary is missing, and no base map to fetch."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dashboard import maps
from tests.test_dashboard_figures import NAN, valid


def square(code: str, name: str, lon: float, lat: float, size: float, share: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon, lat + size], [lon + size, lat + size], [lon + size, lat], [lon, lat]]  # clockwise
    return {
        "type": "Feature",
        "id": code,
        "properties": {"name": name, "label": [lon + size / 2, lat + size / 2], "share": share},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        square("120116", "滨海新区", 117.5, 38.6, 0.8, 0.20),
        square("120114", "武清区", 116.8, 39.3, 0.6, 0.12),
        square("120101", "和平区", 117.2, 39.1, 0.02, 0.0005),
        square("120102", "河东区", 117.23, 39.1, 0.02, 0.0005),
        square("130000", "河北省", 115.0, 38.0, 0.3, 0.03),  # in the view, not a row compared
    ],
}


def frame(values: dict[str, float]) -> pd.DataFrame:
    names = {"120116": "滨海新区", "120114": "武清区", "120101": "和平区", "120102": "河东区", "120157": "新区"}
    return pd.DataFrame(
        {
            "code": list(values),
            "name": [names[c] for c in values],
            "value": list(values.values()),
            "longitude": [117.3 if c == "120157" else NAN for c in values],
            "latitude": [39.0 if c == "120157" else NAN for c in values],
            "drill": ["overview"] * len(values),
        }
    )


def traces(fig: Any, kind: str) -> list[Any]:
    return [t for t in fig.data if t.type == kind]


def test_areas_are_coloured_by_value_and_not_reported_is_grey() -> None:
    rows = frame({"120116": 17_120_000.0, "120114": 32_000.0, "120101": NAN, "120102": 0.0, "120157": 5.0})
    fig = valid(maps.district_choropleth(rows, GEOJSON, unit="元", lang="zh", value_label="罚款"))
    coloured, silent, outside = traces(fig, "choropleth")
    assert list(coloured.locations) == ["120116", "120114", "120102"]
    assert list(coloured.z) == [17_120_000.0, 32_000.0, 0.0]  # a reported zero is a zero
    assert coloured.coloraxis == "coloraxis" and fig.layout.coloraxis.cmin == 0
    assert [list(c) for c in coloured.customdata] == [
        ["120116", "overview"],
        ["120114", "overview"],
        ["120102", "overview"],
    ]
    assert "1712万元" in coloured.hovertext[0] and "3.2万元" in coloured.hovertext[1]
    # Not reported: its own grey trace, its own words, never in the coloured scale as 0.
    assert list(silent.locations) == ["120101"] and "未报送" in silent.hovertext[0]
    assert set(silent.colorscale[0]) >= {maps.MISSING} and silent.showscale is False
    # An area of the view that is not compared: pale, named, and not clickable.
    assert list(outside.locations) == ["130000"] and outside.customdata is None
    # Each trace carries only its own areas' boundaries.
    assert [f["id"] for f in silent.geojson["features"]] == ["120101"]
    # The colour bar reads 万, as the other axes do.
    assert any(text.endswith("万") for text in fig.layout.coloraxis.colorbar.ticktext)


def test_no_base_map_is_fetched_and_the_view_fits_the_areas() -> None:
    fig = valid(maps.district_choropleth(frame({"120116": 1.0}), GEOJSON, unit="件", lang="zh", value_label="x"))
    geo = fig.layout.geo
    assert geo.visible is False and geo.fitbounds == "locations"
    assert not any(getattr(geo, f"show{layer}") for layer in ("land", "coastlines", "countries", "ocean", "lakes"))
    assert {t.type for t in fig.data} <= {"choropleth", "scattergeo"}  # no tiles: no *map / *mapbox traces


def test_a_district_without_a_boundary_is_a_point_at_its_centroid() -> None:
    fig = valid(
        maps.district_choropleth(frame({"120116": 3.0, "120157": 5.0}), GEOJSON, unit="件", lang="zh", value_label="x")
    )
    (point,) = [t for t in traces(fig, "scattergeo") if t.mode == "markers"]
    assert list(point.lon) == [117.3] and list(point.lat) == [39.0] and point.customdata[0][0] == "120157"
    assert point.marker.coloraxis == "coloraxis"  # on the same scale as the areas
    silent = valid(maps.district_choropleth(frame({"120157": NAN}), GEOJSON, unit="件", lang="zh", value_label="x"))
    (ring,) = [t for t in traces(silent, "scattergeo") if t.mode == "markers"]
    assert ring.marker.color == "rgba(0,0,0,0)" and "未报送" in ring.hovertext[0]


def test_changes_are_coloured_by_their_meaning() -> None:
    rows = frame({"120116": 12.5, "120114": -80.0, "120101": NAN})
    totals = {"120116": 807.0, "120114": 20.0, "120101": NAN}
    deaths = valid(
        maps.district_choropleth(
            rows, GEOJSON, unit="人", lang="zh", value_label="事故死亡", percent=True, good_direction=-1, totals=totals
        )
    )
    coloured, silent, _ = traces(deaths, "choropleth")
    assert list(coloured.z) == [12.5, -maps.CHANGE_CAP]  # capped; the hover keeps the real change
    assert "+12.5%" in coloured.hovertext[0] and "807人" in coloured.hovertext[0] and "-80.0%" in coloured.hovertext[1]
    scale = deaths.layout.coloraxis.colorscale
    assert scale[-1][1] == maps.BAD and scale[0][1] == maps.GOOD  # more deaths is red
    assert deaths.layout.coloraxis.cmin == -maps.CHANGE_CAP and deaths.layout.coloraxis.cmax == maps.CHANGE_CAP
    assert "无可比数据" in silent.hovertext[0]
    inspections = maps.district_choropleth(
        rows, GEOJSON, unit="家次", lang="en", value_label="x", percent=True, good_direction=1
    )
    assert inspections.layout.coloraxis.colorscale[-1][1] == maps.GOOD


def test_only_areas_big_enough_are_named_and_names_never_overlap() -> None:
    rows = frame({"120116": 1.0, "120114": 2.0, "120101": 3.0, "120102": 4.0})
    fig = valid(maps.district_choropleth(rows, GEOJSON, unit="件", lang="zh", value_label="x"))
    (labels,) = [t for t in traces(fig, "scattergeo") if t.mode == "text"]
    assert set(labels.text) == {"滨海新区", "武清区", "河北"}  # not 和平区 or 河东区: specks
    assert labels.hoverinfo == "skip"
    crowded = {
        "type": "FeatureCollection",
        "features": [square(f"1201{i:02d}", f"区{i}", 117.0 + i * 0.001, 39.0, 0.3, 0.2) for i in range(1, 4)],
    }
    crowded_fig = maps.district_choropleth(frame({}), crowded, unit="件", lang="zh", value_label="x")
    names = [t for t in traces(crowded_fig, "scattergeo") if t.mode == "text"]
    assert len(names[0].text) == 1  # three areas with their names on one spot: one name is written


@pytest.mark.parametrize(
    ("code", "name", "label"),
    [
        ("650000", "新疆维吾尔自治区", "新疆"),
        ("150000", "内蒙古自治区", "内蒙古"),
        ("120000", "天津市", "天津"),
        ("500243", "彭水苗族土家族自治县", "彭水县"),
        ("222400", "延边朝鲜族自治州", "延边州"),
        ("469025", "白沙黎族自治县", "白沙县"),
        ("152123", "鄂伦春自治旗", "鄂伦春自治旗"),
        ("120116", "滨海新区", "滨海新区"),
    ],
)
def test_names_on_the_map_are_short(code: str, name: str, label: str) -> None:
    assert maps.label_name(code, name) == label


def test_an_empty_view_is_an_empty_map() -> None:
    fig = valid(
        maps.district_choropleth(
            frame({}), {"type": "FeatureCollection", "features": []}, unit="件", lang="zh", value_label="x"
        )
    )
    assert not fig.data


def test_boundaries_may_come_from_a_url() -> None:
    rows = frame({"120116": 1.0, "120101": NAN})
    fig = valid(maps.district_choropleth(rows, GEOJSON, unit="件", lang="zh", value_label="x", geojson_url="/b/1.json"))
    assert {t.geojson for t in traces(fig, "choropleth")} == {"/b/1.json"}  # the figure carries no geometry
    (labels,) = [t for t in traces(fig, "scattergeo") if t.mode == "text"]
    assert "滨海新区" in labels.text  # names are still placed from the boundaries the server holds


def test_english_hover_texts_use_half_width_punctuation() -> None:
    rows = frame({"120116": 12.5})
    fig = maps.district_choropleth(
        rows, GEOJSON, unit="visits", lang="en", value_label="Inspections", percent=True, totals={"120116": 32_000.0}
    )
    assert traces(fig, "choropleth")[0].hovertext[0] == "<b>滨海新区</b><br>Inspections: +12.5% (32,000 visits)"
