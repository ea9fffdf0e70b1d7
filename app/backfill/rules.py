"""The rules that keep a wrong figure out: what is never a figure of the year, and what is only a part.

Precision over recall: a figure that any rule here refuses is not proposed at all (the reviewer
types it in instead), because a wrong proposal accepted in a hurry becomes a wrong history.

Never proposed (``veto``): a previous year's figure or a trajectory (去年同期…, 十三五期间从53人下降到19人,
another year than the report's), a change (同比增加1200家次), a range (3—5次), an upper bound
(3万元以下, 不足10人), a rate (每月, 平均, 人均), a figure of "respectively" (分别), "each" (各5次),
a plan (计划, 力争, 目标), a figure in a section of plans or shortcomings (四、下一年度…的主要安排), a
headcount of the bureau's own staff (我局4人、街道5人，共9人参加培训), a count that is not whole,
a one-character Chinese numeral that runs into a word (一起开展, 三项制度).

A part, not the year's total (``scope``): a figure of a named campaign or a period inside the year,
said in its clause or sentence before the figure or in the lead of its enumerated item
(一是深入开展"安全生产月"活动。…活动8场) — unless a marker of the whole year (全年, 本年度, 累计, the
report's year) comes after the campaign's name; and what 其中 introduces after a figure of the same
indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.backfill.numbers import Figure
from app.backfill.sentences import Document, Sentence, Span

PAST = re.compile(
    r"去年|上年|上一年|前年|往年|历年|以来|同期|十[一二三四]五|期间从|多年|"
    r"近\s*[\d一二三四五六七八九十两]+\s*年|[\d一二三四五六七八九十两]+\s*年(?:来|间|以来)|"
    r"从[^，。；\d]{0,16}?\d[^，。；]{0,12}?(?:降|升|增|减)[^，。；\d]{0,3}(?:到|至)"
)
PARTIAL_PERIOD = re.compile(
    r"上半年|下半年|[一二三四1-4]季度|前三季度|截至|截止|\d{1,2}\s*月(?:份|底|末)|[一二三四五六七八九十]+月份|"
    r"(?!1\s*[-—–~～至到]\s*12\s*月)\d{1,2}\s*[-—–~～至到]\s*\d{1,2}\s*月"
)
YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s*年?\s*[-—–~～至到]\s*(?:19|20)\d{2}\s*年")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
PLAN = re.compile(r"计划|力争|目标|预计|拟于|拟将|争取|将要|下一步|明年")
RATE = re.compile(r"每(?:月|周|季度?|年|天|日|次|家|人|场)|平均|人均|户均|场均|家均|比例")
RESPECTIVELY = re.compile(r"分别")
DELTA_BEFORE = re.compile(r"(?:增加|减少|增长|下降|上升|提高|降低|增|减|多|少|降|升)(?:了|为|到|至)?\s*$")
RANGE_BEFORE = re.compile(r"[-—–~～至到]\s*$")
BOUND_BEFORE = re.compile(r"(?:不足|不到|低于|少于|不超过|最多|未满)\s*$")
BOUND_AFTER = re.compile(r"^\s*(?:以下|以内|之内|不等|及以下)")
EACH_BEFORE = re.compile(r"各\s*$")
STAFF = re.compile(
    r"我局|本局|局机关|全局|执法大队|执法支队|执法人员|执法队员|工作人员|机关人员|干部|职工|公职律师|法律顾问|专家|班子"
)
# After a one-character Chinese numeral, a measure word must end the phrase: 事故一起。 is a
# figure, 一起开展 is "together", 三项制度 is a name.
SINGLE_CN_FOLLOWERS = re.compile(r"^(?:[\s，。；：、,;:）)]|$|企业|单位|人员|群众)")

CAMPAIGN = re.compile(
    r"安全生产月|宣传周|宣传日|宣传月|宪法日|防灾减灾日|[四五六]进|巡回宣讲|"
    r"专项(?:行动|整治|检查|执法|治理|督查|督导)|百日|攻坚|大检查|大排查|大整治|期间|"
    r"“[^”\n]{1,24}”(?:主题)?(?:宣传)?活动|(?<![-—–~～至到\d])\d{1,2}\s*月(?![份底末])"
)
SUBSET = re.compile(r"其中")
YEAR_TOTAL = re.compile(r"全年|本年度|年度内|年内|累计")
TOTAL = re.compile(r"全年|全局|本年度|年度内|年内|累计|共计|合计|总计|共(?=\s*[\d开组发检查办举召实排完培受出有])")


# How far around a figure its clause and sentence are read: clauses and sentences as people write
# them are shorter; a text without punctuation (a damaged PDF) must not cost quadratic time.
CLAUSE_REACH = 80
SENTENCE_REACH = 300


def near(span: Span, figure: Figure, reach: int) -> Span:
    """The part of ``span`` within ``reach`` characters of the figure."""
    return Span(max(span.start, figure.start - reach), min(span.end, figure.end + reach))


def veto(doc: Document, sentence: Sentence, clause: Span, figure: Figure, *, year: int | None) -> str | None:
    """Why ``figure`` is never a figure of the year, or ``None``."""
    scan = doc.scan
    clause = near(clause, figure, CLAUSE_REACH)
    sentence_start = near(Span(sentence.start, sentence.end), figure, SENTENCE_REACH).start
    clause_text = scan[clause.start : clause.end]
    before = scan[max(clause.start, figure.start - 6) : figure.start]
    after = scan[figure.end : min(clause.end, figure.end + 6)]
    if sentence.excluded_by is not None:
        return "section_of_plans"
    if PAST.search(clause_text):
        return "previous_period"
    if PARTIAL_PERIOD.search(clause_text):
        return "partial_period"
    if YEAR_RANGE.search(scan, sentence_start, figure.start):
        return "several_years"
    if year is not None:
        marker = _last(YEAR, scan, sentence_start, figure.start)
        if marker is not None and int(marker.group(1)) != year:
            return "other_year"
    if PLAN.search(clause_text):
        return "plan"
    if RATE.search(clause_text):
        return "rate"
    if RESPECTIVELY.search(clause_text):
        return "respectively"
    if DELTA_BEFORE.search(before):
        return "change"
    if RANGE_BEFORE.search(before):
        return "range"
    if BOUND_BEFORE.search(before) or BOUND_AFTER.search(after):
        return "upper_bound"
    if EACH_BEFORE.search(before):
        return "each"
    if figure.measure != "元" and not figure.whole:
        return "not_whole"
    if figure.single_character and not SINGLE_CN_FOLLOWERS.search(scan[figure.end : figure.end + 2]):
        return "numeral_in_a_word"
    return None


def is_staff_headcount(doc: Document, sentence: Sentence, clause: Span, figure: Figure, *, phrase_before: bool) -> bool:
    """A headcount (人, 名) of the bureau's own people: 组织全局及执法大队37人参加…培训.

    With the indicator's words before the figure only the clause before it counts; where the
    words come after it or from the clause before (9人参加…培训考试), the whole sentence does.
    """
    if figure.measure not in ("人", "名"):
        return False
    if phrase_before:
        return STAFF.search(doc.scan, near(clause, figure, CLAUSE_REACH).start, figure.start) is not None
    around = near(Span(sentence.start, sentence.end), figure, SENTENCE_REACH)
    return STAFF.search(doc.scan, around.start, around.end) is not None


@dataclass(frozen=True)
class Scope:
    """Whether a figure is the year's total or a part of it, and the words that say so."""

    part: bool
    marker: str | None  # the campaign or subset words for a part; a total's marker (全年, 共…) for a total


