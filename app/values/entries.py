"""Figures and activities as people write them — a JSON body or a file's cells — read by one set of
rules: "2,000", "3.5万" and 2000 are the same figure wherever they come from, and a bad entry gives
the same problem (code, Chinese, English) in a PUT as in an upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.text import unsafe_characters
from app.indicators.service import IndicatorInfo
from app.values.cells import CellError, free_text, is_blank, parse_date, parse_number, parse_whole, shown, text_of
from app.values.models import ActivityKind
from app.values.shapes import ActivityData

MAX_TITLE = 200
MAX_NOTES = 2000

KIND_NAMES = {
    "drill": ActivityKind.drill,
    "演练": ActivityKind.drill,
    "应急演练": ActivityKind.drill,
    "training": ActivityKind.training,
    "培训": ActivityKind.training,
    "执法培训": ActivityKind.training,
    "publicity": ActivityKind.publicity,
    "宣传": ActivityKind.publicity,
    "普法宣传": ActivityKind.publicity,
    "宣传活动": ActivityKind.publicity,
    "other": ActivityKind.other,
    "其他": ActivityKind.other,
    "其它": ActivityKind.other,
}


def read_figure(raw: Any, info: IndicatorInfo) -> float | None:
    """A figure of ``info`` as written (a number, or text like "2,000", "3.5万", "1712万元"); ``None``
    for blank. Raises ``CellError``. Range, whole numbers and decimals are the rules' to check."""
    return parse_number(raw, currency=info.unit == "元")


def text_problem(text: str, *, what_zh: str, what_en: str, multiline: bool) -> CellError | None:
    """A title or note holding characters that may not be stored (app.core.text)."""
    bad = unsafe_characters(text, multiline=multiline)
    if not bad:
        return None
    return CellError(
        "text.control_characters",
        f"{what_zh}含有不可保存的控制字符（{'、'.join(bad)}）",
        f"the {what_en} holds characters that cannot be stored ({', '.join(bad)})",
    )


@dataclass
class ActivityEntry:
    """One activity as written: each field raw, by role (date, kind, title, participants, notes)."""

    date: Any = None
    kind: Any = None
    title: Any = None
    participants: Any = None
    notes: Any = None

    def blank(self) -> bool:
        return all(is_blank(x) for x in (self.date, self.kind, self.title, self.participants, self.notes))


def read_activity(entry: ActivityEntry) -> tuple[ActivityData | None, list[tuple[str, CellError]]]:
    """The activity, or ``None`` and a problem per bad field (role, error): every problem, not the first."""
    problems: list[tuple[str, CellError]] = []
    date = None
    try:
        date = parse_date(entry.date)
    except CellError as err:
        problems.append(("date", err))
    title = free_text(entry.title) if isinstance(entry.title, str | int | float) else ""
    if not title or len(title) > MAX_TITLE:
        problems.append(
            (
                "title",
                CellError(
                    "activity.title",
                    f"活动名称为空或超过 {MAX_TITLE} 字",
                    f"the activity title is empty or longer than {MAX_TITLE} characters",
                ),
            )
        )
    elif (bad := text_problem(title, what_zh="活动名称", what_en="activity title", multiline=False)) is not None:
        problems.append(("title", bad))
    kind = _kind(entry.kind)
    if kind is None:
        problems.append(
            (
                "kind",
                CellError(
                    "activity.kind",
                    f"活动类别“{shown(text_of(entry.kind))}”无法识别（可填：演练、培训、宣传、其他）",
                    f"unknown activity kind {shown(entry.kind)!r} (drill, training, publicity, other)",
                ),
            )
        )
    participants = None
    try:
        participants = parse_whole(entry.participants)
    except CellError as err:
        problems.append(("participants", err))
    notes = None
    if not is_blank(entry.notes):
        notes = free_text(entry.notes) if isinstance(entry.notes, str | int | float) else None
        if notes is None or len(notes) > MAX_NOTES:
            problems.append(
                (
                    "notes",
                    CellError(
                        "activity.notes",
                        f"备注应为不超过 {MAX_NOTES} 字的文字",
                        f"notes must be text of at most {MAX_NOTES} characters",
                    ),
                )
            )
        elif (bad := text_problem(notes, what_zh="备注", what_en="notes", multiline=True)) is not None:
            problems.append(("notes", bad))
    if problems or date is None or kind is None:
        return None, problems
    return ActivityData(kind, date, title, participants, notes or None), []


def _kind(raw: Any) -> ActivityKind | None:
    if is_blank(raw):
        return ActivityKind.other
    if not isinstance(raw, str | int | float):
        return None
    key = "".join(text_of(raw).lower().split())
    return KIND_NAMES.get(key)
