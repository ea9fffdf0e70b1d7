"""What a write carries: a district-month's figures and activities, and what writing them did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import Problem
from app.values.models import ActivityKind


@dataclass(frozen=True)
class ActivityData:
    kind: ActivityKind
    date: dt.date
    title: str
    participants: int | None = None
    notes: str | None = None

    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.date, self.title, self.participants, self.notes or None)


@dataclass
class MonthData:
    """What one district states for one month.

    Absent is not blank: a write changes only what it states. ``values`` are figures to store;
    ``withdrawn`` are indicators stated as empty (a blank cell, ``null`` in a PATCH), whose stored
    figure is withdrawn; an indicator in neither is left as it is — unless ``replace`` (the JSON
    PUT), where the month becomes exactly ``values``. ``activities=None`` leaves activities as they are.
    """

    district_code: str
    month: dt.date
    values: dict[str, float]
    activities: list[ActivityData] | None = None
    # Where each figure came from in a file (row number, column), for error messages.
    origin: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    replace: bool = False

    def after(self, stored: dict[str, float]) -> dict[str, float]:
        """The month's figures once this is written over ``stored`` (indicator → value)."""
        if self.replace:
            return dict(self.values)
        kept = {ind: v for ind, v in stored.items() if ind not in self.withdrawn and ind not in self.values}
        return {**kept, **self.values}


@dataclass
class MonthCounts:
    district: str
    month: dt.date
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    activities_created: int = 0
    activities_removed: int = 0


@dataclass(frozen=True)
class CellChange:
    """One figure a write changes: old → new (``None``: not reported)."""

    district: str
    month: dt.date
    indicator: str
    old: float | None
    new: float | None


@dataclass
class WriteOutcome:
    months: list[MonthCounts]
    errors: list[Problem]
    warnings: list[Problem]
    submission_id: int | None = None
    # Each district-month's version before the write (its ETag), and after it.
    versions_before: dict[tuple[str, dt.date], str] = field(default_factory=dict)
    versions_after: dict[tuple[str, dt.date], str] = field(default_factory=dict)
    # The figures a dry run would change, for its answer (a real write leaves it empty: nobody reads it).
    changes: list[CellChange] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.months)
