"""Users, tokens and sign-in: create, look up, authenticate, revoke; every event audited."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Update, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload

from app.auth.models import ApiToken, AuthEvent, Role, SignInThrottle, User, UserDistrict, UserSession
from app.auth.scope import Principal, Scope
from app.auth.security import (
    hash_password,
    new_session_key,
    new_token,
    read_session,
    session_key_hash,
    sign_session,
    split_token,
    token_matches,
    verify_password,
)
from app.core.config import Settings
from app.core.db import Database, commit_now, utcnow
from app.core.errors import AppError, Conflict, InternalError, NotFound, ValidationFailed
from app.core.logging import log_event
from app.districts.models import District

log = logging.getLogger(__name__)

# Lookup prefixes drawn before giving up: five repeats in a row mean a broken random source.
TOKEN_DRAWS = 5
AUTH_LOG = logging.getLogger("yingji.auth")
# Enough to catch a typo; the mail server is the judge of the rest.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}")
# A token's last use is kept to the minute, and stamping it waits for a lock at most this long.
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)
TOKEN_USE_WAIT_MS = 200
# When this process last stamped each token of each database (``record_token_use``).
_stamping: dict[tuple[str, int], float] = {}
_stamping_lock = threading.Lock()
# Ended sessions and idle sign-in counters are deleted once they are this old.
STALE = dt.timedelta(days=1)
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f]")


class TooManyAttempts(AppError):
    status = 429
    type_slug = "too-many-attempts"
    title_zh = "尝试次数过多"
    title_en = "Too many attempts"


def principal_of(user: User) -> Principal:
    codes = user.district_codes
    # An admin, or a user with no district, sees the whole country (national viewer).
    scope = Scope.country() if user.role == Role.admin or not codes else Scope.of(codes)
    return Principal(user_id=user.id, name=user.name, role=user.role, scope=scope)


def record_event(
    session: Session,
    kind: str,
    *,
    user_id: int | None = None,
    actor_id: int | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> None:
    session.add(AuthEvent(kind=kind, user_id=user_id, actor_id=actor_id, detail=detail, client=client))


def get_by_name(session: Session, *, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def get_by_name_or_raise(session: Session, *, name: str) -> User:
    user = get_by_name(session, name=name)
    if user is None:
        raise NotFound(f"用户 {name} 不存在", f"No user named {name}")
    return user


def create_user(
    session: Session,
    *,
    name: str,
    role: Role,
    districts: list[str] | None = None,
    password: str | None = None,
    display_name: str | None = None,
    actor_id: int | None = None,
    email: str | None = None,
) -> User:
    """Create a user; district codes must exist. Staff need at least one district."""
    districts = sorted(set(districts or []))
    if get_by_name(session, name=name) is not None:
        raise Conflict(f"用户名 {name} 已存在", f"User name {name} is taken")
    known = set(session.scalars(select(District.code).where(District.code.in_(districts))))
    unknown = [c for c in districts if c not in known]
    if unknown:
        raise ValidationFailed(f"未知区划代码：{'、'.join(unknown)}", f"Unknown district codes: {', '.join(unknown)}")
    if role == Role.staff and not districts:
        raise ValidationFailed("报送人员（staff）须指定至少一个区划", "A staff user needs at least one district")
    if password is not None:
        _check_password(password)
    if email is not None and not EMAIL.fullmatch(email):
        raise ValidationFailed(f"邮箱格式不对：{email[:64]}", f"Not an e-mail address: {email[:64]}")
    user = User(
        name=name,
        role=role,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password) if password else None,
        scopes=[UserDistrict(district_code=c) for c in districts],
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user_created",
        user_id=user.id,
        actor_id=actor_id,
        detail=f"role={role.value} districts={','.join(districts) or '*'}",
    )
    return user


def create_token(
    session: Session,
    *,
    user: User,
    name: str | None = None,
    expires_at: dt.datetime | None = None,
    actor_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the plaintext, which is never stored."""
    # The lookup part is 8 hex digits (the documented token format) and unique: a repeat is rare
    # (2^32 values) but grows likelier as tokens pile up, and the unique constraint would turn it
    # into a 500. Draw again instead.
    for _attempt in range(TOKEN_DRAWS):
        token = new_token()
        if session.scalar(select(ApiToken.id).where(ApiToken.prefix == token.lookup)) is None:
            break
    else:
        raise InternalError("无法生成不重复的令牌，请重试", "Could not draw an unused token prefix; try again")
    row = ApiToken(user_id=user.id, name=name, prefix=token.lookup, token_hash=token.digest, expires_at=expires_at)
    session.add(row)
    session.flush()
    record_event(session, "token_created", user_id=user.id, actor_id=actor_id, detail=f"token={row.id} {token.lookup}")
    return row, token.plaintext


