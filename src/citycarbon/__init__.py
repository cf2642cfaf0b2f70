"""citycarbon."""
