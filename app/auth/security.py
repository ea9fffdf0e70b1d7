"""Secrets: API tokens (random, stored as a hash), passwords (argon2) and signed session cookies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_PREFIX = "yjt"
SESSION_COOKIE = "yj_session"
_hasher = PasswordHasher()


@dataclass(frozen=True)
class NewToken:
    plaintext: str  # shown once, never stored
    lookup: str  # stored in clear, finds the row
    digest: str  # stored


def new_token() -> NewToken:
    """``yjt_<lookup>_<secret>``: 32 random bytes of secret, an 8-character lookup prefix."""
    lookup = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{TOKEN_PREFIX}_{lookup}_{secret}"
    return NewToken(plaintext=plaintext, lookup=lookup, digest=token_digest(plaintext))


def token_digest(plaintext: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, so no dictionary attack applies.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def split_token(plaintext: str) -> str | None:
    """The lookup prefix of a well-formed token, else None."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8 or len(parts[2]) < 40:
        return None
    return parts[1]


def token_matches(plaintext: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(plaintext), digest)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so that timing does not tell which names exist.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="yj-session")


def sign_session(secret_key: str, user_id: int, password_hash: str | None) -> str:
    # The password hash's tail is part of the cookie: changing the password ends every session.
    return _serializer(secret_key).dumps({"uid": user_id, "pw": (password_hash or "")[-12:]})


def read_session(secret_key: str, cookie: str, max_age: int) -> tuple[int, str] | None:
    try:
        data = _serializer(secret_key).loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    return data["uid"], str(data.get("pw", ""))
