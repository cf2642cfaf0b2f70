"""Public buildings, their yearly energy and their codes A-E."""
