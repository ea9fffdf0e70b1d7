"""The periodic bulletin (执法工作通报) of a city, a province or a district for any period, in the voice of
the bulletins city bureaus circulate: 总体情况 (totals, 同比 and 环比), 数据分析 (derived rates), 各区（县）
情况 (ranking tables, top and bottom named, who is compared said), 报送质量 (missing, late, returned
months by name), 安全生产形势 (accidents) and an appendix tracing every number.

Every figure comes from the statistics layer through one ``StatsContext``: ``annual_totals`` and
``derived_ratios`` with ``month_from``/``month_to``, ``district_rankings`` with ``months``,
``completeness`` and ``returned_months``; no SQL here.

``lang="en"`` writes the same bulletin in English from the same statistics: the figures keep their keys
and values, only their wording changes (``app.reports.bulletin_en``: 8,180 enterprise-visits, up 74.0%
year on year, Q1 2025, Binhai New Area).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.periods import EARLIEST_MONTH, Period, due_date, month_start, parse_period, past_deadline
from app.districts.codes import is_municipality
from app.districts.models import DistrictLevel
from app.reports import bulletin_en as en
from app.reports.annual import describe_district
from app.reports.numbers import (
    change_percent,
    format_change,
    format_months,
    format_percent,
    format_point_change,
    format_quantity,
)
from app.reports.schemas import Bulletin, BulletinSection, Figure, Lang, Table
from app.stats.activities import data_as_of
from app.stats.completeness import completeness, returned_months
from app.stats.context import StatsContext
from app.stats.ranking import district_rankings
from app.stats.ratios import derived_ratios
from app.stats.schemas import IndicatorTotal, RankingOut, RankingRow, RatioCode, ReportStatus
from app.stats.totals import annual_totals

# 总体情况: one sentence per area, in catalogue order; {v} is the figure as written.
OVERVIEW: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "“双随机、一公开”监管",
        (
            ("double_random.inspections", "开展“双随机、一公开”抽查{v}"),
            ("double_random.published", "公开抽查结果{v}"),
            ("double_random.joint_inspections", "部门联合抽查{v}"),
        ),
    ),
    (
        "执法检查",
        (
            ("inspection.enterprises", "开展执法检查{v}"),
            ("inspection.hazards_found", "发现隐患和违法行为{v}"),
            ("inspection.hazards_rectified", "督促整改{v}"),
        ),
    ),
    ("案件审理", (("case_review.meetings", "召开案审会{v}"), ("case_review.cases", "审理案件{v}"))),
    (
        "行政处罚",
        (
            ("penalty.cases", "实施行政处罚{v}"),
            ("penalty.fines_yuan", "罚款{v}"),
            ("penalty.suspensions", "责令停产停业{v}"),
            ("penalty.detentions", "行政拘留{v}"),
        ),
    ),
    ("应急演练", (("drill.drills", "组织应急演练{v}"), ("drill.participants", "参演{v}"))),
    (
        "执法培训",
        (
            ("training.sessions", "开展执法培训{v}"),
            ("training.trainees", "受训{v}"),
            ("training.exams", "组织考试{v}"),
            ("training.examinees", "参考{v}"),
        ),
    ),
    ("普法宣传", (("publicity.events", "开展普法宣传活动{v}"), ("publicity.audience", "受众{v}"))),
)
ACCIDENTS = (("accident.count", "发生生产安全事故{v}"), ("accident.deaths", "死亡{v}"))
# The ranking tables: (caption, the indicator ranked, the second indicator shown beside it).
RANKING_TABLES = (
    ("执法检查和隐患排查情况", "inspection.enterprises", "inspection.hazards_found"),
    ("行政处罚情况", "penalty.cases", "penalty.fines_yuan"),
)
RANKED = tuple(code for _caption, *codes in RANKING_TABLES for code in codes)
RANK_RULE = (
    "排名按本期合计从高到低，只比较本期各月均已报送该项数据的区（县），并列者名次相同；"
    "有月份未报送的区（县）单列，不参与排名"
)
CHINESE_ORDINALS = "一二三四五六七八九十"

# The English bulletin's wording of the same: code → clause ({v} is the figure as written).
OVERVIEW_EN: dict[str, str] = {
    "double_random.inspections": "carried out {v} under the “double random, one public” scheme",
    "double_random.published": "published {v}",
    "double_random.joint_inspections": "inspected {v} jointly with other departments",
    "inspection.enterprises": "carried out enforcement inspections totalling {v}",
    "inspection.hazards_found": "found hazards and violations totalling {v}",
    "inspection.hazards_rectified": "had {v} rectified",
    "case_review.meetings": "held {v} to review cases",
    "case_review.cases": "reviewed {v}",
    "penalty.cases": "imposed administrative penalties in {v}",
    "penalty.fines_yuan": "imposed fines of {v}",
    "penalty.suspensions": "ordered {v} to suspend production",
    "penalty.detentions": "had {v} placed in administrative detention",
    "drill.drills": "organised {v}",
    "drill.participants": "with {v} taking part",
    "training.sessions": "held {v} of enforcement training",
    "training.trainees": "trained {v}",
    "training.exams": "organised {v}",
    "training.examinees": "taken by {v}",
    "publicity.events": "held {v} to publicise the law",
    "publicity.audience": "reaching {v}",
    "accident.count": "recorded {v}",
    "accident.deaths": "with {v}",
}
HEADINGS_EN = {
    "“双随机、一公开”监管": "“double random, one public” supervision",
    "执法检查": "enforcement inspections",
    "案件审理": "case review",
    "行政处罚": "administrative penalties",
    "应急演练": "emergency drills",
    "执法培训": "enforcement training",
    "普法宣传": "legal publicity",
    "总体情况": "Overview",
    "数据分析": "Analysis",
    "各区（县）情况": "Districts",
    "报送质量": "Reporting quality",
    "安全生产形势": "Production safety",
    "执法检查和隐患排查情况": "Enforcement inspections and hazards found",
    "行政处罚情况": "Administrative penalties",
}
RANK_RULE_EN = (
    "Districts are ranked by the period's total from highest to lowest, comparing only the districts that "
    "reported the item for every month of the period; tied districts share a rank. Districts with months not "
    "reported are listed separately and are not ranked"
)
# Rates: key → (label, unit) in English.
RATES_EN = {
    "rate.hazards_per_thousand": ("Hazards and violations found per 1,000 enterprise-visits", "items"),
    "rate.rectified_rate": ("Share of hazards rectified", "%"),
    "rate.fine_per_case": ("Average fine per penalty case", "yuan"),
    "rate.published_rate": ("Share of spot-check results published", "%"),
}


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    unit: str  # "%" (a change in points) or a unit (a change in percent)
    value: float | None
    last_year: float | None
    previous: float | None


def _ratio(numerator: float | None, denominator: float | None, factor: float) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator * factor / denominator, 2)


class _Builder:
    def __init__(self, ctx: StatsContext, *, code: str, period: Period, lang: str = "zh") -> None:
        self.ctx = ctx
        self.code = code
        self.period = period
        self.en = lang == "en"
        self.place, self.word = describe_district(ctx.session, code=code)
        self.is_county = self.place.level == DistrictLevel.county
        self.figures: list[Figure] = []
        self.before = period.previous()
        self.has_last_year = period.year - 1 >= EARLIEST_MONTH.year
        # The English wording: the area (the city), the period (Q1 2025) and the place (Tianjin).
        self.area = en.area(self.word)
        if self.place.level == DistrictLevel.province:
            self.area = "the city" if is_municipality(code) else "the province"
            if self.place.name.endswith("自治区"):
                self.area = "the region"
        self.period_en = en.period_name(period)
        self.place_en = en.full_name(self.place)
        # How the figures name their period: the Chinese bulletin's 2025年第一季度, or Q1 2025.
        self.period_name = self.period_en if self.en else period.zh

    def name_of(self, code: str, name: str) -> str:
        """A district as this bulletin names it: 滨海新区, or Binhai New Area in English."""
        return en.name(code, name) if self.en else name

    def subject(self) -> str:
        """Who the sentences speak of: 我局/全市, or the bureau / the city."""
        if self.en:
            return "the bureau" if self.is_county else self.area
        return "我局" if self.is_county else self.word

    def quantity(self, value: float, unit: str) -> str:
        return en.format_quantity(value, unit) if self.en else format_quantity(value, unit)

    def percent(self, value: float) -> str:
        return en.format_percent(value) if self.en else format_percent(value)

    def cell(self, value: float | None, unit: str) -> str:
        return "—" if value is None else self.quantity(value, unit)

    def share(self, r: RankingRow | None) -> str:
        return "—" if r is None or r.share_pct is None else self.percent(r.share_pct)

    def row_change(self, r: RankingRow | None) -> str:
        if not self.en:
            return _row_change(r)
        if r is None or r.change_pct is None:
            return "—"
        return en.format_change(r.change_pct, "", "unchanged")

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    # ------------------------------------------------------------------ changes

    def yoy(self, t: IndicatorTotal) -> tuple[str | None, str]:
        if self.en:
            return self.yoy_en(t)
        last = f"{self.period.year - 1}年{self.period.span_zh}"
        if t.previous_total is None or t.comparable_total is None or t.months_compared == 0:
            return None, f"{last}无数据，不作同比"
        if t.months_compared * 2 < t.months_reported:
            return None, f"{last}可比区县-月不足一半，不作同比"
        pct = change_percent(t.comparable_total, t.previous_total)
        partial = t.months_compared < t.months_reported
        basis = f"同比：{last}" + (f"，只计两年均已报送的区县-月（{t.months_compared}个）" if partial else "")
        if pct is None:
            return ("与上年持平" if t.comparable_total == 0 else None), basis
        return ("按可比口径" if partial else "") + format_change(pct), basis

    def yoy_en(self, t: IndicatorTotal) -> tuple[str | None, str]:
        p = self.period
        last = en.month_span(p.month_from, p.month_to, p.year - 1)
        if t.previous_total is None or t.comparable_total is None or t.months_compared == 0:
            return None, f"no data for {last}: no year-on-year comparison"
        if t.months_compared * 2 < t.months_reported:
            return None, f"fewer than half of the district-months comparable with {last}: no year-on-year comparison"
        pct = change_percent(t.comparable_total, t.previous_total)
        partial = t.months_compared < t.months_reported
        basis = f"year on year: {last}" + (
            f", counting only the {en.plural(t.months_compared, 'district-month')} reported in both years"
            if partial
            else ""
        )
        if pct is None:
            return ("unchanged year on year" if t.comparable_total == 0 else None), basis
        return en.format_change(pct) + (" on a comparable basis" if partial else ""), basis

    def mom(self, t: IndicatorTotal, before: IndicatorTotal | None) -> tuple[str | None, str]:
        if self.before is None:
            return None, ""
        if self.en:
            basis = f"on the previous period: {en.period_name(self.before)}"
            if before is None or before.total is None or t.total is None:
                return None, basis + " had no data, no comparison"
            pct = change_percent(t.total, before.total)
            same = f"unchanged on the previous {self.period.kind}"
            if pct is None:
                return (same if t.total == 0 else None), basis
            return en.format_change(pct, f"on the previous {self.period.kind}", same), basis
        basis = f"环比：{self.before.zh}"
        if before is None or before.total is None or t.total is None:
            return None, basis + "无数据，不作环比"
        pct = change_percent(t.total, before.total)
        if pct is None:
            return ("与上期持平" if t.total == 0 else None), basis
        return format_change(pct, "环比", "与上期持平"), basis

    def figure(self, t: IndicatorTotal, before: IndicatorTotal | None) -> Figure:
        assert t.total is not None
        yoy, yoy_basis = self.yoy(t)
        mom, mom_basis = self.mom(t, before)
        changes = [c for c in (yoy, mom) if c]
        missing = t.months_expected - t.months_reported
        if self.en:
            return self.add(
                Figure(
                    key=t.code,
                    label=t.name_en,
                    code=t.code,
                    unit=t.unit_en,
                    value=t.total,
                    text=en.format_quantity(t.total, t.unit_en),
                    period=self.period_en,
                    missing=en.plural(missing, "district-month") if missing > 0 and not self.is_county else "",
                    previous=t.previous_total,
                    comparable=t.comparable_total,
                    change_text=", ".join(changes) or None,
                    basis="; ".join(b for b in (yoy_basis, mom_basis) if b),
                )
            )
        return self.add(
            Figure(
                key=t.code,
                label=t.name_zh,
                code=t.code,
                unit=t.unit,
                value=t.total,
                text=format_quantity(t.total, t.unit),
                period=self.period.zh,
                missing=f"{missing}个区县-月" if missing > 0 and not self.is_county else "",
                previous=t.previous_total,
                comparable=t.comparable_total,
                change_text="，".join(changes) or None,
                basis="；".join(b for b in (yoy_basis, mom_basis) if b),
            )
        )

    # ------------------------------------------------------------------ 总体情况

    def overview(
        self, totals: dict[str, IndicatorTotal], before: dict[str, IndicatorTotal]
    ) -> tuple[list[str], list[str]]:
        paragraphs: list[str] = []
        lead = f"{self.period.span_zh}，{'我局' if self.is_county else self.word}"
        for heading, parts in OVERVIEW:
            clauses = self.clauses(parts, totals, before)
            if clauses and self.en:
                subject = self.subject()
                opening = (
                    f"In {self.period_en}, {subject} " if not paragraphs else f"In {HEADINGS_EN[heading]}, {subject} "
                )
                paragraphs.append(opening + "; ".join(clauses) + ".")
            elif clauses:
                # The first paragraph says when and who; each next one names its area, as bulletins do.
                paragraphs.append((f"{heading}方面，" if paragraphs else lead) + "；".join(clauses) + "。")
        accident = self.clauses(ACCIDENTS, totals, before)
        return paragraphs, accident

    def clauses(
        self, parts: tuple[tuple[str, str], ...], totals: dict[str, IndicatorTotal], before: dict[str, IndicatorTotal]
    ) -> list[str]:
        out = []
        for code, template in parts:
            t = totals.get(code)
            if t is None or t.total is None:
                continue
            f = self.figure(t, before.get(code))
            if self.en:
                out.append(OVERVIEW_EN[code].format(v=f.text) + (f", {f.change_text}" if f.change_text else ""))
                continue
            out.append(template.format(v=f.text) + (f"，{f.change_text}" if f.change_text else ""))
        return out

    def basis_sentence(self, totals: dict[str, IndicatorTotal]) -> str:
        if self.en:
            p = self.period
            partial = any(t.months_compared < t.months_reported for t in totals.values() if t.total is not None)
            text = f"Year-on-year changes compare with {en.month_span(p.month_from, p.month_to, p.year - 1)}" + (
                ", on a comparable basis counting only the district-months reported in both years" if partial else ""
            )
            if self.before is not None:
                text += f"; changes on the previous period compare with {en.period_name(self.before)}"
            return text + "."
        last = f"{self.period.year - 1}年{self.period.span_zh}"
        partial = any(t.months_compared < t.months_reported for t in totals.values() if t.total is not None)
        text = f"同比与{last}比较" + ("，按可比口径只计两年均已报送的区县-月份" if partial else "")
        if self.before is not None:
            text += f"；环比与上期（{self.before.zh}）比较"
        return text + "。"

    # ------------------------------------------------------------------ 数据分析

    def rates(
        self,
        totals: dict[str, IndicatorTotal],
        last_year: dict[str, IndicatorTotal],
        before: dict[str, IndicatorTotal],
    ) -> list[Rate]:
        p = self.period

        def per_thousand(t: dict[str, IndicatorTotal]) -> float | None:
            found, done = t.get("inspection.hazards_found"), t.get("inspection.enterprises")
            value = _ratio(found.total if found else None, done.total if done else None, 1000.0)
            return None if value is None else round(value, 1)

        ratios = {
            r.code: r.value
            for r in derived_ratios(
                self.ctx, district=self.code, year=p.year, month_from=p.month_from, month_to=p.month_to
            ).ratios
        }
        ratios_last: dict[RatioCode, float | None] = {}
        if self.has_last_year:
            ratios_last = {
                r.code: r.value
                for r in derived_ratios(
                    self.ctx, district=self.code, year=p.year - 1, month_from=p.month_from, month_to=p.month_to
                ).ratios
            }
        ratios_before: dict[RatioCode, float | None] = {}
        if self.before is not None and self.before.year >= EARLIEST_MONTH.year:
            b = self.before
            ratios_before = {
                r.code: r.value
                for r in derived_ratios(
                    self.ctx, district=self.code, year=b.year, month_from=b.month_from, month_to=b.month_to
                ).ratios
            }
        out = [
            Rate(
                "rate.hazards_per_thousand",
                "每千家次检查发现隐患和违法行为",
                "项",
                per_thousand(totals),
                per_thousand(last_year),
                per_thousand(before),
            )
        ]
        for code, label, unit in (
            (RatioCode.rectified_rate, "隐患整改率", "%"),
            (RatioCode.fine_per_case, "案均罚款", "元"),
            (RatioCode.published_rate, "双随机抽查结果公开率", "%"),
        ):
            out.append(
                Rate(
                    f"rate.{code.value}", label, unit, ratios.get(code), ratios_last.get(code), ratios_before.get(code)
                )
            )
        if self.en:
            # The same values, worded in English.
            out = [Rate(r.key, *RATES_EN[r.key], r.value, r.last_year, r.previous) for r in out]
        return out

    def rate_sentence(self, rate: Rate) -> str | None:
        if rate.value is None:
            return None
        if self.en:
            return self.rate_sentence_en(rate)
        text = format_percent(rate.value) if rate.unit == "%" else format_quantity(rate.value, rate.unit)
        changes = []
        for other, versus, same in ((rate.last_year, "同比", "与上年持平"), (rate.previous, "环比", "与上期持平")):
            if other is None or (versus == "环比" and self.before is None):
                continue
            if rate.unit == "%":
                changes.append(format_point_change(rate.value - other, versus, same))
            elif (pct := change_percent(rate.value, other)) is not None:
                changes.append(format_change(pct, versus, same))
        basis = (
            "分子、分母均报送的区县-月" if rate.unit == "%" or rate.key.endswith("fine_per_case") else "本期合计之比"
        )
        self.add(
            Figure(
                key=rate.key,
                label=rate.label,
                code=rate.key,
                unit=rate.unit,
                value=rate.value,
                text=text,
                period=self.period.zh,
                previous=rate.last_year,
                change_text="，".join(changes) or None,
                basis=basis + (f"；上年同期{_plain(rate.last_year, rate.unit)}" if rate.last_year is not None else ""),
            )
        )
        return f"{rate.label}{text}" + (f"，{'，'.join(changes)}" if changes else "")

    def rate_sentence_en(self, rate: Rate) -> str:
        assert rate.value is not None
        percent = rate.unit == "%"
        text = en.format_percent(rate.value) if percent else en.format_quantity(rate.value, rate.unit)
        changes = []
        for other, versus, same in (
            (rate.last_year, "year on year", "unchanged year on year"),
            (rate.previous, f"on the previous {self.period.kind}", f"unchanged on the previous {self.period.kind}"),
        ):
            if other is None or (versus != "year on year" and self.before is None):
                continue
            if percent:
                changes.append(en.format_point_change(rate.value - other, versus, same))
            elif (pct := change_percent(rate.value, other)) is not None:
                changes.append(en.format_change(pct, versus, same))
        basis = (
            "district-months reporting both numerator and denominator"
            if percent or rate.key.endswith("fine_per_case")
            else "ratio of the period's totals"
        )
        if rate.last_year is not None:
            last = en.format_percent(rate.last_year) if percent else en.format_quantity(rate.last_year, rate.unit)
            basis += f"; same period last year {last}"
        self.add(
            Figure(
                key=rate.key,
                label=rate.label,
                code=rate.key,
                unit=rate.unit,
                value=rate.value,
                text=text,
                period=self.period_en,
                previous=rate.last_year,
                change_text=", ".join(changes) or None,
                basis=basis,
            )
        )
        label = rate.label[0].lower() + rate.label[1:]
        if label.startswith(("share", "average")):
            label = "the " + label
        return f"{label} stood at {text}" + (f", {', '.join(changes)}" if changes else "")

    # ------------------------------------------------------------------ 各区（县）情况

    def rankings(self) -> dict[str, RankingOut]:
        p = self.period
        # A municipality (Tianjin) and a city rank their county-level districts; a province its cities.
        county_level = is_municipality(self.code) or self.place.level == DistrictLevel.city
        return district_rankings(
            self.ctx,
            year=p.year,
            indicators=list(RANKED),
            parent=self.code,
            level=DistrictLevel.county if county_level else None,
            months=(p.month_from, p.month_to),
        )

    def ranking_section(self, rankings: dict[str, RankingOut], not_reported: dict[str, list[int]]) -> BulletinSection:
        paragraphs = [f"{RANK_RULE_EN}." if self.en else f"{RANK_RULE}。"]
        tables = []
        for i, (caption, main, beside) in enumerate(RANKING_TABLES, 1):
            ranking, other = rankings[main], rankings[beside]
            ranks = complete_ranks(ranking.rows)
            rows_by_code = {r.code: r for r in other.rows}
            order = sorted(ranking.rows, key=lambda r: (ranks.get(r.code) is None, ranks.get(r.code) or 0, r.code))
            unit, unit2 = ranking.indicator.unit, other.indicator.unit
            if self.en:
                unit, unit2 = ranking.indicator.unit_en, other.indicator.unit_en
            share_of = f"Share of {self.area.removeprefix('the ')}"
            header = [
                "Rank",
                "District",
                ranking.indicator.name_en,
                share_of,
                "Year on year",
                other.indicator.name_en,
                share_of,
                "Year on year",
            ]
            if not self.en:
                header = [
                    "排名",
                    "区（县）",
                    f"{ranking.indicator.name_zh}",
                    f"占{self.word}",
                    "同比",
                    f"{other.indicator.name_zh}",
                    f"占{self.word}",
                    "同比",
                ]
            rows = []
            for r in order:
                o = rows_by_code.get(r.code)
                rank = ranks.get(r.code)
                rows.append(
                    [
                        str(rank) if rank is not None else ("Not ranked" if self.en else "不排名"),
                        self.name_of(r.code, r.name),
                        self.cell(r.total, unit),
                        self.share(r),
                        self.row_change(r),
                        self.cell(o.total if o else None, unit2),
                        self.share(o) if o else "—",
                        self.row_change(o) if o else "—",
                    ]
                )
                if rank is not None:
                    self.add(
                        Figure(
                            key=f"rank.{main}.{r.code}",
                            label=f"{ranking.indicator.name_en} rank"
                            if self.en
                            else f"{ranking.indicator.name_zh}排名",
                            code=main,
                            unit=unit,
                            value=r.total,
                            text=f"ranked {en.ordinal(rank)}, {self.cell(r.total, unit)}"
                            if self.en
                            else f"第{rank}位，{_cell(r.total, unit)}",
                            district=self.name_of(r.code, r.name),
                            period=self.period_name,
                            previous=r.previous_total,
                            comparable=r.comparable_total,
                            change_text=self.row_change(r) if r.change_pct is not None else None,
                            basis=f"{self.share(r)} of {self.area}'s total" if self.en else f"占{self.word}{_share(r)}",
                        )
                    )
            caption_text = (
                f"Table {i}  {HEADINGS_EN[caption]} by district, {self.period_en}"
                if self.en
                else f"表{i}  {self.period.zh}各区（县）{caption}"
            )
            tables.append(Table(caption=caption_text, header=header, rows=rows))
            paragraphs.append(self.top_and_bottom(ranking, ranks, not_reported))
        return BulletinSection(heading="各区（县）情况", paragraphs=paragraphs, tables=tables)

    def top_and_bottom(self, ranking: RankingOut, ranks: dict[str, int], not_reported: dict[str, list[int]]) -> str:
        if self.en:
            return self.top_and_bottom_en(ranking, ranks, not_reported)
        label, unit = ranking.indicator.name_zh, ranking.indicator.unit
        ranked = sorted((r for r in ranking.rows if r.code in ranks), key=lambda r: ranks[r.code])
        if not ranked:
            return f"从{label}看，本期没有各月均已报送的区（县），不作排名。"
        n = 3 if len(ranked) >= 6 else 1
        top = ranked[:n]
        bottom = ranked[-n:] if len(ranked) > n else []

        def named(rows: list[RankingRow]) -> str:
            return "、".join(f"{r.name}（{_cell(r.total, unit)}，占{self.word}{_share(r)}）" for r in rows)

        if ranked[0].total == ranked[-1].total:
            text = f"从{label}看，参与排名的{len(ranked)}个区（县）均为{_cell(ranked[0].total, unit)}，名次并列"
        else:
            text = f"从{label}看，{'排名前三位的' if n == 3 else '最多的'}是{named(top)}"
        if bottom and ranked[0].total != ranked[-1].total:
            text += f"；{'排名后三位的' if n == 3 else '最少的'}是{named(list(reversed(bottom)))}"
        left_out = [r for r in ranking.rows if r.code not in ranks]
        if left_out:
            parts = []
            for r in left_out:
                months = not_reported.get(r.code)
                gap = f"{format_months(months)}未报送" if months else "部分月份未报送该项数据"
                parts.append(f"{r.name}（{gap}）")
            text += f"；{'、'.join(parts)}有月份未报送，未参与排名"
        return text + "。"

    def top_and_bottom_en(self, ranking: RankingOut, ranks: dict[str, int], not_reported: dict[str, list[int]]) -> str:
        name, unit = ranking.indicator.name_en, ranking.indicator.unit_en
        label = name[0].lower() + name[1:]
        ranked = sorted((r for r in ranking.rows if r.code in ranks), key=lambda r: ranks[r.code])
        if not ranked:
            return f"For {label}, no district reported every month of the period, so none is ranked."
        n = 3 if len(ranked) >= 6 else 1
        top = ranked[:n]
        bottom = ranked[-n:] if len(ranked) > n else []

        def named(rows: list[RankingRow]) -> str:
            return en.join_and(
                [
                    f"{self.name_of(r.code, r.name)} ({self.cell(r.total, unit)}, "
                    f"{self.share(r)} of {self.area}'s total)"
                    for r in rows
                ]
            )

        if ranked[0].total == ranked[-1].total:
            text = (
                f"For {label}, all {len(ranked)} ranked districts stood at {self.cell(ranked[0].total, unit)} "
                "and share the same rank"
            )
        else:
            text = f"For {label}, {'the top three were' if n == 3 else 'the highest was'} {named(top)}"
        if bottom and ranked[0].total != ranked[-1].total:
            text += f"; {'the bottom three were' if n == 3 else 'the lowest was'} {named(list(reversed(bottom)))}"
        left_out = [r for r in ranking.rows if r.code not in ranks]
        if left_out:
            parts = []
            for r in left_out:
                months = not_reported.get(r.code)
                gap = f"{en.format_months(months)} not reported" if months else "some months of the item not reported"
                parts.append(f"{self.name_of(r.code, r.name)} ({gap})")
            has, was = ("has", "was") if len(left_out) == 1 else ("have", "were")
            text += f"; {en.join_and(parts)} {has} months not reported and {was} not ranked"
        return text + "."

    # ------------------------------------------------------------------ 报送质量

    def quality(self) -> tuple[BulletinSection, dict[str, list[int]]]:
        p = self.period
        months = range(p.month_from, p.month_to + 1)
        table = completeness(self.ctx, year=p.year, parent=self.code)
        returned = returned_months(
            self.ctx, parent=self.code, year=p.year, month_from=p.month_from, month_to=p.month_to
        )
        names = {r.code: r.name for r in table.rows}
        missing: dict[str, list[int]] = {}
        not_reported: dict[str, list[int]] = {}
        late: dict[str, list[int]] = {}
        for row in table.rows:
            cells = {m: row.months[m - 1] for m in months}
            missing_here = [m for m, st in cells.items() if st == ReportStatus.missing]
            if missing_here:
                missing[row.code] = missing_here
            # Months not reported yet, whether overdue or still within the deadline (ranking notes).
            unsent = [m for m, st in cells.items() if st in (ReportStatus.missing, None)]
            if unsent:
                not_reported[row.code] = unsent
            late_here = [m for m, st in cells.items() if st == ReportStatus.late]
            if late_here:
                late[row.code] = late_here
        expected = sum(1 for row in table.rows for m in months if row.months[m - 1] is not None)
        n_missing = sum(len(v) for v in missing.values())
        n_late = sum(len(v) for v in late.values())
        reported = expected - n_missing
        if self.en:
            en_names = {code: self.name_of(code, name) for code, name in names.items()}
            section = self.quality_en(
                len(table.rows), expected, reported, n_late, n_missing, en_names, missing, late, returned
            )
            return section, not_reported
        counts = [
            ("quality.districts", "区（县）数", len(table.rows), "个"),
            ("quality.expected", "应报送月度报表", expected, "份"),
            ("quality.reported", "已报送月度报表", reported, "份"),
            ("quality.late", "其中迟报", n_late, "份"),
            ("quality.missing", "未报送月度报表", n_missing, "份"),
            ("quality.returned", "被退回修改", sum(len(v) for v in returned.values()), "份"),
        ]
        written = {}
        for key, label, value, unit in counts:
            written[key] = format_quantity(value, unit)
            self.add(
                Figure(
                    key=key, label=label, code="month_reports", unit=unit, value=value, text=written[key], period=p.zh
                )
            )
        subject = "我局" if self.is_county else f"{self.word}{written['quality.districts']}区（县）"
        text = f"{p.span_zh}，{subject}应报送月度报表{written['quality.expected']}，已报送{written['quality.reported']}"
        text += f"（其中迟报{written['quality.late']}），未报送{written['quality.missing']}"
        if expected:
            rate = reported * 100 / expected
            on_time = (reported - n_late) * 100 / expected
            self.add(
                Figure(
                    key="quality.reporting_rate",
                    label="报送率",
                    code="month_reports",
                    unit="%",
                    value=round(rate, 2),
                    text=format_percent(rate),
                    period=p.zh,
                )
            )
            self.add(
                Figure(
                    key="quality.on_time_rate",
                    label="按时报送率",
                    code="month_reports",
                    unit="%",
                    value=round(on_time, 2),
                    text=format_percent(on_time),
                    period=p.zh,
                )
            )
            text += f"，报送率{format_percent(rate)}，按时报送率{format_percent(on_time)}"
        paragraphs = [text + "。"]
        not_due = [m for m in months if not past_deadline(month_start(p.year, m), self.ctx.today)]
        if not_due:
            # A report still within its deadline is not missing: say so, or the counts read as complete.
            due = due_date(month_start(p.year, not_due[0]))
            paragraphs.append(
                f"{format_months(not_due)}报表报送期限为{due.month}月{due.day}日，尚未到期，未报送的区（县）不计为漏报。"
            )
        for key, word, found in (
            ("missing", "漏报（逾期未报送）", missing),
            ("late", "迟报", late),
            ("returned", "退回修改（错报）", returned),
        ):
            if not found:
                continue
            listed = "；".join(f"{names.get(code, code)}{format_months(ms)}" for code, ms in found.items())
            for code, ms in found.items():
                self.add(
                    Figure(
                        key=f"quality.{key}.{code}",
                        label=word.split("（")[0] + "月份",
                        code="month_reports",
                        unit="个月",
                        value=len(ms),
                        text=format_months(ms),
                        district=names.get(code, code),
                        period=p.zh,
                        missing=format_months(ms) if key == "missing" else "",
                    )
                )
            paragraphs.append(f"{word}：{listed}。")
        if not (missing or late or returned):
            paragraphs.append(
                "各区（县）均按时报送，没有漏报、迟报和退回修改的月份。"
                if not self.is_county
                else "本期各月均按时报送。"
            )
        return BulletinSection(heading="报送质量", paragraphs=paragraphs), not_reported

    def quality_en(
        self,
        districts: int,
        expected: int,
        reported: int,
        n_late: int,
        n_missing: int,
        names: dict[str, str],
        missing: dict[str, list[int]],
        late: dict[str, list[int]],
        returned: dict[str, list[int]],
    ) -> BulletinSection:
        """The reporting-quality section in English: the same counts, figures and keys as the Chinese."""
        p = self.period
        months = range(p.month_from, p.month_to + 1)
        counts = [
            ("quality.districts", "Districts", districts, "districts"),
            ("quality.expected", "Monthly reports due", expected, "reports"),
            ("quality.reported", "Monthly reports submitted", reported, "reports"),
            ("quality.late", "Of which late", n_late, "reports"),
            ("quality.missing", "Monthly reports not submitted", n_missing, "reports"),
            ("quality.returned", "Returned for correction", sum(len(v) for v in returned.values()), "reports"),
        ]
        written = {}
        for key, label, value, unit in counts:
            written[key] = en.format_quantity(value, unit)
            self.add(
                Figure(
                    key=key,
                    label=label,
                    code="month_reports",
                    unit=unit,
                    value=value,
                    text=written[key],
                    period=self.period_en,
                )
            )
        if self.is_county:
            subject = "the bureau was"
        else:
            subject = f"{self.area}'s {written['quality.districts']} {'was' if districts == 1 else 'were'}"
        text = (
            f"In {self.period_en}, {subject} due to submit {written['quality.expected']}: "
            f"{en.format_number(reported)} submitted ({en.format_number(n_late)} of them late), "
            f"{en.format_number(n_missing)} not submitted"
        )
        if expected:
            rate = reported * 100 / expected
            on_time = (reported - n_late) * 100 / expected
            for rate_key, rate_label, share in (
                ("quality.reporting_rate", "Reporting rate", rate),
                ("quality.on_time_rate", "On-time reporting rate", on_time),
            ):
                self.add(
                    Figure(
                        key=rate_key,
                        label=rate_label,
                        code="month_reports",
                        unit="%",
                        value=round(share, 2),
                        text=en.format_percent(share),
                        period=self.period_en,
                    )
                )
            text += (
                f"; a reporting rate of {en.format_percent(rate)} and an on-time rate of {en.format_percent(on_time)}"
            )
        paragraphs = [text + "."]
        not_due = [m for m in months if not past_deadline(month_start(p.year, m), self.ctx.today)]
        if not_due:
            due = due_date(month_start(p.year, not_due[0]))
            paragraphs.append(
                f"Reports for {en.format_months(not_due)} are due by {calendar.month_name[due.month]} {due.day} "
                "and not yet overdue; districts that have not submitted them are not counted as missing."
            )
        for key, word, label, found in (
            ("missing", "Missing (overdue, not submitted)", "Missing months", missing),
            ("late", "Late", "Late months", late),
            ("returned", "Returned for correction (errors)", "Returned months", returned),
        ):
            if not found:
                continue
            listed = "; ".join(f"{names.get(code, code)} ({en.format_months(ms)})" for code, ms in found.items())
            for code, ms in found.items():
                self.add(
                    Figure(
                        key=f"quality.{key}.{code}",
                        label=label,
                        code="month_reports",
                        unit="months",
                        value=len(ms),
                        text=en.format_months(ms),
                        district=names.get(code, code),
                        period=self.period_en,
                        missing=en.format_months(ms) if key == "missing" else "",
                    )
                )
            paragraphs.append(f"{word}: {listed}.")
        if not (missing or late or returned):
            paragraphs.append(
                "Every district reported on time: no month was missing, late or returned."
                if not self.is_county
                else "Every month of the period was reported on time."
            )
        return BulletinSection(heading="报送质量", paragraphs=paragraphs)


def complete_ranks(rows: list[RankingRow]) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4) among the rows that reported every month of the period."""
    complete = sorted(
        (r for r in rows if r.total is not None and r.months_reported >= r.months_expected > 0),
        key=lambda r: -(r.total or 0),
    )
    ranks: dict[str, int] = {}
    for i, r in enumerate(complete):
        same = i > 0 and complete[i - 1].total == r.total
        ranks[r.code] = ranks[complete[i - 1].code] if same else i + 1
    return ranks


