"""审核: a reviewer's districts × months in their review status (colours), a district-month's figures
beside last month's and last year's with the writer's warnings, and the transitions of
``app.reviews.service``: approve, return with a reason, unlock with a reason, approve a whole month,
remind (催报) the districts that have not sent or must correct.

``/dashboard/review?district=120000&month=2026-10&focus=120102``
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app

from app.core import periods
from app.core.errors import AppError
from app.reviews.models import ReviewAction
from app.stats.context import StatsContext
from dashboard import data, ids
from dashboard.auth import current_principal
from dashboard.components import controls, district_control, notice, page_header, section
from dashboard.i18n import Lang, lang_of, pick, t
from dashboard.page import PageContext, render
from dashboard.reporting import (
    approve_all,
    month_form,
    months_back,
    parse_month,
    remind,
    review_months,
    review_warnings,
    transition,
)
from dashboard.reporting_components import (
    LIVE,
    figure_text,
    message,
    month_control,
    month_text,
    problem_list,
    status_badge,
    status_grid,
    status_legend,
)

dash.register_page(__name__, path="/review", name="审核 Review", title="审核 Review · 应急管理执法统计", order=6)

PATH = "/dashboard/review"
GRID_MONTHS = 12


def layout(**query: str) -> html.Div:
    month, focus = query.get("month"), query.get("focus")
    return render(
        query,
        controls=partial(review_controls, month=month),
        content=partial(review_content, month=month, focus=focus),
        class_name="page-review",
    )


def review_controls(ctx: PageContext, *, month: str | None) -> html.Div:
    return controls(
        district_control(ctx.districts, state=ctx.state, include_country=False, lang=ctx.lang),
        month_control(parse_month(month, ctx.today), today=ctx.today, lang=ctx.lang),
    )


def cell_href(parent: str, lang: Lang) -> Any:
    def href(code: str, month: dt.date) -> str:
        query = {"district": parent, "month": month.strftime("%Y-%m"), "focus": code}
        if lang == "en":
            query["lang"] = "en"
        return f"{PATH}?{urlencode(query)}"

    return href


def grid_box(ctx: StatsContext, *, parent: str, month: dt.date, focus: str | None, lang: Lang) -> list[Any]:
    """The counts of ``month`` and the grid of the twelve months up to it."""
    listings = review_months(ctx, parent=parent, months=months_back(month, GRID_MONTHS))
    counts = {status.value: n for status, n in listings[month].counts.items()}
    return [
        html.P(t("review.counts", lang, **counts), id=ids.REVIEW_COUNTS),
        status_legend(lang),
        html.P(t("review.grid_hint", lang), className="hint"),
        html.Div(
            status_grid(
                listings,
                lang=lang,
                grid_id=ids.REVIEW_GRID,
                href=cell_href(parent, lang),
                focus=(focus, month) if focus else None,
            ),
            className="grid-scroll",
        ),
    ]


def review_content(ctx: PageContext, *, month: str | None, focus: str | None) -> html.Div:
    lang = ctx.lang
    first = parse_month(month, ctx.today)
    parent = ctx.state.district
    header = page_header(
        f"{ctx.scope_name()} · {month_text(first, lang)} · {t('review.heading', lang)}",
        scope_name=ctx.scope_name(),
        year=None,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    if not ctx.principal.can_review:
        return html.Div([header, notice(t("review.reviewers_only", lang))])
    if parent is None:
        return html.Div([header, notice(t("review.choose_parent", lang))])
    grid = grid_box(ctx.stats, parent=parent, month=first, focus=focus, lang=lang)
    listed = {r.district.code for r in review_months(ctx.stats, parent=parent, months=[first])[first].rows}
    focus = focus if focus in listed else None
    detail = (
        detail_panel(ctx.stats, code=focus, month=first, lang=lang)
        if focus
        else [html.P(t("review.choose_cell", lang))]
    )
    return html.Div(
        [
            header,
            dcc.Store(
                id=ids.REVIEW_STATE,
                data={"parent": parent, "month": first.strftime("%Y-%m"), "focus": focus, "lang": lang},
            ),
            section(
                t("review.grid", lang),
                html.Div(grid, id="review-grid-box"),
                html.Div(
                    [
                        html.Button(t("review.approve_all", lang), id=ids.REVIEW_APPROVE_ALL, n_clicks=0),
                        html.Button(t("review.remind", lang), id=ids.REVIEW_REMIND, n_clicks=0),
                    ],
                    className="form-buttons",
                ),
            ),
            section(
                t("review.detail", lang, district=ctx.scope_name(focus), month=month_text(first, lang))
                if focus
                else t("review.heading", lang),
                html.Div(detail, id=ids.REVIEW_DETAIL),
                html.Div(
                    [
                        html.Label(t("review.reason", lang), htmlFor=ids.REVIEW_REASON),
                        dcc.Textarea(id=ids.REVIEW_REASON, value="", maxLength=2000, className="reason"),
                        html.Div(
                            [
                                html.Button(t("review.approve", lang), id=ids.REVIEW_APPROVE, n_clicks=0),
                                html.Button(t("review.return", lang), id=ids.REVIEW_RETURN, n_clicks=0),
                                html.Button(t("review.unlock", lang), id=ids.REVIEW_UNLOCK, n_clicks=0),
                            ],
                            className="form-buttons",
                        ),
                    ],
                    hidden=focus is None,
                    className="review-actions",
                ),
            ),
            html.Div(id=ids.REVIEW_RESULT, **LIVE),
        ]
    )


def detail_panel(ctx: StatsContext, *, code: str, month: dt.date, lang: Lang) -> list[Any]:
    """The district-month's status, its figures beside last month's and last year's, and warnings."""
    form = month_form(ctx, code=code, month=month)
    review = form.review
    status: list[Any] = [status_badge(review.status.value, lang, id="review-status-badge")]
    if review.reason:
        key = "submit.reason" if review.status.value == "returned" else "submit.last_reason"
        status.append(html.Span(f" {t(key, lang)}：", className="label"))
        status.append(html.Span(review.reason, className="reason-text"))
    head = html.Tr(
        [html.Th(t(k, lang)) for k in ("submit.indicator", "submit.value", "submit.last_month", "submit.last_year")]
    )
    rows = [
        html.Tr(
            [
                html.Td(pick(lang, row.info.name_zh, row.info.name_en), title=row.code),
                html.Td(figure_text(row.value, row.info, lang), className="this-month"),
                html.Td(figure_text(row.last_month, row.info, lang)),
                html.Td(figure_text(row.last_year, row.info, lang)),
            ],
            className="not-reported" if row.value is None else "",
        )
        for row in form.rows
    ]
    values = {row.code: row.value for row in form.rows if row.value is not None}
    warnings = review_warnings(ctx.session, code=code, month=month, values=values)
    return [
        html.Div(status, className="status-line"),
        html.Table([html.Thead(head), html.Tbody(rows)], className="data-table review-figures"),
        html.H4(t("review.warnings", lang)),
        problem_list([w.as_dict() for w in warnings], lang)
        if warnings
        else html.P(t("review.no_warnings", lang), className="hint"),
    ]


