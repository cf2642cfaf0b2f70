"""JSON that every parser accepts: no ``NaN`` or ``Infinity`` in an API answer.

Python's ``json`` writes non-finite floats as the JavaScript literals ``NaN`` and
``Infinity``, which are not JSON (RFC 8259) and which strict parsers reject. The inputs are
bounded so that no figure should ever be non-finite; should one be, it goes out as ``null``
(unknown) rather than as a body no client can read.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from ninja.renderers import JSONRenderer


def finite(value: Any) -> Any:
    """``value`` with every non-finite float inside dicts, lists and tuples made ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


class FiniteJSONRenderer(JSONRenderer):
    """django-ninja's renderer with ``allow_nan=False`` after non-finite floats became null."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return json.dumps(
            finite(data), cls=self.encoder_class, allow_nan=False, **self.json_dumps_params
        )
