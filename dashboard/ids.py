"""Component ids of the dashboard, in one place: layouts, callbacks and browser tests share them."""

from __future__ import annotations

from typing import Any

# ----------------------------------------------------------------------------- the frame (dashboard/app.py)
URL = "url"  # the frame's dcc.Location: controls write the page's state into its query string
SIGNED_IN_USER = "signed-in-user"
SIGN_OUT = "sign-out"
APP_TITLE = "app-title"
APP_SUBTITLE = "app-subtitle"
NAV = "nav"
LANG_ZH = "lang-zh"
LANG_EN = "lang-en"


def nav_link(page: str) -> str:
    """The header link to a page ("overview", "districts", …)."""
    return f"nav-{page}"


# ----------------------------------------------------------------------------- controls that live in the URL

# A control whose value is a query parameter has the id {"type": QUERY_PARAM, "param": name}; one
# callback in the frame writes all of them into the URL, so every page gets bookmarkable state free.
QUERY_PARAM = "query-param"


def query_control(param: str) -> dict[str, Any]:
    return {"type": QUERY_PARAM, "param": param}


def control_box(param: str) -> str:
    """The box around a query control (its label and the control), for tests and styles."""
    return f"control-{param}"


DRAWN_STATE = "drawn-state"  # the values the page's controls were drawn with
PRINT_BUTTON = "print-button"
PRINT_DUMMY = "print-dummy"
PAGE_HEADING = "page-heading"
AS_OF = "as-of"
PAGE_ERROR = "page-error"
# The URL's area: the link home beside a 403/404 notice, the note on a pseudo-city asked for.
AREA_HOME_LINK = "area-home-link"
AREA_NOTE = "area-note"
# A chart with nothing to draw carries this class (and says 暂无数据 on its face).
EMPTY_CHART = "chart-empty"

# ----------------------------------------------------------------------------- overview
KPI_GRID = "kpi-grid"
RATIOS = "ratios"
MONTHLY_GRAPH = "monthly-graph"
TREND_GRAPH = "trend-graph"


def kpi_card(indicator: str) -> str:
    return "kpi-" + indicator.replace(".", "-").replace("_", "-")


def kpi_value(indicator: str) -> str:
    return kpi_card(indicator) + "-value"


def kpi_change(indicator: str) -> str:
    return kpi_card(indicator) + "-change"


def ratio_value(code: str) -> str:
    return "ratio-" + code.replace("_", "-") + "-value"


# ----------------------------------------------------------------------------- districts
RANKING_GRAPH = "ranking-graph"
MAP_GRAPH = "map-graph"
MAP_NOTE = "map-note"  # names the districts drawn as points (no boundary)
HEATMAP_GRAPH = "heatmap-graph"
RANKING_TABLE = "ranking-table"
DRILL_LOCATION = "drill-location"

# ----------------------------------------------------------------------------- completeness
COMPLETENESS_GRAPH = "completeness-graph"
COMPLETENESS_RATE = "completeness-rate"
MISSING_LIST = "missing-list"
MISSING_TITLE = "missing-title"

# ----------------------------------------------------------------------------- data
VALUES_GRID = "values-grid"
DOWNLOAD_CSV = "download-csv"
DOWNLOAD_XLSX = "download-xlsx"
DOWNLOAD = "download"
VALUES_COUNT = "values-count"

# ----------------------------------------------------------------------------- reports
REPORT_LINKS = "report-links"
REPORT_STATUS = "report-status"


def report_link(fmt: str) -> str:
    return f"report-{fmt}"


# ----------------------------------------------------------------------------- the frame's reminder notice
REMINDERS = "reminders"

# ----------------------------------------------------------------------------- 数据报送 (report a month)
REPORT_FORM = "report-form"
REPORT_STATE = "report-state"  # district, month and the version (ETag) the form was drawn with
REPORT_SAVE = "report-save"
REPORT_SAVE_RESULT = "report-save-result"
REPORT_STATUS_PANEL = "report-status-panel"
REPORT_UPLOAD = "report-upload"
REPORT_UPLOAD_STORE = "report-upload-store"  # the previewed file and its dry run's versions
REPORT_PREVIEW = "report-preview"
REPORT_CONFIRM = "report-confirm"
REPORT_TEMPLATE = "report-template"
REPORT_LOG = "report-log"
REPORT_HISTORY = "report-history"
REPORT_VALUE = "report-value"  # pattern: {"type": REPORT_VALUE, "indicator": code}
REPORT_HISTORY_BUTTON = "report-history-button"  # pattern: {"type": …, "indicator": code}


def report_value(indicator: str) -> dict[str, str]:
    return {"type": REPORT_VALUE, "indicator": indicator}


def report_history_button(indicator: str) -> dict[str, str]:
    return {"type": REPORT_HISTORY_BUTTON, "indicator": indicator}


# ----------------------------------------------------------------------------- 审核 (review)
REVIEW_GRID = "review-grid"
REVIEW_DETAIL = "review-detail"
REVIEW_STATE = "review-state"  # parent, month and the focused district
REVIEW_REASON = "review-reason"
REVIEW_APPROVE = "review-approve"
REVIEW_RETURN = "review-return"
REVIEW_UNLOCK = "review-unlock"
REVIEW_APPROVE_ALL = "review-approve-all"
REVIEW_REMIND = "review-remind"
REVIEW_RESULT = "review-result"
REVIEW_COUNTS = "review-counts"

# ----------------------------------------------------------------------------- completeness: approval
APPROVAL_GRID = "approval-grid"

# ----------------------------------------------------------------------------- 历史数据导入 (back-fill)
HISTORY_TEXT = "history-text"  # the pasted report
HISTORY_UPLOAD = "history-upload"
HISTORY_EXTRACT = "history-extract"
HISTORY_STATE = "history-state"  # the page's language and the district it opened with
HISTORY_FOUND = "history-found"  # the extraction: proposals, the text's name (kept for storing)
HISTORY_RESULT = "history-result"  # the text with its marks, the proposals, district and year
HISTORY_READ = "history-read"  # the text as read, each proposal's figure marked
HISTORY_HOW = "history-how"  # how district and year were found
HISTORY_PROPOSALS = "history-proposals"
HISTORY_DISTRICT = "history-district"
HISTORY_YEAR = "history-year"
HISTORY_STORE = "history-store"
HISTORY_STORED = "history-stored"  # the answer of storing: counts and the district-year, or the refusal
HISTORY_VALUE = "history-value"  # pattern: {"type": …, "index": n}, the proposal's value (editable)
HISTORY_DECISION = "history-decision"  # pattern: {"type": …, "index": n}, accept or reject
HISTORY_MARK = "history-mark"  # pattern: {"type": …, "index": n}, the figure marked in the text


def history_value(index: int) -> dict[str, Any]:
    return {"type": HISTORY_VALUE, "index": index}


def history_decision(index: int) -> dict[str, Any]:
    return {"type": HISTORY_DECISION, "index": index}


def history_mark(index: int) -> dict[str, Any]:
    return {"type": HISTORY_MARK, "index": index}


TREND_NOTES = "trend-notes"  # the overview's notes under the trend: 年报数据, 数据差异
