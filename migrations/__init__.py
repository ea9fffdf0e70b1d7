"""Alembic migrations (static, reversible, dated)."""
