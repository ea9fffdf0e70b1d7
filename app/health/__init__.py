"""The health check, the one API route open without credentials."""
