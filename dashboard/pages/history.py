"""历史数据导入: a bureau's published annual report read back into the year's figures, for a person
to review. Paste the text or upload the .docx / .txt / .pdf; the text is shown with each proposed
figure marked; each proposal can be accepted (its value edited) or rejected, its other readings
beside it; the district and year come from the title or are chosen; storing goes through the writer
the API uses (``app.backfill.annual.accept``), which refuses a year whose approved months disagree.

The report's text is only ever a component's children (strings inside ``html.Mark`` and spans),
never markup: whatever a report holds cannot break or script the page.

``/dashboard/history?district=120102``
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash
import pandas as pd
from dash import ALL, MATCH, Input, Output, State, dcc, html

from app.auth.scope import Principal
from app.backfill.documents import MAX_CHARS
from app.backfill.proposals import Extraction, Proposal
from app.core.errors import AppError
from app.districts.codes import is_under
from app.indicators import service as indicators
from app.indicators.service import IndicatorInfo
from app.values.cells import CellError, parse_number
from dashboard import backfill, data, ids, queries
from dashboard.auth import current_principal
from dashboard.components import controls, district_options, notice, page_header, section
from dashboard.formatting import format_amount, format_year
from dashboard.i18n import Lang, lang_of, pick, t
from dashboard.page import PageContext, render
from dashboard.reporting_components import LIVE, attributes, input_text, message, problem_list

dash.register_page(
    __name__, path="/history", name="历史数据导入 History", title="历史数据导入 History · 应急管理执法统计", order=7
)

PATH = "/dashboard/history"
OVERVIEW = "/dashboard/"
MAX_UPLOAD_MB = 10
YEARS_BACK = 30
MAX_EVIDENCE = 2000
MAX_SOURCE = 255
ACCEPT, REJECT = "accept", "reject"


def layout(**query: str) -> html.Div:
    return render(query, controls=lambda _ctx: controls(), content=history_content, class_name="page-history")


def writable_counties(session: Any, principal: Principal) -> pd.DataFrame:
    """The county-level districts the user may store figures for (name, code, level …)."""
    frame = queries.readable_districts(session, principal=principal)
    counties = frame[frame["level"] == "county"]
    return counties[[principal.scope.covers(str(code)) for code in counties.index]]


def history_content(ctx: PageContext) -> html.Div:
    lang = ctx.lang
    header = page_header(
        t("history.heading", lang),
        scope_name=ctx.scope_name(),
        year=None,
        lang=lang,
        today=ctx.today,
        generated=ctx.generated,
    )
    if not ctx.principal.can_write:
        return html.Div([header, notice(t("history.staff_only", lang))])
    counties = writable_counties(ctx.session, ctx.principal)
    wanted = ctx.state.district
    # The county asked for, else the first the user may report for under the area asked for.
    under = [str(code) for code in counties.index if wanted and is_under(str(code), wanted)]
    choices = under or [str(code) for code in counties.index]
    default = wanted if wanted in counties.index else (choices[0] if choices else None)
    return html.Div(
        [
            header,
            dcc.Store(id=ids.HISTORY_STATE, data={"lang": lang, "district": default}),
            dcc.Store(id=ids.HISTORY_FOUND),
            section(
                t("history.input", lang),
                html.P(t("history.input_hint", lang, chars=f"{MAX_CHARS:,}"), className="hint"),
                dcc.Textarea(
                    id=ids.HISTORY_TEXT,
                    placeholder=t("history.paste", lang),
                    className="history-textarea",
                    maxLength=MAX_CHARS,
                    style={"width": "100%", "height": "180px"},
                ),
                html.Div(
                    [html.Button(t("history.extract", lang), id=ids.HISTORY_EXTRACT, n_clicks=0, className="primary")],
                    className="form-buttons",
                ),
                dcc.Upload(
                    html.Div(t("history.upload", lang, mb=MAX_UPLOAD_MB)),
                    id=ids.HISTORY_UPLOAD,
                    multiple=False,
                    accept=".docx,.txt,.pdf",
                    max_size=MAX_UPLOAD_MB * 1024 * 1024,
                    className="upload-box",
                ),
            ),
            html.Div(id=ids.HISTORY_RESULT, **LIVE),
            html.Div(id=ids.HISTORY_STORED, **LIVE),
        ]
    )


# ----------------------------------------------------------------------------- what was read


def marked_text(text: str, proposals: Sequence[Proposal], decisions: Sequence[str], names: Sequence[str]) -> html.Div:
    """The text with each proposal's figure in an ``html.Mark`` (from its offsets); the rest plain
    strings. Overlapping proposals (never expected) mark the first only."""
    parts: list[Any] = []
    position = 0
    for index in sorted(range(len(proposals)), key=lambda i: proposals[i].start):
        p = proposals[index]
        if p.start < position or not 0 <= p.start < p.end <= len(text):
            continue
        if p.start > position:
            parts.append(text[position : p.start])
        parts.append(
            html.Mark(
                text[p.start : p.end],
                id=ids.history_mark(index),
                className=mark_class(decisions[index]),
                title=f"{index + 1}. {names[index]}",
            )
        )
        position = p.end
    parts.append(text[position:])
    return html.Div(parts, id=ids.HISTORY_READ, className="history-read")


def mark_class(decision: str | None) -> str:
    return "proposal " + ("proposal-rejected" if decision == REJECT else "proposal-accepted")


def default_decisions(proposals: Sequence[Proposal]) -> list[str]:
    """A year's total is taken unless the same indicator was already taken above; a part (a campaign,
    a subset) is not the year's figure and starts rejected."""
    taken: set[str] = set()
    out = []
    for p in proposals:
        take = p.scope == "total" and p.indicator not in taken
        if take:
            taken.add(p.indicator)
        out.append(ACCEPT if take else REJECT)
    return out


