"""The translation gateway: ISO 20022 XML <-> JSON records over HTTP (Starlette + uvicorn).

- ``create_app(config)`` -> the ASGI app (:mod:`iso20022.gateway.app`);
- ``GatewayConfig`` (limits, hashed API keys and their scopes), ``hash_key``, ``new_key``;
- ``records_to_xml(transfers, message_id)``: the library form of ``/v1/messages``;
- ``openapi_document()``: the OpenAPI 3.1 document with the records' JSON Schemas;
- ``serve(...)``: run it under uvicorn (the ``iso20022 serve`` command).

Needs the ``gateway`` extra (starlette, uvicorn, prometheus-client).

Example:
    >>> from iso20022.gateway import GatewayConfig, create_app
    >>> app = create_app(GatewayConfig(auth_off=True))
"""

from __future__ import annotations

from ._messages import records_to_xml
from .app import API_KEY_HEADER, create_app
from .config import SCOPES, ApiKey, GatewayConfig, GatewayConfigError, hash_key, new_key
from .openapi import openapi_document
from .serve import serve

__all__ = [
    "API_KEY_HEADER",
    "SCOPES",
    "ApiKey",
    "GatewayConfig",
    "GatewayConfigError",
    "create_app",
    "hash_key",
    "new_key",
    "openapi_document",
    "records_to_xml",
    "serve",
]
