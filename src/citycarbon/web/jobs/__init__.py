"""Background jobs: the platform kernel's job runner (domain-free; domain apps register)."""
