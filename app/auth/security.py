"""Secrets: API tokens (random, stored as a hash), passwords (argon2) and signed session cookies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_PREFIX = "yjt"
SESSION_COOKIE = "yj_session"
# The name Dash's renderer reads its CSRF token from and sends back in an X-CSRFToken header.
CSRF_COOKIE = "_csrf_token"
CSRF_HEADERS = (b"x-csrftoken", b"x-csrf-token")
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
    # A new salt with the server-side sessions: cookies of the stateless kind no longer read.
    return URLSafeTimedSerializer(secret_key, salt="yj-session-2")


def new_session_key() -> str:
    """The random part of a session cookie; the database keeps only its hash."""
    return secrets.token_urlsafe(32)


def session_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_session(secret_key: str, key: str) -> str:
    return _serializer(secret_key).dumps({"s": key})


def read_session(secret_key: str, cookie: str, max_age: int) -> str | None:
    """The session key of a well-signed, unexpired cookie, else None (no database is asked)."""
    try:
        data = _serializer(secret_key).loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        return None
    key: str = data["s"]
    return key


def csrf_token(secret_key: str, key: str) -> str:
    """The CSRF token of a session: derived from its key, so that any process can check it without
    the database, and useless to anyone who cannot read this site's cookies."""
    mac = hmac.new(secret_key.encode(), b"csrf:" + key.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_token_matches(secret_key: str, cookie: str, max_age: int, token: str) -> bool:
    key = read_session(secret_key, cookie, max_age)
    return key is not None and hmac.compare_digest(csrf_token(secret_key, key), token)
