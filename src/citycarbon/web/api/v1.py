"""``/api/v1/``: OpenAPI at ``openapi.json``, interactive docs at ``docs``."""

from __future__ import annotations

from ninja import NinjaAPI

from citycarbon.web.api import errors
from citycarbon.web.api.common import PrincipalAuth
from citycarbon.web.api.renderers import FiniteJSONRenderer
from citycarbon.web.api.throttling import PrincipalThrottle
from citycarbon.web.registry import load, registry

api = NinjaAPI(
    title="citycarbon API",
    version="1",
    description=(
        "API of the citycarbon platform: published codes, portraits, emissions and estimates "
        "to read; energy uploads, city onboarding files and grid readings to send. "
        "Authenticate with an API key in the `X-API-Key` header (made with "
        "`citycarbon apikey create`) or a signed-in session "
        "(writes then need the page's CSRF token). Every answer is limited to what the key's "
        "or user's role and scopes may see; errors are JSON with `detail` and `code`. "
        "A query parameter an endpoint does not take is refused (422 `unknown_parameter`). "
        "Calls are limited per key or user (`CITYCARBON_API_RATE`, default 600/min) and, "
        "without valid credentials, per address: over the rate → 429 `throttled` with "
        "`Retry-After`."
    ),
    auth=PrincipalAuth(),
    throttle=[PrincipalThrottle()],
    urls_namespace="api-v1",
    renderer=FiniteJSONRenderer(),
)
for spec in registry().specs:
    for router in spec.api:
        api.add_router("", load(router))

errors.install(api)
