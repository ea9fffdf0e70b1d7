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