def _cell(value: float | None, unit: str) -> str:
    return "—" if value is None else format_quantity(value, unit)


def _share(r: RankingRow | None) -> str:
    return "—" if r is None or r.share_pct is None else format_percent(r.share_pct)


def _row_change(r: RankingRow | None) -> str:
    if r is None or r.change_pct is None:
        return "—"
    return format_change(r.change_pct).removeprefix("同比").replace("与上年持平", "持平")


def _plain(value: float, unit: str) -> str:
    return format_percent(value) if unit == "%" else format_quantity(value, unit)


def _totals(ctx: StatsContext, code: str, period: Period | None) -> dict[str, IndicatorTotal]:
    if period is None or period.year < EARLIEST_MONTH.year:
        return {}
    out = annual_totals(ctx, district=code, year=period.year, month_from=period.month_from, month_to=period.month_to)
    return {t.code: t for t in out.indicators}


def build_bulletin(ctx: StatsContext, *, district: str, period: str | Period, lang: Lang = "zh") -> Bulletin:
    """The bulletin of ``district`` (a county, city or province) for ``period`` (see ``parse_period``), in
    Chinese or (``lang="en"``) English: the same statistics and figures, worded in that language."""
    p = period if isinstance(period, Period) else parse_period(period, ctx.today)
    current = annual_totals(ctx, district=district, year=p.year, month_from=p.month_from, month_to=p.month_to)
    totals = {t.code: t for t in current.indicators}
    b = _Builder(ctx, code=district, period=p, lang=lang)
    if all(t.total is None for t in totals.values()):
        raise NotFound(
            f"{b.place.full_name}{p.zh}没有已报送的数据，无法生成通报",
            f"{b.place.full_name} has no data for {p.en}: there is nothing to write a bulletin from",
            code="report.no_data",
        )
    before = _totals(ctx, district, p.previous())
    last_year = _totals(ctx, district, p.same_last_year())
    sections: list[BulletinSection] = []

    overview, accidents = b.overview(totals, before)
    sections.append(BulletinSection(heading="总体情况", paragraphs=[*overview, b.basis_sentence(totals)]))
    analysis = [s for rate in b.rates(totals, last_year, before) if (s := b.rate_sentence(rate))]
    if analysis and b.en:
        sections.append(
            BulletinSection(
                heading="数据分析", paragraphs=[f"In {b.period_en}, across {b.area}, " + "; ".join(analysis) + "."]
            )
        )
    elif analysis:
        sections.append(
            BulletinSection(heading="数据分析", paragraphs=[f"{p.span_zh}，{b.word}" + "；".join(analysis) + "。"])
        )
    quality, not_reported = b.quality()
    if not b.is_county:
        sections.append(b.ranking_section(b.rankings(), not_reported))
    sections.append(quality)
    if accidents and b.en:
        sections.append(
            BulletinSection(
                heading="安全生产形势", paragraphs=[f"In {b.period_en}, {b.subject()} " + ", ".join(accidents) + "."]
            )
        )
    elif accidents:
        sections.append(
            BulletinSection(heading="安全生产形势", paragraphs=[f"{p.span_zh}，{b.word}" + "，".join(accidents) + "。"])
        )
    if b.en:
        return _english(b, ctx, current.unapproved_months, sections)
    for i, section in enumerate(sections):
        section.heading = f"{CHINESE_ORDINALS[i]}、{section.heading}"
    notes = []
    if ctx.approved_only:
        notes.append("注：以上数据仅统计审核通过的月度报表。")
    elif current.unapproved_months:
        notes.append(f"注：以上数据含未审核数据（{current.unapproved_months}份月度报表尚未审核通过）。")
    return Bulletin(
        district=b.place,
        period=p.label,
        period_zh=p.zh,
        year=p.year,
        month_from=p.month_from,
        month_to=p.month_to,
        title=f"{b.place.full_name}应急管理局{p.zh}执法工作统计通报",
        intro=f"现将{p.zh}{'我局' if b.is_county else b.word}应急管理执法工作统计情况通报如下：",
        sections=sections,
        notes=notes,
        figures=b.figures,
        data_as_of=data_as_of(ctx, district=district, year=p.year, month_to=p.month_to),
        generated_at=utcnow(),
        approved_only=ctx.approved_only,
    )