def indicator_name(catalogue: Mapping[str, IndicatorInfo], code: str, lang: Lang) -> str:
    info = catalogue.get(code)
    return pick(lang, info.name_zh, info.name_en) if info else code


def indicator_unit(catalogue: Mapping[str, IndicatorInfo], code: str, lang: Lang) -> str:
    info = catalogue.get(code)
    return pick(lang, info.unit, info.unit_en) if info else ""


def alternatives_text(p: Proposal, catalogue: Mapping[str, IndicatorInfo], lang: Lang) -> list[Any]:
    items: list[Any] = [
        html.Li(
            f"{indicator_name(catalogue, a.indicator, lang)} "
            f"{format_amount(a.value, indicator_unit(catalogue, a.indicator, lang), lang)}"
            f"（{t('history.confidence', lang)} {a.confidence:.0%}）",
            className="alternative",
        )
        for a in p.alternatives
    ]
    items += [html.Li(pick(lang, n.message_zh, n.message_en), className="note") for n in p.notes]
    return [html.Ul(items, className="alternatives")] if items else []


def proposal_row(index: int, p: Proposal, decision: str, catalogue: Mapping[str, IndicatorInfo], lang: Lang) -> html.Tr:
    info = catalogue.get(p.indicator)
    name = indicator_name(catalogue, p.indicator, lang)
    if p.scope == "part":
        name += t("history.part", lang)
    return html.Tr(
        [
            html.Td(str(index + 1)),
            html.Td(name, title=p.indicator, className="indicator-name"),
            html.Td(p.written, className="written"),
            html.Td(
                dcc.Input(
                    id=ids.history_value(index),
                    value=input_text(float(p.value), whole=bool(info and info.unit != "元")),
                    type="text",
                    className="value-input",
                )
            ),
            html.Td(indicator_unit(catalogue, p.indicator, lang)),
            html.Td(f"{p.confidence:.0%}"),
            html.Td([html.Span(p.evidence, className="evidence"), *alternatives_text(p, catalogue, lang)]),
            html.Td(
                dcc.RadioItems(
                    id=ids.history_decision(index),
                    options=[
                        {"label": t("history.accept", lang), "value": ACCEPT},
                        {"label": t("history.reject", lang), "value": REJECT},
                    ],
                    value=decision,
                    inline=True,
                    className="decision",
                )
            ),
        ],
        id={"type": "history-row", "index": index},
        className=row_class(decision),
        **attributes({"data-indicator": p.indicator}),
    )


def row_class(decision: str | None) -> str:
    return "proposal-row" + (" rejected" if decision == REJECT else "")


