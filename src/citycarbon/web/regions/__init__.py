"""Districts (GB/T 2260) and industries (GB/T 4754)."""
