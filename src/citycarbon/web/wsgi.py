"""WSGI entry point for production servers (``gunicorn citycarbon.web.wsgi``)."""

from __future__ import annotations

import logging
import os

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citycarbon.web.settings")
application = get_wsgi_application()


def _check_configuration() -> None:
    # gunicorn started by hand (not by `citycarbon serve`) refuses to boot a bad
    # configuration too, instead of answering 500 to the requests that read files.
    from citycarbon.web.checks import TAG  # noqa: PLC0415  (after setup)

    serious = [m for m in run_checks(tags=[TAG]) if m.is_serious()]
    if serious:
        raise ImproperlyConfigured("\n".join(str(m) for m in serious))


_check_configuration()


def _warm() -> None:
    # Each worker builds what the apps declare (the published run's frames…) as it starts,
    # not on a visitor's request.
    from citycarbon.web.registry import load, registry  # noqa: PLC0415  (after setup)

    try:
        for spec in registry().specs:
            for target in spec.warm:
                load(target)()
    except DatabaseError:  # no schema yet, or the database is away: the first request pays
        logging.getLogger(__name__).warning("could not warm the caches", exc_info=True)
    finally:
        connection.close()


_warm()
