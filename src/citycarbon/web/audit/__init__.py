"""Audit trail: one event per write, recorded by the action that makes the write."""
