"""Issue 15 without a browser: English place names (one home, pinyin beyond the hand table), units
in the singular and plural, half-width punctuation, the ranking's value column and pooled change,
wrapped heat-map headers, and the KPI card's one comparison line with its detail in a tooltip."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from app.districts.names_en import HAND_NAMES, english_name, pinyin
from dashboard import figures
from dashboard.components import kpi_card
from dashboard.formatting import amount_parts, format_amount
from dashboard.i18n import localised, place_name
from tests.test_dashboard_figures import _text

CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\uff00-\uffef]")
NAN = math.nan


@pytest.mark.parametrize(
    ("code", "name", "english"),
    [
        ("120102", "河东区", "Hedong District"),  # the hand table
        ("371312", "河东区", "Hedong District"),  # Linyi's: pinyin, the generic part as the table writes it
        ("510107", "武侯区", "Wuhou District"),
        ("510100", "成都市", "Chengdu"),  # a prefecture-level city by its name alone
        ("510181", "都江堰市", "Dujiangyan City"),  # a county-level city keeps "City"
        ("500108", "南岸区", "Nan'an District"),
        ("341500", "六安市", "Lu'an"),  # the apostrophe before a syllable starting with a vowel
        ("141100", "吕梁市", "Lüliang"),
        ("513422", "木里藏族自治县", "Muli Tibetan Autonomous County"),
        ("622927", "积石山保安族东乡族撒拉族自治县", "Jishishan Bonan, Dongxiang and Salar Autonomous County"),
        ("622926", "东乡族自治县", "Dongxiang Autonomous County"),  # named after its people
        ("652700", "博尔塔拉蒙古自治州", "Bo'ertala Mongol Autonomous Prefecture"),
        ("150723", "鄂伦春自治旗", "Oroqen Autonomous Banner"),
        ("429021", "神农架林区", "Shennongjia Forestry District"),
        ("120100", "市辖区", "Districts"),
        ("100000", "全国", "China"),
    ],
)
def test_english_names_beyond_the_hand_table_are_written_in_pinyin(code: str, name: str, english: str) -> None:
    assert english_name(code, name) == english


def test_every_district_of_the_seed_has_an_english_name_without_chinese() -> None:
    with open(Path(__file__).parent.parent / "seed" / "data" / "districts.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 3000
    names = {r["code"]: english_name(r["code"], r["name"]) for r in rows}
    assert [(c, n) for c, n in names.items() if not n or CJK.search(n)] == []
    # The hand table still wins where it has the place.
    assert all(names[code] == english for code, english in HAND_NAMES.items() if code in names)
    assert pinyin("河东") == "Hedong"


def test_maps_use_the_place_without_its_generic_part() -> None:
    assert english_name("120102", "河东区", generic=False) == "Hedong"
    assert english_name("500240", "石柱土家族自治县", generic=False) == "Shizhu"
    assert english_name("513422", "木里藏族自治县", generic=False) == "Muli"
    assert english_name("120116", "滨海新区", generic=False) == "Binhai"


def test_the_dashboard_names_places_in_the_page_language() -> None:
    frame = pd.DataFrame({"code": ["120102", "371312"], "name": ["河东区", "河东区"], "value": [1.0, 2.0]})
    assert list(localised(frame, "en")["name"]) == ["Hedong District", "Hedong District"]
    assert localised(frame, "zh") is frame
    assert place_name("120102", "河东区", "zh") == "河东区"
    # Two places written alike keep two rows on a chart: the code tells them apart.
    fig = figures.ranking_chart(localised(frame, "en"), unit="visits", lang="en", average=None, average_label="average")
    assert list(fig.data[0].y) == ["Hedong District 120102", "Hedong District 371312"]


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(1, "deaths", "1 death"), (2, "deaths", "2 deaths"), (0, "deaths", "0 deaths"), (1, "yuan", "1 yuan")],
)
def test_english_units_in_the_singular_and_plural(value: float, unit: str, shown: str) -> None:
    assert format_amount(value, unit, "en") == shown


def test_kpi_values_set_the_magnitude_with_the_unit() -> None:
    assert amount_parts(16_260_000, "yuan", "en") == ("16.26", "million yuan")
    assert amount_parts(807, "enterprise-visits", "en") == ("807", "enterprise-visits")
    assert amount_parts(1, "deaths", "en") == ("1", "death")
    assert amount_parts(17_120_000, "元", "zh") == ("1712万", "元")


def test_english_hover_texts_use_half_width_punctuation() -> None:
    years = pd.DataFrame({"year": [2020, 2021], "value": [3.0, NAN]})
    spark = figures.sparkline(years, unit="deaths", lang="en")
    trend = figures.trend_chart(years, unit="deaths", lang="en", ytd_year=2021, ytd_month=10)
    months = pd.DataFrame({"month": range(1, 13), "this_year": [1.0] * 12, "last_year": [2.0] * 12})
    monthly = figures.monthly_chart(months, year=2021, unit="deaths", lang="en", this_label="a", last_label="b")
    texts = [*spark.data[0].hovertext, *trend.data[0].hovertext, *monthly.data[0].hovertext]
    assert "Jan 2021: 1 death" in texts and "2020: 3 deaths" in texts
    assert [t for t in texts if re.search(r"[：（），、]", t)] == []


def test_ranking_values_stand_in_a_column_of_their_own() -> None:
    """Value labels right of the plot (paper x = 1), never at the bars' ends where the average line
    crossed them and a −100% bar's label reached over the names."""
    frame = pd.DataFrame({"code": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "value": [-100.0, 20.0, NAN]})
    fig = go.Figure(
        figures.ranking_chart(
            frame, unit="件", lang="zh", average=-40.0, average_label="合计同比", percent=True, good_direction=1
        ).to_dict()
    )
    bar = fig.data[0]
    assert bar.textposition == "none" and list(bar.text) == ["未报送", "-100.0%", "+20.0%"]
    column = [a for a in fig.layout.annotations if a.name == "value"]
    assert [(a.xref, a.x, a.xanchor, a.y, a.text) for a in column] == [
        ("paper", 1, "left", "丙", "未报送"),
        ("paper", 1, "left", "甲", "-100.0%"),
        ("paper", 1, "left", "乙", "+20.0%"),
    ]
    assert fig.layout.margin.r >= figures.text_width("-100.0%") + 8
    assert fig.layout.annotations[0].text == "合计同比 -40.0%"
    low, high = fig.layout.xaxis.range
    assert low < -100 and high > 20  # the longest bar never reaches the names


