"""Property-based API test (schemathesis) over the gateway's own OpenAPI document.

Schemathesis generates requests from ``/openapi.json`` (records from the JSON
Schemas, query values, bodies, unsupported methods, and negative cases) and
sends them to the real server process.  No answer may be a 5xx, and every
answer must conform to the document (status codes, content types, response
schemas, ``Allow`` on 405, negative data refused).

One check is left out: ``positive_data_acceptance`` ("a schema-valid request
is accepted").  The XML bodies are only ``type: string`` to JSON Schema, and
a schema-valid transfer record still has to fit the target message (a
pain.001 record cannot become a pacs.008), so schema-valid requests are
rightly refused with 422 problems; the other checks judge those answers.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from iso20022.gateway import openapi_document

from .gatewaykit import Server

schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_5xx_and_answers_conform(case: schemathesis.Case[Any], server: Server) -> None:
    response = case.call_and_validate(base_url=server.url,
                                      headers={"X-API-Key": server.keys["all"]},
                                      excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
