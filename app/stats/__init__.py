"""Statistics: one query layer (totals, series, rankings, completeness, ratios, exports) for the API,
the dashboard and the report generator."""
