"""Look up districts by code or name, with a "did you mean" for codes and names that do not exist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.core.suggest import close_matches, did_you_mean
from app.districts.models import District, DistrictLevel


def get(session: Session, *, code: str) -> District | None:
    return session.get(District, code)


# What a suggestion looks at: a code has at most 9 digits (a township), a name a few characters.
# Without these bounds a 12,000-digit "code" made 12,000 queries (20 s on SQLite, 47 s on
# PostgreSQL), and a long "name" made difflib compare it with every district.
CODE_DIGITS = 9
NAME_CHARS = 20


def suggest(session: Session, *, text: str, limit: int = 3) -> list[District]:
    """Nearest districts to a code (longest shared prefix) or to a name (similar characters).
    At most eight queries, whatever ``text`` is."""
    if text.isdigit() and text.isascii():
        text = text[:CODE_DIGITS]
        for cut in range(len(text) - 1, 1, -1):
            found = session.scalars(
                select(District).where(District.code.startswith(text[:cut])).order_by(District.code).limit(limit)
            ).all()
            if found:
                return list(found)
        return []
    if not text or len(text) > NAME_CHARS:
        return []
    names = {d.name: d for d in session.scalars(select(District))}
    return [names[n] for n in close_matches(text, names, limit=limit, cutoff=0.4)]


def suggestion_text(session: Session, text: str) -> tuple[str, str, list[str]]:
    """The "did you mean" hint for a district code or name that does not exist, and its labels."""
    labels = [f"{d.code} {d.name}" for d in suggest(session, text=text)]
    zh, en = did_you_mean(labels)
    return zh, en, labels


def get_or_raise(session: Session, *, code: str) -> District:
    district = get(session, code=code)
    if district is None:
        zh, en, labels = suggestion_text(session, code)
        raise NotFound(f"区划代码 {code} 不存在{zh}", f"No district with code {code}{en}", suggestions=labels)
    return district


def not_reporting_unit(
    session: Session, code: str, district: District | None, *, suggest: bool = True
) -> tuple[str, str, str, list[str]] | None:
    """Why ``code`` cannot carry monthly figures — (problem code, Chinese, English, suggestions) —
    or ``None`` when it can: monthly data are reported per county-level district; ``district`` is
    the row for ``code`` if the caller has looked it up (``None``: there is none). ``suggest=False``
    leaves out the "did you mean" hint, which costs queries (a file of thousands of made-up codes
    asks for it only for the first few)."""
    if district is None:
        zh, en, labels = suggestion_text(session, code) if suggest else ("", "", [])
        return "district.unknown", f"区划代码 {code} 不存在{zh}", f"Unknown district {code}{en}", labels
    if district.level != DistrictLevel.county:
        return (
            "district.not_county",
            f"{district.name}（{district.code}）不是区县级区划：月度数据按区县报送，市、省数据由区县汇总",
            f"{district.name} ({district.code}) is a {district.level.value}: monthly data are reported per "
            "county-level district and summed for cities and provinces",
            [],
        )
    return None
