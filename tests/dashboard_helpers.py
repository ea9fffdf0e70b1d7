"""Helpers of the dashboard tests (and its benchmark): the requests a browser sends to Dash."""

from __future__ import annotations

from typing import Any


def content_callback(path: str, search: str = "") -> dict[str, Any]:
    """The body the browser posts for Dash pages' content callback (the page at ``path`` + ``search``)."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
    }


def csrf_header(client: Any) -> dict[str, str]:
    """As Dash's renderer sends a callback: the sign-in's CSRF token, from its cookie, in a header
    (cookie-authenticated unsafe requests need it: app/auth/gate.py)."""
    return {"X-CSRFToken": client.cookies.get("_csrf_token") or ""}