@dash.callback(
    Output(ids.REVIEW_RESULT, "children"),
    Output("review-grid-box", "children"),
    Output(ids.REVIEW_DETAIL, "children"),
    Output(ids.REVIEW_REASON, "value"),
    Input(ids.REVIEW_APPROVE, "n_clicks"),
    Input(ids.REVIEW_RETURN, "n_clicks"),
    Input(ids.REVIEW_UNLOCK, "n_clicks"),
    Input(ids.REVIEW_APPROVE_ALL, "n_clicks"),
    Input(ids.REVIEW_REMIND, "n_clicks"),
    State(ids.REVIEW_REASON, "value"),
    State(ids.REVIEW_STATE, "data"),
    prevent_initial_call=True,
)
def act(*args: Any) -> Any:
    """One of the review buttons: the transition through the review service, then the grid again."""
    reason, state = args[-2], args[-1]
    trigger = dash.ctx.triggered_id
    if not state or trigger is None or not dash.ctx.triggered[0].get("value"):
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    lang = lang_of(state.get("lang"))
    try:
        month = periods.parse_month_path(str(state.get("month")))
    except AppError:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    parent, focus = str(state.get("parent")), state.get("focus")
    principal = current_principal()
    assert principal is not None
    with data.session_scope() as session:
        ctx = StatsContext(session, principal, data.today())
        try:
            result = _act(ctx, str(trigger), parent=parent, focus=focus, month=month, reason=reason, lang=lang)
        except AppError as error:
            failure = message(
                t("review.failed", lang) + pick(lang, error.detail_zh, error.detail_en),
                kind="error",
                children=[problem_list([p.as_dict() for p in error.errors[:50]], lang)] if error.errors else [],
            )
            return failure, dash.no_update, dash.no_update, dash.no_update
        grid = grid_box(ctx, parent=parent, month=month, focus=focus, lang=lang)
        detail = detail_panel(ctx, code=focus, month=month, lang=lang) if focus else dash.no_update
    return result, grid, detail, ""


def _act(
    ctx: StatsContext, trigger: str, *, parent: str, focus: str | None, month: dt.date, reason: str | None, lang: Lang
) -> html.Div:
    if trigger == ids.REVIEW_APPROVE_ALL:
        everything = approve_all(ctx, parent=parent, month=month)
        counts = {
            "approved": everything.approved,
            "already": everything.already_approved,
            "left": everything.not_submitted,
        }
        return message(
            t("review.approved_all", lang, **counts),
            kind="ok",
            id="review-done",
        )
    if trigger == ids.REVIEW_REMIND:
        reminded = remind(ctx, parent=parent, month=month, settings=current_app.config["SETTINGS"])
        if not reminded:
            return message(t("review.reminded_none", lang), id="review-done")
        names = (
            "、".join(r.district.name for r in reminded[:30])
            if lang == "zh"
            else ", ".join(r.district.name for r in reminded[:30])
        )
        return message(t("review.reminded", lang, count=len(reminded), names=names), kind="ok", id="review-done")
    if focus is None:
        return message(t("review.choose_cell", lang))
    action = {
        ids.REVIEW_APPROVE: ReviewAction.approve,
        ids.REVIEW_RETURN: ReviewAction.return_,
        ids.REVIEW_UNLOCK: ReviewAction.unlock,
    }[trigger]
    done = transition(
        ctx.session, principal=ctx.principal, code=focus, month=month, action=action, reason=(reason or "")[:4000]
    )
    return message(
        t(
            "review.done",
            lang,
            district=focus,
            month=month_text(month, lang),
            status=t(f"status.{done.status.value}", lang),
        ),
        kind="ok",
        id="review-done",
    )
