"""Deterministic synthetic months for demo districts: plausible sizes, seasons, gaps and late reports.

Everything is drawn from a generator seeded by the district code and year, so seeding twice
(or on another machine) gives the same figures. The figures pass DOMAIN.md's cross-checks:
published ≤ inspections; rectified ≤ found year-to-date; fines only with penalty cases; deaths
only with accidents.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

from app.values.models import ActivityKind

# Seasonal weight of each month: Spring Festival in February, 安全生产月 in June, year-end push.
SEASON = np.array([0.95, 0.65, 1.0, 1.0, 1.05, 1.25, 1.0, 0.95, 1.05, 1.0, 1.05, 1.1])
# Drills cluster in May (防灾减灾日), the flood season and November (消防宣传月).
DRILL_SEASON = np.array([0.3, 0.2, 0.6, 0.8, 1.8, 1.6, 1.4, 1.0, 0.8, 0.7, 1.5, 0.5])
PUBLICITY_SEASON = np.array([0.8, 0.5, 0.9, 0.9, 1.1, 2.4, 0.9, 0.8, 0.9, 0.9, 1.0, 1.3])

DRILL_TITLES = {
    "flood": ("防汛抢险应急演练", (6, 7, 8)),
    "quake": ("地震应急疏散演练", (5,)),
    "fire": ("消防应急疏散演练", (11, 12, 1)),
    "chem": ("危险化学品泄漏事故应急演练", (3, 4, 9, 10)),
    "space": ("有限空间作业事故应急演练", (2, 3, 4, 9, 10)),
    "gas": ("燃气泄漏应急处置演练", (1, 2, 10, 11, 12)),
}

MISSING_RATE = 0.025  # share of district-months never reported
LATE_RATE = 0.08  # share of reported months first submitted after the 10th of the next month


def stable_seed(*parts: object) -> int:
    """A seed that is the same in every process (Python's hash() is salted per process)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def district_size(code: str) -> float:
    """Relative workload of a district, between about 0.4 and 3 (log-normal around 1)."""
    rng = np.random.default_rng(stable_seed("size", code))
    return float(np.clip(rng.lognormal(0.0, 0.45), 0.4, 3.0))


@dataclass
class SyntheticYear:
    # month number → indicator code → value, for the months the district reported
    values: dict[int, dict[str, float]] = field(default_factory=dict)
    # month number → when the month was first submitted
    submitted_at: dict[int, dt.datetime] = field(default_factory=dict)
    activities: list[tuple[dt.date, ActivityKind, str, int | None]] = field(default_factory=list)


def _submitted_at(rng: np.random.Generator, year: int, month: int) -> dt.datetime:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    day = int(rng.integers(12, 26)) if rng.random() < LATE_RATE else int(rng.integers(2, 10))
    hour = int(rng.integers(8, 18))
    return dt.datetime(nxt.year, nxt.month, day, hour, int(rng.integers(0, 60)), tzinfo=dt.UTC)


def generate_year(
    code: str,
    name: str,
    year: int,
    months: list[int],
    *,
    size: float | None = None,
    fixed: dict[str, list[float]] | None = None,
    never_missing: bool = False,
) -> SyntheticYear:
    """Synthetic figures of one district for ``months`` of ``year``.

    ``fixed`` pins some indicators' monthly values (one per entry of ``months``): figures from a
    real report, or totals a report implies. Dependent figures (published, rectified, fines,
    deaths, participants) are derived after pinning, so the cross-checks hold either way.
    """
    rng = np.random.default_rng(stable_seed("year", code, year))
    size = district_size(code) if size is None else size
    soft = size**0.5  # meetings, training and accidents grow slower than the inspection workload
    growth = 1.0 + 0.06 * (year - 2019) + rng.normal(0, 0.04)
    idx = np.array(months) - 1
    n = len(months)
    season = SEASON[idx] * growth
    pinned: dict[str, np.ndarray] = {k: np.asarray(v, float) for k, v in (fixed or {}).items()}

    def poisson(mean: np.ndarray | float) -> np.ndarray:
        return rng.poisson(np.maximum(mean, 0)).astype(float)

    def base(code_: str, draw: np.ndarray) -> np.ndarray:
        return pinned.get(code_, draw)

    def per_item(counts: np.ndarray, low: int, high: int) -> list[list[int]]:
        # A count of 0 draws nothing (and leaves the generator as it was): skipped, for speed.
        return [rng.integers(low, high, k).tolist() if k else [] for k in counts.astype(int).tolist()]

    def per_item_sums(counts: np.ndarray, low: int, high: int) -> np.ndarray:
        """The sums of what ``per_item`` would draw, without making the lists (the same draws)."""
        return np.array(
            [float(rng.integers(low, high, k).sum()) if k else 0.0 for k in counts.astype(int).tolist()], float
        )

    out: dict[str, np.ndarray] = {}
    out["inspection.enterprises"] = base("inspection.enterprises", poisson(70 * size * season))
    out["inspection.hazards_found"] = base(
        "inspection.hazards_found", np.round(out["inspection.enterprises"] * rng.uniform(0.9, 1.35, n))
    )
    out["double_random.inspections"] = base("double_random.inspections", poisson(16 * soft * season))
    quarter_end = np.isin(np.array(months), [3, 6, 9, 12])
    out["double_random.joint_inspections"] = base(
        "double_random.joint_inspections", np.where(quarter_end, poisson(np.full(n, 3.0 * soft)), 0.0)
    )
    out["case_review.meetings"] = base("case_review.meetings", poisson(2.3 * soft * season))
    out["case_review.cases"] = base("case_review.cases", out["case_review.meetings"] * 2 + poisson(1.0 * soft * season))
    out["penalty.cases"] = base("penalty.cases", poisson(3.5 * size * season))
    out["penalty.suspensions"] = base("penalty.suspensions", poisson(0.25 * size * season))
    out["penalty.detentions"] = base("penalty.detentions", poisson(0.2 * size * season))
    out["drill.drills"] = base("drill.drills", poisson(0.6 * soft * DRILL_SEASON[idx]))
    out["training.sessions"] = base("training.sessions", poisson(0.35 * soft * season))
    out["training.exams"] = base("training.exams", poisson(0.4 * soft * season))
    out["publicity.events"] = base("publicity.events", poisson(4 * soft * PUBLICITY_SEASON[idx]))
    out["accident.count"] = base("accident.count", poisson(0.12 * soft * np.ones(n)))

    # Dependent figures follow whatever their base became (drawn or pinned).
    out["double_random.published"] = base(
        "double_random.published", np.floor(out["double_random.inspections"] * rng.uniform(0.85, 1.0, n))
    )
    out["inspection.hazards_rectified"] = base(
        "inspection.hazards_rectified", np.floor(out["inspection.hazards_found"] * rng.uniform(0.88, 0.99, n))
    )
    drill_people = per_item(out["drill.drills"], 60, 400)
    out["drill.participants"] = base("drill.participants", np.array([sum(p) for p in drill_people], float))
    out["training.trainees"] = base("training.trainees", per_item_sums(out["training.sessions"], 12, 40))
    out["training.examinees"] = base("training.examinees", per_item_sums(out["training.exams"], 15, 40))
    out["publicity.audience"] = base("publicity.audience", per_item_sums(out["publicity.events"], 80, 450))
    extra_death = (rng.random(n) < 0.1) & (out["accident.count"] > 0)
    out["accident.deaths"] = base(
        "accident.deaths", rng.binomial(out["accident.count"].astype(int), 0.85) + extra_death
    ).astype(float)
    if "penalty.fines_yuan" in pinned:
        # A fine needs a penalty case in the same month (DOMAIN.md cross-check).
        out["penalty.cases"] = np.where(
            pinned["penalty.fines_yuan"] > 0, np.maximum(out["penalty.cases"], 1), out["penalty.cases"]
        )
        out["penalty.fines_yuan"] = pinned["penalty.fines_yuan"]
    else:
        # 2千 to 3万 yuan a case, in hundreds of yuan.
        out["penalty.fines_yuan"] = per_item_sums(out["penalty.cases"], 20, 300) * 100

    result = SyntheticYear()
    columns = {k: v.astype(float).tolist() for k, v in out.items()}  # Python floats, converted once
    for i, month in enumerate(months):
        if not never_missing and rng.random() < MISSING_RATE:
            continue
        result.values[month] = {k: v[i] for k, v in columns.items()}
        result.submitted_at[month] = _submitted_at(rng, year, month)
        for people in drill_people[i]:
            fitting = [t for t, ms in DRILL_TITLES.values() if month in ms] or ["综合应急演练"]
            title = fitting[int(rng.integers(0, len(fitting)))]
            day = int(rng.integers(3, 28))
            result.activities.append((dt.date(year, month, day), ActivityKind.drill, f"{name}{title}", people))
    return result
