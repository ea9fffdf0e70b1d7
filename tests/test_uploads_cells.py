"""Reading single cells as Chinese spreadsheets write them (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from app.values.cells import (
    FORMULA_WITHOUT_VALUE,
    CellError,
    parse_date,
    parse_month,
    parse_number,
    parse_unit,
    shown,
    split_label_unit,
)


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("1,234", False, 1234),
        ("１２３", False, 123),
        ("１，２３４", False, 1234),
        ("3.2万", False, 32000),
        ("3.2万家次", False, 32000),
        ("1.2万人", False, 12000),
        ("1712万元", True, 17_120_000),
        ("125000元", True, 125000),
        ("0", False, 0),
        ("  7 ", False, 7),
        ("12.35", True, 12.35),
        (1234, False, 1234),
        (12.5, True, 12.5),
        (0.1 + 0.2, True, 0.3),
        ("", False, None),
        (None, False, None),
        ("-5", False, -5),
    ],
)
def test_numbers_as_people_write_them(raw: object, currency: bool, expected: float | None) -> None:
    assert parse_number(raw, currency=currency) == expected


def test_a_unit_in_the_header_scales_plain_cells() -> None:
    unit = split_label_unit("罚款金额（万元）")[1]
    assert unit is not None
    assert parse_number("1712", currency=True, default_unit=unit) == 17_120_000
    assert parse_number(3.5, currency=True, default_unit=unit) == 35_000
    # A cell's own unit wins over the header's.
    assert parse_number("500元", currency=True, default_unit=unit) == 500


@pytest.mark.parametrize(
    ("raw", "currency", "code"),
    [
        ("abc", False, "value.not_a_number"),
        ("12.5%", False, "value.not_a_number"),
        ("1,23", False, "value.not_a_number"),
        ("—", False, "value.not_a_number"),
        (True, False, "value.not_a_number"),
        (dt.date(2021, 3, 1), False, "value.not_a_number"),
        ("1712万元", False, "value.unit_mismatch"),
        ("5人", True, "value.unit_mismatch"),
        (FORMULA_WITHOUT_VALUE, False, "value.formula_not_computed"),
    ],
)
def test_bad_numbers_have_stable_codes(raw: object, currency: bool, code: str) -> None:
    with pytest.raises(CellError) as err:
        parse_number(raw, currency=currency)
    assert err.value.code == code
    assert err.value.zh and err.value.en


@pytest.mark.parametrize(
    "raw",
    [
        "2021-03",
        "2021-3",
        "2021/3",
        "2021/03",
        "202103",
        "2021年3月",
        "2021年03月份",
        "2021.03",
        "2021-03-15",
        "2021-03-01 00:00:00",
        "２０２１年３月",
        202103,
        44256,  # the Excel serial of 2021-03-01
        44256.0,
        dt.date(2021, 3, 15),
        dt.datetime(2021, 3, 1, 8, 30),
    ],
)
def test_months_in_every_spelling(raw: object) -> None:
    assert parse_month(raw) == dt.date(2021, 3, 1)


def test_a_bare_month_takes_the_default_year() -> None:
    assert parse_month("3月", default_year=2021) == dt.date(2021, 3, 1)
    with pytest.raises(CellError):
        parse_month("3月")


@pytest.mark.parametrize("raw", ["2021-13", "March", "21-03", "", 12, 2021.5])
def test_bad_months(raw: object) -> None:
    with pytest.raises(CellError) as err:
        parse_month(raw)
    assert err.value.code == "month.format"


@pytest.mark.parametrize("raw", ["2021-06-15", "2021/6/15", "2021年6月15日", "20210615", 44362, dt.date(2021, 6, 15)])
def test_activity_dates(raw: object) -> None:
    assert parse_date(raw) == dt.date(2021, 6, 15)


def test_units() -> None:
    assert parse_unit("万元").multiplier == 10_000 and parse_unit("万元").is_currency
    assert parse_unit("家次").multiplier == 1 and not parse_unit("家次").is_currency
    assert parse_unit("亿元").multiplier == 100_000_000
    assert split_label_unit("罚款金额") == ("罚款金额", None)


@pytest.mark.parametrize(
    "raw",
    [
        "7" * 400,  # float() overflows: OverflowError, once
        "9" * 5000,  # int() refuses over 4,300 digits: ValueError, once
        "1" + ",000" * 120,
        "9" * 320 + "万",
        "0." + "0" * 10 + "9" * 400,  # tiny, not large: let validation judge the decimals
        10**400,
        -(10**400),
        float("inf"),
        float("-inf"),
        1e308,
    ],
)
def test_numbers_beyond_a_float_are_too_large_never_infinite(raw: object) -> None:
    unit = split_label_unit("罚款金额（亿元）")[1]
    try:
        value = parse_number(raw, currency=True, default_unit=unit)
    except CellError as err:
        assert err.code == "value.too_large" and err.zh and err.en
        assert len(err.en) < 200  # the number itself is not repeated
    else:
        assert value is not None and math.isfinite(value) and value < 1


def test_long_text_is_shown_cut_short() -> None:
    assert shown("x" * 64) == "x" * 64
    cut = shown("7" * 5000)
    assert len(cut) == 64 and cut.startswith("777") and "5,000" in cut
    assert shown(float("inf")) == "Infinity" and shown(float("nan")) == "NaN" and shown(-math.inf) == "-Infinity"
    assert shown(10**20) == str(10**20) and shown(12) == 12 and shown(1.5) == 1.5
    with pytest.raises(CellError) as err:
        parse_number("x" * 10_000)
    assert len(err.value.en) < 200 and len(err.value.zh) < 200


@pytest.mark.parametrize("raw", ["0000-01", "000001", "0000年1月", "0000/12", "０００００１"])
def test_the_year_0000_is_too_early(raw: object) -> None:
    with pytest.raises(CellError) as err:
        parse_month(raw)
    assert err.value.code == "month.too_early" and "2000" in err.value.en


@pytest.mark.parametrize("raw", ["9" * 5000, "፩፪", "2021" * 3])
def test_digit_strings_no_month_or_date_can_be(raw: str) -> None:
    with pytest.raises(CellError):
        parse_month(raw)
    with pytest.raises(CellError):
        parse_date(raw)


def test_a_month_written_as_a_decimal_number_asks_for_text() -> None:
    with pytest.raises(CellError) as err:
        parse_month(2021.1)
    assert err.value.code == "month.format" and "2021-10" in err.value.en and "2021-10" in err.value.zh
