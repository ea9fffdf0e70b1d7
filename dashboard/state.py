"""A page's state is its URL's query string: parse it into ``PageState`` and write links back.

Every view can be bookmarked and sent: ``/dashboard/districts?district=500000&year=2020&lang=en``.
Unknown or malformed parameters fall back to defaults instead of failing the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from app.auth.scope import Principal
from dashboard.i18n import Lang, lang_of

# The parameters a page state carries, in the order they appear in a URL.
PARAMS = ("district", "year", "indicator", "measure", "map", "lang")
MEASURES = ("total", "change")
# What the Districts page's map of the whole country shows: the provinces, or every county.
MAP_VIEWS = ("children", "counties")


@dataclass(frozen=True)
class PageState:
    district: str | None  # None: the whole country
    year: int
    lang: Lang
    indicator: str | None = None
    measure: str = "total"
    map_view: str = "children"
    # Not in the URL: why its district cannot be shown ("forbidden", "unknown"; see page.resolve_area).
    unavailable: str | None = None

    def query(self, **overrides: Any) -> str:
        """The query string (with "?") of this state, changed by ``overrides``; defaults left out."""
        state = replace(self, **overrides) if overrides else self
        pairs = [
            ("district", state.district),
            ("year", state.year),
            ("indicator", state.indicator),
            ("measure", state.measure if state.measure != "total" else None),
            ("map", state.map_view if state.map_view != "children" else None),
            ("lang", state.lang if state.lang != "zh" else None),
        ]
        kept = [(k, str(v)) for k, v in pairs if v not in (None, "")]
        return "?" + urlencode(kept) if kept else ""


def default_year(today: dt.date) -> int:
    """The year of the last month that has ended (in January, last year)."""
    return today.year if today.month > 1 else today.year - 1


def default_district(principal: Principal | None) -> str | None:
    """The first district of the caller's scope; None (the country) for a country-wide user."""
    if principal is None or principal.scope.codes is None:
        return None
    return min(principal.scope.codes) if principal.scope.codes else None


def parse_state(query: dict[str, Any], *, principal: Principal | None, today: dt.date) -> PageState:
    """The state of a page from its query parameters (as Dash pages passes them to ``layout``)."""
    district = str(query.get("district") or "").strip() or default_district(principal)
    if district in ("all", "country", "000000"):
        district = None
    try:
        year = int(str(query.get("year")))
    except ValueError:
        year = default_year(today)
    indicator = str(query.get("indicator") or "").strip() or None
    measure = str(query.get("measure") or "total")
    map_view = str(query.get("map") or "children")
    return PageState(
        district=district,
        year=year,
        lang=lang_of(query.get("lang")),
        indicator=indicator,
        measure=measure if measure in MEASURES else "total",
        map_view=map_view if map_view in MAP_VIEWS else "children",
    )


def parse_search(search: str | None) -> dict[str, str]:
    """ "?district=120102&year=2021" → {"district": "120102", "year": "2021"}."""
    return dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))


def merge_search(search: str | None, changes: dict[str, Any]) -> str:
    """``search`` with ``changes`` applied (None or "" removes a parameter), in a stable order."""
    query = parse_search(search)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    if query.get("lang") == "zh":
        query.pop("lang")
    ordered = [(k, query[k]) for k in PARAMS if k in query] + [(k, v) for k, v in query.items() if k not in PARAMS]
    return "?" + urlencode(ordered) if ordered else ""