def revoke_token(session: Session, *, token_id: int, actor_id: int | None = None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"令牌 {token_id} 不存在", f"No token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event(session, "token_revoked", user_id=row.user_id, actor_id=actor_id, detail=f"token={row.id}")
    return row


@dataclass(frozen=True)
class TokenUse:
    """The user a bearer token belongs to, and whether its last use is due to be stamped."""

    user: User
    token_id: int
    stamp_due: bool


def _with_user(
    session: Session, credential: type[ApiToken] | type[UserSession], where: ColumnElement[bool]
) -> tuple[Any, User] | None:
    """A token or sign-in row, its user and the user's districts, in one statement: every request
    asks, and three round trips (credential, user, districts) were a quarter of a cached statistics
    answer."""
    found = (
        session.execute(
            select(credential, User)
            .join(User, User.id == credential.user_id)
            .where(where)
            .options(joinedload(User.scopes))
        )
        .unique()
        .first()
    )
    return None if found is None else (found[0], found[1])


def authenticate_token(session: Session, plaintext: str) -> TokenUse | None:
    """The active user a bearer token belongs to, or None (bad, expired, revoked). Reads only:
    the last use is written apart, by ``record_token_use``."""
    lookup = split_token(plaintext)
    if lookup is None:
        return None
    found = _with_user(session, ApiToken, ApiToken.prefix == lookup)
    if found is None:
        return None
    row, user = found
    if not token_matches(plaintext, row.token_hash):
        return None
    now = utcnow()
    expires = row.expires_at
    if row.revoked_at is not None or (expires is not None and expires <= now):
        return None
    if not user.is_active:
        return None
    last = row.last_used_at
    return TokenUse(user, row.id, last is None or now - last > TOKEN_USE_RESOLUTION)


def record_token_use(session: Session, database: Database, *, token_id: int) -> None:
    """Stamp a token's last use, to the minute, in a short transaction on a connection of its own:
    a read request never holds a write lock for it (on SQLite that lock is the whole database's),
    waits for one at most a moment, and never fails because of it."""
    now = utcnow()
    stamp = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_USE_RESOLUTION),
        )
        .values(last_used_at=now)
    )
    if session.connection().in_nested_transaction():
        # The session is joined to a transaction its owner ends (the tests): write through it.
        session.execute(stamp)
        return
    key = (database.url, token_id)
    with _stamping_lock:
        # Many requests of one token at once (a script's parallel calls) all find the stamp due: one
        # of them writes it, the others go on (a failed stamp is tried again by the next request).
        last = _stamping.get(key)
        if last is not None and time.monotonic() - last < TOKEN_USE_RESOLUTION.total_seconds() / 2:
            return
        _stamping[key] = time.monotonic()
    sqlite = database.dialect == "sqlite"
    try:
        # Never the request's own pool: see ``Database.side_engine``.
        with database.side_engine.connect() as conn:
            try:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {TOKEN_USE_WAIT_MS}")
                else:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{TOKEN_USE_WAIT_MS}ms'")
                conn.execute(stamp)
                conn.commit()
            finally:
                conn.rollback()
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {database.busy_timeout_ms}")
                    conn.commit()
    except SQLAlchemyError as exc:
        with _stamping_lock:
            _stamping.pop(key, None)
        log.info("last use of token %s not recorded: %s", token_id, exc)


@dataclass
class SignIn:
    """The outcome of a password check: a user, or the error to show. Never raised, so that the
    caller commits the audit row along with it."""

    user: User | None
    error: AppError | None = None


