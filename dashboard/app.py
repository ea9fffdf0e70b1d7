"""Build the Dash app, either mounted inside the API process at /dashboard/ or as its own process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Dash, dcc, html

from app.core.db import Database

PAGES_DIR = Path(__file__).parent / "pages"
URL_PREFIX = "/dashboard/"


def create_dash(database: Database, *, mounted: bool) -> Dash:
    """``mounted``: served under the API's /dashboard mount (routes relative to the mount point);
    otherwise a standalone process that serves /dashboard/ itself."""
    prefix_kwargs: dict[str, Any] = (
        {"requests_pathname_prefix": URL_PREFIX, "routes_pathname_prefix": "/"}
        if mounted
        else {"url_base_pathname": URL_PREFIX}
    )
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        title="应急管理执法统计",
        suppress_callback_exceptions=True,
        **prefix_kwargs,
    )
    # Pages reach the database through the shared query layer; they find it on the Flask server.
    app.server.config["DATABASE"] = database
    app.layout = html.Div(
        [
            html.Header(
                [
                    html.H1("应急管理执法工作统计", style={"margin": "0", "fontSize": "22px"}),
                    html.Span("Enforcement-activity metrics", style={"color": "#666"}),
                ],
                style={"padding": "12px 24px", "borderBottom": "3px solid #c00"},
            ),
            dcc.Location(id="url"),
            html.Main(dash.page_container, style={"padding": "16px 24px"}),
        ],
        style={"fontFamily": '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif'},
    )
    return app


def main() -> None:
    """Run the dashboard as its own process (behind the same database as the API)."""
    from app.core.config import get_settings

    settings = get_settings()
    app = create_dash(Database(settings.database_url), mounted=False)
    app.run(host=settings.host, port=8050, debug=False)


if __name__ == "__main__":
    main()