def scope_of(doc: Document, sentence: Sentence, figure: Figure, *, year: int | None, same_before: int | None) -> Scope:
    """Total or part; ``same_before`` is where the sentence's last figure of the same indicator ends:
    "其中" after it makes this one a part of it (120场，其中…8场), while "其中" before a figure of
    another indicator (检查1200家次，其中双随机抽查300家次) makes a total of that other indicator."""
    scan = doc.scan
    if same_before is not None:
        subset = SUBSET.search(scan, max(same_before, figure.start - SENTENCE_REACH), figure.start)
        if subset is not None:
            return Scope(True, subset.group(0))
    sentence_start = near(Span(sentence.start, sentence.end), figure, SENTENCE_REACH).start
    campaign = _last(CAMPAIGN, scan, sentence_start, figure.start)
    year_total = _last_year_total(scan, sentence_start, figure.start, year)
    if campaign is not None and (year_total is None or year_total.start() < campaign.start()):
        return Scope(True, campaign.group(0))
    if year_total is None:
        # The lead of the enumerated item, then the heading above, may name the campaign.
        for span in (sentence.item_lead, sentence.heading):
            if span is None or span.start == sentence.start:
                continue
            found = CAMPAIGN.search(scan, span.start, min(span.end, span.start + SENTENCE_REACH))
            if found is not None:
                return Scope(True, found.group(0))
    total = _last(TOTAL, scan, sentence_start, figure.start) or year_total
    return Scope(False, total.group(0).strip() if total is not None else None)


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    last = None
    for m in pattern.finditer(text, start, end):
        last = m
    return last


def _last_year_total(text: str, start: int, end: int, year: int | None) -> re.Match[str] | None:
    found = _last(YEAR_TOTAL, text, start, end)
    if year is not None:
        for m in YEAR.finditer(text, start, end):
            if int(m.group(1)) == year and (found is None or m.start() > found.start()):
                found = m
    return found
