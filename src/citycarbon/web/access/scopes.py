"""Which banks a bound principal reaches: the scope function of the ``bank`` subject type."""

from __future__ import annotations

from django.db.models import Q

from citycarbon.web.access.policy import Principal
from citycarbon.web.registry import NOTHING


def bank_rows(principal: Principal, via: str) -> Q:
    """A bank officer reaches its own bank."""
    bank = principal.bound("bank")
    return NOTHING if bank is None else Q(**{via or "pk": bank})
