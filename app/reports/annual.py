"""The year-end summary's data-driven text, in the voice of the seed reports' figure paragraphs.

Every figure comes from the statistics layer (``app.stats``), through one ``StatsContext`` (the
area resolved and the catalogue loaded once): ``annual_totals`` for the year's figures and their
change, ``derived_ratios`` for 公开率, 整改率 and 案均罚款, ``monthly_series`` for the chart,
``district_rankings`` for the districts that did most and least (one call for every ranked
indicator), ``completeness`` for the reporting paragraph and notes, and ``app.stats.activities``
for the named activities, the months one county reported and the as-of time.

Each number the text writes is a ``Figure``; the data appendix lists them all, so a writer can trace
any number back to its indicator, its months and what it was compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.periods import EARLIEST_MONTH, ended_months
from app.districts import service as districts
from app.districts.codes import PSEUDO_CITY_NAMES
from app.districts.models import District, DistrictLevel
from app.reports.numbers import (
    change_percent,
    format_change,
    format_month_span,
    format_months,
    format_percent,
    format_quantity,
)
from app.reports.schemas import AnnualReport, ChartData, Figure, ReportDistrict, Section
from app.stats.activities import data_as_of, named_activities, reported_months
from app.stats.completeness import completeness
from app.stats.context import StatsContext
from app.stats.monthly import monthly_series
from app.stats.ranking import district_rankings
from app.stats.ratios import RATIOS, derived_ratios
from app.stats.schemas import IndicatorTotal, MonthlyOut, RankingOut, RatioCode, ReportStatus
from app.stats.totals import annual_totals
from app.values.models import Activity, ActivityKind, MonthlyValue

# "全区", "全市" …: how a report names the whole area, by the end of the district's name.
AREA_WORDS = (
    ("自治区", "全区"),
    ("自治州", "全州"),
    ("地区", "全地区"),
    ("省", "全省"),
    ("市", "全市"),
    ("区", "全区"),
    ("县", "全县"),
    ("旗", "全旗"),
    ("州", "全州"),
    ("盟", "全盟"),
)
# Core columns: the query helpers of the statistics layer take SQL expressions, not ORM attributes.
VALUES, ACTIVITIES = MonthlyValue.__table__.c, Activity.__table__.c
# Prefixed to a change computed over only the months (or district-months) both years reported.
COMPARABLE = "按可比口径"
CHART_INDICATOR = "inspection.enterprises"
MAX_NAMED_ACTIVITIES = 10
WRITER_SECTIONS = ("二、主要负责人履行第一责任人职责情况", "三、存在的不足和原因", "四、下一年度工作安排")
SITUATION_HEADING = "二、安全生产形势"
WRITER_SECTIONS_AFTER_SITUATION = (
    "三、主要负责人履行第一责任人职责情况",
    "四、存在的不足和原因",
    "五、下一年度工作安排",
)
CHINESE_ORDINALS = "一二三四五六七八九十"


# ----------------------------------------------------------------------------- the areas, in order


@dataclass(frozen=True)
class Part:
    """One figure of a paragraph: ``{v}`` is replaced by the figure as written (199件, 3.2万家次)."""

    code: str
    template: str


@dataclass(frozen=True)
class RatioPart:
    """A derived ratio, written after the figure before it (公开率100.0%)."""

    code: RatioCode
    template: str


@dataclass(frozen=True)
class Area:
    key: str
    heading: str
    parts: tuple[Part | RatioPart, ...]
    # Headline indicators whose most and least district a city or province report names.
    ranked: tuple[str, ...] = ()
    # Named activities of this kind are listed after the figures.
    activity: ActivityKind | None = None
    activity_template: str = ""
    # The bureau's own work ("我局") or the whole district's record ("全区", for accidents).
    bureau: bool = True


AREAS: tuple[Area, ...] = (
    Area(
        "double_random",
        "“双随机、一公开”监管",
        (
            Part("double_random.inspections", "开展“双随机、一公开”抽查{v}"),
            Part("double_random.published", "公开抽查结果{v}"),
            RatioPart(RatioCode.published_rate, "公开率{v}"),
            Part("double_random.joint_inspections", "对{v}企业开展部门联合抽查"),
        ),
        ranked=("double_random.inspections",),
    ),
    Area(
        "inspection",
        "执法检查",
        (
            Part("inspection.enterprises", "开展执法检查{v}"),
            Part("inspection.hazards_found", "排查发现安全隐患和违法行为{v}"),
            Part("inspection.hazards_rectified", "督促整改{v}"),
            RatioPart(RatioCode.rectified_rate, "整改率{v}"),
        ),
        ranked=("inspection.enterprises",),
    ),
    Area(
        "case_review",
        "案件审理",
        (
            Part("case_review.meetings", "组织案审会{v}"),
            Part("case_review.cases", "审理案件{v}"),
        ),
        ranked=("case_review.cases",),
    ),
    Area(
        "penalty",
        "行政处罚",
        (
            Part("penalty.cases", "办理行政处罚案件{v}"),
            Part("penalty.fines_yuan", "实施罚款{v}"),
            RatioPart(RatioCode.fine_per_case, "案均罚款{v}"),
            Part("penalty.suspensions", "责令停产停业{v}"),
            Part("penalty.detentions", "行政拘留{v}"),
        ),
        ranked=("penalty.cases", "penalty.fines_yuan"),
    ),
    Area(
        "drill",
        "应急演练",
        (
            Part("drill.drills", "组织开展应急演练{v}"),
            Part("drill.participants", "参演{v}"),
        ),
        ranked=("drill.drills",),
        activity=ActivityKind.drill,
        activity_template="先后组织开展了{names}",
    ),
    Area(
        "training",
        "执法培训与考试",
        (
            Part("training.sessions", "组织行政执法培训{v}"),
            Part("training.trainees", "受训{v}"),
            Part("training.exams", "组织执法知识考试{v}"),
            Part("training.examinees", "参考{v}"),
        ),
        ranked=("training.sessions",),
        activity=ActivityKind.training,
        activity_template="开展了{names}",
    ),
    Area(
        "publicity",
        "普法宣传",
        (
            Part("publicity.events", "开展普法宣传活动{v}"),
            Part("publicity.audience", "受众{v}"),
        ),
        ranked=("publicity.events",),
        activity=ActivityKind.publicity,
        activity_template="重点开展了{names}",
    ),
    Area(
        "accident",
        "生产安全事故",
        (
            Part("accident.count", "共发生生产安全事故{v}"),
            Part("accident.deaths", "死亡{v}"),
        ),
        bureau=False,
    ),
)


# ----------------------------------------------------------------------------- districts


def area_word(name: str) -> str:
    """How the text names the whole area: 渝北区 → 全区, 天津市 → 全市, 四川省 → 全省."""
    return next((word for suffix, word in AREA_WORDS if name.endswith(suffix)), "全辖区")


def describe_district(session: Session, *, code: str) -> tuple[ReportDistrict, str]:
    """The district with the name a bureau's report uses (天津市河东区), and its area word (全区)."""
    district = districts.get_or_raise(session, code=code)
    parent = session.get(District, district.parent_code) if district.parent_code else None
    grandparent = session.get(District, parent.parent_code) if parent and parent.parent_code else None
    own = district.name
    if district.level == DistrictLevel.province or parent is None:
        full = own
    elif district.level == DistrictLevel.city:
        full = parent.name if own in PSEUDO_CITY_NAMES else own
    elif parent.level == DistrictLevel.province:
        full = parent.name + own
    elif parent.name in PSEUDO_CITY_NAMES and grandparent is not None:
        full = grandparent.name + own
    else:
        full = parent.name + own
    word_source = own if own not in PSEUDO_CITY_NAMES else full
    return ReportDistrict(code=district.code, name=own, full_name=full, level=district.level), area_word(word_source)


