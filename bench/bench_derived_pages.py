"""The estimates and energy-balance pages on a loaded demo city, and the builds behind them.

Run it against the database a ``citycarbon demo --no-serve`` prepared (``CITYCARBON_VAR`` or
``DATABASE_URL`` as for the platform). As the regulator, after one request to
``/enterprises/`` (which loads the URL conf, the API and the templates, no page's own cost),
it times the first and second request of ``/estimates/`` and ``/balance/`` and one API page,
in-process through Django's test client. Then, in a transaction it rolls back, it sets the
stored runs aside and times one build of each (``estimates.runs.build_estimates``,
``balance.runs.build_balance``): the work a job does after a publish or an ingest.

    .venv/bin/python -m bench.bench_derived_pages [--pages-only]

``--pages-only`` times the pages alone (for a checkout from before the builds existed).
"""

from __future__ import annotations

import argparse
import os
import time


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def pages() -> None:
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="regulator"))
    client.get("/enterprises/")
    for path in ("/estimates/", "/estimates/", "/balance/", "/balance/"):
        start = time.perf_counter()
        status = client.get(path).status_code
        print(f"{path:<40} {status} {_ms(time.perf_counter() - start)}")
    path = "/api/v1/estimates?period=2025-01"
    start = time.perf_counter()
    status = client.get(path).status_code
    print(f"{path:<40} {status} {_ms(time.perf_counter() - start)}")


def builds() -> None:
    from django.db import transaction  # noqa: PLC0415

    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.balance.models import BalanceRun  # noqa: PLC0415
    from citycarbon.web.balance.runs import build_balance  # noqa: PLC0415
    from citycarbon.web.estimates.models import Estimate, EstimateRun  # noqa: PLC0415
    from citycarbon.web.estimates.runs import build_estimates  # noqa: PLC0415
    from citycarbon.web.grading.selectors import published_accounting_run  # noqa: PLC0415

    accounting = published_accounting_run()
    if accounting is None:
        print("no published accounting run: load the demo first")
        return
    actor = Actor.system("bench")
    with transaction.atomic():
        EstimateRun.objects.update(status="failed")
        BalanceRun.objects.update(status="failed")
        start = time.perf_counter()
        run, _ = build_estimates(accounting, actor=actor)
        rows = Estimate.objects.filter(run=run).count()
        print(f"estimates build: {time.perf_counter() - start:.1f} s, {rows:,} rows")
        start = time.perf_counter()
        balance, _ = build_balance(accounting, actor=actor)
        print(f"balance build: {time.perf_counter() - start:.1f} s, {balance.rows.count()} rows")
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages-only", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citycarbon.web.settings")
    import django  # noqa: PLC0415

    django.setup()
    pages()
    if not args.pages_only:
        builds()


if __name__ == "__main__":
    main()
