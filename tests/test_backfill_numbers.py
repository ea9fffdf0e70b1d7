"""Numbers as Chinese reports write them, read with their measure words (app.backfill.numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.backfill.numbers import chinese_numeral, find_figures


@pytest.mark.parametrize(
    ("text", "value", "unit", "approximate"),
    [
        ("1,234家次", 1234, "家次", None),
        ("1234家次", 1234, "家次", None),
        ("3.2万家次", 32000, "万家次", None),
        ("3.2 万家次", 32000, "万家次", None),  # 渝北 writes a space on each side of a figure
        ("1712万元", 17_120_000, "万元", None),
        ("1.5亿元", 150_000_000, "亿元", None),
        ("12.35万元", 123_500, "万元", None),
        ("12,000余人", 12000, "人", "余"),
        ("7000多人次", 7000, "人次", "多"),
        ("250余万元", 2_500_000, "万元", "余"),
        ("1.2万余人", 12000, "万人", "余"),
        ("近3000人", 3000, "人", "近"),
        ("约50场", 50, "场", "约"),
        ("1200家次以上", 1200, "家次", "以上"),
        ("一千二百家次", 1200, "家次", None),
        ("两万人次", 20000, "人次", None),
        ("十一次", 11, "次", None),
        ("二十八件", 28, "件", None),
        ("三万五千元", 35000, "元", None),
    ],
)
def test_figures_as_reports_write_them(text: str, value: int, unit: str, approximate: str | None) -> None:
    (figure,) = find_figures(text)
    assert figure.value == value
    assert figure.unit == unit
    assert figure.approximate == approximate


@pytest.mark.parametrize(
    "text",
    [
        "2021年3月15日",  # a date: 年, 月, 日 measure nothing
        "津党编发〔2020〕6号",  # a document number
        "同比下降30%以上",  # a percentage
        "百分之三十",
        "1/3",
        "24小时",
        "3个月",
        "12个百分点",
        "130个学时",
        "第一责任人",  # a rank
        "第3名",
        "十三五",
        "二〇二一年",
        "12345热线",
        "印制读本6000份",  # 份 is the measure of no indicator
    ],
)
def test_what_is_no_figure(text: str) -> None:
    assert list(find_figures(text)) == []


def test_offsets_index_the_text() -> None:
    text = "全年检查企业3.2万家次，罚款1712万元。"
    figures = list(find_figures(text))
    assert [text[f.start : f.end] for f in figures] == ["3.2万家次", "1712万元"]


def test_values_are_exact() -> None:
    (figure,) = find_figures("罚款0.1万元")
    assert figure.value == Decimal("1000")
    assert figure.whole


@pytest.mark.parametrize(("text", "value"), [("一千二百", 1200), ("两万", 20000), ("十一", 11), ("二十八", 28)])
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_numeral(text) == value


@pytest.mark.parametrize("text", ["一二三", "二〇二一", "千", "万"])
def test_digit_strings_and_bare_units_are_not_quantities(text: str) -> None:
    assert chinese_numeral(text) is None
