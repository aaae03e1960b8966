"""``POST /v1/translate``: an ISO 20022 message -> JSON records plus message metadata.

``?validate=`` ``xsd`` (default: the official XSD first, a schema error is a
422 naming the reason code, path and line), ``rules`` (XSD and the generic
business rules; a rejected message is a 422 carrying the verdict) or
``none`` (parse only; the parser still refuses DOCTYPE, malformed XML and
bad values with a 422).

The answer: ``{"message_type", "envelope", "app_header", "count",
"transfers": [Transfer JSON, ...]}`` (``verdict`` too with ``rules``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..catalog import detect
from ..limits import Limits
from ..parse import parse
from ..validation import validate, validate_xsd
from ._encode import transfers_data
from .problems import Problem, from_issue
from .respond import json_response, query

__all__ = ["MODES", "handle"]

MODES = ("xsd", "rules", "none")


def handle(request: Request, body: bytes, limits: Limits) -> Response:
    """Translate one message (runs in a worker thread; raises Problem or Iso20022Error)."""
    mode = query(request, "validate", "xsd")
    if mode not in MODES:
        raise Problem(422, "bad parameter", detail=f"validate must be one of "
                      f"{', '.join(MODES)}, not {mode!r}", path="?validate")
    found = detect(body, limits=limits)
    if not found.supported:
        raise Problem(422, "UnsupportedMessageError", code="FF01", path="/Document",
                      detail=f"{found.message_id} is not a message the gateway translates")
    out: dict[str, object] = {}
    if mode == "xsd":
        issue = validate_xsd(body, limits=limits)
        if issue is not None:
            raise from_issue(issue, "schema validation failed")
    elif mode == "rules":
        verdict = validate(body, rules="generic", limits=limits)
        if not verdict.accepted:
            raise Problem(422, "message rejected", detail=f"status {verdict.status}",
                          code=_first_code(verdict.as_dict()), verdict=verdict.as_dict())
        out["verdict"] = verdict.as_dict()
    transfers = transfers_data(parse(body, limits=limits))
    head = {"message_type": str(found.message_id), "envelope": found.root,
            "app_header": None if found.app_header is None else str(found.app_header),
            "count": len(transfers)}
    return json_response({**head, **out, "transfers": transfers})


def _first_code(verdict: dict[str, object]) -> str | None:
    def walk(value: object) -> str | None:
        if isinstance(value, dict):
            if "code" in value and isinstance(value["code"], str) and "rule" in value:
                return value["code"]
            for item in value.values():
                if (hit := walk(item)) is not None:
                    return hit
        elif isinstance(value, list):
            for item in value:
                if (hit := walk(item)) is not None:
                    return hit
        return None

    return walk(verdict)
