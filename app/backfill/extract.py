"""Read a report's text back into figures: proposals of the year's value per indicator, each with the
sentence it came from, for a person to review.

For each figure of a sentence (``app.backfill.numbers``) the rules (``app.backfill.rules``) first
decide whether it may be a figure of the year at all. Then the words that name an indicator
(``app.backfill.phrases``) are looked for, in this order:

1. before the figure in its clause, nearest first (执法检查807家次, 案审会28次，研究案件63件: each
   figure to its own phrase);
2. after it, in two shapes only: "对12家企业开展…部门联合抽查" (对 + an object count) and
   "300人参加演练" (a headcount + 参加/参与);
3. for a count of people, the activity of the clause just before (组织知识考试5次，覆盖139人次 →
   training.examinees; 活动8场，7000余人参加 → publicity.audience); and words that only say
   "checked" (检查企业24家) right after a clause about a joint or double-random check count that
   check's enterprises.

The measure word must fit the indicator (``phrases.UNITS``); a figure that no phrase fits is not
proposed. Where the same figure can be read as several indicators (one phrase with two fitting
indicators, or two phrases of the clause), the nearest reading is proposed and the others are its
``alternatives``.

Confidence: the phrase's strength (0.9; generic words such as 检查 0.8, 活动 0.75, 案件 0.6), times
0.9 for a measure other than the catalogue's (检查企业120家 for 家次), 0.9 for words after the figure
or taken from the clause before, 0.85 with alternatives, 0.7 for an approximate figure (7000余人),
0.6 for a part, the phrase's caveat (亡人事故 0.85), 1.05 with a total's marker (全年, 共, 累计);
then kept within 0.05–0.95. A text that gives an indicator two different totals gets both
proposed at 0.7 of their confidence, each listing the other as an alternative.

An approximate figure is a lower bound: 7000余人 is proposed as 7000, flagged ``approximate``,
at lower confidence — the report says no more than that, and the reviewer may know better.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from app.backfill.numbers import Figure, find_figures
from app.backfill.phrases import (
    DEFERRED_TO,
    MONEY,
    PEOPLE_OF,
    PEOPLE_ROLE,
    PERSON_MEASURES,
    Phrase,
    PhraseMatch,
    canonical_measure,
    find_phrases,
    fitting,
)
from app.backfill.places import Gazetteer, Place
from app.backfill.proposals import (
    Alternative,
    DistrictRef,
    Explanation,
    Extraction,
    How,
    Note,
    Proposal,
    Rejected,
)
from app.backfill.rules import SENTENCE_REACH, is_staff_headcount, near, scope_of, veto
from app.backfill.sentences import Document, Sentence, Span, segment
from app.backfill.title import district_of_title, find_title, year_reading

FACTOR_UNIT = 0.9
FACTOR_INDIRECT = 0.9
FACTOR_ALTERNATIVES = 0.85
FACTOR_APPROXIMATE = 0.7
FACTOR_PART = 0.6
FACTOR_TOTAL = 1.05
FACTOR_CONFLICT = 0.7
FACTOR_CAVEAT = 0.85  # a phrase with a caveat for the reviewer (亡人事故: fatal accidents only)
FLOOR, CEILING = 0.05, 0.95
REACH = 80  # characters around a figure in which its words are looked for
EVIDENCE_REACH = 300
MAX_FIGURES = 5000  # numbers with a measure word; a long real report has a few hundred
MAX_PROPOSALS = 1000  # a year-end report states tens of figures; past this a text is not one
MAX_CONFLICTING = 5  # other values listed as alternatives of a conflicting total
OBJECT_MEASURES = frozenset({"家", "家次", "户", "户次"})
_SPACES = " \t\u3000\u00a0\u2002\u2003"
_ONLY_A_FIGURE = re.compile(r"^[\s约近共计合达余多以上左右]*$")


class NotAReport(ValueError):
    """The text cannot be a report (thousands of figures): refused rather than read for minutes."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass
class Reading:
    """Which indicator a figure is, by which words, found where."""

    indicator: str
    phrase: Phrase
    phrase_text: str
    how: str  # before / after / activity_of_clause_before
    strength: float
    alternatives: list[str] = field(default_factory=list)


@dataclass
class ClauseView:
    """A clause's phrases and figures, with their offsets ready for bisection."""

    phrases: list[PhraseMatch]
    figures: list[Figure]
    phrase_starts: list[int]
    phrase_ends: list[int]
    figure_starts: list[int]


