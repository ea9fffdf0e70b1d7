"""Administrative divisions (GB/T 2260): provinces, cities, county-level districts."""
