"""Months, reporting deadlines and Beijing time: the calendar every layer shares.

Months are ``datetime.date`` values on the first of the month. The bureaus' clock is Beijing time
(``Asia/Shanghai``): "today", deadlines and the moment a month has ended are all read on it, so a
server running in UTC does not report November as open at 01:00 on 1 December in Beijing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from app.core.errors import Problem, ValidationFailed

BEIJING = ZoneInfo("Asia/Shanghai")
# Monthly data go back at most to January 2000.
EARLIEST_MONTH = dt.date(2000, 1, 1)
# A month's report is due by the 10th of the following month (Beijing time); later is late.
DEADLINE_DAY = 10
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# ----------------------------------------------------------------------------- clock


def now_beijing() -> dt.datetime:
    return dt.datetime.now(BEIJING)


def today() -> dt.date:
    """Today's date in Beijing."""
    return now_beijing().date()


def to_beijing(moment: dt.datetime) -> dt.datetime:
    """An aware moment in Beijing time; a naive one is taken as UTC (how the database stores moments)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


# ----------------------------------------------------------------------------- months


def month_start(year: int, month: int) -> dt.date:
    """The first day of ``month`` of ``year``; month 13 is January of the next year, month 0 December
    of the year before."""
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_before(month: dt.date, n: int) -> dt.date:
    """The month ``n`` months before ``month`` (after it, for a negative ``n``)."""
    return month_start(month.year, month.month - n)


def month_label(month: dt.date) -> str:
    """``2021-03``: how the API, files and exports write a month."""
    return f"{month.year:04d}-{month.month:02d}"


def month_zh(month: dt.date) -> str:
    """``2021年3月``: how people read a month."""
    return f"{month.year}年{month.month}月"


def parse_month_path(text: str) -> dt.date:
    """``YYYY-MM`` of a URL → the first day of that month, or a 422 problem."""
    m = MONTH_RE.match(text)
    if m and int(m.group(1)) < dt.MINYEAR and 1 <= int(m.group(2)) <= 12:
        # 0000-01 is well formed but no date: before 2000, like any other month of the past millennia.
        raise ValidationFailed(
            f"月份 {text} 早于 2000年1月",
            f"Month {text} is before 2000-01",
            errors=[
                Problem(
                    "month.too_early", "月份早于 2000年1月", "the month is before 2000-01", column="month", value=text
                )
            ],
        )
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationFailed(
            f"月份 {text} 格式不对，应为 YYYY-MM（如 2021-06）",
            f"Month {text!r} is not YYYY-MM (e.g. 2021-06)",
            errors=[
                Problem("month.format", "月份格式应为 YYYY-MM", "month must be YYYY-MM", column="month", value=text)
            ],
        )
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


# ----------------------------------------------------------------------------- ended and due


def month_has_ended(year: int, month: int, today: dt.date) -> bool:
    """Whether ``month`` of ``year`` is over on ``today`` (today is on or after the next month's first)."""
    return month_start(year, month + 1) <= today


def last_ended_month(today: dt.date) -> dt.date:
    """The latest month that has ended on ``today``: last month."""
    return months_before(today.replace(day=1), 1)


def ended_months(year: int, month_to: int, today: dt.date) -> int:
    """How many of the months 1 … ``month_to`` of ``year`` have ended by ``today``."""
    return sum(month_has_ended(year, m, today) for m in range(1, month_to + 1))


def due_date(month: dt.date) -> dt.date:
    """The last day a report of ``month`` is on time: the 10th of the next month (Beijing time)."""
    return month_start(month.year, month.month + 1).replace(day=DEADLINE_DAY)


def past_deadline(month: dt.date, today: dt.date) -> bool:
    """Whether the report of ``month`` is overdue on ``today``."""
    return due_date(month) < today


def late_from(month: dt.date) -> dt.datetime:
    """The first moment a report of ``month`` is late: the start of the 11th of the next month in
    Beijing (the bureaus' clock), as an aware UTC datetime (how ``first_submitted_at`` is stored)."""
    after = due_date(month) + dt.timedelta(days=1)
    return dt.datetime(after.year, after.month, after.day, tzinfo=BEIJING).astimezone(dt.UTC)


# ----------------------------------------------------------------------------- periods of a bulletin

PERIOD_FORMS_ZH = "2025-03（月）、2025-Q1（季度）、2025-H1（半年）、2025（年）或 2025-01:2025-09（1—9月）"
PERIOD_FORMS_EN = "2025-03 (a month), 2025-Q1 (a quarter), 2025-H1 (a half), 2025 (a year) or 2025-01:2025-09 (a range)"
_PERIOD_RES = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-[Qq]([1-4])$"),
    "half": re.compile(r"^(\d{4})-[Hh]([12])$"),
    "year": re.compile(r"^(\d{4})$"),
    "range": re.compile(r"^(\d{4})-(\d{2}):(\d{4})-(\d{2})$"),
}
_QUARTERS_ZH = "一二三四"


