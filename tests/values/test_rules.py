"""The rules a district-month must pass, called directly (``app.values.rules``, ``entries``, ``body``):
months that may be reported, figures of the right kind, DOMAIN.md's checks on the month as it will
be, and how a JSON body or an activity is read. No database, no HTTP."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from app.indicators.service import IndicatorInfo
from app.values.body import month_from_body
from app.values.entries import MAX_NOTES, ActivityEntry, read_activity
from app.values.models import ActivityKind
from app.values.rules import MAX_VALUE, check_value, cross_checks, json_safe, month_problem
from app.values.shapes import MonthData

TODAY = dt.date(2024, 7, 15)
MARCH = dt.date(2024, 3, 1)
HEDONG = "120102"


def month_of(
    values: dict[str, float],
    *,
    withdrawn: set[str] | None = None,
    replace: bool = False,
    origin: dict[str, tuple[int | None, str | None]] | None = None,
) -> MonthData:
    return MonthData(HEDONG, MARCH, dict(values), withdrawn=withdrawn or set(), replace=replace, origin=origin or {})


def codes(problems: list[Any]) -> list[str]:
    return [p.code for p in problems]


# ----------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("month", "today", "expected"),
    [
        (dt.date(2024, 6, 1), TODAY, None),
        (dt.date(2024, 6, 1), dt.date(2024, 7, 1), None),  # June is over on the 1st of July
        (dt.date(2000, 1, 1), TODAY, None),
        (dt.date(2024, 7, 1), TODAY, "month.not_ended"),  # still running
        (dt.date(2025, 1, 1), TODAY, "month.not_ended"),
        (dt.date(1999, 12, 1), TODAY, "month.too_early"),
    ],
)
def test_month_problem(month: dt.date, today: dt.date, expected: str | None) -> None:
    found = month_problem(month, today)
    assert (found[0] if found else None) == expected


def test_a_month_not_ended_names_the_last_one_that_has() -> None:
    found = month_problem(dt.date(2024, 7, 1), TODAY)
    assert found is not None
    _code, zh, en = found
    assert "2024年7月" in zh and "2024年6月" in zh
    assert "2024-07" in en and "2024-06" in en


# ----------------------------------------------------------------------------- one figure


@pytest.mark.parametrize(
    ("indicator", "value", "expected"),
    [
        ("penalty.cases", 4, []),
        ("penalty.cases", 4.0, []),
        ("penalty.cases", 0, []),
        ("penalty.fines_yuan", 12.35, []),
        ("penalty.fines_yuan", MAX_VALUE, []),
        ("penalty.cases", 2.5, ["value.not_whole"]),
        ("penalty.fines_yuan", 12.345, ["value.too_many_decimals"]),
        ("penalty.cases", -1, ["value.negative"]),
        ("penalty.cases", MAX_VALUE * 10, ["value.too_large"]),
        ("penalty.cases", math.inf, ["value.too_large"]),
        ("penalty.cases", -math.inf, ["value.too_large"]),  # 1e400 in JSON, whatever its sign
        ("penalty.cases", math.nan, ["value.not_a_number"]),
        ("penalty.cases", True, ["value.not_a_number"]),
        ("penalty.cases", "4", ["value.not_a_number"]),
    ],
)
def test_check_value(catalogue: dict[str, IndicatorInfo], indicator: str, value: Any, expected: list[str]) -> None:
    assert codes(check_value(month_of({}), catalogue[indicator], value)) == expected


def test_a_problem_names_the_district_month_indicator_and_cell(catalogue: dict[str, IndicatorInfo]) -> None:
    data = month_of({}, origin={"penalty.cases": (7, "D")})
    (problem,) = check_value(data, catalogue["penalty.cases"], 2.5)
    assert (problem.row, problem.column) == (7, "D")
    assert problem.extra == {"district": HEDONG, "month": "2024-03", "indicator": "penalty.cases"}
    assert "行政处罚案件（penalty.cases）" in problem.message_zh and "整数" in problem.message_zh
    # Without a cell, the column is the indicator.
    (problem,) = check_value(month_of({}), catalogue["penalty.cases"], -4.0)
    assert (problem.row, problem.column) == (None, "penalty.cases")


def test_a_problem_shows_4_not_4_point_0(catalogue: dict[str, IndicatorInfo]) -> None:
    (problem,) = check_value(month_of({}), catalogue["penalty.cases"], -4.0)
    assert problem.value == -4 and type(problem.value) is int
    assert problem.as_dict()["value"] == -4


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (4.0, 4),
        (4.5, 4.5),
        (-4.0, -4),
        (1e16, 1e16),  # beyond what a float holds exactly as an int: left as it is
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
        (10**20, "100000000000000000000"),
        (7, 7),
        (True, True),
        ("abc", "abc"),
        (None, None),
    ],
)
def test_json_safe(value: Any, shown: Any) -> None:
    assert json_safe(value) == shown
    assert type(json_safe(value)) is type(shown)


def test_json_safe_cuts_a_number_of_hundreds_of_digits() -> None:
    shown = json_safe(10**100)
    assert shown.startswith("1" + "0" * 23 + "…") and "101" in shown
    assert json_safe(10**5000).startswith("（超过 4300 位的数字")


# ----------------------------------------------------------------------------- checks within a month


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"double_random.published": 15, "double_random.inspections": 17}, []),
        ({"double_random.published": 18, "double_random.inspections": 17}, ["check.published_exceeds_inspections"]),
        ({"penalty.fines_yuan": 5000, "penalty.cases": 1}, []),
        ({"penalty.fines_yuan": 5000, "penalty.cases": 0}, ["check.fines_without_cases"]),
        ({"penalty.fines_yuan": 5000}, ["check.fines_without_cases"]),
        ({"penalty.fines_yuan": 0}, []),
        ({"accident.deaths": 1}, ["check.deaths_without_accidents"]),
        ({"accident.deaths": 1, "accident.count": 1}, []),
        # A figure refused on its own (negative) is not cross-checked as well.
        ({"penalty.fines_yuan": 5000, "penalty.cases": -1}, []),
    ],
)
def test_cross_checks_of_a_months_own_figures(values: dict[str, float], expected: list[str]) -> None:
    assert codes(cross_checks(month_of(values))) == expected


def test_the_month_as_it_will_be_is_checked() -> None:
    stored: dict[str, float] = {"double_random.inspections": 10, "penalty.fines_yuan": 5000, "penalty.cases": 2}
    # Stating only the published count: checked against the inspections already stored.
    patch = month_of({"double_random.published": 12})
    assert patch.after(stored) == {**stored, "double_random.published": 12}
    assert codes(cross_checks(patch, patch.after(stored))) == ["check.published_exceeds_inspections"]
    # Withdrawing the cases leaves the stored fines without a case.
    withdraw = month_of({}, withdrawn={"penalty.cases"})
    assert withdraw.after(stored) == {"double_random.inspections": 10, "penalty.fines_yuan": 5000}
    assert codes(cross_checks(withdraw, withdraw.after(stored))) == ["check.fines_without_cases"]
    # Stating the cases again as 0: same problem, now about the figure stated.
    zero = month_of({"penalty.cases": 0})
    assert codes(cross_checks(zero, zero.after(stored))) == ["check.fines_without_cases"]


def test_figures_a_write_leaves_alone_are_not_its_problem() -> None:
    # Stored before the rule existed (or by a restore): a write about drills is not refused for it.
    stored: dict[str, float] = {"double_random.published": 20, "double_random.inspections": 10}
    drills = month_of({"drill.drills": 2})
    assert cross_checks(drills, drills.after(stored)) == []


def test_a_put_replaces_the_month_whatever_was_stored() -> None:
    stored: dict[str, float] = {"double_random.inspections": 10, "penalty.fines_yuan": 5000}
    put = month_of({"double_random.published": 3}, replace=True)
    assert put.after(stored) == {"double_random.published": 3}
    assert cross_checks(put, put.after(stored)) == []
    put = month_of({"accident.deaths": 1}, replace=True)
    assert codes(cross_checks(put, put.after({"accident.count": 1.0}))) == ["check.deaths_without_accidents"]


# ----------------------------------------------------------------------------- activities


def test_an_activity_as_people_write_it() -> None:
    activity, problems = read_activity(
        ActivityEntry(date="2021年6月15日", kind="应急演练", title=" 危化品泄漏演练 ", participants="120", notes="联合")
    )
    assert problems == []
    assert activity is not None
    assert (activity.kind, activity.date, activity.title, activity.participants, activity.notes) == (
        ActivityKind.drill,
        dt.date(2021, 6, 15),
        "危化品泄漏演练",
        120,
        "联合",
    )
    activity, problems = read_activity(ActivityEntry(date=20210615, kind="Training", title="培训", participants=12.0))
    assert activity is not None and (activity.kind, activity.participants) == (ActivityKind.training, 12)
    # No kind given: other.
    activity, _ = read_activity(ActivityEntry(date="2021-06-15", title="座谈"))
    assert activity is not None and activity.kind == ActivityKind.other


def test_every_bad_field_of_an_activity_is_named() -> None:
    activity, problems = read_activity(
        ActivityEntry(date="6月中旬", kind="跳舞", title="", participants="很多", notes="长" * (MAX_NOTES + 1))
    )
    assert activity is None
    assert [(role, err.code) for role, err in problems] == [
        ("date", "activity.date_format"),
        ("title", "activity.title"),
        ("kind", "activity.kind"),
        ("participants", "activity.participants"),
        ("notes", "activity.notes"),
    ]


def test_a_title_with_a_control_character_is_refused() -> None:
    activity, problems = read_activity(ActivityEntry(date="2021-06-15", title="演练\x07"))
    assert activity is None
    assert [(role, err.code) for role, err in problems] == [("title", "text.control_characters")]


# ----------------------------------------------------------------------------- JSON bodies


def body(
    catalogue: dict[str, IndicatorInfo],
    values: dict[str, Any],
    activities: list[Any] | None = None,
    *,
    replace: bool = True,
) -> tuple[MonthData, list[Any]]:
    return month_from_body(values, activities, district=HEDONG, month=MARCH, catalogue=catalogue, replace=replace)


def test_a_body_reads_figures_like_cells(catalogue: dict[str, IndicatorInfo]) -> None:
    data, problems = body(catalogue, {"penalty.cases": "4", "publicity.audience": "3.5万", "penalty.fines_yuan": 1.5})
    assert problems == []
    assert (data.district_code, data.month, data.replace) == (HEDONG, MARCH, True)
    assert data.values == {"penalty.cases": 4, "publicity.audience": 35_000, "penalty.fines_yuan": 1.5}
    # Unknown codes pass through: the rules name them, with suggestions.
    data, problems = body(catalogue, {"penalty.case": 4})
    assert problems == [] and data.values == {"penalty.case": 4}


def test_null_withdraws_in_a_patch_and_is_simply_absent_in_a_put(catalogue: dict[str, IndicatorInfo]) -> None:
    patch, _ = body(catalogue, {"penalty.cases": None, "penalty.fines_yuan": "", "drill.drills": 0}, replace=False)
    assert patch.values == {"drill.drills": 0}
    assert patch.withdrawn == {"penalty.cases", "penalty.fines_yuan"}
    put, _ = body(catalogue, {"penalty.cases": None, "drill.drills": 0})
    assert put.values == {"drill.drills": 0} and put.withdrawn == set()
    assert put.after({"penalty.cases": 3}) == {"drill.drills": 0}


@pytest.mark.parametrize(
    ("raw", "code", "shown"),
    [
        ("abc", "value.not_a_number", "abc"),
        (True, "value.not_a_number", True),
        (math.nan, "value.not_a_number", "NaN"),
        (math.inf, "value.too_large", "Infinity"),
        ([1], "value.not_a_number", "[1]"),
    ],
)
def test_a_bad_figure_in_a_body_names_its_field(
    catalogue: dict[str, IndicatorInfo], raw: Any, code: str, shown: Any
) -> None:
    data, (problem, *more) = body(catalogue, {"publicity.audience": raw, "drill.drills": 1})
    assert more == []
    assert (problem.code, problem.column, problem.value) == (code, "values.publicity.audience", shown)
    assert problem.extra == {"district": HEDONG, "month": "2024-03", "indicator": "publicity.audience"}
    assert data.values == {"drill.drills": 1}


def test_activities_of_a_body(catalogue: dict[str, IndicatorInfo]) -> None:
    good = {"kind": "drill", "date": "2024-03-05", "title": "消防演练", "participants": 120}
    data, problems = body(catalogue, {}, [good])
    assert problems == []
    assert data.activities is not None and [a.title for a in data.activities] == ["消防演练"]
    # A PATCH without activities leaves them alone; an empty list removes them.
    assert body(catalogue, {}, None, replace=False)[0].activities is None
    assert body(catalogue, {}, [], replace=False)[0].activities == []


def test_every_bad_activity_in_a_body_is_named(catalogue: dict[str, IndicatorInfo]) -> None:
    extra_field = {"kind": "drill", "date": "2024-03-05", "title": "演练", "place": "码头"}
    data, problems = body(catalogue, {}, ["演练", extra_field, {"date": "bad", "title": ""}])
    assert [(p.code, p.column, p.value) for p in problems] == [
        ("activity.not_object", "activities[0]", None),
        ("activity.unknown_field", "activities[1].place", None),
        ("activity.date_format", "activities[2].date", "bad"),
        ("activity.title", "activities[2].title", ""),
    ]
    # An activity with an unknown field is not half-read.
    assert data.activities == []
