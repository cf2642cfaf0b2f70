"""Reports on the demo city: how long building and rendering a certificate and a monthly
analysis take, and how large their PDFs are.

Reads the database ``citycarbon demo`` made (or whatever ``DATABASE_URL`` names). For each
report, in the same run and in Chinese: the reference, the Django template rendering the
document as the HTML page; building the document (the domain's queries and frames); and
rendering the PDF with Typst (fonts subset). Each is the median of ``--repeat`` runs after
one warm-up; the PDF's figure is also given as a multiple of the HTML page's.

    .venv/bin/citycarbon demo --no-serve
    .venv/bin/python -m bench.bench_reports [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from bench.common import machine, today


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citycarbon.web.settings")
    import django  # noqa: PLC0415

    django.setup()
    from django.template.loader import render_to_string  # noqa: PLC0415
    from django.utils import translation  # noqa: PLC0415

    from citycarbon.web.grading.models import CarbonCode  # noqa: PLC0415
    from citycarbon.web.grading.selectors import latest_published  # noqa: PLC0415
    from citycarbon.web.regions.models import District  # noqa: PLC0415
    from citycarbon.web.reports import render  # noqa: PLC0415
    from citycarbon.web.reports.registry import kind_of, parse  # noqa: PLC0415

    run = latest_published()
    if run is None:
        raise SystemExit("no published run: run `citycarbon demo --no-serve` first")
    code = CarbonCode.objects.filter(run=run).order_by("enterprise__entity_id", "-year").first()
    assert code is not None
    district = District.objects.order_by("code").first()
    assert district is not None
    month = f"{code.year}-12"
    cases = [
        ("certificate", {"entity": code.enterprise.entity_id, "year": str(code.year)}),
        ("monthly (city)", {"month": month}),
        ("monthly (district)", {"month": month, "district": district.code}),
    ]
    verification = render.Verification(
        id="7K3M-Q9XD-2HPA-W4TZ",
        url="http://127.0.0.1:8000/reports/verify/7K3M-Q9XD-2HPA-W4TZ/",
        issuer="citycarbon",
        issued_at="2026-01-01 00:00",
    )
    print(f"# reports on the demo city — {today()} — {machine()}")
    print("| report | build (ms) | HTML page (ms, reference) | PDF (ms) | PDF ÷ HTML | PDF bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    with translation.override("zh-hans"):
        for label, params in cases:
            kind = kind_of(label.split()[0])
            assert kind is not None
            cleaned = parse(kind, params)
            build_ms, document = median_ms(lambda: kind.build(cleaned), args.repeat)  # noqa: B023
            html_ms, _ = median_ms(
                lambda: render_to_string("reports/_document.html", {"document": document}),  # noqa: B023
                args.repeat,
            )
            pdf_ms, body = median_ms(
                lambda: render.pdf(document, verification),  # type: ignore[arg-type]  # noqa: B023
                args.repeat,
            )
            size = len(body)  # type: ignore[arg-type]
            print(
                f"| {label} | {build_ms:,.0f} | {html_ms:,.1f} | {pdf_ms:,.0f} | "
                f"{pdf_ms / html_ms:,.0f}× | {size:,} |"
            )


if __name__ == "__main__":
    main()
