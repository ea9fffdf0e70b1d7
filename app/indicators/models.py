"""The indicator catalogue table; its rows are loaded by a migration, not by the app."""

from __future__ import annotations

from sqlalchemy import Boolean, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class Indicator(Base):
    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    name_zh: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str] = mapped_column(String(16))
    unit_en: Mapped[str] = mapped_column(String(32))
    whole_number: Mapped[bool] = mapped_column(Boolean)
    # +1: more is better (inspections), -1: more is worse (deaths), 0: neither. Colours the
    # dashboard's year-on-year arrows.
    good_direction: Mapped[int] = mapped_column(SmallInteger, default=0)
    sort_order: Mapped[int] = mapped_column(SmallInteger)
