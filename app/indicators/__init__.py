"""The indicator catalogue (codes are the public contract of the API)."""