def _throttle_key(name: str) -> str:
    """The name a sign-in is counted under: what was typed, cut to a column's length, with the
    characters no database stores replaced (such a name is nobody's, but it is throttled too)."""
    key = _UNSTORABLE.sub("\ufffd", name[:64])
    return key.encode("utf-8", "replace").decode("utf-8")


def _reserve_attempt(session: Session, settings: Settings, key: str, now: dt.datetime) -> dt.datetime | None:
    """Count one attempt at ``key`` before its password is compared; None if it may go ahead, else
    the moment the lock ends. One atomic statement (an upsert that skips a locked name), so that
    parallel attempts are counted exactly on SQLite and PostgreSQL alike: the attempt that reaches
    login_max_failures sets the lock before it is checked, and every later one finds it set."""
    t = SignInThrottle
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = (
        insert(t)
        .values(name=key, failures=1, locked_until=None, last_attempt_at=now)
        .on_conflict_do_update(
            index_elements=[t.name],
            set_={"failures": t.failures + 1, "last_attempt_at": now},
            where=or_(t.locked_until.is_(None), t.locked_until <= now),
        )
        .returning(t.failures)
    )
    failures = session.execute(upsert).scalar_one_or_none()
    if failures is None:
        locked = session.scalar(select(t.locked_until).where(t.name == key))
        return locked or now
    over = failures - settings.login_max_failures
    if over >= 0:
        lock = min(settings.login_lock_seconds * 2 ** min(over, 20), settings.login_lock_max_seconds)
        session.execute(update(t).where(t.name == key).values(locked_until=now + dt.timedelta(seconds=lock)))
    return None


def authenticate_password(
    session: Session, settings: Settings, *, name: str, password: str, client: str | None = None
) -> SignIn:
    """Check a password; at most login_max_failures wrong ones in a row per name, then a lock that
    doubles from login_lock_seconds up to login_lock_max_seconds. Names that belong to nobody are
    counted and locked the same way and cost the same argon2 hash, so that neither a 429 nor the
    time taken tells which accounts exist.

    The attempt is counted and committed before the password is compared (the one commit a
    service makes here): the comparison is slow on purpose, and no lock is held during it."""
    now = utcnow()
    key = _throttle_key(name)
    locked = _reserve_attempt(session, settings, key, now)
    commit_now(session)
    user = get_by_name(session, name=name) if key == name else None
    if locked is not None:
        wait = max(int((locked - now).total_seconds()) + 1, 1)
        record_event(
            session, "login_locked", user_id=user.id if user else None, client=client, detail=_name_detail(user, key)
        )
        _log_sign_in(name, "locked", client)
        return SignIn(
            None,
            TooManyAttempts(
                f"密码错误次数过多，请 {wait} 秒后再试",
                f"Too many wrong passwords; retry in {wait} s",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            ),
        )
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        record_event(
            session, "login_failed", user_id=user.id if user else None, client=client, detail=_name_detail(user, key)
        )
        outcome = "unknown_user" if user is None else "wrong_password" if not ok else "inactive"
        _log_sign_in(name, outcome, client)
        return SignIn(None, ValidationFailed("用户名或密码错误", "Wrong user name or password"))
    session.execute(delete(SignInThrottle).where(SignInThrottle.name == key))
    record_event(session, "login", user_id=user.id, client=client)
    _log_sign_in(name, "success", client)
    return SignIn(user)


def _log_sign_in(name: str, outcome: str, client: str | None) -> None:
    """One log line per password check (never the password): success, unknown_user, wrong_password,
    inactive or locked."""
    level = logging.INFO if outcome == "success" else logging.WARNING
    log_event(AUTH_LOG, "sign_in", level, user=name[:64], outcome=outcome, client=client)


def _name_detail(user: User | None, key: str) -> str | None:
    return None if user else f"name={key}"


def failures_of(session: Session, *, name: str) -> tuple[int, dt.datetime | None]:
    """Wrong passwords in a row at ``name`` and the end of its lock (for operators and tests)."""
    row = session.get(SignInThrottle, _throttle_key(name))
    return (row.failures, row.locked_until) if row else (0, None)


