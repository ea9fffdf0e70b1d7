"""The district table: GB/T 2260 code, name, level, parent and centroid."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, CheckConstraint, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class DistrictLevel(enum.StrEnum):
    # Only the statistics' reference to the whole country has this level; no row of the district
    # table does.
    country = "country"
    province = "province"
    city = "city"
    county = "county"
    township = "township"


class District(Base):
    __tablename__ = "districts"
    __table_args__ = (CheckConstraint("length(code) IN (6, 9)", name="code_length"),)

    # The GB/T 2260 code is the natural key every report and file uses (6 digits; townships, if a
    # bureau ever reports them, use the 9-digit statistical code).
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[DistrictLevel] = mapped_column(
        Enum(DistrictLevel, name="district_level", native_enum=False, length=16), index=True
    )
    parent_code: Mapped[str | None] = mapped_column(String(9), ForeignKey("districts.code"), index=True, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    # True when the source had no centroid and the parent's was used instead.
    centroid_approx: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"District({self.code} {self.name})"
