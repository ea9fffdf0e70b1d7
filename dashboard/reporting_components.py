"""Building blocks of the reporting, review and completeness pages: status badges, the districts ×
months grid of review statuses, tables of problems (with sheet, row and cell) and of changes (old →
new, withdrawals marked). Text is always a component's children, never markup, so whatever a user
typed (a reason, a file name) is shown as text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dash import dcc, html

from app.core import periods
from app.indicators.service import IndicatorInfo
from app.reviews.schemas import ReviewList
from app.uploads.schemas import SubmissionRead
from dashboard import ids
from dashboard.components import labelled
from dashboard.formatting import format_amount, format_month, format_timestamp
from dashboard.i18n import Lang, pick, place_name, t
from dashboard.reporting import FormRow, MonthForm, month_choices

STATUSES = ("approved", "submitted", "returned", "missing")


# Attributes Dash passes through as they are (aria-*, data-*): typed loosely, as Dash declares them.
LIVE: dict[str, Any] = {"aria-live": "polite"}


def attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return dict(values)


def status_text(status: str, lang: Lang) -> str:
    return t(f"status.{status}", lang)


def status_badge(status: str, lang: Lang, **extra: Any) -> html.Span:
    return html.Span(status_text(status, lang), className=f"status-badge status-{status}", **extra)


def status_legend(lang: Lang) -> html.Div:
    return html.Div([status_badge(s, lang) for s in STATUSES], className="status-legend")


def month_text(month: dt.date, lang: Lang) -> str:
    return format_month(month.year, month.month, lang)


def figure_text(value: float | None, info: IndicatorInfo, lang: Lang) -> str:
    """A figure with its unit, or 未报送 (never 0 for a figure not reported)."""
    if value is None:
        return t("not_reported", lang)
    return format_amount(value, pick(lang, info.unit, info.unit_en), lang)


def status_grid(
    listings: Mapping[dt.date, ReviewList],
    *,
    lang: Lang,
    grid_id: str,
    href: Callable[[str, dt.date], str] | None = None,
    focus: tuple[str, dt.date] | None = None,
    max_rows: int | None = None,
) -> html.Table:
    """Districts (rows) × months (columns), each cell the month's review status in its colour; with
    ``href`` each cell is a link (the review page opens the district-month)."""
    months = sorted(listings)
    names: dict[str, str] = {}
    cells: dict[tuple[str, dt.date], str] = {}
    for month, listing in listings.items():
        for row in listing.rows:
            names[row.district.code] = place_name(row.district.code, row.district.name, lang)
            cells[(row.district.code, month)] = row.status.value
    head = html.Tr([html.Th(t("submit.district", lang))] + [html.Th(month_text(m, lang)) for m in months])
    body = []
    for code, name in sorted(names.items())[:max_rows]:
        tds = []
        for month in months:
            status = cells.get((code, month), "missing")
            label = t(f"status_short.{status}", lang)
            chosen = " focused" if focus == (code, month) else ""
            content: Any = dcc.Link(label, href=href(code, month), title=status_text(status, lang)) if href else label
            tds.append(
                html.Td(
                    content,
                    className=f"status-cell status-{status}{chosen}",
                    title=status_text(status, lang),
                    **attributes({"data-district": code, "data-month": month.strftime("%Y-%m"), "data-status": status}),
                )
            )
        body.append(html.Tr([html.Th(f"{name} {code}", className="row-head"), *tds]))
    return html.Table([html.Thead(head), html.Tbody(body)], id=grid_id, className="status-grid")


def month_control(month: dt.date, *, today: dt.date, lang: Lang) -> html.Div:
    """The month picker of the reporting and review pages (a query parameter, like the year)."""
    return labelled(
        t("control.month", lang),
        param="month",
        control=dcc.Dropdown(
            id=ids.query_control("month"),
            options=[{"label": month_text(m, lang), "value": m.strftime("%Y-%m")} for m in month_choices(today)],
            value=month.strftime("%Y-%m"),
            clearable=False,
            searchable=False,
            className="month-dropdown",
        ),
    )


def problem_table(problems: Sequence[Mapping[str, Any]], lang: Lang, *, table_id: str | None = None) -> html.Table:
    """Problems as an upload answers them: sheet, row and cell where known, then the message."""
    head = html.Tr([html.Th(t(k, lang)) for k in ("submit.sheet", "submit.row", "submit.cell", "submit.message")])
    rows = [
        html.Tr(
            [
                html.Td(str(p.get("sheet") or "")),
                html.Td(str(p.get("row") or "")),
                html.Td(str(p.get("cell") or p.get("column") or "")),
                html.Td(str(p.get("message_zh") if lang == "zh" else p.get("message_en")) or ""),
            ],
            className="problem",
        )
        for p in problems
    ]
    extra: dict[str, Any] = {"id": table_id} if table_id else {}
    return html.Table([html.Thead(head), html.Tbody(rows)], className="problem-table", **extra)


def problem_list(problems: Sequence[Mapping[str, Any]], lang: Lang) -> html.Ul:
    return html.Ul(
        [html.Li(str(p.get("message_zh") if lang == "zh" else p.get("message_en"))) for p in problems],
        className="problem-list",
    )


def change_table(
    changes: Sequence[Mapping[str, Any]], catalogue: Mapping[str, IndicatorInfo], lang: Lang
) -> html.Table:
    """A dry run's changes, old → new; a withdrawal (new figure empty) is marked."""
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in ("submit.district", "submit.month", "submit.indicator", "submit.old", "submit.new")
        ]
    )
    rows = []
    for c in changes:
        info = catalogue.get(str(c.get("indicator")))
        name = pick(lang, info.name_zh, info.name_en) if info else str(c.get("indicator"))
        old, new = c.get("old"), c.get("new")
        withdrawn = new is None
        rows.append(
            html.Tr(
                [
                    html.Td(str(c.get("district"))),
                    html.Td(str(c.get("month"))),
                    html.Td(name),
                    html.Td(figure_text(old, info, lang) if info else str(old)),
                    html.Td(
                        t("submit.withdrawn", lang)
                        if withdrawn
                        else (figure_text(new, info, lang) if info else str(new))
                    ),
                ],
                className="change withdrawn" if withdrawn else ("change created" if old is None else "change"),
            )
        )
    return html.Table([html.Thead(head), html.Tbody(rows)], className="change-table")


