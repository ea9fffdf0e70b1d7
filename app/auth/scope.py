"""Who may see and change which districts: the caller's scope, applied in the data layer.

GB/T 2260 codes nest by prefix: a province XX0000 covers every code starting XX, a city XXYY00
every code starting XXYY, a county its own code (and its 9-digit townships). So a scope is a set
of prefixes, and "inside the scope" is one ``LIKE 'prefix%'`` per scope entry in SQL.

Reading outside one's scope answers 403 (not 404): district codes are public, so hiding that a
district exists protects nothing, and 403 tells a user what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, true

from app.auth.models import Role
from app.core.errors import Forbidden
from app.districts.codes import code_prefix as code_prefix  # the one definition; still importable from here


@dataclass(frozen=True)
class Scope:
    """A set of district codes and everything below them; ``None`` is the whole country."""

    codes: frozenset[str] | None

    @classmethod
    def country(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, codes: Iterable[str]) -> Scope:
        return cls(frozenset(codes))

    @property
    def is_country(self) -> bool:
        return self.codes is None

    @property
    def prefixes(self) -> list[str]:
        return sorted({code_prefix(c) for c in self.codes or ()})

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(p) for p in self.prefixes)

    def overlaps(self, code: str) -> bool:
        """True when ``code`` or something under it is inside the scope (a city bureau's user may
        look at its province's list of cities, seeing only its own city's figures)."""
        if self.covers(code):
            return True
        prefix = code_prefix(code)
        return any(p.startswith(prefix) for p in self.prefixes)

    def sql_filter(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        """``column`` (a district code) lies inside the scope."""
        if self.codes is None:
            return true()
        return or_(*(column.startswith(p, autoescape=True) for p in self.prefixes))


@dataclass(frozen=True)
class Principal:
    """The caller: a user (by token or by sign-in) with a role and a scope."""

    user_id: int | None
    name: str
    role: Role
    scope: Scope

    @property
    def can_write(self) -> bool:
        return self.role in (Role.admin, Role.staff)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def require_read(self, code: str) -> None:
        if not self.scope.covers(code):
            raise Forbidden(
                f"无权查看区划 {code} 的数据（超出账号 {self.name} 的范围）",
                f"District {code} is outside the scope of user {self.name}",
                district=code,
            )

    def require_write(self, code: str) -> None:
        if not self.can_write:
            raise Forbidden(
                f"账号 {self.name} 为只读角色（{self.role.value}），不能报送数据",
                f"User {self.name} has the read-only role {self.role.value}",
            )
        if not self.scope.covers(code):
            raise Forbidden(
                f"无权报送区划 {code} 的数据（超出账号 {self.name} 的范围）",
                f"District {code} is outside the scope of user {self.name}",
                district=code,
            )

    @property
    def can_review(self) -> bool:
        return self.role in (Role.admin, Role.reviewer)

    def require_review(self, code: str) -> None:
        """Approving, returning and unlocking a district's months: reviewers of a scope above it, and admins."""
        if not self.can_review:
            raise Forbidden(
                f"账号 {self.name}（{self.role.value}）不是审核人，不能审核、退回或解锁报表",
                f"User {self.name} ({self.role.value}) is not a reviewer and cannot approve, return or unlock months",
            )
        if not self.scope.covers(code):
            raise Forbidden(
                f"无权审核区划 {code} 的报表（超出账号 {self.name} 的范围）",
                f"District {code} is outside the review scope of user {self.name}",
                district=code,
            )

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("需要管理员权限", "This needs the admin role")


# The system itself (seeding, migrations, CLI run by an operator on the server).
SYSTEM = Principal(user_id=None, name="system", role=Role.admin, scope=Scope.country())