def _english(b: _Builder, ctx: StatsContext, unapproved_months: int, sections: list[BulletinSection]) -> Bulletin:
    """The English bulletin around the sections ``b`` wrote in English."""
    p = b.period
    for i, section in enumerate(sections):
        section.heading = f"{en.ROMAN[i]}. {HEADINGS_EN[section.heading]}"
    notes = []
    if ctx.approved_only:
        notes.append("Note: the figures above count approved monthly reports only.")
    elif unapproved_months:
        unapproved = en.plural(unapproved_months, "monthly report")
        notes.append(f"Note: the figures above include data not yet approved ({unapproved} awaiting approval).")
    whom = "the bureau's" if b.is_county else f"{b.place_en}'s"
    # Tianjin Emergency Management Bureau; Emergency Management Bureau of Hedong District, Tianjin.
    bureau = (
        f"Emergency Management Bureau of {b.place_en}"
        if "," in b.place_en
        else f"{b.place_en} Emergency Management Bureau"
    )
    return Bulletin(
        district=b.place,
        period=p.label,
        period_zh=p.zh,
        year=p.year,
        month_from=p.month_from,
        month_to=p.month_to,
        lang="en",
        title=f"{bureau}: Enforcement Statistics Bulletin, {b.period_en}",
        intro=f"This bulletin reports {whom} emergency-management enforcement statistics for {b.period_en} as follows.",
        sections=sections,
        notes=notes,
        figures=b.figures,
        data_as_of=data_as_of(ctx, district=b.code, year=p.year, month_to=p.month_to),
        generated_at=utcnow(),
        approved_only=ctx.approved_only,
    )
