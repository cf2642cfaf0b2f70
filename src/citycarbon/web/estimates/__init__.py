"""Rapid estimates of emissions from grid electricity (速算)."""