@dataclass
class Matches:
    """Every phrase and figure of a document, found once and handed out clause by clause."""

    phrases: list[PhraseMatch]
    figures: list[Figure]

    def __post_init__(self) -> None:
        self.phrase_starts = [p.start for p in self.phrases]
        self.phrase_ends = [p.end for p in self.phrases]
        self.figure_starts = [f.start for f in self.figures]

    @classmethod
    def of(cls, doc: Document) -> Matches:
        return cls(find_phrases(doc.scan, 0, len(doc.scan)), list(find_figures(doc.scan)))

    def phrases_in(self, clause: Span) -> list[PhraseMatch]:
        k, m = bisect_left(self.phrase_starts, clause.start), bisect_left(self.phrase_starts, clause.end)
        return [p for p in self.phrases[k:m] if p.end <= clause.end]

    def in_clause(self, clause: Span) -> ClauseView | None:
        """What lies wholly inside ``clause``; ``None`` when it holds no figure."""
        i, j = bisect_left(self.figure_starts, clause.start), bisect_left(self.figure_starts, clause.end)
        figures = [f for f in self.figures[i:j] if f.end <= clause.end]
        if not figures:
            return None
        phrases = self.phrases_in(clause)
        return ClauseView(
            phrases, figures, [p.start for p in phrases], [p.end for p in phrases], [f.start for f in figures]
        )


def extract(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    district: Place | None = None,
    year: int | None = None,
) -> Extraction:
    """Proposals for ``text``; ``district`` and ``year`` when the caller knows them, else from the title."""
    doc = segment(text)
    title = find_title(doc)
    district_ref, district_how = _district(doc, title, gazetteer, district)
    if year is not None:
        year_how = Explanation("form", f"由请求参数 year 指定：{year}", f"Given as the year field: {year}")
        title_year, _ = year_reading(doc, title)
        if title_year is not None and title_year != year:
            year_how = Explanation(
                "form",
                f"由请求参数 year 指定：{year}（标题中为 {title_year} 年）",
                f"Given as the year field: {year} (the title says {title_year})",
            )
    else:
        year, year_how = year_reading(doc, title)
    proposals, rejected = propose(doc, year=year)
    return Extraction(district_ref, year, How(district_how, year_how), text, proposals, rejected)


def _district(
    doc: Document, title: Span | None, gazetteer: Gazetteer | None, given: Place | None
) -> tuple[DistrictRef | None, Explanation]:
    read = district_of_title(doc, title, gazetteer) if gazetteer is not None else None
    if given is not None:
        ref = DistrictRef(given.code, given.name)
        zh, en = (
            f"由请求参数 district 指定：{given.code} {given.name}",
            f"Given as the district field: {given.code} {given.name}",
        )
        if read is not None and read.district is not None and read.district.code != given.code:
            zh += f"（{read.how.message_zh}）"
            en += f" ({read.how.message_en})"
        return ref, Explanation("form", zh, en)
    if read is None:
        return None, Explanation("none", "未提供区划表，无法识别区划", "No district table to read the district with")
    return read.district, read.how


# ----------------------------------------------------------------------------- figures


def propose(doc: Document, *, year: int | None) -> tuple[list[Proposal], list[Rejected]]:
    """Every proposal of the document, in text order, and the figures refused with their reasons."""
    proposals: list[Proposal] = []
    rejected: list[Rejected] = []
    matches = Matches.of(doc)
    if len(matches.figures) > MAX_FIGURES:
        raise NotAReport(
            f"文中有 {len(matches.figures)} 个带单位的数字，超过 {MAX_FIGURES} 个，不像一份工作报告",
            f"The text holds {len(matches.figures)} numbers with units, more than {MAX_FIGURES}: not a report",
        )
    for sentence in doc.sentences:
        previous: Reading | None = None
        previous_phrases: list[PhraseMatch] = []
        earlier: list[tuple[str, int]] = []  # (indicator, end) of the sentence's proposals so far
        for clause in sentence.clauses:
            view = matches.in_clause(clause)
            if view is None:
                previous, previous_phrases = None, matches.phrases_in(clause)
                continue
            last: Reading | None = None
            for figure in view.figures:
                written = doc.text[figure.start : figure.end]
                reason = veto(doc, sentence, clause, figure, year=year)
                if reason is not None:
                    rejected.append(Rejected(written, figure.start, reason))
                    continue
                reading = _read(doc, sentence, clause, figure, view, previous, previous_phrases)
                if reading is None:
                    rejected.append(Rejected(written, figure.start, "no_indicator_words"))
                    continue
                if is_staff_headcount(doc, sentence, clause, figure, phrase_before=reading.how == "before"):
                    rejected.append(Rejected(written, figure.start, "staff_headcount"))
                    continue
                same_before = max((end for i, end in earlier if i == reading.indicator), default=None)
                proposals.append(_proposal(doc, sentence, clause, figure, reading, year=year, same_before=same_before))
                earlier.append((reading.indicator, figure.end))
                last = reading
            previous, previous_phrases = last, view.phrases
    return _settle(proposals)[:MAX_PROPOSALS], rejected[:MAX_PROPOSALS]


