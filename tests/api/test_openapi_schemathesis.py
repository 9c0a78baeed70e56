"""schemathesis against the OpenAPI document, on a live server, on both databases: every operation
with valid and invalid data, with a token of every scope; no server error, no answer that breaks the
document (status, content type, body schema), invalid data refused, and no operation that works
without its token.

(schemathesis's own pytest plugin reads a pytest internal that pytest 9.2 renamed, so the operations
are driven through its Python API: one hypothesis run per operation and generation mode.)
"""
from __future__ import annotations

import logging
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.serving import make_server

from tests.api.support import bearer, world

MAX_EXAMPLES = 40


@pytest.fixture(scope="session")
def live_api(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def run_operation(operation, mode: GenerationMode, base_url: str, headers: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def check(case):
        # Every other check runs. Left out: "schema-valid data is accepted" — a JSON Schema cannot say that a
        # SKU must exist or that a line names its product by sku or jan; those are refused with 422 and a path.
        case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=[positive_data_acceptance])

    check()


def test_the_api_keeps_to_its_document(client, session, live_api):
    made = world(session)
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, live_api, bearer(made.token))
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every operation is tried
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert failures == [], "\n\n".join(failures)