def proposal_table(
    proposals: Sequence[Proposal], decisions: Sequence[str], catalogue: Mapping[str, IndicatorInfo], lang: Lang
) -> html.Table:
    keys = ("no", "indicator", "written", "value", "unit", "confidence", "evidence", "decision")
    head = html.Tr([html.Th(t(f"history.col_{k}", lang)) for k in keys])
    rows = [proposal_row(i, p, decisions[i], catalogue, lang) for i, p in enumerate(proposals)]
    return html.Table(
        [html.Thead(head), html.Tbody(rows)], id=ids.HISTORY_PROPOSALS, className="data-table history-proposals"
    )


def year_options(today: dt.date, found: int | None, lang: Lang) -> list[dict[str, Any]]:
    """The years that have ended, newest first (the year read from the title among them)."""
    years = set(range(today.year - YEARS_BACK, today.year))
    if found is not None and found < today.year:
        years.add(found)
    return [{"label": format_year(y, lang), "value": y} for y in sorted(years, reverse=True)]


def how_lines(extraction: Extraction, lang: Lang) -> html.Ul:
    how = extraction.how
    return html.Ul(
        [
            html.Li(f"{t('history.district', lang)}：{pick(lang, how.district.message_zh, how.district.message_en)}"),
            html.Li(f"{t('history.year', lang)}：{pick(lang, how.year.message_zh, how.year.message_en)}"),
        ],
        id=ids.HISTORY_HOW,
        className="hint history-how",
    )


def result_view(
    extraction: Extraction, *, counties: pd.DataFrame, default: str | None, today: dt.date, catalogue: Any, lang: Lang
) -> list[Any]:
    found = extraction.district.code if extraction.district else None
    district = found if found in counties.index else default
    year = extraction.year if extraction.year is not None and extraction.year < today.year else None
    proposals = extraction.proposals
    decisions = default_decisions(proposals)
    names = [indicator_name(catalogue, p.indicator, lang) for p in proposals]
    warnings: list[Any] = []
    if extraction.district is not None and found not in counties.index:
        warnings.append(message(t("history.not_yours", lang, district=extraction.district.name), kind="warn"))
    chooser = html.Div(
        [
            html.Div(
                [
                    html.Label(t("history.district", lang), className="control-label"),
                    dcc.Dropdown(
                        id=ids.HISTORY_DISTRICT,
                        options=district_options(counties, lang=lang, include_country=False, focus=district),
                        value=district,
                        clearable=False,
                        searchable=True,
                        placeholder=t("control.search", lang),
                        className="district-dropdown",
                    ),
                ],
                className="control control-wide",
            ),
            html.Div(
                [
                    html.Label(t("history.year", lang), className="control-label"),
                    dcc.Dropdown(
                        id=ids.HISTORY_YEAR,
                        options=year_options(today, extraction.year, lang),
                        value=year,
                        clearable=False,
                        searchable=True,
                        placeholder=t("history.choose_year", lang),
                        className="year-dropdown",
                    ),
                ],
                className="control",
            ),
        ],
        className="controls history-where",
    )
    if not proposals:
        body: list[Any] = [message(t("history.nothing_found", lang), kind="warn")]
    else:
        body = [
            html.P(t("history.found", lang, count=len(proposals)), className="hint"),
            proposal_table(proposals, decisions, catalogue, lang),
            html.Div(
                [html.Button(t("history.store", lang), id=ids.HISTORY_STORE, n_clicks=0, className="primary")],
                className="form-buttons",
            ),
        ]
    return [
        section(t("history.where", lang), how_lines(extraction, lang), *warnings, chooser),
        section(
            t("history.read", lang),
            html.P(t("history.read_hint", lang), className="hint"),
            marked_text(extraction.text, proposals, decisions, names),
        ),
        section(t("history.proposals", lang), *body),
    ]


# ----------------------------------------------------------------------------- callbacks


def _principal() -> Principal:
    principal = current_principal()
    assert principal is not None  # the guard answers 401 before any callback runs without one
    return principal


def _decode(contents: str) -> bytes | None:
    _kind, _sep, payload = contents.partition(",")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def _failure(prefix: str, error: AppError, lang: Lang) -> html.Div:
    problems = [p.as_dict() for p in error.errors[:50]]
    return message(
        prefix + pick(lang, error.detail_zh, error.detail_en),
        kind="error",
        children=[problem_list(problems, lang)] if problems else [],
        id="history-error",
    )


