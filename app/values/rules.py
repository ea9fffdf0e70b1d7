"""The rules a district-month must pass before anything is written: known districts and indicators,
months in range, figures that are numbers of the right kind, and DOMAIN.md's checks within a month.

Every problem is listed, not only the first; a rejected request stores no figure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import Problem
from app.core.periods import EARLIEST_MONTH, last_ended_month, month_end, month_label, month_zh
from app.districts import service as districts
from app.districts.models import District
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.values.shapes import MonthData

# No figure of a district-month is anywhere near a trillion; larger is a typo or an attack.
MAX_VALUE = 1e12


def json_safe(value: Any) -> Any:
    """A rejected figure as a problem may carry it (and the submission log store it): infinity and
    NaN, which JSON cannot hold, and ints too long to be read back exactly, as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # 4, as people write it, not 4.0
    if isinstance(value, int) and not isinstance(value, bool) and not -(10**15) < value < 10**15:
        try:
            text_ = str(value)
        except ValueError:  # over 4,300 digits
            return "（超过 4300 位的数字 / a number of over 4,300 digits）"
        return text_ if len(text_) <= 40 else f"{text_[:24]}…（共 {len(text_):,} 位 / {len(text_):,} digits）"
    return value


def problem(
    code: str, zh: str, en: str, data: MonthData | None = None, indicator: str | None = None, value: Any = None
) -> Problem:
    row, column = data.origin.get(indicator or "", (None, None)) if data else (None, None)
    value = json_safe(value)
    extra: dict[str, Any] = {}
    if data is not None:
        extra = {"district": data.district_code, "month": month_label(data.month)}
    if indicator:
        extra["indicator"] = indicator
    return Problem(code, zh, en, row=row, column=column or indicator, value=value, extra=extra)


def month_problem(month: dt.date, today: dt.date) -> tuple[str, str, str] | None:
    """Why figures of ``month`` cannot be written on ``today`` — (code, Chinese, English) — or None.

    A month is reported once it is over: figures of a month still running would be counted under
    a "1—11月" label as if they were complete.
    """
    if month < EARLIEST_MONTH:
        return (
            "month.too_early",
            f"月份 {month_zh(month)} 早于 2000年1月",
            f"Month {month_label(month)} is before 2000-01",
        )
    if month > last_ended_month(today):
        last = last_ended_month(today)
        return (
            "month.not_ended",
            f"月份 {month_zh(month)} 尚未结束，不能报送（最近结束的月份是 {month_zh(last)}）",
            f"Month {month_label(month)} has not ended and cannot be reported yet (the last ended month is "
            f"{month_label(last)})",
        )
    return None


def validate_months(
    session: Session,
    *,
    months: Sequence[MonthData],
    catalogue: dict[str, IndicatorInfo],
    today: dt.date,
    incomplete: Collection[tuple[str, dt.date]] = (),
    stored: Mapping[tuple[str, dt.date], Mapping[str, tuple[int, float]]] | None = None,
) -> list[Problem]:
    """Every problem in the data (not only the first). Scope is checked apart: it answers 403.

    ``incomplete``: district-months some of whose figures the caller already rejected (a cell of a
    file that is no number); their cross-checks would be about the wrong figures, so are skipped.
    ``stored``: the figures the months hold now (``store.existing_values``); a write that states
    some indicators of a month is cross-checked with the month as it will be, not only its own figures.
    """
    errors: list[Problem] = []
    codes = {m.district_code for m in months}
    known = {d.code: d for d in session.scalars(select(District).where(District.code.in_(codes)))} if codes else {}
    for data in months:
        why = districts.not_reporting_unit(session, data.district_code, known.get(data.district_code))
        if why is not None:
            code_, zh, en, _labels = why
            errors.append(problem(code_, zh, en, data, value=data.district_code))
        why_month = month_problem(data.month, today)
        if why_month is not None:
            errors.append(problem(*why_month, data, value=month_label(data.month)))
        for ind, value in data.values.items():
            info = catalogue.get(ind)
            if info is None:
                zh, en, _near = indicators.unknown_message(catalogue, ind)
                errors.append(problem("indicator.unknown", zh, en, data, ind, ind))
                continue
            # The usual figure (a float or int in range, whole where it must be) passes without a
            # call: a big file has 100,000 of them.
            if (
                type(value) in (float, int)
                and 0 <= value <= MAX_VALUE
                and (float(value).is_integer() if info.whole_number else round(value, 2) == value)
            ):
                continue
            errors += check_value(data, info, value)
        if (data.district_code, data.month) not in incomplete:
            have = (stored or {}).get((data.district_code, data.month), {})
            errors += cross_checks(data, data.after({ind: v for ind, (_id, v) in have.items()}))
        for a in data.activities or []:
            if not data.month <= a.date <= month_end(data.month):
                errors.append(
                    problem(
                        "activity.date_outside_month",
                        f"活动“{a.title}”的日期 {a.date} 不在 {month_zh(data.month)} 内",
                        f"Activity {a.title!r} dated {a.date} is outside {month_label(data.month)}",
                        data,
                        value=str(a.date),
                    )
                )
    return errors