@dataclass(frozen=True)
class Period:
    """Months ``month_from`` … ``month_to`` of one ``year``, as a bulletin covers them, and what kind of
    period it was asked as (a month and a quarter have a previous period to compare with: 环比)."""

    year: int
    month_from: int
    month_to: int
    kind: str  # month | quarter | half | year | range

    @property
    def months(self) -> int:
        return self.month_to - self.month_from + 1

    @property
    def label(self) -> str:
        """How the API writes it: 2025-03, 2025-Q1, 2025-H1, 2025, 2025-01:2025-09."""
        if self.kind == "month":
            return f"{self.year}-{self.month_from:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.month_to // 3}"
        if self.kind == "half":
            return f"{self.year}-H{self.month_to // 6}"
        if self.kind == "year":
            return str(self.year)
        return f"{self.year}-{self.month_from:02d}:{self.year}-{self.month_to:02d}"

    @property
    def zh(self) -> str:
        """How a bulletin names it: 2025年3月, 2025年第一季度, 2025年上半年, 2025年, 2025年1—9月."""
        if self.kind == "month":
            return f"{self.year}年{self.month_from}月"
        if self.kind == "quarter":
            return f"{self.year}年第{_QUARTERS_ZH[self.month_to // 3 - 1]}季度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.month_to == 6 else '下'}半年"
        if self.kind == "year":
            return f"{self.year}年"
        return f"{self.year}年{self.span_zh}"

    @property
    def span_zh(self) -> str:
        """The months alone: 3月, 1—3月, 1—9月."""
        if self.month_from == self.month_to:
            return f"{self.month_from}月"
        return f"{self.month_from}—{self.month_to}月"

    @property
    def en(self) -> str:
        if self.kind == "month":
            return f"{calendar.month_name[self.month_from]} {self.year}"
        if self.kind == "quarter":
            return f"Q{self.month_to // 3} {self.year}"
        if self.kind == "half":
            return f"H{self.month_to // 6} {self.year}"
        if self.kind == "year":
            return str(self.year)
        return f"{calendar.month_abbr[self.month_from]}–{calendar.month_abbr[self.month_to]} {self.year}"

    def previous(self) -> Period | None:
        """The period before (环比) of a month or a quarter; None for the others."""
        if self.kind not in ("month", "quarter"):
            return None
        first = month_start(self.year, self.month_from - self.months)
        return Period(first.year, first.month, first.month + self.months - 1, self.kind)

    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.month_from, self.month_to, self.kind)


def _period_problem(code: str, zh: str, en: str, text: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(zh, en, errors=[Problem(code, zh, en, column="period", value=text)], code=code, **extra)


def parse_period(text: str, today: dt.date) -> Period:
    """A period of the API (``2025-03``, ``2025-Q1``, ``2025-H1``, ``2025``, ``2025-01:2025-09``), or a 422
    problem: ``period.format`` for anything else, ``period.range`` for a range that runs backwards or
    across years, ``period.too_early`` before 2000, ``period.not_ended`` for one reaching past the last
    ended month (Beijing time), which the problem names."""
    raw = text.strip()
    found: Period | None = None
    for kind, pattern in _PERIOD_RES.items():
        m = pattern.match(raw)
        if not m:
            continue
        year = int(m.group(1))
        if kind == "month":
            month = int(m.group(2))
            if 1 <= month <= 12:
                found = Period(year, month, month, kind)
        elif kind == "quarter":
            q = int(m.group(2))
            found = Period(year, 3 * q - 2, 3 * q, kind)
        elif kind == "half":
            h = int(m.group(2))
            found = Period(year, 6 * h - 5, 6 * h, kind)
        elif kind == "year":
            found = Period(year, 1, 12, kind)
        else:
            year_to, first, final = int(m.group(3)), int(m.group(2)), int(m.group(4))
            if 1 <= first <= 12 and 1 <= final <= 12:
                if year_to != year or final < first:
                    raise _period_problem(
                        "period.range",
                        f"统计期 {text} 无效：起止月份须在同一年内，且起始月不晚于结束月",
                        f"Period {text!r} is invalid: both months must be of one year, the first not after the last",
                        text,
                    )
                found = Period(year, first, final, kind)
        break
    if found is None:
        raise _period_problem(
            "period.format",
            f"统计期 {text} 格式不对，应为 {PERIOD_FORMS_ZH}",
            f"Period {text!r} is not understood; use {PERIOD_FORMS_EN}",
            text,
        )
    if found.year < EARLIEST_MONTH.year:
        raise _period_problem(
            "period.too_early",
            f"统计期 {text} 早于 {EARLIEST_MONTH.year}年1月",
            f"Period {text!r} is before {EARLIEST_MONTH.year}-01",
            text,
        )
    last = last_ended_month(today)
    if month_start(found.year, found.month_to) > last:
        raise _period_problem(
            "period.not_ended",
            f"统计期 {text} 尚未结束：最近一个已结束的月份是 {month_zh(last)}（北京时间）；"
            f"本年累计可写作 {last.year}-01:{month_label(last)}",
            f"Period {text!r} has not ended: the last ended month is {month_label(last)} (Beijing time); "
            f"ask the year to date as {last.year}-01:{month_label(last)}",
            text,
            last_ended_month=month_label(last),
        )
    return found
