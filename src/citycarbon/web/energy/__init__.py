"""Energy records (205-1), their imports, and accounting runs with their emissions."""
