"""Reports: the day's numbers."""
