"""The maps' boundaries as files the browser fetches: plotly loads a choropleth's GeoJSON from a URL,
so a page's figure carries only the values (the country's 2,900 counties are 1.3 MB of boundaries),
and the browser keeps each view: its URL names the cache it was built into, so it never changes.

``/dashboard/boundaries/<cache key>/120000.json`` — Tianjin's districts, a GeoJSON FeatureCollection.
Signed-in users only, like every dashboard route.
"""

from __future__ import annotations

from typing import Any

import dash
from flask import Flask, abort, send_file

from app.districts.boundaries import Atlas, view_key
from dashboard import data

MAX_AGE = 365 * 24 * 3600  # a URL's content never changes: a new build has a new cache key


def install_route(server: Flask, routes_prefix: str) -> None:
    @server.route(f"{routes_prefix}boundaries/<key>/<name>")
    def boundaries_file(key: str, name: str) -> Any:
        atlas = data.atlas()
        path = (
            atlas.view_file(Atlas.view_of_file(name)) if key == atlas.folder.name and name.endswith(".json") else None
        )
        if path is None:
            abort(404)
        response = send_file(path, mimetype="application/geo+json", max_age=MAX_AGE, conditional=True)
        response.cache_control.public = False
        response.cache_control.private = True
        response.cache_control.immutable = True
        return response


def view_url(parent_code: str | None, *, all_counties: bool = False) -> str:
    """Where the browser fetches the boundaries of a map view."""
    atlas = data.atlas()
    name = Atlas.file_name(view_key(parent_code, all_counties=all_counties))
    return str(dash.get_relative_path(f"/boundaries/{atlas.folder.name}/{name}"))
