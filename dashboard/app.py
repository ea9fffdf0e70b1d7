"""Build the Dash app, either mounted inside the API process at /dashboard/ or as its own process."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Dash, Input, Output, State, dcc, html
from flask import Flask, Response, request

from app.auth.models import Role
from app.auth.scope import Principal
from app.core import periods
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.logging import RequestLog, configure_logging, request_id_var
from app.districts import boundaries
from app.stats import cache as stats_cache
from dashboard import geo, ids
from dashboard.auth import current_principal, install_auth
from dashboard.data import session_scope
from dashboard.formatting import format_month, format_timestamp
from dashboard.i18n import Lang, lang_of, t
from dashboard.reporting import open_reminders
from dashboard.security import install_security
from dashboard.state import merge_search, parse_search

PAGES_DIR = Path(__file__).parent / "pages"
ASSETS_DIR = Path(__file__).parent / "assets"  # styles, the print view (A4) and print.js
URL_PREFIX = "/dashboard/"
# Dash's page with the document's language said (WCAG 3.1.1, GB/T 37668): Chinese, as the pages are
# first drawn; assets/a11y.js switches it to "en" when a page is shown in English.
INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


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
        # Dash would find dashboard/assets/ from __name__ too (Flask's root path of this module), but
        # as `python -m dashboard.app` __name__ is "__main__": say where it is.
        assets_folder=str(ASSETS_DIR),
        title="应急管理执法统计",
        index_string=INDEX,
        suppress_callback_exceptions=True,
        **prefix_kwargs,
    )
    # Pages reach the database through the shared query layer; they find it on the Flask server.
    app.server.config["DATABASE"] = database
    app.server.config["SETTINGS"] = settings = settings or get_settings()
    # Query-layer results of the pages, per scope and data version (app/stats/cache.py); the same
    # cache as the API's when mounted in it.
    app.server.config["QUERY_CACHE"] = stats_cache.for_settings(settings)
    if settings.environment != "test":
        # Each map view's boundaries are simplified once and kept under the data directory; build
        # the missing ones now, in the background, rather than on a leader's first click.
        boundaries.warm(settings.data_dir)
    app.server.config["URL_PREFIX"] = URL_PREFIX
    # Before the sign-in guard, so that the request's id is known while it signs someone in.
    install_request_log_context(app.server)
    install_auth(app.server, "/" if mounted else URL_PREFIX)
    geo.install_route(app.server, "/" if mounted else URL_PREFIX)
    app.layout = serve_layout
    install_frame_callbacks(app)
    install_security(app)
    cache = app.server.config["QUERY_CACHE"]
    if settings.warm_up and settings.environment != "test" and cache is not None and cache.claim("warm-pages", 120):
        # The first overview after a start was ~3 s (issue 15): draw it now for the likely readers,
        # in the background (dashboard/warm.py). With Redis, one process of a deployment does it.
        from dashboard.warm import warm_in_background

        warm_in_background(app.server)
    return app


PAGES = (
    ("overview", "/"),
    ("districts", "/districts"),
    ("completeness", "/completeness"),
    ("data", "/data"),
    ("reports", "/reports"),
    ("submit", "/submit"),
    ("review", "/review"),
    ("history", "/history"),
)


def serve_layout() -> html.Div:
    """The frame of every page; a function so that it shows who is signed in on each load. Its words
    follow the URL's ``lang`` through ``update_frame``; the page below is drawn by Dash pages."""
    principal = current_principal()
    lang: Lang = "zh"
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            html.Header(
                [
                    html.Div(
                        [
                            html.H1(t("app.title", lang), id=ids.APP_TITLE),
                            html.Span(t("app.subtitle", lang), id=ids.APP_SUBTITLE),
                        ],
                        className="brand",
                    ),
                    html.Nav(
                        [
                            dcc.Link(t(f"nav.{page}", lang), href=URL_PREFIX + path.lstrip("/"), id=ids.nav_link(page))
                            for page, path in PAGES
                        ],
                        id=ids.NAV,
                        className="nav no-print",
                    ),
                    html.Div(
                        [
                            dcc.Link("中文", href=URL_PREFIX, id=ids.LANG_ZH, className="lang-link"),
                            dcc.Link("English", href=URL_PREFIX + "?lang=en", id=ids.LANG_EN, className="lang-link"),
                        ],
                        className="lang-switch no-print",
                    ),
                    html.Div(
                        [
                            html.Span(principal.name if principal else "", id=ids.SIGNED_IN_USER),
                            # Signing out is a POST (refused from other sites); a link could be followed by anyone.
                            html.Form(
                                html.Button("退出 Sign out", type="submit", id=ids.SIGN_OUT, className="sign-out"),
                                method="POST",
                                action=URL_PREFIX + "logout",
                            ),
                        ],
                        className="user no-print",
                    ),
                ],
                className="app-header",
            ),
            # Filled by ``update_reminders`` in the URL's language.
            html.Div(id=ids.REMINDERS, className="notice notice-warn reminders no-print", role="status", hidden=True),
            html.Main(dash.page_container, className="app-main"),
            html.Div(id=ids.PRINT_DUMMY, hidden=True),
        ],
        className="app",
    )


def reminder_notice(principal: Principal | None, lang: Lang) -> list[Any]:
    """The open reminders (催报) to a staff user's districts, each with a link to the month's form:
    shown from sign-in on, on every page, until the month is sent."""
    if principal is None or principal.role != Role.staff:
        return []
    with session_scope() as session:
        reminders = open_reminders(session, principal=principal)
    items = []
    for r in reminders[:10]:
        month = periods.parse_month_path(r.month)
        text = t(
            "reminders.item",
            lang,
            district=r.district.name,
            month=format_month(month.year, month.month, lang),
            status=t(f"status.{r.status.value}", lang),
            by=r.created_by or t("nav.review", lang),
            at=format_timestamp(periods.to_beijing(r.created_at), lang),
        )
        query = {"district": r.district.code, "month": r.month, **({"lang": "en"} if lang == "en" else {})}
        items.append(
            html.Li(
                [
                    html.Span(text),
                    " ",
                    dcc.Link(t("reminders.open", lang), href=f"{URL_PREFIX}submit?{urlencode(query)}"),
                ]
            )
        )
    if not items:
        return []
    return [html.Strong(t("reminders.title", lang)), html.Ul(items)]


