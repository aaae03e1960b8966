"""The gateway's OpenAPI 3.1 document, with the JSON Schema of the transfer records.

The record schemas are :func:`iso20022.jsonio.json_schema` (the documented
contract, ``iso20022/transfer.schema.json``) moved under
``components/schemas``, so the document and the records cannot drift apart.

Example:
    >>> doc = openapi_document()
    >>> "Transfer" in doc["components"]["schemas"]
    True
"""

from __future__ import annotations

from typing import Any

import orjson

from .. import __version__
from ..jsonio import json_schema
from ..validation import RULE_SETS
from .config import SCOPES

__all__ = ["openapi_document"]

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_XML_BODY = {"schema": {"type": "string", "description": "an ISO 20022 XML message"}}


def _problems(*statuses: int) -> dict[str, Any]:
    titles = {400: "Bad request", 401: "No or unknown API key",
              403: "The key lacks the endpoint's scope", 404: "Unknown message id",
              413: "Body over the size limit", 415: "Unsupported content type",
              422: "Bad input: reason code, path, line", 503: "Request timed out"}
    return {str(s): {"description": titles[s],
                     "content": {"application/problem+json": {"schema": _PROBLEM}}}
            for s in statuses}


def _query(name: str, values: list[str], default: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": text,
            "schema": {"type": "string", "enum": values, "default": default}}


def _records_schemas() -> dict[str, Any]:
    schema = json_schema()
    defs = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    text = orjson.dumps({"Transfer": schema, **defs}).decode()
    return dict(orjson.loads(text.replace('"#/$defs/', '"#/components/schemas/')))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the gateway (served at ``/openapi.json``).

    Takes nothing. Returns the document as plain data. Raises nothing.
    Example: ``openapi_document()["paths"]["/v1/translate"]``
    """
    guarded = _problems(400, 401, 403, 413, 415, 422, 503)
    transfers = {"type": "array", "items": {"$ref": "#/components/schemas/Transfer"}}
    schemas = {
        **_records_schemas(),
        "Problem": {
            "type": "object", "required": ["type", "title", "status"],
            "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                           "status": {"type": "integer"}, "detail": {"type": "string"},
                           "code": {"type": "string", "description":
                                    "ISO ExternalStatusReason1Code"},
                           "path": {"type": "string"}, "line": {"type": "integer"}},
        },
        "Translation": {
            "type": "object", "required": ["message_type", "envelope", "count", "transfers"],
            "properties": {"message_type": {"type": "string"}, "envelope": {"type": "string"},
                           "app_header": {"type": ["string", "null"]},
                           "count": {"type": "integer"}, "verdict": {"type": "object"},
                           "transfers": transfers},
        },
        "Records": {
            "type": "object", "required": ["transfers"], "additionalProperties": False,
            "properties": {"transfers": {**transfers, "minItems": 1}},
        },
        "Verdict": {
            "type": "object", "required": ["status", "verdict"],
            "properties": {"status": {"type": "string", "enum": ["ACCP", "ACTC", "PART",
                                                                 "RJCT"]},
                           "verdict": {"type": "object"},
                           "status_report": {"type": "string"},
                           "status_report_type": {"type": "string"},
                           "status_report_checked": {"type": "boolean"}},
        },
    }
    rules = _query("rules", list(RULE_SETS), "generic", "the rule set")
    security: list[dict[str, list[str]]] = [{"ApiKey": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "iso20022 translation gateway", "version": __version__,
                 "description": "ISO 20022 XML <-> JSON transfer records. API key in "
                                f"X-API-Key; scopes: {', '.join(sorted(SCOPES))}."},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header",
                                           "name": "X-API-Key"}},
        },
        "paths": {
            "/v1/translate": {"post": {
                "summary": "An ISO 20022 message to JSON records (scope translate)",
                "operationId": "translate", "security": security,
                "parameters": [_query("validate", ["xsd", "rules", "none"], "xsd",
                                      "what to check before translating")],
                "requestBody": {"required": True, "content": {"application/xml": _XML_BODY}},
                "responses": {"200": {"description": "The records and message metadata",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/Translation"}}}},
                              **guarded},
            }},
            "/v1/validate": {"post": {
                "summary": "The verdict on a message, optionally its pain.002 / pacs.002 "
                           "(scope validate)",
                "operationId": "validate", "security": security,
                "parameters": [rules, _query("report", ["true", "false"], "false",
                                             "add the status report")],
                "requestBody": {"required": True, "content": {"application/xml": _XML_BODY}},
                "responses": {"200": {"description": "The verdict", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}}},
                              **guarded},
            }},
            "/v1/messages/{message_id}": {"post": {
                "summary": "JSON records to a schema-valid XML message; the original XML "
                           "to its pain.002 / pacs.002 (scope messages)",
                "operationId": "messages", "security": security,
                "parameters": [
                    {"name": "message_id", "in": "path", "required": True,
                     "schema": {"type": "string", "examples": ["pacs.008.001.08",
                                                               "pain.001.001.09"]}},
                    _query("app_header", ["keep", "derive", "omit"], "keep",
                           "the AppHdr of the records, one derived from GrpHdr, or none"),
                    rules,
                ],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Records"}},
                    "application/xml": _XML_BODY}},
                "responses": {"200": {"description": "The XML message, XSD-validated",
                                      "content": {"application/xml": {"schema": {
                                          "type": "string"}}}},
                              **_problems(400, 401, 403, 404, 413, 415, 422, 503)},
            }},
            "/healthz": {"get": {"summary": "Liveness", "operationId": "healthz",
                                 "responses": {"200": {"description": "alive"}}}},
            "/readyz": {"get": {"summary": "Readiness: the schemas load",
                                "operationId": "readyz",
                                "responses": {"200": {"description": "ready"},
                                              "503": {"description": "not ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (scope metrics)",
                                 "operationId": "metrics", "security": security,
                                 "responses": {"200": {"description": "text exposition",
                                                       "content": {"text/plain": {}}},
                                               **_problems(401, 403)}}},
        },
    }
