"""The API rates' settings and their format (ninja's ``N/period``), apart from the
throttles so that the start-up check (``web/checks.py``) reads them without loading any
domain app."""

from __future__ import annotations

from typing import Final

from ninja.throttling import SimpleRateThrottle

RATE_ENV: Final = "CITYCARBON_API_RATE"
ANON_RATE_ENV: Final = "CITYCARBON_API_ANON_RATE"
OFF: Final = "off"
"""The rate that switches a limit off (e.g. behind a gateway that limits, or a benchmark)."""
DEFAULT_RATE: Final = "600/min"
"""``CITYCARBON_API_RATE``'s default, as in ``settings.py``."""


class RateError(ValueError):
    """A rate that is not ``N/period`` with N ≥ 1 (period ``s``, ``min``, ``h``, ``day``,
    optionally with a count: ``10/5min``)."""


def parse_rate(name: str, rate: str) -> tuple[int, int] | None:
    """``(requests, seconds)`` of ``rate`` (ninja's format), None for ``off``, or
    ``RateError`` in Chinese and English naming the setting."""
    if str(rate).strip().lower() == OFF:
        return None
    try:
        count, seconds = _PARSER.parse_rate(str(rate))
    except ValueError:
        count = seconds = None
    if count is None or seconds is None or count < 1 or seconds < 1:
        msg = (
            f"{name}={rate!r}: 应为“次数/时段”，如 600/min（时段 s、min、h、day），或 off / "
            f"expected requests/period such as 600/min (period s, min, h or day), or off"
        )
        raise RateError(msg)
    return count, seconds


_PARSER: Final = SimpleRateThrottle(DEFAULT_RATE)
