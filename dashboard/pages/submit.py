"""数据报送: a district's staff fill in a month (every indicator beside last month's and last year's
figure) or upload a file (previewed by a dry run, then confirmed); the month's review status and a
returned month's reason; the submissions log; a figure's history on click.

Saving goes through the writer the API uses (``app.values.write``) with the version the form was
drawn with: if someone changed the month meanwhile, nothing is overwritten and the page says so.

``/dashboard/submit?district=120102&month=2026-10``
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State, dcc, html

from app.auth.scope import Principal
from app.core import periods
from app.core.errors import AppError, PreconditionFailed
from app.districts.codes import is_under
from app.indicators import service as indicators
from app.stats.context import StatsContext
from dashboard import data, ids
from dashboard.auth import current_principal
from dashboard.components import controls, district_options, labelled, notice, page_header, section
from dashboard.formatting import format_timestamp
from dashboard.i18n import Lang, lang_of, pick, t
from dashboard.page import PageContext, render
from dashboard.reporting import (
    MonthForm,
    base_versions_of,
    month_form,
    parse_month,
    review_row,
    save_month,
    submissions,
    upload,
    value_history,
)
from dashboard.reporting_components import (
    LIVE,
    change_table,
    figure_text,
    form_table,
    log_table,
    message,
    month_control,
    month_text,
    problem_list,
    problem_table,
    status_panel,
)

dash.register_page(
    __name__, path="/submit", name="数据报送 Report", title="数据报送 Report · 应急管理执法统计", order=5
)

PATH = "/dashboard/submit"
TEMPLATE_PATH = "/api/v1/uploads/template.xlsx"
# What the page accepts through the browser (the API itself takes bigger files).
MAX_UPLOAD_MB = 5
MAX_PREVIEW_CHANGES = 500


def layout(**query: str) -> html.Div:
    month = query.get("month")
    return render(
        query,
        controls=partial(submit_controls, month=month),
        content=partial(submit_content, month=month),
        class_name="page-submit",
    )


def writable_counties(ctx: PageContext) -> list[str]:
    """The county-level districts the user may report for, by code."""
    frame = ctx.districts
    counties = frame[frame["level"] == "county"]
    return [code for code in counties.index if ctx.principal.scope.covers(str(code))]


def chosen_district(ctx: PageContext) -> str | None:
    """The county whose month is shown: the one asked for, else the first the user may report for
    under the area asked for (a city picked in the list), else the first of all."""
    counties = writable_counties(ctx)
    wanted = ctx.state.district
    if wanted in counties:
        return wanted
    under = [code for code in counties if wanted and is_under(code, wanted)]
    choices = under or counties
    return choices[0] if choices else None


def submit_controls(ctx: PageContext, *, month: str | None) -> html.Div:
    district = chosen_district(ctx)
    return controls(
        labelled(
            t("control.district", ctx.lang),
            param="district",
            control=dcc.Dropdown(
                id=ids.query_control("district"),
                # The whole tree (a city or province opens its first county): an admin's list of
                # every county is cut to the chosen county's province, as on the other pages.
                options=district_options(ctx.districts, lang=ctx.lang, include_country=False, focus=district),
                value=district,
                clearable=False,
                searchable=True,
                placeholder=t("control.search", ctx.lang),
                className="district-dropdown",
            ),
            class_name="control control-wide",
        ),
        month_control(parse_month(month, ctx.today), today=ctx.today, lang=ctx.lang),
    )


def submit_content(ctx: PageContext, *, month: str | None) -> html.Div:
    lang = ctx.lang
    first = parse_month(month, ctx.today)
    district = chosen_district(ctx)
    title = t("submit.heading", lang)
    if district is not None:
        title = f"{ctx.scope_name(district)} · {month_text(first, lang)} · {title}"
    header = page_header(
        title,
        scope_name=ctx.scope_name(district) if district else ctx.scope_name(),
        year=None,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    if not ctx.principal.can_write:
        return html.Div([header, notice(t("submit.staff_only", lang))])
    if district is None:
        return html.Div([header, notice(t("submit.choose_county", lang))])
    form = month_form(ctx.stats, code=district, month=first)
    return html.Div(
        [
            header,
            html.Div(status_panel(form, lang), id=ids.REPORT_STATUS_PANEL),
            dcc.Store(
                id=ids.REPORT_STATE,
                data={"district": district, "month": first.strftime("%Y-%m"), "version": form.version, "lang": lang},
            ),
            section(
                t("submit.form", lang),
                html.P(t("submit.form_hint", lang), className="hint"),
                form_table(form, lang),
                html.Div(
                    [html.Button(t("submit.save", lang), id=ids.REPORT_SAVE, n_clicks=0, className="primary")],
                    className="form-buttons",
                ),
                html.Div(id=ids.REPORT_SAVE_RESULT, **LIVE),
                html.Div(id=ids.REPORT_HISTORY, className="history"),
            ),
            section(
                t("submit.upload", lang),
                html.P(t("submit.upload_hint", lang, mb=MAX_UPLOAD_MB), className="hint"),
                html.A(
                    t("submit.template", lang),
                    id=ids.REPORT_TEMPLATE,
                    href=TEMPLATE_PATH + "?" + urlencode({"district": district, "year": first.year, "prefill": "true"}),
                    download="",
                    className="report-link",
                ),
                dcc.Upload(
                    html.Div(t("submit.upload", lang)),
                    id=ids.REPORT_UPLOAD,
                    multiple=False,
                    max_size=MAX_UPLOAD_MB * 1024 * 1024,
                    className="upload-box",
                ),
                dcc.Store(id=ids.REPORT_UPLOAD_STORE),
                html.Div(id=ids.REPORT_PREVIEW, **LIVE),
            ),
            section(
                t("submit.log", lang),
                html.Div(log_table(submissions(ctx.session, principal=ctx.principal), lang), id=ids.REPORT_LOG),
            ),
        ]
    )


# ----------------------------------------------------------------------------- callbacks


def _where(state: dict[str, Any] | None) -> tuple[str, dt.date, str, Lang] | None:
    if not state:
        return None
    try:
        month = periods.parse_month_path(str(state.get("month")))
    except AppError:
        return None
    return str(state.get("district")), month, str(state.get("version") or ""), lang_of(state.get("lang"))


def _principal() -> Principal:
    principal = current_principal()
    assert principal is not None  # the guard answers 401 before any callback runs without one
    return principal


def _reload_link(district: str, month: dt.date, lang: Lang) -> dcc.Link:
    query = {"district": district, "month": month.strftime("%Y-%m"), **({"lang": "en"} if lang == "en" else {})}
    return dcc.Link(t("submit.reload", lang), href=f"{PATH}?{urlencode(query)}", refresh=True, className="report-link")


def _failure(error: AppError, lang: Lang) -> html.Div:
    detail = pick(lang, error.detail_zh, error.detail_en)
    return message(
        t("submit.not_saved", lang) + detail,
        kind="error",
        children=[problem_list([p.as_dict() for p in error.errors[:50]], lang)] if error.errors else [],
    )


@dash.callback(
    Output(ids.REPORT_SAVE_RESULT, "children"),
    Output(ids.REPORT_STATE, "data"),
    Output(ids.REPORT_STATUS_PANEL, "children"),
    Output(ids.REPORT_LOG, "children", allow_duplicate=True),
    Input(ids.REPORT_SAVE, "n_clicks"),
    State({"type": ids.REPORT_VALUE, "indicator": ALL}, "value"),
    State({"type": ids.REPORT_VALUE, "indicator": ALL}, "id"),
    State(ids.REPORT_STATE, "data"),
    prevent_initial_call=True,
)
def save(clicks: int | None, values: list[Any], inputs: list[dict[str, str]], state: dict[str, Any] | None) -> Any:
    """Save the form over the month with If-Match: the month's version when the form was drawn."""
    where = _where(state)
    if not clicks or where is None:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    district, month, version, lang = where
    texts = {
        i["indicator"]: (None if v is None or str(v).strip() == "" else str(v))
        for i, v in zip(inputs, values, strict=True)
    }
    principal = _principal()
    with data.session_scope() as session:
        try:
            result = save_month(
                session,
                principal=principal,
                code=district,
                month=month,
                texts=texts,
                version=version,
                today=data.today(),
            )
        except PreconditionFailed:
            box = message(
                t("submit.changed_meanwhile", lang),
                kind="error",
                children=[_reload_link(district, month, lang)],
                id="report-changed",
            )
            return box, dash.no_update, dash.no_update, dash.no_update
        except AppError as error:
            return _failure(error, lang), dash.no_update, dash.no_update, dash.no_update
        if result.errors:
            box = message(
                t("submit.not_saved", lang) + t("submit.errors", lang),
                kind="error",
                children=[problem_list([p.as_dict() for p in result.errors], lang)],
            )
            return box, dash.no_update, dash.no_update, dash.no_update
        ctx = StatsContext(session, principal, data.today())
        review = review_row(ctx, district, month)
        log = log_table(submissions(session, principal=principal), lang)
    children: list[Any] = []
    if result.warnings:
        children = [html.Strong(t("submit.warnings", lang)), problem_list([w.as_dict() for w in result.warnings], lang)]
    box = message(t("submit.saved", lang, **result.counts), kind="ok", children=children, id="report-saved")
    new_state = {**(state or {}), "version": result.version or version}
    panel = status_panel(MonthForm(district, month, [], new_state["version"], review), lang)
    return box, new_state, panel, log


