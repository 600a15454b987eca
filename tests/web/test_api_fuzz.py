"""Property-based fuzzing of the API from its OpenAPI document (schemathesis).

A reduced budget keeps CI fast; raise ``TRADEGUARD_FUZZ_EXAMPLES`` for a deeper run.
Every generated request is sent as an administrator: no answer may be a 500 or
violate the documented schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import World, bearer
from tradeguard.web.app import create_app

# The file content of an upload cannot be described by the schema, so "schema-valid data
# must be accepted" does not apply; these are the checks the API promises.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("TRADEGUARD_FUZZ_EXAMPLES", "12"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_api_conforms_to_its_schema(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(world.engine))
    headers = bearer(world, "admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(data=st.data())
        def fuzz(data: st.DataObject) -> None:
            case = data.draw(operation.as_strategy())  # noqa: B023 (run at once, inside the loop)
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
