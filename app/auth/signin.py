"""Rules shared by every place that signs in (the page itself is dashboard/templates/login.html)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Controls and spaces (a browser drops tabs and line breaks from a URL) and backslashes (read as "/").
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None, default: str = "/dashboard/") -> str:
    """Only paths on this site: an open redirect would let a link send people elsewhere after sign-in.

    Judged as a browser reads the URL: it drops tabs and line breaks and takes a backslash for a
    slash, so ``/<TAB>/evil.example`` and ``/<BACKSLASH>evil.example`` mean ``//evil.example``, another host.
    Anything with such characters, a scheme or a host goes to ``default``."""
    if not target or len(target) > 2000 or _UNSAFE_IN_NEXT.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
