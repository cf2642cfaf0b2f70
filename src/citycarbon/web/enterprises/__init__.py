"""Enterprises (by USCC and internal id) and their yearly value added."""
