"""JSON and XML responses of the gateway (orjson bodies).

Example:
    >>> json_response({"a": 1}).body
    b'{"a":1}'
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["json_response", "query", "xml_response"]

_QUERIES: dict[bytes, dict[str, str]] = {}
_QUERIES_MAX = 1024


def query(request: Request, name: str, default: str) -> str:
    """A query parameter (the last one of that name), as ``request.query_params.get``.

    The parsed form of each query string is kept (up to ``_QUERIES_MAX`` of them):
    clients send the same few again and again, and Starlette would build a
    multi-dict per request.  Example: ``query(request, "validate", "xsd")``
    """
    raw: bytes = request.scope.get("query_string", b"")
    if not raw:
        return default
    parsed = _QUERIES.get(raw)
    if parsed is None:
        parsed = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        if len(_QUERIES) < _QUERIES_MAX:
            _QUERIES[raw] = parsed
    return parsed.get(name, default)


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as an ``application/json`` response (orjson). Example: ``json_response({})``."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def xml_response(body: bytes, message_type: str) -> Response:
    """An XML document response naming its message type in ``X-Message-Type``.

    Example: ``xml_response(b"<Document/>", "pacs.008.001.08")``
    """
    return Response(body, media_type="application/xml",
                    headers={"X-Message-Type": message_type})
