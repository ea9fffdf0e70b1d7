"""Versions of district-months: what an ETag names, so that two people editing one month see each
other's change instead of silently overwriting it.

A version is a digest of the month's content — its figures and its activities — so it needs no
column of its own, is the same whichever process computes it, and changes exactly when what a
reader sees changes. A month with nothing stored has a version too (of the empty month).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.periods import month_end
from app.values.models import Activity
from app.values.store import existing_values, key_spans

Key = tuple[str, dt.date]


def version_of(values: Mapping[str, float], activities: Iterable[tuple[Any, ...]]) -> str:
    """The version of a month holding ``values`` (indicator → figure) and ``activities`` (tuples of
    kind, date, title, participants, notes)."""
    content = {
        "values": sorted((ind, round(float(v), 2)) for ind, v in values.items()),
        "activities": sorted([str(x) if x is not None else "" for x in a] for a in activities),
    }
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def month_activities(session: Session, keys: Collection[Key]) -> dict[Key, list[tuple[Any, ...]]]:
    """The activities of each district-month, as the tuples ``version_of`` takes: one query per
    500 districts."""
    out: dict[Key, list[tuple[Any, ...]]] = defaultdict(list)
    for codes, first, last in key_spans(keys):
        rows = session.execute(
            select(
                Activity.district_code,
                Activity.date,
                Activity.kind,
                Activity.title,
                Activity.participants,
                Activity.notes,
            ).where(Activity.district_code.in_(codes), Activity.date.between(first, month_end(last)))
        )
        for code, date, kind, title, participants, notes in rows:
            key = (code, date.replace(day=1))
            if key in keys:
                out[key].append((getattr(kind, "value", kind), date, title, participants, notes or None))
    return out


def current_versions(
    session: Session, keys: Collection[Key], values: Mapping[Key, Mapping[str, tuple[int, float]]] | None = None
) -> dict[Key, str]:
    """Each district-month's version as stored; ``values`` when the caller has read the figures
    (``store.existing_values``) already."""
    stored = values if values is not None else existing_values(session, set(keys))
    activities = month_activities(session, keys)
    return {
        key: version_of({ind: v for ind, (_id, v) in stored.get(key, {}).items()}, activities.get(key, []))
        for key in keys
    }


def etag(version: str) -> str:
    return f'"{version}"'


def matches(if_match: str, version: str, *, exists: bool) -> bool:
    """Whether an If-Match header accepts ``version`` (RFC 9110: a list of entity tags, or ``*`` for
    any current representation; weak tags compare by their opaque part)."""
    for part in if_match.split(","):
        tag = part.strip()
        if tag == "*":
            if exists:
                return True
            continue
        tag = tag.removeprefix("W/").strip().strip('"')
        if tag == version:
            return True
    return False
