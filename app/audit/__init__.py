"""The audit trail: every change of a figure, read from value_history."""