def message(text: str, *, kind: str = "info", children: Sequence[Any] = (), **extra: Any) -> html.Div:
    """A message box (info, ok, warn, error); ``role=alert`` for errors."""
    role = {"role": "alert"} if kind == "error" else {}
    return html.Div([html.P(text), *children], className=f"notice notice-{kind}", **attributes({**role, **extra}))


# ----------------------------------------------------------------------------- 数据报送's parts


def status_panel(form: MonthForm, lang: Lang) -> list[Any]:
    review = form.review
    items: list[Any] = [
        html.Span(f"{t('submit.status', lang)}：", className="label"),
        status_badge(review.status.value, lang, id="report-status-badge"),
    ]
    if review.submitted_by:
        items.append(html.Span(f"{t('submit.submitted_by', lang)}：{review.submitted_by}", className="hint"))
    if review.reviewed_by:
        items.append(html.Span(f"{t('submit.reviewed_by', lang)}：{review.reviewed_by}", className="hint"))
    out: list[Any] = [html.Div(items, className="status-line")]
    if review.reason:
        # A returned month's reason is what the clerk must act on; after a correction or an unlock
        # the reviewer's last note is still worth reading, but as what it is.
        returned = review.status.value == "returned"
        out.append(
            html.Div(
                [
                    html.Strong(f"{t('submit.reason' if returned else 'submit.last_reason', lang)}："),
                    html.Span(review.reason, id="report-return-reason"),
                ],
                className="notice notice-warn" if returned else "notice notice-info",
            )
        )
    return out


def input_text(value: float | None, whole: bool) -> str:
    """A stored figure as the form shows it (17, 3500.5); blank for not reported."""
    if value is None:
        return ""
    if whole or float(value).is_integer():
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def form_table(form: MonthForm, lang: Lang) -> html.Table:
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in ("submit.indicator", "submit.unit", "submit.value", "submit.last_month", "submit.last_year")
        ]
        + [html.Th("")]
    )
    return html.Table(
        [html.Thead(head), html.Tbody([form_row(row, lang) for row in form.rows])],
        id=ids.REPORT_FORM,
        className="report-form data-table",
    )


def form_row(row: FormRow, lang: Lang) -> html.Tr:
    info = row.info
    return html.Tr(
        [
            html.Td(pick(lang, info.name_zh, info.name_en), title=row.code, className="indicator-name"),
            html.Td(pick(lang, info.unit, info.unit_en)),
            html.Td(
                dcc.Input(
                    id=ids.report_value(row.code),
                    type="text",
                    value=input_text(row.value, info.whole_number),
                    placeholder=t("not_reported", lang),
                    debounce=False,
                    className="value-input",
                )
            ),
            html.Td(figure_text(row.last_month, info, lang), className="beside"),
            html.Td(figure_text(row.last_year, info, lang), className="beside"),
            html.Td(
                html.Button(
                    t("submit.history", lang),
                    id=ids.report_history_button(row.code),
                    n_clicks=0,
                    className="link-button",
                )
            ),
        ],
        **attributes({"data-indicator": row.code}),
    )


def log_table(items: list[SubmissionRead], lang: Lang) -> Any:
    if not items:
        return html.P(t("submit.log_empty", lang), className="hint")
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in ("submit.log_when", "submit.log_user", "submit.log_how", "submit.log_status", "submit.log_counts")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(format_timestamp(periods.to_beijing(s.created_at), lang)),
                html.Td(s.user or t("submit.history_system", lang)),
                html.Td(t(f"submission.{s.source_format.value}", lang) + (f" · {s.file_name}" if s.file_name else "")),
                html.Td(t(f"submission.{s.status.value}", lang)),
                html.Td(f"{s.created}/{s.updated}/{s.removed}"),
            ]
        )
        for s in items
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="data-table log-table")
