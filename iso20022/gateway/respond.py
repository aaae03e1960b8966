"""JSON and XML responses of the gateway (orjson bodies).

Example:
    >>> json_response({"a": 1}).body
    b'{"a":1}'
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["json_response", "xml_response"]


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as an ``application/json`` response (orjson). Example: ``json_response({})``."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def xml_response(body: bytes, message_type: str) -> Response:
    """An XML document response naming its message type in ``X-Message-Type``.

    Example: ``xml_response(b"<Document/>", "pacs.008.001.08")``
    """
    return Response(body, media_type="application/xml",
                    headers={"X-Message-Type": message_type})