def test_the_ranking_average_of_changes_pools_the_districts() -> None:
    rows = pd.DataFrame(
        {
            "previous_total": [1.0, 900.0, 50.0, NAN],
            "comparable_total": [3.0, 800.0, NAN, 10.0],
            "change_pct": [200.0, -11.1, NAN, NAN],
        }
    )
    pooled = figures.pooled_change(rows)
    assert pooled is not None and round(pooled, 2) == round((803 / 901 - 1) * 100, 2)  # −10.9 %, not +94.4 %
    assert figures.pooled_change(rows.iloc[2:]) is None


def test_heat_map_headers_are_wrapped() -> None:
    assert figures.wrap_label("Hazards and violations found", 13) == "Hazards and<br>violations<br>found"
    assert figures.wrap_label("Fines", 13) == "Fines"
    assert figures.wrap_label("排查发现隐患和违法行为", 6) == "排查发现隐患<br>和违法行为"


def card(lang: str = "zh", comparable: float = 700, **extra: object) -> object:
    return kpi_card(
        code="inspection.enterprises",
        name="执法检查",
        unit="家次" if lang == "zh" else "enterprise-visits",
        total=807,
        previous_total=736,
        comparable_total=comparable,
        change_pct=(comparable - 736) / 736 * 100,
        good_direction=1,
        months_reported=10,
        months_expected=12,
        spark=go.Figure(),
        lang=lang,  # type: ignore[arg-type]
        months_compared=18,
        **extra,  # type: ignore[arg-type]
    )


