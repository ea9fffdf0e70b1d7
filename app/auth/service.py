"""Users, tokens and sign-in: create, look up, authenticate, revoke; every event audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, AuthEvent, Role, User, UserDistrict
from app.auth.scope import Principal, Scope
from app.auth.security import (
    hash_password,
    new_token,
    read_session,
    split_token,
    token_matches,
    verify_password,
)
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import AppError, Conflict, InternalError, NotFound, ValidationFailed
from app.districts.models import District

# Lookup prefixes drawn before giving up: five repeats in a row mean a broken random source.
TOKEN_DRAWS = 5


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
    if password is not None and len(password) < 8:
        raise ValidationFailed("密码至少 8 位", "The password needs at least 8 characters")
    user = User(
        name=name,
        role=role,
        display_name=display_name,
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


def authenticate_token(session: Session, plaintext: str) -> User | None:
    """The active user a bearer token belongs to, or None (bad, expired, revoked)."""
    lookup = split_token(plaintext)
    if lookup is None:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == lookup))
    if row is None or not token_matches(plaintext, row.token_hash):
        return None
    now = utcnow()
    expires = row.expires_at
    if row.revoked_at is not None or (expires is not None and expires <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    # Last use to the minute: enough to spot dead tokens without a write per request.
    last = row.last_used_at
    if last is None or now - last > dt.timedelta(minutes=1):
        row.last_used_at = now
    return user


@dataclass
class SignIn:
    """The outcome of a password check: a user, or the error to show. Never raised, so that the
    caller commits the failure counter and the audit row along with it."""

    user: User | None
    error: AppError | None = None


def authenticate_password(
    session: Session, settings: Settings, *, name: str, password: str, client: str | None = None
) -> SignIn:
    """Check a password. Repeated failures lock the account for a doubling time (kept in the
    database, so every process behind a load balancer enforces the same lock)."""
    # The user's row is locked before the lock and the counter are looked at, so parallel guesses
    # at one account queue here one by one and each sees the failures of those before it: no more
    # than login_max_failures guesses are checked before the account locks. The argon2 check then
    # runs while the row is held, which serialises guesses per account, as intended. FOR NO KEY
    # UPDATE (key_share) leaves inserts that merely reference the user (audit rows) unblocked.
    # SQLite has no row locks and ignores this; the counting below is atomic there too.
    user = session.scalar(
        select(User).where(User.name == name).with_for_update(key_share=True).execution_options(populate_existing=True)
    )
    now = utcnow()
    if user is not None:
        locked = user.locked_until
        if locked is not None and locked > now:
            wait = int((locked - now).total_seconds()) + 1
            record_event(session, "login_locked", user_id=user.id, client=client)
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
        if user is not None:
            # Counted by the database, not read-add-write in Python, so that no failure is lost
            # where guesses are not queued by the row lock (SQLite runs the SELECT above outside
            # any transaction); the lock follows from the count the database returns.
            failures = session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=User.failed_logins + 1)
                .returning(User.failed_logins),
                execution_options={"synchronize_session": "fetch"},
            ).scalar_one()
            over = failures - settings.login_max_failures
            if over >= 0:
                lock = min(settings.login_lock_seconds * 2**over, settings.login_lock_max_seconds)
                user.locked_until = now + dt.timedelta(seconds=lock)
        record_event(
            session,
            "login_failed",
            user_id=user.id if user else None,
            client=client,
            detail=None if user else f"name={name[:64]}",
        )
        return SignIn(None, ValidationFailed("用户名或密码错误", "Wrong user name or password"))
    user.failed_logins = 0
    user.locked_until = None
    record_event(session, "login", user_id=user.id, client=client)
    return SignIn(user)


def user_from_session(session: Session, settings: Settings, cookie: str) -> User | None:
    data = read_session(settings.secret_key, cookie, settings.session_max_age_seconds)
    if data is None:
        return None
    uid, pw_tail = data
    user = session.get(User, uid)
    if user is None or not user.is_active or (user.password_hash or "")[-12:] != pw_tail:
        return None
    return user