def install_frame_callbacks(app: Dash) -> None:
    """The frame's callbacks: controls → URL, URL → header words and links, the print button."""

    @app.callback(
        Output(ids.URL, "search"),
        Input({"type": ids.QUERY_PARAM, "param": ALL}, "value"),
        State(ids.URL, "search"),
        State(ids.DRAWN_STATE, "data"),
        prevent_initial_call=True,
    )
    def write_query(values: list[Any], search: str | None, drawn: dict[str, Any] | None) -> Any:
        """A control bound to a query parameter changed: put its value into the URL; the page is
        then drawn again from the URL, so what is on screen is always what the URL says."""
        trigger = dash.ctx.triggered_id
        if not trigger:
            return dash.no_update
        param = trigger["param"]
        value = next(v for item, v in zip(dash.ctx.inputs_list[0], values, strict=True) if item["id"] == trigger)
        if drawn is not None and drawn.get(param) == value:
            return dash.no_update
        # Only the control that changed goes into the URL: the others are already what it says.
        new = merge_search(search, {param: None if value == "all" else value})
        return dash.no_update if new == (search or "") else new

    @app.callback(
        Output(ids.APP_TITLE, "children"),
        Output(ids.APP_SUBTITLE, "children"),
        Output(ids.SIGN_OUT, "children"),
        Output(ids.LANG_ZH, "href"),
        Output(ids.LANG_EN, "href"),
        *[Output(ids.nav_link(page), prop) for prop in ("children", "href", "className") for page, _path in PAGES],
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def update_frame(pathname: str | None, search: str | None) -> list[Any]:
        lang = lang_of(parse_search(search).get("lang"))
        here = "/" + (app.strip_relative_path(pathname or "/") or "")
        # Moving between pages keeps the district, year and language.
        keep = {
            k: v for k, v in parse_search(search).items() if k in ("district", "year", "indicator", "month", "lang")
        }
        carried = merge_search("", keep)
        return [
            t("app.title", lang),
            t("app.subtitle", lang),
            t("sign_out", lang),
            app.get_relative_path(here) + merge_search(search, {"lang": None}),
            app.get_relative_path(here) + merge_search(search, {"lang": "en"}),
            *[t(f"nav.{page}", lang) for page, _path in PAGES],
            *[app.get_relative_path(path) + carried for _page, path in PAGES],
            *[nav_class(page, path == here) for page, path in PAGES],
        ]

    @app.callback(
        Output(ids.REMINDERS, "children"),
        Output(ids.REMINDERS, "hidden"),
        Input(ids.URL, "search"),
    )
    def update_reminders(search: str | None) -> tuple[list[Any], bool]:
        notice = reminder_notice(current_principal(), lang_of(parse_search(search).get("lang")))
        return notice, not notice

    app.clientside_callback(
        "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
        Output(ids.PRINT_DUMMY, "children"),
        Input(ids.PRINT_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )


def nav_class(page: str, active: bool) -> str:
    """A header link's classes: the reporting pages are offered only to those who can use them
    (staff and admins report and import history, reviewers and admins review); the pages themselves
    say so too."""
    principal = current_principal()
    usable = principal is not None and (
        (page not in ("submit", "history") or principal.can_write) and (page != "review" or principal.can_review)
    )
    return "nav-link" + (" active" if active else "") + ("" if usable else " nav-hidden")


def install_request_log_context(server: Flask) -> None:
    """Tell the request log around this WSGI app (``RequestLog``, through a2wsgi's ``asgi.scope``) the
    Flask rule that answered and who is signed in; log lines written meanwhile carry the request id."""

    def state() -> dict[str, Any]:
        scope = request.environ.get("asgi.scope")
        return scope.setdefault("state", {}) if isinstance(scope, dict) else {}

    @server.before_request
    def take_request_id() -> None:
        request_id_var.set(state().get("request_id"))

    @server.after_request
    def describe_request(response: Response) -> Response:
        if request.url_rule is not None:
            state()["route"] = request.script_root + request.url_rule.rule
        principal = current_principal()
        if principal is not None:
            state()["user"] = principal.name
        return response

    @server.teardown_request
    def forget_request_id(_exc: BaseException | None) -> None:
        # The worker thread serves other requests next.
        request_id_var.set(None)


def main() -> None:
    """Run the dashboard as its own process (behind the same database as the API)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    app = create_dash(Database(settings.database_url), mounted=False, settings=settings)
    serve(app, host=settings.host, port=settings.dashboard_port)


def serve(app: Dash, *, host: str, port: int) -> None:
    """Serve with uvicorn (through a2wsgi), not Flask's development server."""
    import uvicorn
    from a2wsgi import WSGIMiddleware

    from app.auth.gate import wrap

    # log_config=None: uvicorn keeps to the JSON logging main() configured. The ignore: a2wsgi declares
    # its ASGI arguments as TypedDicts, Starlette (RequestLog) as MutableMappings, which mypy cannot match.
    guarded = wrap(WSGIMiddleware(app.server), app.server.config["SETTINGS"])  # type: ignore[arg-type]
    uvicorn.run(RequestLog(guarded), host=host, port=port, log_config=None)


if __name__ == "__main__":
    main()
