"""The Django project: models, actions (every write, with its audit event), selectors (reads),
API and pages. Sits on ``io`` and ``core``; batch work reads frames from the database, calls
``core`` and writes results back in bulk."""
