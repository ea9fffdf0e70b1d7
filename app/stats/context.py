"""The statistics context: one caller's view of the data for one page, report or request.

A city report or a dashboard page makes a dozen statistics calls about the same area and year.
The context resolves each area once (404 if unknown, 403 outside the caller's scope), loads the
indicator catalogue once, and knows "today", so the calls it is passed to do only their own query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core import periods
from app.core.errors import Forbidden, NotFound
from app.districts import service as districts
from app.districts.codes import COUNTRY_CODE, COUNTRY_NAME, code_prefix, in_area, reporting_area
from app.districts.models import District, DistrictLevel
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.stats import schemas as s
from app.stats.common import STORED, D, Summary, analytical, approved_summary, district_ref


@dataclass(frozen=True)
class Area:
    """What an aggregate sums: the area's reference, the county filter (``None``: every county) and
    how many county-level districts are expected to report under it."""

    ref: s.DistrictRef
    counties: list[str] | None
    expected: int


@dataclass
class StatsContext:
    """``session``, the caller (``principal``) and ``today``, with what the calls share cached."""

    session: Session
    principal: Principal
    today: dt.date = field(default_factory=periods.today)
    _catalogue: dict[str, IndicatorInfo] | None = field(default=None, repr=False)
    _areas: dict[str, Area] = field(default_factory=dict, repr=False)
    _districts: dict[str, District] = field(default_factory=dict, repr=False)
    _analytical: bool = field(default=False, repr=False)
    # Statistics of approved months only (a report "approved data only"); else every month reported.
    approved_only: bool = False

    @property
    def catalogue(self) -> dict[str, IndicatorInfo]:
        """The indicator catalogue in its order, keyed by code."""
        if self._catalogue is None:
            self._catalogue = indicators.get_all(self.session)
        return self._catalogue

    def indicator(self, code: str) -> IndicatorInfo:
        """One indicator of the catalogue, or 404 with the nearest codes."""
        info = self.catalogue.get(code)
        if info is None:
            zh, en, near = indicators.unknown_message(self.catalogue, code)
            raise NotFound(zh, en, suggestions=near)
        return info

    def district(self, code: str) -> District:
        """The district (404 with a suggestion if unknown) whose figures the caller may read (else 403)."""
        found = self._districts.get(code)
        if found is None:
            found = districts.get_or_raise(self.session, code=code)
            self._districts[code] = found
        self.principal.require_read(code)
        return found

    def area(self, code: str | None) -> Area:
        """A district (404 if unknown, 403 outside the scope) or, for ``None`` or ``COUNTRY_CODE``, the
        whole country (403 unless the caller's scope is the whole country)."""
        key = code or COUNTRY_CODE
        found = self._areas.get(key)
        if found is not None:
            return found
        if key == COUNTRY_CODE:
            if not self.principal.scope.is_country:
                raise Forbidden(
                    f"无权查看全国数据（超出账号 {self.principal.name} 的范围）",
                    f"The whole country is outside the scope of user {self.principal.name}",
                    district=COUNTRY_CODE,
                )
            expected = self.session.scalar(
                select(func.count()).where(D.level == DistrictLevel.county, reporting_area(D.code))
            )
            ref = s.DistrictRef(code=COUNTRY_CODE, name=COUNTRY_NAME, level=DistrictLevel.country)
            found = Area(ref=ref, counties=None, expected=int(expected or 0))
        else:
            district = self.district(key)
            codes = county_codes(self.session, code=key) or []
            found = Area(ref=district_ref(district), counties=codes, expected=len(codes))
        self._areas[key] = found
        return found

    def listable_parent(self, code: str | None) -> tuple[District | None, bool]:
        """A parent whose children the caller may list, and whether the list is cut to the caller's scope.

        A user may list the children of a district that overlaps the scope (a city bureau looks at
        its province's list and sees its own city's row); a parent entirely outside the scope is 403.
        """
        scope = self.principal.scope
        if code is None:
            return None, not scope.is_country
        parent = self._districts.get(code) or districts.get_or_raise(self.session, code=code)
        self._districts[code] = parent
        if not scope.overlaps(code):
            self.principal.require_read(code)  # raises the 403
        return parent, not scope.covers(code)

    def with_session(self, session: Session) -> StatsContext:
        """The same caller and day on another session (a call run on its own connection), sharing
        the catalogue and the areas resolved so far."""
        twin = StatsContext(
            session, self.principal, self.today, _catalogue=self.catalogue, approved_only=self.approved_only
        )
        twin._areas = self._areas
        return twin

    def summary(self, year_from: int, year_to: int) -> Summary:
        """The yearly rows the totals read: the stored summary, or (``approved_only``) the same shape
        from approved months."""
        return approved_summary((year_from, year_to)) if self.approved_only else STORED

    def analytical(self) -> None:
        """Before the first large aggregate of this context (see ``common.analytical``)."""
        if not self._analytical:
            analytical(self.session)
            self._analytical = True


def county_codes(session: Session, *, code: str | None, principal: Principal | None = None) -> list[str] | None:
    """The county-level districts whose figures make up ``code`` (itself, for a county), cut to the
    caller's scope when given; ``None`` means every district (the whole country, unrestricted)."""
    if code == COUNTRY_CODE:
        code = None
    if code is not None and code_prefix(code) == code:
        return [code] if principal is None or principal.scope.covers(code) else []
    if code is None and (principal is None or principal.scope.is_country):
        return None
    stmt = select(D.code).where(D.level == DistrictLevel.county, in_area(D.code, code), reporting_area(D.code))
    if principal is not None:
        stmt = stmt.where(principal.scope.sql_filter(D.code))
    return list(session.scalars(stmt.order_by(D.code)))
