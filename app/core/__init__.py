"""Cross-cutting parts: settings, database, errors."""