def _source(file_name: str | None, text: str) -> str:
    """What the figures were read from: the file's name, else the text's first line."""
    if file_name:
        return file_name[-MAX_SOURCE:]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:MAX_SOURCE]


@dash.callback(
    Output(ids.HISTORY_RESULT, "children"),
    Output(ids.HISTORY_FOUND, "data"),
    Output(ids.HISTORY_STORED, "children"),
    Input(ids.HISTORY_EXTRACT, "n_clicks"),
    Input(ids.HISTORY_UPLOAD, "contents"),
    State(ids.HISTORY_TEXT, "value"),
    State(ids.HISTORY_UPLOAD, "filename"),
    State(ids.HISTORY_STATE, "data"),
    prevent_initial_call=True,
)
def read_report(
    _clicks: int | None, contents: str | None, text: str | None, file_name: str | None, state: dict[str, Any] | None
) -> Any:
    """Read the pasted text (the button) or the uploaded file into proposals; nothing is stored."""
    state = state or {}
    lang = lang_of(state.get("lang"))
    uploaded = dash.ctx.triggered_id == ids.HISTORY_UPLOAD
    content: bytes | None = None
    name: str | None = None
    if uploaded:
        content = _decode(contents or "")
        if not content:
            return message(t("history.file_unreadable", lang), kind="error"), None, []
        name = (file_name or "report.txt")[-200:]
    elif not (text or "").strip():
        return message(t("history.nothing_given", lang), kind="error"), None, []
    principal = _principal()
    with data.session_scope() as session:
        try:
            extraction = backfill.extract(session, content=content, file_name=name, text=None if uploaded else text)
        except AppError as error:
            return _failure(t("history.not_read", lang), error, lang), None, []
        counties = writable_counties(session, principal)
        catalogue = indicators.get_all(session)
        view = result_view(
            extraction,
            counties=counties,
            default=state.get("district"),
            today=data.today(),
            catalogue=catalogue,
            lang=lang,
        )
    found = {
        "lang": lang,
        "source": _source(name, extraction.text),
        "proposals": [
            {"indicator": p.indicator, "evidence": p.evidence[:MAX_EVIDENCE], "written": p.written}
            for p in extraction.proposals
        ],
    }
    return view, found, []


@dash.callback(
    Output(ids.history_mark(MATCH), "className"),  # type: ignore[arg-type]
    Output({"type": "history-row", "index": MATCH}, "className"),
    Input(ids.history_decision(MATCH), "value"),  # type: ignore[arg-type]
    prevent_initial_call=True,
)
def mark_decision(decision: str | None) -> tuple[str, str]:
    """A rejected proposal is struck through in the text and greyed in the table."""
    return mark_class(decision), row_class(decision)


def _figures(
    found: Mapping[str, Any],
    values: Sequence[Any],
    decisions: Sequence[Any],
    inputs: Sequence[Mapping[str, Any]],
    catalogue: Mapping[str, IndicatorInfo],
    lang: Lang,
) -> tuple[dict[str, float], dict[str, str], list[dict[str, str]]]:
    """The accepted figures (edited values read as the form reads them) and their sentences, or the
    problems: a value that is not a number, one indicator taken twice with different values."""
    proposals = found.get("proposals") or []
    by_index = {int(i["index"]): v for i, v in zip(inputs, values, strict=True)}
    figures: dict[str, float] = {}
    evidence: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    for index, decision in enumerate(decisions):
        if decision != ACCEPT or index >= len(proposals):
            continue
        code = str(proposals[index]["indicator"])
        info = catalogue.get(code)
        name = indicator_name(catalogue, code, lang)
        try:
            value = parse_number(by_index.get(index), currency=bool(info and info.unit == "元"))
        except CellError as error:
            problems.append({"message_zh": f"{name}：{error.zh}", "message_en": f"{name}: {error.en}"})
            continue
        if value is None:
            problems.append({"message_zh": f"{name}：数值为空（不用请选“不采纳”）", "message_en": f"{name}: no value"})
            continue
        if code in figures and figures[code] != value:
            problems.append(
                {
                    "message_zh": f"{name}：采纳了两个不同的数值（{figures[code]:g}、{value:g}），请只采纳一个",
                    "message_en": f"{name}: two different values accepted ({figures[code]:g}, {value:g}); keep one",
                }
            )
            continue
        figures[code] = value
        evidence[code] = str(proposals[index].get("evidence") or "")
    return figures, evidence, problems


