"""The read API at ``/api/v1/``: one router per domain app, one authentication for all."""
