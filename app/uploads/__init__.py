"""File uploads of monthly figures: CSV and XLSX parsing, the Excel template, the submissions log."""