def _decode(contents: str) -> bytes | None:
    _kind, _sep, payload = contents.partition(",")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


@dash.callback(
    Output(ids.REPORT_PREVIEW, "children"),
    Output(ids.REPORT_UPLOAD_STORE, "data"),
    Input(ids.REPORT_UPLOAD, "contents"),
    State(ids.REPORT_UPLOAD, "filename"),
    State(ids.REPORT_STATE, "data"),
    prevent_initial_call=True,
)
def preview(contents: str | None, file_name: str | None, state: dict[str, Any] | None) -> Any:
    """A dry run of the file: what it would change (old → new, withdrawals marked) or every problem
    with its sheet, row and cell; a confirm button when it can be written."""
    where = _where(state)
    if not contents or where is None:
        return dash.no_update, dash.no_update
    _district, _month, _version, lang = where
    content = _decode(contents)
    if content is None:
        return message(t("submit.file_unreadable", lang), kind="error"), None
    name = (file_name or "upload")[-200:]
    with data.session_scope() as session:
        try:
            body = upload(
                session, principal=_principal(), content=content, file_name=name, dry_run=True, today=data.today()
            )
        except AppError as error:
            return _file_failure(error, lang), None
        catalogue = indicators.get_all(session)
    changes = body.get("changes") or []
    counts = {k: body.get(k, 0) for k in ("created", "updated", "removed", "months")}
    parts: list[Any] = [html.H4(t("submit.preview", lang)), html.P(name, className="file-name")]
    if not changes:
        parts.append(message(t("submit.preview_nothing", lang)))
        return html.Div(parts, id="report-preview-body"), None
    parts.append(html.P(t("submit.preview_counts", lang, **counts), id="report-preview-counts"))
    if body.get("warnings"):
        parts += [html.Strong(t("submit.warnings", lang)), problem_table(body["warnings"][:200], lang)]
    parts.append(change_table(changes[:MAX_PREVIEW_CHANGES], catalogue, lang))
    parts.append(html.Button(t("submit.confirm", lang), id=ids.REPORT_CONFIRM, n_clicks=0, className="primary"))
    stored = {"content": contents, "file_name": name, "base_versions": base_versions_of(body)}
    return html.Div(parts, id="report-preview-body"), stored


