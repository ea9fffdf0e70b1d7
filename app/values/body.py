"""A district-month's JSON body (PUT replaces, PATCH changes what it names) read like a file's cells:
every problem of the body in one answer, numbers sent as text read by the same rules as cells,
each problem naming the field as sent (``values.penalty.cases``) and the value as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from app.core.errors import Problem
from app.core.periods import month_label
from app.indicators.service import IndicatorInfo
from app.values.cells import CellError
from app.values.entries import ActivityEntry, read_activity, read_figure
from app.values.rules import json_safe
from app.values.shapes import ActivityData, MonthData

ACTIVITY_FIELDS = ("kind", "date", "title", "participants", "notes")


def month_from_body(
    values: Mapping[str, Any],
    activities: list[Any] | None,
    *,
    district: str,
    month: dt.date,
    catalogue: Mapping[str, IndicatorInfo],
    replace: bool,
) -> tuple[MonthData, list[Problem]]:
    """The month a body states, and every problem in it.

    ``replace`` (PUT): the month becomes exactly the body; ``null`` or "" is "not reported". Else
    (PATCH): only the indicators named change, ``null`` or "" withdraws one; ``activities=None``
    leaves the activities as they are.
    """
    problems: list[Problem] = []
    figures: dict[str, Any] = {}
    withdrawn: set[str] = set()
    where = {"district": district, "month": month_label(month)}
    for ind, raw in values.items():
        info = catalogue.get(ind)
        if info is None:
            figures[ind] = raw  # the rules name the unknown indicator, with suggestions
            continue
        try:
            value = read_figure(raw, info)
        except CellError as err:
            problems.append(
                Problem(
                    err.code,
                    f"{info.name_zh}（{ind}）：{err.zh}",
                    f"{ind}: {err.en}",
                    column=f"values.{ind}",
                    value=json_safe(raw) if isinstance(raw, int | float | str) else str(raw)[:64],
                    extra={**where, "indicator": ind},
                )
            )
            continue
        if value is None:
            if not replace:
                withdrawn.add(ind)
        else:
            figures[ind] = value
    read: list[ActivityData] | None = None
    if activities is not None:
        read = []
        for i, item in enumerate(activities):
            read_one = _activity(item, i, problems, where)
            if read_one is not None:
                read.append(read_one)
    data = MonthData(
        district_code=district,
        month=month,
        values=figures,
        activities=read,
        withdrawn=withdrawn,
        replace=replace,
    )
    return data, problems


def _activity(item: Any, index: int, problems: list[Problem], where: dict[str, str]) -> ActivityData | None:
    field = f"activities[{index}]"
    if not isinstance(item, dict):
        problems.append(
            Problem(
                "activity.not_object",
                f"{field} 应为对象（kind、date、title、participants、notes）",
                f"{field} must be an object (kind, date, title, participants, notes)",
                column=field,
                extra=where,
            )
        )
        return None
    unknown = [k for k in item if k not in ACTIVITY_FIELDS]
    for key in unknown:
        problems.append(
            Problem(
                "activity.unknown_field",
                f"{field} 含未知字段 {str(key)[:40]}（可用：{'、'.join(ACTIVITY_FIELDS)}）",
                f"{field} has an unknown field {str(key)[:40]!r} (allowed: {', '.join(ACTIVITY_FIELDS)})",
                column=f"{field}.{str(key)[:40]}",
                extra=where,
            )
        )
    entry = ActivityEntry(**{k: item.get(k) for k in ACTIVITY_FIELDS})
    activity, errors = read_activity(entry)
    for role, err in errors:
        raw = getattr(entry, role)
        problems.append(
            Problem(
                err.code,
                f"{field}：{err.zh}",
                f"{field}: {err.en}",
                column=f"{field}.{role}",
                value=json_safe(raw) if isinstance(raw, int | float | str) else None,
                extra=where,
            )
        )
    return None if unknown else activity
