"""The sign-in page, rendered from templates/login.html (the form dashboard/auth.py serves and checks)."""

from __future__ import annotations

from app.auth.signin import safe_next
from app.core.templating import html_environment

_templates = html_environment("dashboard")


def login_html(action: str, next_url: str, error: str | None = None) -> str:
    """The page: the form posts to ``action`` and then goes to ``next_url`` (a path on this site only)."""
    return _templates.get_template("login.html").render(action=action, next=safe_next(next_url), error=error)
