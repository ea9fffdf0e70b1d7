""" "Did you mean …": the nearest known names to a code or name that does not exist, and its wording.

Every lookup that can miss (districts, indicators, file headers) words its hint here, so the
messages read the same everywhere. The matching is bounded: whatever the caller sends, only the
first ``MAX_QUERY`` characters are compared, so a 12,000-digit "code" costs what a short one does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

MAX_QUERY = 40


def close_matches(text: str, candidates: Iterable[str], *, limit: int = 3, cutoff: float = 0.5) -> list[str]:
    """The candidates most like ``text`` (difflib's ratio), best first."""
    return difflib.get_close_matches(text[:MAX_QUERY], list(candidates), n=limit, cutoff=cutoff)


def did_you_mean(labels_zh: Sequence[str], labels_en: Sequence[str] | None = None) -> tuple[str, str]:
    """The hint appended to a "not found" message, in Chinese and English; empty without labels."""
    if not labels_zh:
        return "", ""
    en = labels_zh if labels_en is None else labels_en
    return f"；您是否要找：{'、'.join(labels_zh)}", f"; did you mean: {', '.join(en)}"