# ----------------------------------------------------------------------------- building


class _Builder:
    """Collects the figures while the paragraphs are written, so that every number is traceable."""

    def __init__(self, ctx: StatsContext, *, district: ReportDistrict, word: str, year: int, month_to: int) -> None:
        self.ctx = ctx
        self.district = district
        self.word = word
        self.year = year
        self.month_to = month_to
        self.today = ctx.today
        self.is_county = district.level == DistrictLevel.county
        self.period = f"{year}年{format_month_span(1, month_to)}"
        self.figures: list[Figure] = []
        self.series: dict[str, MonthlyOut] = {}
        self.partial_comparison = False
        self._cells: dict[str, tuple[set[int], set[int]]] | None = None
        self._rankings: dict[str, RankingOut] | None = None
        # Last year's full-year totals (all its reported months), for the full-year change.
        self.last_year_totals: dict[str, float] = {}

    # ------------------------------------------------------------------ figures

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def monthly(self, code: str) -> MonthlyOut:
        if code not in self.series:
            self.series[code] = monthly_series(
                self.ctx, district=self.district.code, year=self.year, indicator=code, compare_previous=True
            )
        return self.series[code]

    def cells(self) -> dict[str, tuple[set[int], set[int]]]:
        if self._cells is None:
            self._cells = reported_months(self.ctx, district=self.district.code, year=self.year, month_to=self.month_to)
        return self._cells

    def indicator_figure(self, t: IndicatorTotal) -> Figure:
        assert t.total is not None
        missing, excluded = "", ""
        if self.is_county:
            if t.months_reported < t.months_expected or t.months_compared < t.months_reported:
                this, prev = self.cells().get(t.code, (set(), set()))
                ended = ended_months(self.year, self.month_to, self.today)
                missing = format_months([m for m in range(1, ended + 1) if m not in this])
                excluded = format_months(sorted(this - prev))
        elif t.months_expected > t.months_reported:
            missing = f"{t.months_expected - t.months_reported}个区县-月"
        change_text, basis = self.change(t, excluded)
        return self.add(
            Figure(
                key=t.code,
                label=t.name_zh,
                code=t.code,
                unit=t.unit,
                value=t.total,
                text=format_quantity(t.total, t.unit),
                period=self.period,
                missing=missing,
                previous=t.previous_total,
                comparable=t.comparable_total,
                change_text=change_text,
                basis=basis,
            )
        )

    def change(self, t: IndicatorTotal, excluded: str) -> tuple[str | None, str]:
        """The year-on-year phrase, over the months both years reported, and what it compares."""
        last = f"{self.year - 1}年同期"
        if t.previous_total is None or t.comparable_total is None or t.months_compared == 0:
            return None, f"{last}无数据，不作同比"
        if t.months_compared * 2 < t.months_reported:
            # Fewer than half the months can be compared: a percentage would mislead.
            return None, f"{last}可比月份不足一半，不作同比"
        if t.months_compared < t.months_reported:
            self.partial_comparison = True
            if self.is_county:
                basis = f"{last}，仅比较两年均报送的月份（不含{excluded}）"
            else:
                basis = f"{last}，仅比较两年均报送的区县-月（{t.months_compared}个）"
        else:
            basis = last
        # A change over only some of the months says so in the sentence itself: a reader holding
        # last year's report (whose total covers other months) would otherwise see a wrong sign.
        qualifier = COMPARABLE if t.months_compared < t.months_reported else ""
        pct = change_percent(t.comparable_total, t.previous_total)
        if pct is None:
            if t.comparable_total == 0:
                return qualifier + "与上年持平", basis
            return None, f"{last}为0，不作同比"
        full = self.last_year_totals.get(t.code)
        if qualifier and self.month_to == 12 and full is not None and t.total is not None:
            # Last year's report states its own full-year total: say the change on it as well, so that
            # a reader holding both reports sees why the comparable change can have the other sign.
            whole = change_percent(t.total, full)
            if whole is not None:
                stated = format_change(whole, "较上年全年", "与上年全年持平").replace("全年增长", "全年（X）增长")
                stated = stated.replace("全年下降", "全年（X）下降").replace("X", format_quantity(full, t.unit))
                return (
                    f"{stated}，{qualifier}{format_change(pct)}",
                    basis + f"；上年全年{format_quantity(full, t.unit)}",
                )
        return qualifier + format_change(pct), basis

    # ------------------------------------------------------------------ paragraphs

    def area_paragraph(
        self,
        area: Area,
        totals: dict[str, IndicatorTotal],
        ratios: dict[RatioCode, float | None],
        names: list[str],
    ) -> str | None:
        clauses: list[str] = []
        qualified = False
        for part in area.parts:
            if isinstance(part, RatioPart):
                value = ratios.get(part.code)
                if value is None or not clauses:
                    continue
                info = RATIOS[part.code]
                unit = info[4]
                text = format_percent(value) if unit == "%" else format_quantity(value, "元")
                self.add(
                    Figure(
                        key=f"ratio.{part.code.value}",
                        label=info[2],
                        code=part.code.value,
                        unit=unit,
                        value=value,
                        text=text,
                        period=self.period,
                        basis="分子、分母均报送的月份" if self.is_county else "分子、分母均报送的区县-月",
                    )
                )
                clauses[-1] += "，" + part.template.format(v=text)
                continue
            t = totals.get(part.code)
            if t is None or t.total is None:
                continue
            fig = self.indicator_figure(t)
            change = fig.change_text
            if change and change.startswith(COMPARABLE):
                # Said once per paragraph, as a writer would; the appendix keeps it on every row.
                change = change.removeprefix(COMPARABLE) if qualified else change
                qualified = True
            clauses.append(part.template.format(v=fig.text) + (f"，{change}" if change else ""))
        if not clauses and not names:
            return None
        when = "全年" if self.month_to == 12 else format_month_span(1, self.month_to)
        subject = "我局" if self.is_county and area.bureau else self.word
        sentences = []
        if clauses:
            sentences.append(f"{when}，{subject}" + "；".join(clauses) + "。")
        if names:
            sentences.append(self.activity_sentence(area, names))
        if not self.is_county:
            sentences.append(self.ranking_sentence(area))
        return "".join(sentences)

    def activity_sentence(self, area: Area, names: list[str]) -> str:
        shown = names[:MAX_NAMED_ACTIVITIES]
        joined = "、".join(shown) + ("等" if len(names) > len(shown) else "")
        assert area.activity is not None
        self.add(
            Figure(
                key=f"activities.{area.activity.value}",
                label=f"{area.heading}活动名称",
                code=f"activities(kind={area.activity.value})",
                value=len(names),
                text=joined,
                period=self.period,
            )
        )
        return area.activity_template.format(names=joined) + "。"

    def ranking_sentence(self, area: Area) -> str:
        """ "从各区县看，执法检查最多的是…（…），最少的是…（…）。" for the area's headline indicators."""
        clauses = []
        if self._rankings is None:
            # Every area's ranked indicators in one call: the report names most and least for each.
            self._rankings = district_rankings(
                self.ctx,
                year=self.year,
                indicators=[code for a in AREAS for code in a.ranked],
                parent=self.district.code,
                level=DistrictLevel.county,
            )
        for ranking in (self._rankings[code] for code in area.ranked):
            code = ranking.indicator.code
            rows = [r for r in ranking.rows if r.total is not None]
            # "Least" only among districts that reported every month: one that missed months would
            # be named least for not reporting, not for doing little.
            complete = [r for r in rows if r.months_reported >= r.months_expected]
            if len(rows) < 2 or not complete or rows[0].total == complete[-1].total:
                continue
            label, unit = ranking.indicator.name_zh, ranking.indicator.unit
            parts = []
            for which, word, value, among in (
                ("most", "最多", rows[0].total, rows),
                ("least", "最少", complete[-1].total, complete),
            ):
                assert value is not None  # rows holds only the districts that reported
                named = [r for r in among if r.total == value]
                names = "、".join(r.name for r in named)
                text = format_quantity(value, unit)
                missing = sum(r.months_expected - r.months_reported for r in named)
                self.add(
                    Figure(
                        key=f"rank.{code}.{which}",
                        label=f"{label}{word}的区县",
                        code=code,
                        unit=unit,
                        value=value,
                        text=text,
                        district=names,
                        period=self.period,
                        missing=f"{missing}个区县-月" if missing else "",
                    )
                )
                parts.append(f"{word}的是{names}（{text}）")
            # Who was not compared for 最少 is said, not silently left out.
            skipped = [
                r.name for r in sorted(ranking.rows, key=lambda r: r.code) if r.months_reported < r.months_expected
            ]
            if skipped:
                parts.append(f"{'、'.join(skipped)}有月份未报送，未参与最少的比较")
            clauses.append(label + "，".join(parts))
        return f"从各区县看，{'；'.join(clauses)}。" if clauses else ""

    def completeness_sections(self) -> tuple[Section | None, list[str]]:
        """The reporting paragraph of a city or province, and the notes on months not reported."""
        notes: list[str] = []
        this = completeness(self.ctx, year=self.year, parent=self.district.code)
        missing_by_district = []
        for row in this.rows:
            months = [m for m, st in enumerate(row.months, 1) if st == ReportStatus.missing and m <= self.month_to]
            if not months:
                continue
            text = format_months(months)
            missing_by_district.append(f"{row.name}{text}")
            self.add(
                Figure(
                    key=f"missing.{row.code}",
                    label="未报送月份",
                    code="month_reports",
                    unit="个月",
                    value=len(months),
                    text=text,
                    district=row.name,
                    period=self.period,
                    missing=text,
                )
            )
        if missing_by_district:
            notes.append("注：" + "；".join(missing_by_district) + "数据未报送。")
        if self.is_county and self.year - 1 >= EARLIEST_MONTH.year and self.partial_comparison:
            before = completeness(self.ctx, year=self.year - 1, parent=self.district.code)
            previous_row = before.rows[0] if before.rows else None
            months = (
                [m for m, st in enumerate(previous_row.months, 1) if st == ReportStatus.missing] if previous_row else []
            )
            if months and previous_row is not None:
                row = previous_row
                text = format_months(months)
                self.add(
                    Figure(
                        key=f"missing_previous.{row.code}",
                        label=f"{self.year - 1}年未报送月份",
                        code="month_reports",
                        unit="个月",
                        value=len(months),
                        text=text,
                        district=row.name,
                        period=f"{self.year - 1}年{format_month_span(1, 12)}",
                        missing=text,
                    )
                )
                notes.append(f"注：{self.year - 1}年{text}数据未报送，同比按两年均已报送的月份计算。")
        elif self.partial_comparison:
            notes.append("注：同比按两年均已报送的区县-月份计算。")
        if self.is_county or this.expected == 0:
            return None, notes
        reported = this.submitted + this.late
        figures = [
            ("completeness.districts", "区县数", len(this.rows), "个"),
            # One district's report of one month is one 月度报表: "份", as bureaus count forms.
            ("completeness.expected", "应报送月度报表", this.expected, "份"),
            ("completeness.reported", "已报送月度报表", reported, "份"),
            ("completeness.late", "其中迟报", this.late, "份"),
            ("completeness.missing", "未报送月度报表", this.missing, "份"),
        ]
        written: dict[str, str] = {}
        for key, label, value, unit in figures:
            written[key] = format_quantity(value, unit)
            self.add(
                Figure(
                    key=key,
                    label=label,
                    code="month_reports",
                    unit=unit,
                    value=value,
                    text=written[key],
                    period=self.period,
                )
            )
        for key, label, pct in (
            ("completeness.reporting_rate", "报送率", this.reporting_rate_pct),
            ("completeness.on_time_rate", "按时报送率", this.on_time_rate_pct),
        ):
            if pct is None:
                continue
            written[key] = format_percent(pct)
            self.add(
                Figure(
                    key=key,
                    label=label,
                    code="month_reports",
                    unit="%",
                    value=pct,
                    text=written[key],
                    period=self.period,
                )
            )
        when = "全年" if self.month_to == 12 else format_month_span(1, self.month_to)
        text = (
            f"{when}，{self.word}{written['completeness.districts']}区县应报送月度报表{written['completeness.expected']}，"
            f"已报送{written['completeness.reported']}（其中迟报{written['completeness.late']}），"
            f"未报送{written['completeness.missing']}"
        )
        if "completeness.reporting_rate" in written:
            text += f"，报送率{written['completeness.reporting_rate']}"
        if "completeness.on_time_rate" in written:
            text += f"，按时报送率{written['completeness.on_time_rate']}"
        return Section(heading="数据报送情况", paragraphs=[text + "。"]), notes

    def chart(self) -> ChartData | None:
        series = self.monthly(CHART_INDICATOR)
        values = [p.value for p in series.months]
        previous = [p.value for p in series.previous or []]
        if all(v is None for v in values + previous):
            return None
        return ChartData(
            indicator=CHART_INDICATOR,
            label=series.indicator.name_zh,
            unit=series.indicator.unit,
            year=self.year,
            values=values,
            previous_year=self.year - 1,
            previous=previous,
        )


