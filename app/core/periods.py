"""Months, reporting deadlines and Beijing time: the calendar every layer shares.

Months are ``datetime.date`` values on the first of the month. The bureaus' clock is Beijing time
(``Asia/Shanghai``): "today", deadlines and the moment a month has ended are all read on it, so a
server running in UTC does not report November as open at 01:00 on 1 December in Beijing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
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
