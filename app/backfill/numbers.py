"""Figures as Chinese reports write them, found in text with their offsets: 1,234 · 1234 · 3.2万家次 ·
1712万元 · 1.5亿元 · 12,000余人 · 7000多人 · 一千二百人 · 两万人次 · 二十八次.

A figure here is a number *with its measure word* (家次, 件, 元, 人次 …): a number without one is
never a figure (dates, document numbers, 1/3, 24小时 and 30% all fall out because 年, 号, 小时 and %
are not measure words of any indicator). The value is exact (``Decimal``) and canonical: 万 and 亿
are applied, so 3.2万家次 is 32000 and 1712万元 is 17,120,000 (yuan).

Approximate markers are kept, not dropped: 余 and 多 between the number and the measure (7000余人,
250余万只) and 近 / 约 / 超过 … before it. The caller decides what a bound is worth (see
``app.backfill.rules``); this module only reads.

Offsets are indices into the string passed in (Python ``str`` indices, i.e. Unicode code points).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

# Measure words of the indicator catalogue, longest first so that 人次 wins over 人. Anything else
# (年, 月, 号, 小时, 学时, 份, 只, 吨, 分 …) is not a measure of any indicator.
MEASURES = (
    "家次",
    "人次",
    "场次",
    "户次",
    "件次",
    "家",
    "户",
    "人",
    "名",
    "件",
    "起",
    "宗",
    "次",
    "场",
    "期",
    "班",
    "项",
    "处",
    "个",
    "条",
    "元",
)
MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1_000)}
CN_DIGITS = "零〇一二两三四五六七八九"
CN_NUMERAL_CHARS = CN_DIGITS + "十百千万亿"
SPACE = "[ \t\u3000\u00a0\u2002\u2003]*"

# A measure word that goes on into another word is not one: 3个月, 12个百分点, 130个学时,
# 一次性, 3场所, 5家庭, 2处理.
_NOT_A_MEASURE_AFTER = (
    "月|年|季度|工作日|日|天|小时|学时|课时|百分点|倍|性|批次|专题|方面|所|地|馆|庭|属|罚|理|置|例|款"
)

_FIGURE = re.compile(
    rf"""
    (?:
        (?<![\d.,第])(?P<arabic>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
      | (?<![{CN_NUMERAL_CHARS}之第])(?P<cn>[{CN_NUMERAL_CHARS}]+)
    )
    {SPACE}(?P<approx1>余|多)?{SPACE}
    (?P<mult>万|亿|千)?
    (?P<approx2>余|多)?{SPACE}
    (?P<measure>{"|".join(MEASURES)})
    (?!{_NOT_A_MEASURE_AFTER})
    """,
    re.VERBOSE,
)

# Written before a figure: it is a bound or an estimate, not a count.
APPROXIMATE_BEFORE = re.compile(r"(?:不少于|至少|超过|逾|近|约|大约|将近|接近)[ \u3000]*$")
# Written after a figure: 1200家次以上, 3000人左右.
APPROXIMATE_AFTER = re.compile(r"^[ \u3000]*(?:以上|左右|上下)")


@dataclass(frozen=True)
class Figure:
    """A number and its measure word as they stand in the text."""

    start: int  # the first character of the number
    end: int  # just after the measure word
    value: Decimal  # 万 and 亿 applied: 3.2万家次 → 32000, 1712万元 → 17120000
    unit: str  # as written, magnitude included: 家次, 万家次, 万元, 人
    measure: str  # the measure word alone: 家次, 元, 人
    approximate: str | None  # 余, 多, 以上, 近, 约 … when the text marks the figure as a bound
    chinese: bool  # written in Chinese numerals (二十八次)
    single_character: bool  # a one-character Chinese numeral (一, 两, 五): 一起 is also "together"

    @property
    def whole(self) -> bool:
        return self.value == self.value.to_integral_value()


def translate_digits(text: str) -> str:
    """Full-width digits and point as ASCII, one character for one so that offsets stay valid."""
    return text.translate(_FULL_WIDTH)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def chinese_numeral(text: str) -> Decimal | None:
    """一千二百 → 1200, 两万 → 20000, 二十八 → 28; ``None`` for what is not a quantity.

    Digit-by-digit strings (二〇二一, 一二三) are years or codes, not quantities, and are refused.
    """
    if len(text) > 1 and not any(c in "十百千万亿" for c in text):
        return None
    if text[0] in "十百千万亿" and text[0] != "十":
        return None
    try:
        value = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def find_figures(text: str, start: int = 0, end: int | None = None) -> Iterator[Figure]:
    """Every number-with-measure-word in ``text[start:end]`` (offsets into ``text``)."""
    end = len(text) if end is None else end
    for m in _FIGURE.finditer(text, start, end):
        if m.group("arabic") is not None:
            try:
                number = Decimal(m.group("arabic").replace(",", ""))
            except InvalidOperation:
                continue
            chinese = False
        else:
            parsed = chinese_numeral(m.group("cn"))
            if parsed is None:
                continue
            number = parsed
            chinese = True
        mult = m.group("mult")
        if mult is not None and chinese and m.group("cn")[-1] in "万亿":
            continue  # 两万万: not how anyone writes
        value = number * MULTIPLIERS[mult] if mult else number
        approximate = m.group("approx1") or m.group("approx2")
        if approximate is None:
            before = APPROXIMATE_BEFORE.search(text, max(0, m.start() - 4), m.start())
            after = APPROXIMATE_AFTER.match(text[m.end() : m.end() + 4])
            if before is not None:
                approximate = before.group(0).strip()
            elif after is not None:
                approximate = after.group(0).strip()
        cn = m.group("cn")
        yield Figure(
            start=m.start(),
            end=m.end(),
            value=value,
            unit=(mult or "") + m.group("measure"),
            measure=m.group("measure"),
            approximate=approximate,
            chinese=chinese,
            single_character=chinese and cn is not None and len(cn) == 1,
        )
