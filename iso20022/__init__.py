"""iso20022: a high-throughput ISO 20022 payment-message pipeline.

The public surface (fits on one screen):

- ``parse(source, /, *, message=None, limits=DEFAULT_LIMITS)`` -> iterator of ``Transfer``
- ``detect(source, /)`` -> ``Detected`` (message id, envelope, AppHdr version)
- ``validate(source, /, *, rules="generic", ...)`` -> ``MessageVerdict`` (XSD, business
  rules, a rule set; ``iso20022.validation``), ``iso20022.build.status.status_report(verdict)``
- ``Transfer`` and its parts (``iso20022.records``), JSON via ``Transfer.to_json`` /
  ``Transfer.from_json`` (``iso20022.jsonio``)
- ``MessageId``, ``Limits``, the errors (``iso20022.errors``)
- ``IMPLEMENTATION``: ``"compiled"`` or ``"python"``, which implementation runs

Example:
    >>> import iso20022
    >>> iso20022.IMPLEMENTATION in ("compiled", "python")
    True
"""

from __future__ import annotations

from ._impl import FALLBACK_REASON, IMPLEMENTATION
from .catalog import Detected, detect, supported_messages
from .errors import (
    InvalidValueError,
    Iso20022Error,
    LimitExceededError,
    ParseError,
    SchemaError,
    UnsafeXMLError,
    UnsupportedMessageError,
)
from .limits import DEFAULT_LIMITS, Limits
from .msgid import MessageId
from .parse import parse
from .records import Transfer
from .validation import validate

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LIMITS",
    "FALLBACK_REASON",
    "IMPLEMENTATION",
    "Detected",
    "InvalidValueError",
    "Iso20022Error",
    "LimitExceededError",
    "Limits",
    "MessageId",
    "ParseError",
    "SchemaError",
    "Transfer",
    "UnsafeXMLError",
    "UnsupportedMessageError",
    "__version__",
    "detect",
    "parse",
    "supported_messages",
    "validate",
]
