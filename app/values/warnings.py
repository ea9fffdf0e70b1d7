"""Warnings about figures that pass the rules but look wrong: a month replaced, more hazards
rectified than found this year, a figure far above the district's usual level. They never stop a write.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import Problem
from app.core.periods import month_label, month_zh, months_before
from app.indicators.service import IndicatorInfo
from app.values.models import MonthlyValue
from app.values.rules import problem
from app.values.shapes import MonthData


def warnings_for(
    session: Session,
    months: Sequence[MonthData],
    existing: dict[tuple[str, dt.date], dict[str, tuple[int, float]]],
    catalogue: dict[str, IndicatorInfo],
) -> list[Problem]:
    out: list[Problem] = []
    for data in months:
        have = existing.get((data.district_code, data.month), {})
        changed = [ind for ind, v in data.values.items() if ind in have and have[ind][1] != round(float(v), 2)]
        gone = [ind for ind in have if ind not in data.values and (data.replace or ind in data.withdrawn)]
        if changed or gone:
            out.append(
                problem(
                    "month.replaces_earlier",
                    f"{month_zh(data.month)}已有报送数据，本次修改 {len(changed)} 项、撤回 {len(gone)} 项",
                    f"{month_label(data.month)} was reported before: {len(changed)} changed, {len(gone)} withdrawn",
                    data,
                )
            )
    out += _rectified_ytd_warnings(session, months)
    out += _spike_warnings(session, months, existing, catalogue)
    return out


def _series_after(
    session: Session, months: Sequence[MonthData], indicator_codes: Collection[str], first: dt.date
) -> dict[tuple[str, str], dict[dt.date, float]]:
    """(district, indicator) → {month: value} from ``first`` to the last month written, as it will
    be once ``months`` are written: the stored figures, with what ``months`` state written over
    them (a month the PUT replaces loses what it leaves out). One query per 500 districts,
    whatever the number of months."""
    stating = {(m.district_code, m.month): m for m in months}
    last = max(m.month for m in months)
    series: dict[tuple[str, str], dict[dt.date, float]] = defaultdict(dict)
    codes = sorted({m.district_code for m in months})
    for i in range(0, len(codes), 500):
        rows = session.execute(
            select(
                MonthlyValue.district_code, MonthlyValue.indicator_code, MonthlyValue.month, MonthlyValue.value
            ).where(
                MonthlyValue.district_code.in_(codes[i : i + 500]),
                MonthlyValue.indicator_code.in_(sorted(indicator_codes)),
                MonthlyValue.month.between(first, last),
            )
        )
        for code, ind, month, value in rows:
            data = stating.get((code, month))
            if data is None or not (data.replace or ind in data.withdrawn):
                series[(code, ind)][month] = float(value)
    for data in months:
        for ind, value in data.values.items():
            if ind in indicator_codes:
                series[(data.district_code, ind)][data.month] = float(value)
    return series


RECTIFIED, FOUND = "inspection.hazards_rectified", "inspection.hazards_found"


def _rectified_ytd_warnings(session: Session, months: Sequence[MonthData]) -> list[Problem]:
    """Hazards rectified may exceed those found in one month (older hazards), not year-to-date."""
    relevant = [m for m in months if RECTIFIED in m.values or FOUND in m.values]
    if not relevant:
        return []
    series = _series_after(session, months, {RECTIFIED, FOUND}, min(m.month for m in relevant).replace(month=1))
    out: list[Problem] = []
    for data in relevant:
        year_start = data.month.replace(month=1)
        found, fixed = (
            sum(v for m, v in series.get((data.district_code, ind), {}).items() if year_start <= m <= data.month)
            for ind in (FOUND, RECTIFIED)
        )
        if fixed > found:
            out.append(
                problem(
                    "check.rectified_exceeds_found_ytd",
                    f"截至{month_zh(data.month)}，隐患整改（{fixed:g}项）多于本年发现隐患（{found:g}项）",
                    f"year-to-date rectified ({fixed:g}) exceeds hazards found ({found:g})",
                    data,
                    RECTIFIED,
                    fixed,
                )
            )
    return out


# A figure is flagged when it is over SPIKE_FACTOR × the median of the district's previous
# SPIKE_WINDOW reported months of that indicator and at least SPIKE_MIN_EXCESS above it (so that
# 3 after a median of 0 is not news). Reported months are looked for SPIKE_LOOKBACK_MONTHS back,
# and at least SPIKE_MIN_HISTORY of them are needed to speak of a usual level.
SPIKE_FACTOR = 5
SPIKE_MIN_EXCESS = 50
SPIKE_WINDOW = 12
SPIKE_LOOKBACK_MONTHS = 24
SPIKE_MIN_HISTORY = 3


def _spike_warnings(
    session: Session,
    months: Sequence[MonthData],
    existing: dict[tuple[str, dt.date], dict[str, tuple[int, float]]],
    catalogue: dict[str, IndicatorInfo],
) -> list[Problem]:
    """Figures far above the district's usual level (a typo's extra zero, 元 written for 万元) —
    only figures this write changes: one stored before was warned about when it was written."""

    def changed(data: MonthData) -> dict[str, float]:
        have = existing.get((data.district_code, data.month), {})
        return {ind: v for ind, v in data.values.items() if ind not in have or have[ind][1] != round(float(v), 2)}

    written = [(m, changed(m)) for m in months]
    written = [(m, figures) for m, figures in written if figures]
    if not written:
        return []
    inds = {ind for _m, figures in written for ind in figures if ind in catalogue}
    first = months_before(min(m.month for m, _figures in written), SPIKE_LOOKBACK_MONTHS)
    series = _series_after(session, months, inds, first)
    ordered: dict[tuple[str, str], list[dt.date]] = {key: sorted(values) for key, values in series.items()}
    out: list[Problem] = []
    for data, figures in written:
        horizon = months_before(data.month, SPIKE_LOOKBACK_MONTHS)
        for ind, raw in figures.items():
            key = (data.district_code, ind)
            if key not in ordered:
                continue
            value = float(raw)
            if value < SPIKE_MIN_EXCESS:
                continue
            timeline = ordered[key]
            at = bisect.bisect_left(timeline, data.month)
            previous = [series[key][m] for m in timeline[max(0, at - SPIKE_WINDOW) : at] if m >= horizon]
            if len(previous) < SPIKE_MIN_HISTORY or value <= SPIKE_FACTOR * min(previous):
                continue  # (the median is at least the minimum: no need to compute it)
            median = statistics.median(previous)
            if value > SPIKE_FACTOR * median and value - median >= SPIKE_MIN_EXCESS:
                info = catalogue[ind]
                out.append(
                    problem(
                        "value.spike",
                        f"{info.name_zh}（{value:g}{info.unit}）超过本区县前 {len(previous)} 个报送月中位数"
                        f"（{median:g}{info.unit}）的 {SPIKE_FACTOR} 倍，请核对",
                        f"{ind} = {value:g} is over {SPIKE_FACTOR}x the median of the district's previous "
                        f"{len(previous)} reported months ({median:g}); please check",
                        data,
                        ind,
                        value,
                    )
                )
    return out
