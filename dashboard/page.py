"""What every page's ``layout(**query)`` does first: who is asking, what the URL asks for, a session.

A page is two functions of a ``PageContext``: its controls and its content. Errors the query layer
raises on purpose (outside the scope, unknown district, year out of range) become a message on the
page, with the controls still there to pick something else; they never become a failed callback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from dash import html
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.errors import AppError
from app.stats.context import StatsContext
from dashboard import data, queries
from dashboard.auth import current_principal
from dashboard.components import error_panel
from dashboard.i18n import Lang, place_name, t
from dashboard.state import PageState, parse_state

YEARS_OFFERED = 10


@dataclass
class PageContext:
    principal: Principal
    session: Session
    state: PageState
    today: dt.date
    generated: dt.datetime
    _districts: pd.DataFrame | None = field(default=None, repr=False)
    _catalogue: pd.DataFrame | None = field(default=None, repr=False)
    _stats: StatsContext | None = field(default=None, repr=False)

    @property
    def stats(self) -> StatsContext:
        """The statistics context every query-layer call of this page shares."""
        if self._stats is None:
            self._stats = StatsContext(self.session, self.principal, self.today)
        return self._stats

    @property
    def lang(self) -> Lang:
        return self.state.lang

    @property
    def districts(self) -> pd.DataFrame:
        """The districts the user may read (provinces, cities, counties), indexed by code."""
        if self._districts is None:
            self._districts = queries.readable_districts(self.session, principal=self.principal)
        return self._districts

    @property
    def catalogue(self) -> pd.DataFrame:
        if self._catalogue is None:
            self._catalogue = queries.catalogue(self.session)
        return self._catalogue

    @property
    def country_wide(self) -> bool:
        return self.principal.scope.is_country

    @property
    def years(self) -> list[int]:
        """The years offered in the year picker: the last ten (never before the earliest data)."""
        first = max(queries.EARLIEST_YEAR, self.today.year - YEARS_OFFERED + 1)
        return list(range(first, self.today.year + 1))

    def scope_name(self, code: str | None = None) -> str:
        code = self.state.district if code is None else code
        if code is None:
            return t("country", self.lang)
        if code in self.districts.index:
            return place_name(code, str(self.districts.at[code, "name"]), self.lang)
        return code

    def indicator(self, default: str = queries.DEFAULT_INDICATOR) -> str:
        wanted = self.state.indicator
        return wanted if wanted is not None and wanted in self.catalogue.index else default

    def indicator_name(self, code: str) -> str:
        row = self.catalogue.loc[code]
        return str(row.name_zh if self.lang == "zh" else row.name_en)

    def indicator_unit(self, code: str) -> str:
        row = self.catalogue.loc[code]
        return str(row.unit if self.lang == "zh" else row.unit_en)


Part = Callable[[PageContext], Any]


def render(query: dict[str, Any], *, controls: Part, content: Part, class_name: str) -> html.Div:
    """The page for ``query``: controls on top, then the content (or a message saying why not)."""
    principal = current_principal()
    if principal is None:  # Dash validating layouts outside a request; the guard covers real ones
        return html.Div()
    today = data.today()
    state = parse_state(query, principal=principal, today=today)
    with data.session_scope() as session:
        ctx = PageContext(principal=principal, session=session, state=state, today=today, generated=data.now())
        try:
            body = content(ctx)
        except AppError as error:
            body = error_panel(error, state.lang)
        return html.Div([controls(ctx), body], className=f"page {class_name}", lang=state.lang)
