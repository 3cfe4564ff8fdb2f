"""Schemathesis against Kept's own OpenAPI, in process, with a real key on a real database:
no input produces a 5xx, and every response matches the documented schema.

The example count per operation is bounded so CI stays fast. `KEPT_FUZZ_EXAMPLES` raises it
for longer runs, and with `KEPT_FUZZ_REPORT=path` the run also writes what it did (operations,
examples, failures) to that JSON file: `bench/soak --fuzz-examples N` runs this test that way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.config import Settings
from api.main import create_app
from tests.conftest import Tenant

EXAMPLES = int(os.environ.get("KEPT_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def api_schema(database_url: str) -> Any:
    app = create_app(Settings(database_url=database_url, rate_limit_per_second=0))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]


def _write_report(operations: int, examples: int, failures: list[str]) -> None:
    path = os.environ.get("KEPT_FUZZ_REPORT")
    if path:
        Path(path).write_text(json.dumps({
            "operations": operations, "examples_per_operation": EXAMPLES,
            "examples": examples, "failures": failures}, indent=2))


def test_every_operation_is_fuzzed_without_server_errors(api_schema: Any,
                                                          tenant: Tenant) -> None:
    headers = {"Authorization": f"Bearer {tenant.keys['admin']}"}
    operations = _operations(api_schema)
    assert len(operations) >= 10
    failures: list[str] = []
    examples = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            nonlocal examples
            examples += 1
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance,
                        content_type_conformance],
            )

        try:
            fuzz()
        except Exception as error:  # collect every operation's failure
            failures.append(f"{operation.label}: {str(error)[:2000]}")
    _write_report(len(operations), examples, failures)
    assert not failures, "\n\n".join(failures)
