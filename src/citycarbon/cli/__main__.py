"""``python -m citycarbon.cli``: the same as the ``citycarbon`` command."""

from citycarbon.cli.main import run

run()
