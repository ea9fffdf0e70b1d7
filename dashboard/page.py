"""What every page's ``layout(**query)`` does first: who is asking, what the URL asks for, a session.

A page is two functions of a ``PageContext``: its controls and its content. Errors the query layer
raises on purpose (outside the scope, unknown district, year out of range) become a message on the
page, with the controls still there to pick something else; they never become a failed callback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import dash
import pandas as pd
from dash import dcc, html
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.errors import AppError, Forbidden
from app.districts import service
from app.districts.listing import AreaLookup
from app.stats import cache as stats_cache
from app.stats.context import StatsContext
from dashboard import data, ids, page_cache, queries
from dashboard.auth import current_principal
from dashboard.components import data_attributes, error_panel
from dashboard.i18n import Lang, parenthesised, place_name, t
from dashboard.state import PageState, default_district, parse_state


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
    _years: list[int] | None = field(default=None, repr=False)
    # The URL's district when it cannot be shown (outside the scope, unknown): the page says so.
    problem: AreaProblem | None = None
    # The URL's district was a municipality's pseudo-city (市辖区): the municipality is shown instead.
    looked_up: AreaLookup | None = None

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
        """The years offered in the year picker: those with figures in the area (in the reader's
        scope), this year only once it has some; none when the area cannot be shown (the picker
        then offers the URL's year alone)."""
        if self._years is None:
            self._years = [] if self.problem is not None else data_years(self.stats, self.state.district)
        return self._years

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


@dataclass(frozen=True)
class AreaProblem:
    """The URL's district cannot be shown: ``error`` is the query layer's own 403 or 404 for it."""

    code: str
    error: AppError

    @property
    def forbidden(self) -> bool:
        return isinstance(self.error, Forbidden)


def data_years(stats: StatsContext, district: str | None) -> list[int]:
    """The years with figures under ``district`` (the reader's scope for ``None``)."""
    return queries.years_with_data(stats, district=district)


def resolve_area(
    session: Session, principal: Principal, state: PageState
) -> tuple[PageState, AreaLookup | None, AreaProblem | None]:
    """What the URL's district means on a page, decided once for every page (and so for every
    picker, chart and list on it):

    - an area the reader may read: itself;
    - a municipality's pseudo-city (市辖区 120100, 县 500200): its municipality, and the page says so
      (old links and the code table name them; a leader means the city, and its districts are
      exactly what the pseudo-cities group);
    - an unknown code (404) or an area outside the reader's scope (403): the page shows a notice that
      stays, with a link to the reader's own area — never a silent switch to another area.
    """
    code = state.district
    if code is None:
        return state, None, None
    try:
        found = queries.lookup_area(session, principal=principal, code=code)
        if found.code is None:
            service.get_or_raise(session, code=code)  # the query layer's 404, with its suggestions
        assert found.code is not None
        principal.require_read(found.code)
    except AppError as error:
        problem = AreaProblem(code=code, error=error)
        return replace(state, unavailable="forbidden" if problem.forbidden else "unknown"), None, problem
    if found.pseudo_city is not None:
        return replace(state, district=found.code), found, None
    return state, None, None


def pick_year(stats: StatsContext, state: PageState, years: list[int]) -> PageState:
    """Without a year in the URL, the default year (that of the last ended month) if it has figures,
    else the latest year before it that has: a leader's first view is never of an empty year."""
    if state.year in years or not years:
        return state
    earlier = [y for y in years if y <= state.year]
    return replace(state, year=max(earlier) if earlier else min(years))


def area_problem_panel(ctx: PageContext, problem: AreaProblem) -> html.Div:
    """A notice that stays (403-like: 无权查看; 404-like: 未找到地区), Chinese first and, on an English
    page, English too, with a link to the reader's own area."""
    lang = ctx.lang
    error = problem.error
    key = "area.forbidden_title" if problem.forbidden else "area.unknown_title"
    lines = [html.P(error.detail_zh, lang="zh")]
    title = t(key, "zh")
    if lang == "en":
        lines.append(html.P(error.detail_en, lang="en"))
        title = f"{title} · {t(key, 'en')}"
    home = default_district(ctx.principal)
    home_name = ctx.scope_name(home) + (parenthesised(home, lang) if home else "")
    href = page_path() + ctx.state.query(district=home if home is not None else "all")
    return html.Div(
        [
            html.Strong(f"{title}：{problem.code}"),
            *lines,
            html.P(dcc.Link(t("area.home", lang, name=home_name), href=href, id=ids.AREA_HOME_LINK)),
        ],
        id=ids.PAGE_ERROR,
        className="notice notice-error area-problem",
        role="alert",
        **data_attributes(status="403" if problem.forbidden else "404"),
    )


def pseudo_city_note(ctx: PageContext, found: AreaLookup) -> html.P:
    assert found.pseudo_city is not None and found.code is not None
    text = t(
        "area.pseudo_city",
        ctx.lang,
        pseudo=place_name(found.pseudo_city.code, found.pseudo_city.name, ctx.lang),
        asked=found.asked,
        name=place_name(found.code, found.name or found.code, ctx.lang),
        code=found.code,
    )
    return html.P(text, id=ids.AREA_NOTE, className="notice notice-info", role="status")


def page_path() -> str:
    """The path of the page being drawn (Dash pages draws it in a callback on the URL's pathname)."""
    try:
        path = dash.ctx.inputs.get("_pages_location.pathname")
    except Exception:  # outside a callback
        path = None
    return str(path) if path else dash.get_relative_path("/")


def render(query: dict[str, Any], *, controls: Part, content: Part, class_name: str) -> html.Div:
    """The page for ``query``: controls on top, then the content (or a message saying why not)."""
    drawn = _render(query, controls=controls, content=content, class_name=class_name, keep=False)
    assert isinstance(drawn, html.Div)
    return drawn


def render_kept(query: dict[str, Any], *, controls: Part, content: Part, class_name: str) -> html.Div | dict[str, Any]:
    """``render`` for a page that reads figures only through the cached query calls: it is kept whole
    and served again while nothing it read has changed (``dashboard.page_cache``); a kept page comes
    back as the JSON Dash sends."""
    return _render(query, controls=controls, content=content, class_name=class_name, keep=True)


def _render(
    query: dict[str, Any], *, controls: Part, content: Part, class_name: str, keep: bool
) -> html.Div | dict[str, Any]:
    principal = current_principal()
    if principal is None:  # Dash validating layouts outside a request; the guard covers real ones
        return html.Div()
    today = data.today()
    state = parse_state(query, principal=principal, today=today)
    with data.session_scope() as session:
        state, found, problem = resolve_area(session, principal, state)
        ctx = PageContext(
            principal=principal,
            session=session,
            state=state,
            today=today,
            generated=data.now(),
            problem=problem,
            looked_up=found,
        )
        notes: list[Any] = []
        kept = data.query_cache() if keep and problem is None and found is None else None
        key: str | None = None
        deps: list[stats_cache.Dependency] = []
        if problem is not None:
            body: Any = area_problem_panel(ctx, problem)
        else:
            try:
                if kept is not None:
                    key = page_cache.page_key(
                        # The page's own name, not the request path: the warm-up draws pages
                        # outside a Dash callback, where the path is not known.
                        page=class_name,
                        query=query,
                        principal=principal,
                        today=today.isoformat(),
                        years=ctx.years,
                        approved_only=ctx.stats.approved_only,
                    )
                    page = page_cache.get(kept, session, key)
                    if page is not None:
                        return page
                if not year_asked(query):
                    ctx.state = pick_year(ctx.stats, state, ctx.years)
                if found is not None:
                    notes.append(pseudo_city_note(ctx, found))
                with stats_cache.recording() as read:
                    body = content(ctx)
                deps = read
            except AppError as error:
                body = error_panel(error, state.lang)
                key = None
        drawn = html.Div([controls(ctx), *notes, body], className=f"page {class_name}", lang=state.lang)
        if kept is not None and key is not None:
            page_cache.put(kept, key, deps, drawn)
        return drawn


def year_asked(query: dict[str, Any]) -> bool:
    return str(query.get("year") or "").strip().isdigit()
