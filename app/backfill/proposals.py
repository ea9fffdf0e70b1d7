"""The shapes an extraction hands on: proposals with their evidence, and how district and year were found.

A proposal says "this report states that indicator X of the year is V". Its ``scope`` tells a
total of the year ("total") from a part of it ("part": a campaign such as 安全生产月, a subset
introduced by 其中) — a part is never the year's value by itself, though the parts of a report may
add up to it; the reviewer decides. ``confidence`` (0–1) is built from the rules in
``app.backfill.extract`` and explained in ``notes``; as a guide: 0.8 and above, the words and the
measure are the indicator's own and nothing qualifies the figure; 0.5–0.8, something needs a look
(a generic word, a unit other than the catalogue's, another reading in ``alternatives``); below
0.5, a part or an approximate figure.

Offsets (``start``/``end`` of the figure as written, ``evidence_start``/``evidence_end`` of its
sentence) index the text the extraction answers with, counted in Unicode code points (Python
string indices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Why a proposal's confidence is what it is, in the reviewer's words: code → (Chinese, English).
# Placeholders are filled from the proposal (marker, unit, canonical, phrase, other).
NOTES: dict[str, tuple[str, str]] = {
    "total": ("“{marker}”：全年或全局合计", "“{marker}”: a total of the year"),
    "part": (
        "“{marker}”：专项活动或其中一部分，不是全年总数",
        "“{marker}”: a campaign or a subset, not the year's total",
    ),
    "approximate": (
        "“{marker}”表示约数，建议值为所写数字（下限）",
        "“{marker}” marks an approximate figure; the number as written (a lower bound) is proposed",
    ),
    "unit_not_canonical": (
        "所写单位“{unit}”不是指标单位“{canonical}”，请核对口径",
        "Written in {unit} while the indicator counts {canonical}; check that they mean the same",
    ),
    "generic_words": ("“{phrase}”是泛指词，请核对", "“{phrase}” is a generic word; check the reading"),
    "words_after": ("指标词在数字之后（“{phrase}”）", "The indicator's words follow the figure (“{phrase}”)"),
    "activity_of_clause_before": (
        "归属前一分句所说的活动（“{phrase}”）",
        "Counts the activity named in the clause before (“{phrase}”)",
    ),
    "alternatives": ("本句还可读作其他指标，见 alternatives", "The sentence can be read otherwise; see alternatives"),
    "fatal_accidents_only": (
        "“亡人事故”只计有人死亡的事故，全部生产安全事故可能更多",
        "“亡人事故” counts fatal accidents only; all production-safety accidents may be more",
    ),
    "conflict": (
        "文中另有同一指标的不同数值（{other}），请核对",
        "The text gives this indicator another value elsewhere ({other}); check which is the year's",
    ),
}


@dataclass(frozen=True)
class Note:
    code: str
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, code: str, **values: object) -> Note:
        zh, en = NOTES[code]
        return cls(code, zh.format(**values), en.format(**values))


@dataclass(frozen=True)
class Alternative:
    """Another reading: the same figure as another indicator, or another figure of the same one."""

    indicator: str
    value: int | float
    unit: str
    confidence: float
    start: int
    end: int


@dataclass
class Proposal:
    indicator: str
    value: int | float  # canonical: yuan for fines (2 decimals), 万 and 亿 applied; counts are whole
    unit: str  # as written, magnitude included: 家次, 万家次, 万元
    written: str  # the figure exactly as in the text: "3.2 万家次", "7000余人"
    evidence: str  # the sentence
    start: int  # the figure
    end: int
    evidence_start: int  # the sentence
    evidence_end: int
    confidence: float
    scope: Literal["total", "part"]
    approximate: bool
    alternatives: list[Alternative] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Rejected:
    """A figure that is not proposed, and why (kept for tests and for tracing a miss)."""

    written: str
    start: int
    reason: str


@dataclass(frozen=True)
class DistrictRef:
    code: str
    name: str


@dataclass(frozen=True)
class Explanation:
    """How the district or the year was found, or why it was not."""

    source: Literal["form", "title", "body", "none"]
    message_zh: str
    message_en: str
    evidence: str | None = None
    start: int | None = None
    end: int | None = None
    candidates: tuple[DistrictRef, ...] = ()


@dataclass(frozen=True)
class How:
    district: Explanation
    year: Explanation


@dataclass
class Extraction:
    district: DistrictRef | None
    year: int | None
    how: How
    text: str
    proposals: list[Proposal]
    rejected: list[Rejected] = field(default_factory=list)
