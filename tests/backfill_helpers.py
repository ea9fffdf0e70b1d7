"""Shared by the backfill tests: the two seed reports and a gazetteer of the repository's district table."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from app.backfill.places import Gazetteer, Place

DATA = Path(__file__).resolve().parent / "data" / "backfill"
HEDONG = DATA / "hedong-2021-annual-report.txt"
YUBEI = DATA / "yubei-2020-annual-report.txt"
DISTRICTS = Path(__file__).resolve().parents[1] / "seed" / "data" / "districts.csv"


@cache
def gazetteer() -> Gazetteer:
    """The districts of seed/data/districts.csv (what the seeded table holds), without a database."""
    with DISTRICTS.open(encoding="utf-8") as f:
        return Gazetteer(Place(r["code"], r["name"], r["level"], r["parent_code"] or None) for r in csv.DictReader(f))
