"""Build the Dash app, either mounted inside the API process at /dashboard/ or as its own process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Dash, dcc, html

from app.core.config import Settings, get_settings
from app.core.db import Database
from dashboard.auth import current_principal, install_auth

PAGES_DIR = Path(__file__).parent / "pages"
URL_PREFIX = "/dashboard/"
DASHBOARD_PORT = 8050


def create_dash(database: Database, *, mounted: bool, settings: Settings | None = None) -> Dash:
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
    app.server.config["SETTINGS"] = settings or get_settings()
    app.server.config["URL_PREFIX"] = URL_PREFIX
    install_auth(app.server, "/" if mounted else URL_PREFIX)
    app.layout = serve_layout
    return app


def serve_layout() -> html.Div:
    """The frame of every page; a function so that it shows who is signed in on each load."""
    principal = current_principal()
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.H1("应急管理执法工作统计", style={"margin": "0", "fontSize": "22px"}),
                            html.Span("Enforcement-activity metrics", style={"color": "#666"}),
                        ]
                    ),
                    html.Div(
                        [
                            html.Span(
                                principal.name if principal else "", id="signed-in-user", style={"marginRight": "12px"}
                            ),
                            html.A("退出 Sign out", href=URL_PREFIX + "logout", id="sign-out"),
                        ]
                    ),
                ],
                style={
                    "padding": "12px 24px",
                    "borderBottom": "3px solid #c00",
                    "display": "flex",
                    "justifyContent": "space-between",
                    "alignItems": "center",
                },
            ),
            dcc.Location(id="url"),
            html.Main(dash.page_container, style={"padding": "16px 24px"}),
        ],
        style={"fontFamily": '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif'},
    )


def main() -> None:
    """Run the dashboard as its own process (behind the same database as the API)."""
    settings = get_settings()
    app = create_dash(Database(settings.database_url), mounted=False, settings=settings)
    serve(app, host=settings.host, port=DASHBOARD_PORT)


def serve(app: Dash, *, host: str, port: int) -> None:
    """Serve with uvicorn (through a2wsgi), not Flask's development server."""
    import uvicorn
    from a2wsgi import WSGIMiddleware

    uvicorn.run(WSGIMiddleware(app.server), host=host, port=port)


if __name__ == "__main__":
    main()