def _file_failure(error: AppError, lang: Lang) -> html.Div:
    problems = [p.as_dict() for p in error.errors[:500]]
    count = int(error.extra.get("error_count") or len(problems))
    if error.status == 422 and problems:
        return message(
            t("submit.file_errors", lang, count=count),
            kind="error",
            children=[problem_table(problems, lang, table_id="report-file-errors")],
        )
    return _failure(error, lang)


@dash.callback(
    Output(ids.REPORT_PREVIEW, "children", allow_duplicate=True),
    Output(ids.REPORT_LOG, "children"),
    Input(ids.REPORT_CONFIRM, "n_clicks"),
    State(ids.REPORT_UPLOAD_STORE, "data"),
    State(ids.REPORT_STATE, "data"),
    prevent_initial_call=True,
)
def confirm(clicks: int | None, stored: dict[str, Any] | None, state: dict[str, Any] | None) -> Any:
    """Write the previewed file, provided no month it touches changed since the preview."""
    where = _where(state)
    if not clicks or not stored or where is None:
        return dash.no_update, dash.no_update
    district, month, _version, lang = where
    content = _decode(str(stored.get("content") or ""))
    if content is None:
        return message(t("submit.file_unreadable", lang), kind="error"), dash.no_update
    versions: dict[tuple[str, dt.date], str] = {}
    for key, version in (stored.get("base_versions") or {}).items():
        code, _sep, label = str(key).partition("/")
        try:
            versions[(code, periods.parse_month_path(label))] = str(version)
        except AppError:
            continue
    principal = _principal()
    with data.session_scope() as session:
        try:
            body = upload(
                session,
                principal=principal,
                content=content,
                file_name=str(stored.get("file_name") or "upload"),
                dry_run=False,
                today=data.today(),
                base_versions=versions,
            )
        except AppError as error:
            return _file_failure(error, lang), dash.no_update
        log = log_table(submissions(session, principal=principal), lang)
    counts = {k: body.get(k, 0) for k in ("created", "updated", "removed")}
    # The form above still holds the figures from before the upload (and its version, so a save from
    # it would be refused as a change meanwhile): say so, and offer the month afresh.
    done = message(
        t("submit.uploaded", lang, **counts),
        kind="ok",
        id="report-uploaded",
        children=[html.P(t("submit.uploaded_reload", lang)), _reload_link(district, month, lang)],
    )
    return done, log


