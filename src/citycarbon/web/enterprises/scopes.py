"""Which enterprises a bound principal reaches: the scope function of the ``enterprise``
subject type (``web.registry``), called by the policy for every resource whose rows are
scoped by enterprise."""

from __future__ import annotations

from django.db.models import Q

from citycarbon.web.access.policy import Principal
from citycarbon.web.enterprises.models import Consent
from citycarbon.web.registry import NOTHING


def enterprise_rows(principal: Principal, via: str) -> Q:
    """The enterprises reached by ``principal``'s binding, as a filter on the model reached
    by ``via`` (a lookup path to ``Enterprise``; "" for ``Enterprise`` itself): a district
    officer's district, an enterprise user's own, a bank officer's consenting ones."""
    key = via or "pk"
    own = f"{via}__" if via else ""
    if (district := principal.bound("district")) is not None:
        return Q(**{f"{own}district_id": district})
    if (enterprise := principal.bound("enterprise")) is not None:
        return Q(**{key: enterprise})
    if (bank := principal.bound("bank")) is not None:
        consenting = Consent.objects.filter(bank=bank, revoked_at__isnull=True)
        return Q(**{f"{key}__in": consenting.values("enterprise_id")})
    return NOTHING
