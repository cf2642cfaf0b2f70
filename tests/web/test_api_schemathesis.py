"""The API against its own OpenAPI document, with schemathesis: for every operation,
generated requests (valid and invalid) never give a server error, and every answer has a
documented status, content type and body."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.registry import registry
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = 25

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True)


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Requests through the WSGI handler keep the test's database connection (and its
    transaction), as Django's test client does: no closing of "old" connections."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def key(loaded_city: LoadedCity, same_connection: None) -> str:
    """A regulator's key naming every scope: it reads everything and may send readings."""
    binding = Binding("regulator")
    scopes = tuple(registry().resources)
    return do_create_api_key(binding, actor=Actor.system("test"), scopes=scopes)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, key: str) -> None:
    case.call_and_validate(
        headers={"X-API-Key": key},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