# ----------------------------------------------------------------------------- sessions


def start_session(session: Session, settings: Settings, *, user: User, client: str | None = None) -> str:
    """A new sign-in of ``user``: its row, and the signed cookie that names it."""
    now = utcnow()
    # Rows of sessions long over, and counters of names nobody tried for a day, go on the way.
    session.execute(delete(UserSession).where(UserSession.expires_at < now - STALE))
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.last_attempt_at < now - STALE,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < now),
        )
    )
    key = new_session_key()
    session.add(
        UserSession(
            user_id=user.id,
            key_hash=session_key_hash(key),
            expires_at=now + dt.timedelta(seconds=settings.session_max_age_seconds),
            client=client[:64] if client else None,
        )
    )
    session.flush()
    return sign_session(settings.secret_key, key)


def _live_session(session: Session, settings: Settings, cookie: str) -> UserSession | None:
    key = read_session(settings.secret_key, cookie, settings.session_max_age_seconds)
    if key is None:
        return None
    row = session.scalar(select(UserSession).where(UserSession.key_hash == session_key_hash(key)))
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    return row


def user_from_session(session: Session, settings: Settings, cookie: str) -> User | None:
    """The active user of a session cookie that is well signed and whose session has not ended."""
    key = read_session(settings.secret_key, cookie, settings.session_max_age_seconds)
    if key is None:
        return None
    found = _with_user(session, UserSession, UserSession.key_hash == session_key_hash(key))
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None or row.expires_at <= utcnow() or not user.is_active:
        return None
    return user


def end_session(session: Session, settings: Settings, cookie: str, *, client: str | None = None) -> None:
    """Sign out: this cookie's session ends, in every process at once."""
    row = _live_session(session, settings, cookie)
    if row is None:
        return
    row.ended_at = utcnow()
    record_event(session, "logout", user_id=row.user_id, client=client)


@dataclass(frozen=True)
class Ended:
    sessions: int
    tokens: int


def end_all_sessions(session: Session, *, user: User, actor_id: int | None = None, reason: str = "ended") -> Ended:
    """End every sign-in of ``user`` and revoke every token, at once, in every process."""
    now = utcnow()
    sessions = _changed(
        session,
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .values(ended_at=now),
    )
    tokens = _changed(
        session,
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now),
    )
    record_event(
        session,
        "sessions_ended",
        user_id=user.id,
        actor_id=actor_id,
        detail=f"{reason} sessions={sessions} tokens={tokens}",
    )
    return Ended(sessions, tokens)


def _changed(session: Session, statement: Update) -> int:
    result = session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount or 0)


def set_password(session: Session, *, name: str, password: str, actor_id: int | None = None) -> User:
    """A new password for ``name``; every cookie and token of the user ends with the old one."""
    user = get_by_name_or_raise(session, name=name)
    _check_password(password)
    user.password_hash = hash_password(password)
    record_event(session, "password_changed", user_id=user.id, actor_id=actor_id)
    end_all_sessions(session, user=user, actor_id=actor_id, reason="password_changed")
    session.execute(delete(SignInThrottle).where(SignInThrottle.name == user.name))
    return user


def disable_user(session: Session, *, name: str, actor_id: int | None = None) -> User:
    """The user can no longer sign in nor use a token; every session and token ends now (and
    stays ended when the user is enabled again)."""
    user = get_by_name_or_raise(session, name=name)
    if actor_id is not None and user.id == actor_id:
        raise Conflict("不能停用自己的账号", "You cannot disable your own account")
    user.is_active = False
    record_event(session, "user_disabled", user_id=user.id, actor_id=actor_id)
    end_all_sessions(session, user=user, actor_id=actor_id, reason="disabled")
    return user


def enable_user(session: Session, *, name: str, actor_id: int | None = None) -> User:
    user = get_by_name_or_raise(session, name=name)
    if not user.is_active:
        user.is_active = True
        record_event(session, "user_enabled", user_id=user.id, actor_id=actor_id)
    return user


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "The password needs at least 8 characters")
    if len(password) > 256:
        raise ValidationFailed("密码最多 256 位", "The password has at most 256 characters")
