from __future__ import annotations

from django.db.models import Q

from citycarbon.web.access.policy import Principal
from citycarbon.web.registry import NOTHING


def resident_rows(principal: Principal, via: str) -> Q:
    resident = principal.bound("resident")
    return NOTHING if resident is None else Q(**{via or "pk": resident})
