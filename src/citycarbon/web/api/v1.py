"""``/api/v1/``: OpenAPI at ``openapi.json``, interactive docs at ``docs``."""

from __future__ import annotations

from ninja import NinjaAPI

from citycarbon.web.api import errors
from citycarbon.web.api.common import PrincipalAuth
from citycarbon.web.api.renderers import FiniteJSONRenderer
from citycarbon.web.api.reports import router as reports
from citycarbon.web.buildings.api import router as buildings
from citycarbon.web.electricity.api import router as electricity
from citycarbon.web.energy.api import router as energy
from citycarbon.web.enterprises.api import router as enterprises
from citycarbon.web.enterprises.onboarding_api import router as onboarding
from citycarbon.web.estimates.api import router as estimates
from citycarbon.web.grading.api import router as grading

api = NinjaAPI(
    title="citycarbon API",
    version="1",
    description=(
        "API of the citycarbon platform: published codes, portraits, emissions and estimates "
        "to read; energy uploads, city onboarding files and grid readings to send. "
        "Authenticate with an API key in the `X-API-Key` header (made with "
        "`citycarbon apikey create`) or a signed-in session "
        "(writes then need the page's CSRF token). Every answer is limited to what the key's "
        "or user's role and scopes may see; errors are JSON with `detail` and `code`."
    ),
    auth=PrincipalAuth(),
    urls_namespace="api-v1",
    renderer=FiniteJSONRenderer(),
)
routers = (enterprises, energy, grading, buildings, estimates, electricity, onboarding, reports)
for router in routers:
    api.add_router("", router)

errors.install(api)
