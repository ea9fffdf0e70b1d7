"""Review of district-months by the level above (审核): approve and lock, return with a reason,
unlock; reminders (催报) to districts that have not reported."""