@dash.callback(
    Output(ids.HISTORY_STORED, "children", allow_duplicate=True),
    Input(ids.HISTORY_STORE, "n_clicks"),
    State(ids.HISTORY_DISTRICT, "value"),
    State(ids.HISTORY_YEAR, "value"),
    State({"type": ids.HISTORY_VALUE, "index": ALL}, "value"),
    State({"type": ids.HISTORY_VALUE, "index": ALL}, "id"),
    State({"type": ids.HISTORY_DECISION, "index": ALL}, "value"),
    State(ids.HISTORY_FOUND, "data"),
    prevent_initial_call=True,
)
def store(
    clicks: int | None,
    district: str | None,
    year: int | None,
    values: list[Any],
    inputs: list[dict[str, Any]],
    decisions: list[Any],
    found: dict[str, Any] | None,
) -> Any:
    """Store the accepted figures as the district-year's annual figures (the API's writer)."""
    if not clicks or not found:
        return dash.no_update
    lang = lang_of(found.get("lang"))
    if not district:
        return message(t("history.choose_district", lang), kind="error", id="history-error")
    if not year:
        return message(t("history.choose_year", lang), kind="error", id="history-error")
    principal = _principal()
    today = data.today()
    with data.session_scope() as session:
        catalogue = indicators.get_all(session)
        figures, evidence, problems = _figures(found, values, decisions, inputs, catalogue, lang)
        if problems:
            return message(
                t("history.not_saved", lang) + t("history.errors", lang),
                kind="error",
                children=[problem_list(problems, lang)],
                id="history-error",
            )
        if not figures:
            return message(t("history.nothing_accepted", lang), kind="error", id="history-error")
        try:
            counts = backfill.accept(
                session,
                principal=principal,
                district=district,
                year=int(year),
                figures=figures,
                evidence=evidence,
                source=str(found.get("source") or "") or None,
                today=today,
            )
            stored = backfill.district_year(session, principal=principal, district=district, year=int(year))
        except AppError as error:
            return _failure(t("history.not_saved", lang), error, lang)
    return stored_view(counts, stored, set(figures), today=today, lang=lang)


def stored_view(
    counts: Mapping[str, Any], stored: Mapping[str, Any], codes: set[str], *, today: dt.date, lang: Lang
) -> html.Div:
    """What is stored now for the district-year: each accepted figure, the monthly sum beside it,
    which one the statistics count, and 数据差异 where they differ; a link to the overview's trend."""
    district, year = stored["district"], int(stored["year"])
    head = html.Tr(
        [html.Th(t(f"history.stored_{k}", lang)) for k in ("indicator", "annual", "monthly", "counted", "differs")]
    )
    rows = []
    for f in stored["figures"]:
        if f["indicator"] not in codes:
            continue
        unit = f["unit"] if lang == "zh" else ""
        rows.append(
            html.Tr(
                [
                    html.Td(pick(lang, f["name_zh"], f["name_en"])),
                    html.Td(format_amount(f["annual"], unit, lang)),
                    html.Td(format_amount(f["monthly_total"], unit, lang, missing=t("not_reported", lang))),
                    html.Td(t(f"history.counted_{f['counted']}", lang) if f["counted"] else ""),
                    html.Td(t("history.differs", lang) if f["differs"] else "", className="differs"),
                ],
                **attributes({"data-indicator": f["indicator"]}),
            )
        )
    shown_year = min(year + queries.TREND_YEARS - 1, today.year - 1)
    first = next(iter(sorted(codes)))
    query = {"district": district["code"], "year": shown_year, "indicator": first}
    if lang == "en":
        query["lang"] = "en"
    return message(
        t(
            "history.saved",
            lang,
            district=district["name"],
            year=format_year(year, lang),
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
        ),
        kind="ok",
        id="history-saved",
        children=[
            html.Table([html.Thead(head), html.Tbody(rows)], className="data-table history-stored-table"),
            dcc.Link(t("history.open_overview", lang), href=f"{OVERVIEW}?{urlencode(query)}", className="report-link"),
        ],
    )
