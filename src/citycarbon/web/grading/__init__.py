"""Grading runs and the carbon-efficiency codes (碳效码) they publish."""