@dash.callback(
    Output(ids.REPORT_HISTORY, "children"),
    Input({"type": ids.REPORT_HISTORY_BUTTON, "indicator": ALL}, "n_clicks"),
    State(ids.REPORT_STATE, "data"),
    prevent_initial_call=True,
)
def history(_clicks: list[int | None], state: dict[str, Any] | None) -> Any:
    """Every change of the clicked figure in this month: when, who, old → new."""
    where = _where(state)
    trigger = dash.ctx.triggered_id
    if where is None or not isinstance(trigger, dict) or not dash.ctx.triggered[0].get("value"):
        return dash.no_update
    district, month, _version, lang = where
    indicator = str(trigger.get("indicator"))
    with data.session_scope() as session:
        catalogue = indicators.get_all(session)
        info = catalogue.get(indicator)
        if info is None:
            return dash.no_update
        try:
            items = value_history(session, principal=_principal(), code=district, month=month, indicator=indicator)
        except AppError as error:
            return _failure(error, lang)
    title = html.H4(t("submit.history_of", lang, indicator=pick(lang, info.name_zh, info.name_en)))
    if not items:
        return [title, html.P(t("submit.history_empty", lang), className="hint")]
    head = html.Tr(
        [html.Th(t(k, lang)) for k in ("submit.history_when", "submit.history_user", "submit.old", "submit.new")]
    )
    rows = [
        html.Tr(
            [
                html.Td(format_timestamp(periods.to_beijing(item["changed_at"]), lang)),
                html.Td(item["user"] or t("submit.history_system", lang)),
                html.Td(figure_text(item["old_value"], info, lang)),
                html.Td(figure_text(item["new_value"], info, lang)),
            ]
        )
        for item in items
    ]
    return [title, html.Table([html.Thead(head), html.Tbody(rows)], className="data-table history-table")]
