"""gunicorn settings that ``citycarbon serve`` loads with ``--config python:…``.

gunicorn writes its own ``Server: gunicorn`` header on every answer and has no setting for
it (the application cannot replace it: both would be sent). Its ``Response`` reads the
module-level name ``SERVER`` of ``gunicorn.http.wsgi`` for each answer, so the config file,
which gunicorn runs in the master before it forks the workers, sets that name instead.
"""

from __future__ import annotations

from typing import Final

import gunicorn.http.wsgi  # type: ignore[import-untyped]

SERVER_HEADER: Final = "web"
"""What the ``Server`` header says: nothing about the software or its version."""

gunicorn.http.wsgi.SERVER = SERVER_HEADER
