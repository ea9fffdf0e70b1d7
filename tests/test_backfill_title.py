"""Who issued a report and for which year: the title, the bureau named in the text, and the
ambiguity of district names (app.backfill.title and app.backfill.places)."""

from __future__ import annotations

import pytest

from app.backfill.extract import extract
from app.backfill.places import Place
from tests.backfill_helpers import gazetteer


def _how(text: str) -> tuple[str | None, int | None, str, str]:
    x = extract(text, gazetteer=gazetteer())
    return (x.district.code if x.district else None), x.year, x.how.district.source, x.how.year.source


@pytest.mark.parametrize(
    ("title", "code", "year"),
    [
        ("天津市河东区应急管理局2021年度法治政府建设情况报告", "120102", 2021),
        ("山东省临沂市河东区应急管理局2019年度法治政府建设工作总结", "371312", 2019),
        ("临沂市河东区应急管理局关于2022年法治政府建设情况的报告", "371312", 2022),
        ("重庆市渝北区应急管理局\n\n关于 2020 年度法治政府建设情况的报告", "500112", 2020),
        ("天津市应急管理局2021年法治政府建设情况报告", "120000", 2021),  # a city-level bureau
        ("渝北区应急管理局二〇二〇年法治政府建设情况报告", "500112", 2020),  # one 渝北区 in the country
    ],
)
def test_district_and_year_from_the_title(title: str, code: str, year: int) -> None:
    assert _how(title + "\n全年检查企业100家次。") == (code, year, "title", "title")


def test_a_long_title_line_stays_apart_from_the_paragraph_after_an_empty_line() -> None:
    """A pasted title of more than a short line, an empty line, then a long first paragraph: the
    empty line ends the title (no sentence crosses it), so the title is still read."""
    body = "2017年，河东区应急管理局共检查生产经营单位512家次，发现安全隐患1,135项，立案查处行政处罚案件46件。"
    assert _how("天津市河东区应急管理局2017年度法治政府建设情况报告\n\n" + body) == ("120102", 2017, "title", "title")


def test_the_title_example_of_the_issue_explains_itself() -> None:
    x = extract("天津市河东区应急管理局2021年度法治政府建设情况报告", gazetteer=gazetteer())
    assert x.how.district.message_zh == "标题中的“天津市河东区”→ 120102 天津市河东区"
    assert x.how.year.message_zh == "标题中的“2021年”"
    assert x.how.district.start is not None and x.how.district.end is not None
    assert x.text[x.how.district.start : x.how.district.end] == "天津市河东区"


def test_a_name_of_two_districts_is_reported_not_guessed() -> None:
    x = extract("河东区应急管理局2021年工作总结\n全年检查企业100家次。", gazetteer=gazetteer())
    assert x.district is None
    assert x.how.district.source == "none"
    assert {c.code for c in x.how.district.candidates} == {"120102", "371312"}
    assert "120102" in x.how.district.message_zh and "371312" in x.how.district.message_zh
    assert x.year == 2021  # the year is read all the same


def test_a_province_that_does_not_hold_the_district_is_reported() -> None:
    x = extract("天津市渝北区应急管理局2021年工作总结", gazetteer=gazetteer())
    assert x.district is None
    assert [c.code for c in x.how.district.candidates] == ["500112"]
    assert "不符" in x.how.district.message_zh


def test_without_a_district_in_the_title_the_bureau_in_the_text_decides_when_it_agrees() -> None:
    text = (
        "区应急管理局2021年工作总结\n"
        "依据《河东区应急管理局执法规定》和《天津市河东区应急管理局工作规则》，全年检查企业100家次。"
    )
    assert _how(text) == ("120102", 2021, "body", "title")
    two = "区应急管理局2021年工作总结\n学习天津市河西区应急管理局和天津市河东区应急管理局的经验。"
    x = extract(two, gazetteer=gazetteer())
    assert x.district is None and {c.code for c in x.how.district.candidates} == {"120102", "120103"}


def test_no_title_no_district_no_year() -> None:
    x = extract("全年检查企业100家次。", gazetteer=gazetteer())
    assert (x.district, x.year) == (None, None)
    assert x.how.district.source == x.how.year.source == "none"
    assert [p.value for p in x.proposals] == [100]


def test_the_callers_district_and_year_win_and_the_title_is_mentioned() -> None:
    place = Place("371312", "河东区", "county", "371300")
    x = extract("天津市河东区应急管理局2021年度法治政府建设情况报告", gazetteer=gazetteer(), district=place, year=2020)
    assert x.district is not None and x.district.code == "371312"
    assert x.year == 2020
    assert x.how.district.source == x.how.year.source == "form"
    assert "120102" in x.how.district.message_zh
    assert "2021" in x.how.year.message_zh


def test_the_report_year_decides_which_years_figures_are_proposed() -> None:
    text = "天津市河东区应急管理局2021年度工作总结\n2020年检查企业700家次，2021年检查企业807家次。"
    x = extract(text, gazetteer=gazetteer())
    assert [p.value for p in x.proposals] == [807]
    assert [(r.written, r.reason) for r in x.rejected] == [("700家次", "other_year")]
