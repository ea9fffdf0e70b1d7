"""District names → district codes, for reading who issued a report ("天津市河东区应急管理局…").

Names repeat across the country (河东区 is 120102 in Tianjin and 371312 in Linyi, Shandong), so a
county's name alone decides nothing: the province or city written before it ("天津市河东区",
"临沂市河东区") picks one, and where nothing does, the answer is "ambiguous" with the candidates,
never a guess. The caller builds the gazetteer from the districts table; this module reads no
database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# Placeholder names of the GB/T 2260 table that name no place a report would write.
GENERIC_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
LEVELS_MOST_SPECIFIC_FIRST = ("county", "city", "province")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # province / city / county (townships are not read from titles)
    parent_code: str | None


@dataclass(frozen=True)
class Resolution:
    """What a piece of text says about a district."""

    status: Literal["found", "ambiguous", "inconsistent", "none"]
    place: Place | None = None
    candidates: tuple[Place, ...] = ()
    # The names read, as (start, end) offsets into the text resolved.
    start: int | None = None
    end: int | None = None
    matched: str | None = None


class Gazetteer:
    """Every district by code and by name."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.by_code: dict[str, Place] = {}
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            self.by_code[place.code] = place
            if place.level in LEVELS_MOST_SPECIFIC_FIRST and place.name not in GENERIC_NAMES and len(place.name) >= 2:
                self.by_name[place.name].append(place)
        self.longest = max((len(n) for n in self.by_name), default=0)

    def ancestors(self, place: Place) -> list[Place]:
        """Parent, grandparent …, nearest first."""
        out: list[Place] = []
        code = place.parent_code
        while code is not None and code in self.by_code and len(out) < 5:
            parent = self.by_code[code]
            out.append(parent)
            code = parent.parent_code
        return out

    def full_name(self, place: Place) -> str:
        """天津市河东区, 山东省临沂市河东区: the name with its province and city, as titles write it."""
        names = [a.name for a in reversed(self.ancestors(place)) if a.name not in GENERIC_NAMES]
        return "".join([*names, place.name])

    def names_in(self, text: str) -> list[tuple[int, int, str]]:
        """Place names in ``text``, longest first at each position, left to right, not overlapping."""
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(text):
            for length in range(min(self.longest, len(text) - i), 1, -1):
                candidate = text[i : i + length]
                if candidate in self.by_name:
                    out.append((i, i + length, candidate))
                    i += length
                    break
            else:
                i += 1
        return out

    def resolve(self, text: str) -> Resolution:
        """The one district that ``text`` names, using the province and city names it also writes."""
        names = self.names_in(text)
        if not names:
            return Resolution("none")
        for level in LEVELS_MOST_SPECIFIC_FIRST:
            at_level = [(s, e, n) for s, e, n in names if any(p.level == level for p in self.by_name[n])]
            if not at_level:
                continue
            distinct = {n for _s, _e, n in at_level}
            if len(distinct) > 1:
                candidates = tuple(p for n in sorted(distinct) for p in self.by_name[n] if p.level == level)
                return Resolution("ambiguous", candidates=candidates)
            _start, end, name = at_level[0]
            candidates = tuple(p for p in self.by_name[name] if p.level == level)
            higher = [n for _s, _e, n in names if n != name]
            kept = tuple(c for c in candidates if all(self._is_above(h, c) for h in higher))
            first = min([s for s, _e, _n in names])
            matched = text[first:end]
            if len(kept) == 1:
                return Resolution("found", kept[0], kept, first, end, matched)
            if not kept:
                return Resolution("inconsistent", candidates=candidates, start=first, end=end, matched=matched)
            return Resolution("ambiguous", candidates=kept, start=first, end=end, matched=matched)
        return Resolution("none")

    def _is_above(self, name: str, place: Place) -> bool:
        return any(a.name == name for a in self.ancestors(place))
