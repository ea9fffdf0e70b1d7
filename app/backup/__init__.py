"""Backups of the whole database and restores into an empty one (``python -m app backup | restore``)."""