def test_kpi_card_has_one_comparison_line_and_the_detail_in_a_tooltip() -> None:
    gapped = card(notes=["年报数据"], details=["含年报数据：1 个区县"])
    change = gapped.children[2]  # type: ignore[attr-defined]
    line = _text(change)
    # The change and the two figures it compares, on one line: 700 against 736, not 807.
    assert line.split() == ["同比", "▼", "4.9%", "可比月份本年", "700家次", "·", "上年同期", "736家次"]
    assert "kpi-footer" not in str(gapped)  # no lines of grey footnotes
    tooltip = gapped.title  # type: ignore[attr-defined]
    assert change.title == tooltip
    assert tooltip.splitlines() == [
        "同比下降4.9%",
        "本年合计：807家次",
        "可比月份本年 700家次 · 上年同期 736家次",
        "可比口径：只比较两年均已报送的区县·月份（18 个）",
        "已报送区县·月：10/12",
        "含年报数据：1 个区县",
    ]
    assert "年报数据" in _text(gapped.children[0])  # type: ignore[attr-defined]  # the badge by the name
    plain = _text(card(comparable=807).children[2])  # type: ignore[attr-defined]
    assert "上年同期 736家次" in plain and "可比月份本年" not in plain


def test_english_kpi_card_reads_in_english_with_half_width_punctuation() -> None:
    english = card("en")
    line = _text(english.children[2])  # type: ignore[attr-defined]
    assert line.split() == ["YoY", "▼", "4.9%", "700", "vs", "736", "in", "comparable", "months"]
    tooltip = english.title  # type: ignore[attr-defined]
    assert "down 4.9% on last year" in tooltip and "district-months reported: 10/12" in tooltip
    assert "700 vs 736 in comparable months (enterprise-visits)" in tooltip
    assert re.search(r"[：（），、]", line + tooltip) is None
    assert _text(english.children[1]) == "807 enterprise-visits"  # type: ignore[attr-defined]


def test_english_ranking_names_its_unit_once() -> None:
    frame = pd.DataFrame({"code": ["a", "b"], "name": ["Hedong District", "Hexi District"], "value": [1.0, 2.5e6]})
    fig = go.Figure(
        figures.ranking_chart(frame, unit="enterprise-visits", lang="en", average=None, average_label="").to_dict()
    )
    assert [a.text for a in fig.layout.annotations] == ["1", "2.5 million"]
    assert fig.layout.xaxis.title.text == "enterprise-visits"
    assert list(fig.data[0].hovertext) == [
        "Hedong District: 1 enterprise-visit",
        "Hexi District: 2.5 million enterprise-visits",
    ]


def test_the_written_english_names_are_what_the_rules_write() -> None:
    """seed/data/districts_en.csv (read instead of pypinyin at run time) is exactly what the rules and
    pypinyin make of every district of the code table: regenerate it with
    ``python -m app.districts.names_en`` after changing either."""
    import csv

    from app.districts.boundary_source import districts_csv
    from app.districts.names_en import table_rows, written_table_path

    with written_table_path().open(encoding="utf-8", newline="") as f:
        written = [tuple(row) for row in csv.reader(f)][1:]
    assert written == [tuple(row) for row in table_rows(districts_csv())]


def test_a_server_process_does_not_load_pypinyin() -> None:
    """Its phrase dictionary is ~58 MB per process; every district's English name is in the written table."""
    import subprocess
    import sys

    code = (
        "import sys; import app.main; from dashboard.i18n import place_name; "
        "assert place_name('510104', '锦江区', 'en') and place_name('120102', '河东区', 'en'); "
        "assert 'pypinyin' not in sys.modules, 'pypinyin imported'"
    )
    env = {**__import__("os").environ, "ENVIRONMENT": "test", "WARM_UP": "false"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
