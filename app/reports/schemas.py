"""The shape of a generated report (what editions store) and the bodies of the reports API."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.districts.models import DistrictLevel


class ReportFormat(enum.StrEnum):
    md = "md"
    html = "html"
    docx = "docx"
    json = "json"


class Figure(BaseModel):
    """One number the text states, with where it comes from (one row of the data appendix)."""

    key: str = Field(description="文中唯一的键 / unique key, e.g. inspection.enterprises, rank.penalty.cases.most")
    label: str = Field(examples=["执法检查"])
    code: str = Field(description="指标代码、比率代码或数据表 / indicator code, ratio code or source table")
    unit: str = ""
    value: float | None = Field(description="精确数值 / the exact value")
    text: str = Field(description="文中写法 / as the text writes it", examples=["3.2万家次"])
    district: str | None = Field(default=None, description="排名类数字所属区县 / the district a ranking figure names")
    period: str = Field(description="统计月份 / months covered", examples=["2021年1—12月"])
    missing: str = Field(default="", description="缺报月份 / months not reported", examples=["3月、4月"])
    previous: float | None = Field(default=None, description="上年同期（可比月份）/ last year, matching months")
    comparable: float | None = Field(default=None, description="本年可比月份合计 / this year, matching months")
    change_text: str | None = Field(default=None, examples=["同比下降30.0%"])
    basis: str = Field(default="", description="同比口径 / what the change compares")

    @property
    def written(self) -> str:
        """The figure as the text states it, with its change (an English bulletin's changes, "up 12.5% year on
        year", are ASCII and follow a ", "; Chinese ones a "，")."""
        if not self.change_text:
            return self.text
        return self.text + (", " if self.change_text.isascii() else "，") + self.change_text


class Section(BaseModel):
    heading: str = Field(examples=["（一）“双随机、一公开”监管"])
    paragraphs: list[str]


class ChartData(BaseModel):
    """A monthly trend, this year against last (the DOCX chart)."""

    indicator: str
    label: str
    unit: str
    year: int
    values: list[float | None]
    previous_year: int
    previous: list[float | None]


class ReportDistrict(BaseModel):
    code: str = Field(examples=["120102"])
    name: str = Field(examples=["河东区"])
    full_name: str = Field(examples=["天津市河东区"])
    level: DistrictLevel


class AnnualReport(BaseModel):
    """A year-end summary: its text, the figures behind every number, and the data's as-of time."""

    district: ReportDistrict
    year: int
    month_to: int = Field(description="统计至本年第几月 / months 1 … month_to are covered")
    title: str
    intro: str
    main_heading: str = Field(examples=["一、2021年度推进法治政府建设的主要举措和成效"])
    sections: list[Section]
    notes: list[str] = Field(description="正文下的注 / notes under the text")
    situation: Section | None = Field(
        default=None, description="安全生产形势（生产安全事故）/ the safety record (accidents), a part of its own"
    )
    writer_sections: list[str] = Field(description="需撰写人填写的部分 / headed sections the writer fills")
    figures: list[Figure]
    key_figures: list[str] = Field(description="与上年对比表中的指标 / figure keys of the key-figure table")
    chart: ChartData | None
    data_as_of: dt.datetime | None = Field(description="所用数值的最后更新时间 / latest update of the values used")
    generated_at: dt.datetime
    approved_only: bool = Field(default=False, description="仅统计审核通过的月份 / approved months only")
    unapproved_months: int = Field(
        default=0, description="含未审核的月度报表数 / monthly reports counted that are not approved yet"
    )

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


# ----------------------------------------------------------------------------- bulletins


Lang = Literal["zh", "en"]


class Table(BaseModel):
    """A table of a bulletin: its caption, header and rows as the text writes them."""

    caption: str
    header: list[str]
    rows: list[list[str]]


class BulletinSection(Section):
    tables: list[Table] = Field(default_factory=list)


class Bulletin(BaseModel):
    """A periodic bulletin (执法工作通报) of an area for a month, quarter, half, year or range of months."""

    kind: Literal["bulletin"] = "bulletin"
    district: ReportDistrict
    period: str = Field(description="统计期，API 写法 / the period as the API writes it", examples=["2025-Q1"])
    period_zh: str = Field(examples=["2025年第一季度"])
    year: int
    month_from: int
    month_to: int
    title: str
    intro: str
    sections: list[BulletinSection]
    notes: list[str]
    figures: list[Figure]
    data_as_of: dt.datetime | None
    generated_at: dt.datetime
    approved_only: bool = False
    lang: Lang = Field(default="zh", description="正文语言 / the language of the text: zh | en")

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


# ----------------------------------------------------------------------------- editions


class EditionCreate(BaseModel):
    """The year-end report of ``district`` and ``year``, or (with ``period``) the bulletin of that period."""

    model_config = ConfigDict(extra="forbid")

    district: str = Field(description="区划代码（区县、市或省）/ district code", examples=["120102"])
    year: int | None = Field(
        default=None, description="年度报告的年份 / the year of a year-end report", examples=[2021]
    )
    period: str | None = Field(
        default=None,
        max_length=40,
        description="通报的统计期（给出时保存通报）/ a bulletin's period (saves a bulletin when given)",
        examples=["2025-Q1"],
    )
    lang: Lang = Field(
        default="zh",
        description="通报正文语言：zh（默认）或 en；年度报告只有中文 / a bulletin's language: zh (default) or en; "
        "the year-end report is Chinese only",
    )


class Revision(BaseModel):
    """A figure whose data changed after the edition was saved."""

    key: str
    label: str
    code: str
    district: str | None = None
    old_value: float | None
    new_value: float | None
    old_text: str | None = Field(description="定稿中的写法 / as the edition writes it", examples=["807家次"])
    new_text: str | None = Field(description="按现有数据的写法 / as today's data would write it")


class EditionSummary(BaseModel):
    id: int
    district: str
    district_name: str
    year: int
    kind: Literal["annual", "bulletin"] = Field(default="annual", description="年度报告或通报 / report or bulletin")
    period: str | None = Field(default=None, description="通报的统计期 / a bulletin's period", examples=["2025-Q1"])
    title: str
    created_by: str
    created_at: dt.datetime
    data_as_of: dt.datetime | None


class EditionOut(EditionSummary):
    report: AnnualReport | Bulletin
    revisions: list[Revision] = Field(
        description="定稿后数据被修改的数字（旧 → 新），定稿本身不变 / figures revised since the edition was "
        "saved (old → new); the edition itself does not change"
    )
    current_data_as_of: dt.datetime | None = Field(description="现有数据的最后更新时间 / as-of time of today's data")