def check_value(data: MonthData, info: IndicatorInfo, value: float) -> list[Problem]:
    label = f"{info.name_zh}（{info.code}）"
    if isinstance(value, float) and value in (math.inf, -math.inf):
        # 1e400 in a JSON body arrives as infinity: too large, whatever its sign.
        return [
            problem("value.too_large", f"{label} 的值过大", f"{info.code} is implausibly large", data, info.code, value)
        ]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return [
            problem("value.not_a_number", f"{label} 的值不是数字", f"{info.code}: not a number", data, info.code, value)
        ]
    if value < 0:
        return [
            problem("value.negative", f"{label} 不能为负数", f"{info.code} cannot be negative", data, info.code, value)
        ]
    if value > MAX_VALUE:
        return [
            problem("value.too_large", f"{label} 的值过大", f"{info.code} is implausibly large", data, info.code, value)
        ]
    if info.whole_number and value != int(value):
        return [
            problem(
                "value.not_whole",
                f"{label} 应为整数（单位：{info.unit}）",
                f"{info.code} must be a whole number ({info.unit_en})",
                data,
                info.code,
                value,
            )
        ]
    if round(value, 2) != value:
        return [
            problem(
                "value.too_many_decimals",
                f"{label} 最多两位小数",
                f"{info.code}: at most 2 decimals",
                data,
                info.code,
                value,
            )
        ]
    return []


_PUBLISHED = ("double_random.published", "double_random.inspections")
_FINES = ("penalty.fines_yuan", "penalty.cases")
_DEATHS = ("accident.deaths", "accident.count")


def cross_checks(data: MonthData, month: Mapping[str, Any] | None = None) -> list[Problem]:
    """DOMAIN.md's checks within one month: ``month`` is the month as it will be once ``data`` is
    written (its own figures when not given)."""
    v = data.values if month is None else month
    out: list[Problem] = []
    stated = set(data.values) | data.withdrawn

    def concerns(*codes: str) -> bool:
        # A write is held to the checks of what it states: figures it leaves alone were checked
        # when they were written.
        return data.replace or month is None or bool(stated.intersection(codes))

    def num(code: str) -> float | None:
        x = v.get(code)
        if not isinstance(x, int | float) or isinstance(x, bool) or not 0 <= x <= MAX_VALUE:
            return None
        return float(x)

    def rejected(*codes: str) -> bool:
        # A figure validation refuses (negative, NaN, infinity, hundreds of digits) has its own
        # problem; a check about it would say nothing more (and infinity cannot be compared usefully).
        return any(code in v and num(code) is None for code in codes)

    published, spot = num("double_random.published"), num("double_random.inspections")
    if published is not None and spot is not None and published > spot and concerns(*_PUBLISHED):
        out.append(
            problem(
                "check.published_exceeds_inspections",
                f"双随机抽查结果公开（{published:g}件）多于双随机抽查（{spot:g}件）",
                f"published ({published:g}) exceeds double-random inspections ({spot:g})",
                data,
                "double_random.published",
                published,
            )
        )
    fines, cases = num("penalty.fines_yuan"), num("penalty.cases")
    if fines and fines > 0 and not cases and not rejected("penalty.cases") and concerns(*_FINES):
        out.append(
            problem(
                "check.fines_without_cases",
                f"有罚款金额（{fines:g}元）但同月行政处罚案件为 0 或未报送",
                f"fines of {fines:g} yuan but no penalty case in the same month",
                data,
                "penalty.fines_yuan",
                fines,
            )
        )
    deaths, accidents = num("accident.deaths"), num("accident.count")
    if deaths and deaths > 0 and not accidents and not rejected("accident.count") and concerns(*_DEATHS):
        out.append(
            problem(
                "check.deaths_without_accidents",
                f"有事故死亡（{deaths:g}人）但同月生产安全事故为 0 或未报送",
                f"{deaths:g} deaths but no accident in the same month",
                data,
                "accident.deaths",
                deaths,
            )
        )
    return out


# ----------------------------------------------------------------------------- writing
