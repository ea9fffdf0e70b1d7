"""The log of every upload (and seed load) that changed data."""