def _names(ctx: StatsContext, codes: list[str]) -> str:
    names = [ctx.catalogue[c].name_zh for c in codes if c in ctx.catalogue]
    return "、".join(names[:5]) + ("等" if len(names) > 5 else "")


def _annual_source_notes(ctx: StatsContext, indicators: list[IndicatorTotal]) -> list[str]:
    """Where figures come from published reports read back (app.backfill), not from monthly
    reports, the report says so; where both exist and differ, which one it counts (数据差异)."""
    notes: list[str] = []
    from_reports = [t for t in indicators if t.annual_total is not None and t.total is not None]
    if from_reports:
        whole = all(t.annual_total == t.total for t in from_reports)
        notes.append(
            f"注：{_names(ctx, [t.code for t in from_reports])}"
            + ("为" if whole else "含")
            + "根据已发布年度报告回填的年度数据（年报数据，无月度报表）。"
        )
    differing = [t for t in indicators if t.differs]
    if differing:
        notes.append(
            f"注：{_names(ctx, [t.code for t in differing])}"
            "的年报数据与月度报表合计不一致（数据差异），以上采用月度合计。"
        )
    return notes


def build_annual_report(ctx: StatsContext, *, district: str, year: int) -> AnnualReport:
    """The year-end summary of ``district`` (a county, or a city or province summed) for ``year``."""
    # annual_totals checks the year's range and the caller's right to read the district first.
    totals_out = annual_totals(ctx, district=district, year=year)
    place, word = describe_district(ctx.session, code=district)
    month_to = ended_months(year, 12, ctx.today)
    b = _Builder(ctx, district=place, word=word, year=year, month_to=max(month_to, 1))
    totals = {t.code: t for t in totals_out.indicators}
    ratios = {r.code: r.value for r in derived_ratios(ctx, district=district, year=year).ratios}
    activities = named_activities(ctx, district=district, year=year, month_to=month_to) if month_to else {}
    if all(t.total is None for t in totals.values()):
        when = f"{year}年" if month_to in (0, 12) else b.period
        raise NotFound(
            f"{place.full_name}{when}没有已报送的数据，无法生成报告",
            f"{place.full_name} has no data for {year}: there is nothing to write a report from",
            code="report.no_data",
        )
    if month_to == 12 and year - 1 >= EARLIEST_MONTH.year:
        last_year = annual_totals(ctx, district=district, year=year - 1)
        b.last_year_totals = {t.code: t.total for t in last_year.indicators if t.total is not None}
    sections: list[Section] = []
    situation: Section | None = None
    for area in AREAS:
        names = activities.get(area.activity, []) if area.activity else []
        paragraph = b.area_paragraph(area, totals, ratios, names)
        if paragraph and area.key == "accident":
            # The district's safety record is not the bureau's work: a part of its own.
            situation = Section(heading=SITUATION_HEADING, paragraphs=[paragraph])
        elif paragraph:
            sections.append(Section(heading=area.heading, paragraphs=[paragraph]))
    reporting, notes = b.completeness_sections()
    if reporting:
        sections.append(reporting)
    for i, section in enumerate(s for s in sections if s.heading):
        section.heading = f"（{CHINESE_ORDINALS[i] if i < 10 else i + 1}）{section.heading}"
    if ctx.approved_only:
        notes.append("注：以上数据仅统计审核通过的月度报表。")
    elif totals_out.unapproved_months:
        pending = b.add(
            Figure(
                key="review.unapproved",
                label="尚未审核通过的月度报表",
                code="month_reports",
                unit="份",
                value=totals_out.unapproved_months,
                text=f"{totals_out.unapproved_months}份",
                district=place.name,
                period=b.period,
            )
        )
        notes.append(f"注：以上数据含未审核数据（{pending.text}月度报表尚未审核通过）。")
    notes += _annual_source_notes(ctx, totals_out.indicators)
    key_figures = [f.key for f in b.figures if f.code in totals and f.key == f.code]
    return AnnualReport(
        district=place,
        year=year,
        month_to=max(month_to, 1),
        title=f"{place.full_name}应急管理局{year}年度法治政府建设情况报告",
        intro=f"按照有关规定，现将我局{year}年度法治政府建设情况报告如下：",
        main_heading=f"一、{year}年度推进法治政府建设的主要举措和成效",
        sections=sections,
        notes=notes,
        approved_only=ctx.approved_only,
        unapproved_months=totals_out.unapproved_months,
        situation=situation,
        writer_sections=list(WRITER_SECTIONS if situation is None else WRITER_SECTIONS_AFTER_SITUATION),
        figures=b.figures,
        key_figures=key_figures,
        chart=b.chart() if month_to else None,
        data_as_of=data_as_of(ctx, district=district, year=year, month_to=max(month_to, 1)),
        generated_at=utcnow(),
    )
