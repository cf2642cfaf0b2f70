"""Which districts a bound principal reaches: the scope function of the ``district``
subject type (``web.registry``)."""

from __future__ import annotations

from django.db.models import Q

from citycarbon.web.access.policy import Principal
from citycarbon.web.regions.models import District
from citycarbon.web.registry import NOTHING


def district_rows(principal: Principal, via: str) -> Q:
    """A district officer reaches its own district (as a filter on the model reached by
    ``via``, a lookup path to ``District``); no other binding reaches a district's rows."""
    district = principal.bound("district")
    return NOTHING if district is None else Q(**{via or "pk": district})


def district_code_scope(principal: Principal) -> str | None:
    """The code (GB/T 2260) of the one district a principal's city figures are limited to
    (None: the whole city)."""
    own = principal.bound("district")
    return District.objects.get(pk=own).code if own is not None else None
