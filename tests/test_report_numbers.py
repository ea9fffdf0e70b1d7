"""Numbers as Chinese reports write them (pure functions, no database)."""

from __future__ import annotations

import pytest

from app.reports.numbers import (
    change_percent,
    format_change,
    format_month_span,
    format_months,
    format_number,
    format_percent,
    format_quantity,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The table.
        (32_000, "3.2万"),
        (12_000, "1.2万"),
        (199, "199"),
        (150_000_000, "1.5亿"),
        # Small figures stay exact; 万 starts at 10,000 and 亿 at 100,000,000.
        (0, "0"),
        (63, "63"),
        (7_000, "7000"),
        (9_999, "9999"),
        (10_000, "1万"),
        (36_000, "3.6万"),
        (20_350, "2.04万"),  # at most two decimals, half-up
        (20_349, "2.03万"),
        (12_345, "1.23万"),
        (100_000, "10万"),
        (99_999, "10万"),
        (99_999_999, "1亿"),  # 9999.9999万 rounds to 10000万, which is written 1亿
        (100_000_000, "1亿"),
        (123_456_789, "1.23亿"),
        (1_000_000_000_000, "10000亿"),
        # Fines carry fen; small amounts keep them, without trailing zeros.
        (1234.5, "1234.5"),
        (1234.50, "1234.5"),
        (0.1, "0.1"),
        (863_900.0, "86.39万"),
        (17_120_000.0, "1712万"),
        (2.675, "2.68"),  # half-up on the decimal value, not the binary float (which is 2.67499…)
    ],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (17_120_000, "元", "1712万元"),
        (32_000, "家次", "3.2万家次"),
        (12_000, "人", "1.2万人"),
        (199, "件", "199件"),
        (116, "家", "116家"),
        (0, "起", "0起"),
    ],
)
def test_format_quantity(value: float, unit: str, expected: str) -> None:
    assert format_quantity(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.5, "12.5%"), (30, "30.0%"), (91.92, "91.9%"), (0.05, "0.1%"), (100, "100.0%"), (32.142857, "32.1%")],
)
def test_format_percent_has_one_decimal(value: float, expected: str) -> None:
    assert format_percent(value) == expected


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (12.5, "同比增长12.5%"),
        (-30, "同比下降30.0%"),
        (0, "与上年持平"),
        (0.04, "与上年持平"),
        (-0.04, "与上年持平"),
        (0.05, "同比增长0.1%"),
        (-32.142857, "同比下降32.1%"),
        (200, "同比增长200.0%"),
    ],
)
def test_format_change(pct: float, expected: str) -> None:
    assert format_change(pct) == expected


def test_change_percent_is_exact_and_none_without_a_base() -> None:
    down, up = change_percent(19, 28), change_percent(900, 800)
    assert down is not None and up is not None
    assert format_change(down) == "同比下降32.1%"
    assert format_change(up) == "同比增长12.5%"
    assert change_percent(5, 0) is None
    assert change_percent(0, 0) is None


def test_months() -> None:
    assert format_months([4, 3]) == "3月、4月"
    assert format_months([12]) == "12月"
    assert format_month_span(1, 12) == "1—12月"
    assert format_month_span(6, 6) == "6月"