def _context_ok(doc: Document, sentence: Sentence, figure: Figure, phrase: Phrase, clause: Span) -> bool:
    if phrase.unless is not None and phrase.unless.search(doc.scan, clause.start, figure.start):
        return False
    if phrase.context is None:
        return True
    spans = [near(Span(sentence.start, sentence.end), figure, SENTENCE_REACH), sentence.item_lead, sentence.heading]
    return any(
        s is not None and phrase.context.search(doc.scan, s.start, min(s.end, s.start + SENTENCE_REACH)) for s in spans
    )


def _read(
    doc: Document,
    sentence: Sentence,
    clause: Span,
    figure: Figure,
    view: ClauseView,
    previous: Reading | None,
    previous_phrases: list[PhraseMatch],
) -> Reading | None:
    scan = doc.scan
    # Words further than REACH from the figure are not about it (and a clause without punctuation,
    # as a damaged PDF gives, must not cost quadratic time).
    near_phrases = view.phrases[
        bisect_left(view.phrase_ends, figure.start - REACH) : bisect_right(view.phrase_starts, figure.end + REACH)
    ]
    figures = view.figures[
        bisect_left(view.figure_starts, figure.start - REACH) : bisect_right(view.figure_starts, figure.end + REACH)
    ]
    before = [p for p in near_phrases if p.end <= figure.start]
    for index in range(len(before) - 1, -1, -1):
        match = before[index]
        if not _context_ok(doc, sentence, figure, match.phrase, clause):
            continue
        fits = fitting(match.phrase.indicators, figure.measure)
        if not fits:
            continue
        reading = Reading(fits[0], match.phrase, scan[match.start : match.end], "before", match.phrase.strength)
        reading.alternatives = list(fits[1:])
        if match.phrase.defers:
            deferred = _deferred(scan, figure, previous_phrases, reading)
            if deferred is not None:
                return deferred
        # Farther phrases of the clause are other readings, unless a figure of their own stands
        # between (培训4次、演练3次) or they are kinds listed before 等 (咨询日、专项培训等活动8场).
        for other in before[:index]:
            between = scan[other.end : match.start]
            if "等" in between or any(other.end <= f.start < figure.start for f in figures if f is not figure):
                continue
            if not _context_ok(doc, sentence, figure, other.phrase, clause):
                continue
            for indicator in fitting(other.phrase.indicators, figure.measure)[:1]:
                if indicator != reading.indicator and indicator not in reading.alternatives:
                    reading.alternatives.append(indicator)
        return reading

    after = [p for p in near_phrases if p.start >= figure.end]
    preceding = scan[clause.start : figure.start].rstrip(_SPACES)
    role = PEOPLE_ROLE.match(scan, _skip_spaces(scan, figure.end), clause.end)
    object_count = preceding.endswith("对") and figure.measure in OBJECT_MEASURES
    people_count = figure.measure in PERSON_MEASURES and role is not None
    if object_count or people_count:
        for match in after:
            if people_count and role is not None and match.start < role.end():
                continue
            fits = fitting(match.phrase.indicators, figure.measure)
            if fits and _context_ok(doc, sentence, figure, match.phrase, clause):
                reading = Reading(fits[0], match.phrase, scan[match.start : match.end], "after", match.phrase.strength)
                reading.alternatives = list(fits[1:])
                return reading

    if figure.measure in PERSON_MEASURES and previous is not None and previous.indicator in PEOPLE_OF:
        rest = scan[clause.start : figure.start] + scan[figure.end : clause.end]
        role_before = PEOPLE_ROLE.search(scan, clause.start, figure.start)
        if role is not None or role_before is not None or _ONLY_A_FIGURE.match(rest):
            return Reading(
                PEOPLE_OF[previous.indicator],
                previous.phrase,
                previous.phrase_text,
                "activity_of_clause_before",
                previous.strength,
            )
    return None


