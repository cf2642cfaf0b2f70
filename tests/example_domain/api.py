from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from citycarbon.web.api.common import PrincipalAuth

router = Router(tags=["points"])


@router.get("/points", auth=PrincipalAuth("points"))
def list_points(request: HttpRequest) -> dict[str, int]:
    return {"count": 0}
