"""Seed data and its loaders: districts, the two real reports' figures, synthetic demo months."""