def _deferred(scan: str, figure: Figure, previous_phrases: list[PhraseMatch], reading: Reading) -> Reading | None:
    """检查企业24家 right after "…开展部门联合抽查3次": the enterprises of that check."""
    for match in reversed(previous_phrases):
        for indicator in fitting(match.phrase.indicators, figure.measure):
            if indicator in DEFERRED_TO:
                return Reading(
                    indicator,
                    match.phrase,
                    scan[match.start : match.end],
                    "activity_of_clause_before",
                    match.phrase.strength,
                    [reading.indicator],
                )
    return None


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACES:
        pos += 1
    return pos


def _proposal(
    doc: Document,
    sentence: Sentence,
    clause: Span,
    figure: Figure,
    reading: Reading,
    *,
    year: int | None,
    same_before: int | None,
) -> Proposal:
    notes: list[Note] = []
    confidence = reading.strength
    if reading.strength < 0.9:
        notes.append(Note.of("generic_words", phrase=reading.phrase_text))
    canonical = canonical_measure(reading.indicator)
    if figure.measure != canonical:
        confidence *= FACTOR_UNIT
        notes.append(Note.of("unit_not_canonical", unit=figure.measure, canonical=canonical))
    if reading.how == "after":
        confidence *= FACTOR_INDIRECT
        notes.append(Note.of("words_after", phrase=reading.phrase_text))
    elif reading.how == "activity_of_clause_before":
        confidence *= FACTOR_INDIRECT
        notes.append(Note.of("activity_of_clause_before", phrase=reading.phrase_text))
    if reading.alternatives:
        confidence *= FACTOR_ALTERNATIVES
        notes.append(Note.of("alternatives"))
    if figure.approximate is not None:
        confidence *= FACTOR_APPROXIMATE
        notes.append(Note.of("approximate", marker=figure.approximate))
    if reading.phrase.note is not None and reading.how != "activity_of_clause_before":
        confidence *= FACTOR_CAVEAT
        notes.append(Note.of(reading.phrase.note))
    scope = scope_of(doc, sentence, figure, year=year, same_before=same_before)
    if scope.part:
        confidence *= FACTOR_PART
        notes.append(Note.of("part", marker=scope.marker))
    elif scope.marker is not None:
        confidence *= FACTOR_TOTAL
        notes.append(Note.of("total", marker=scope.marker))
    value = canonical_value(figure.value, money=reading.indicator in MONEY)
    alternatives = [
        Alternative(i, value, figure.unit, _bounded(confidence * FACTOR_ALTERNATIVES), figure.start, figure.end)
        for i in reading.alternatives
    ]
    # The sentence, or the part of an overlong one around the figure.
    evidence = near(Span(sentence.start, sentence.end), figure, EVIDENCE_REACH)
    return Proposal(
        indicator=reading.indicator,
        value=value,
        unit=figure.unit,
        written=doc.text[figure.start : figure.end],
        evidence=doc.text[evidence.start : evidence.end],
        start=figure.start,
        end=figure.end,
        evidence_start=evidence.start,
        evidence_end=evidence.end,
        confidence=_bounded(confidence),
        scope="part" if scope.part else "total",
        approximate=figure.approximate is not None,
        alternatives=alternatives,
        notes=notes,
    )


def canonical_value(value: Decimal, *, money: bool) -> int | float:
    """A JSON number: counts whole, yuan to the fen (2 decimals)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(Decimal("0.01"))) if money else float(value)


def _bounded(confidence: float) -> float:
    return round(min(CEILING, max(FLOOR, confidence)), 2)


def _settle(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per figure stated twice; two different totals of one indicator flag each other."""
    kept: list[Proposal] = []
    seen: set[tuple[str, int | float, str]] = set()
    for p in proposals:
        key = (p.indicator, p.value, p.scope)
        if key in seen:
            continue
        seen.add(key)
        kept.append(p)
    totals: dict[str, list[Proposal]] = {}
    for p in kept:
        if p.scope == "total":
            totals.setdefault(p.indicator, []).append(p)
    for group in totals.values():
        if len(group) < 2:
            continue
        lowered = {id(p): _bounded(p.confidence * FACTOR_CONFLICT) for p in group}
        for p in group:
            others = [o for o in group[: MAX_CONFLICTING + 1] if o is not p][:MAX_CONFLICTING]
            p.notes.append(Note.of("conflict", other="、".join(o.written for o in others)))
            p.alternatives.extend(
                Alternative(o.indicator, o.value, o.unit, lowered[id(o)], o.start, o.end) for o in others
            )
        for p in group:
            p.confidence = lowered[id(p)]
    return kept
