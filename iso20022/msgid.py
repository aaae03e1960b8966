"""ISO 20022 message identifiers: ``pacs.008.001.08`` as a value.

A message is identified by its full id, parsed from the namespace
``urn:iso:std:iso:20022:tech:xsd:<id>`` (never from a file name).

Example:
    >>> MessageId.parse("pacs.008.001.08").version
    8
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["ISO_NAMESPACE_PREFIX", "MessageId"]

ISO_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"

_ID_RE = re.compile(r"([a-z]{4})\.(\d{3})\.(\d{3})\.(\d{2})")
# Namespace -> its id, for the namespaces already read (well-formed ids only, so
# bounded by what the inputs name, and capped): detection runs per message.
_BY_NAMESPACE: dict[str, MessageId] = {}
_BY_NAMESPACE_MAX = 1024


class MessageId(NamedTuple):
    """``area.functionality.variant.version``, e.g. ``pacs.008.001.08``."""

    area: str
    functionality: int
    variant: int
    version: int

    @classmethod
    def parse(cls, text: str) -> MessageId:
        """Parse ``pacs.008.001.08`` or a full ISO namespace; raise ``ValueError`` otherwise."""
        if text.startswith(ISO_NAMESPACE_PREFIX):
            text = text[len(ISO_NAMESPACE_PREFIX) :]
        match = _ID_RE.fullmatch(text)
        if match is None:
            raise ValueError(f"not an ISO 20022 message id: {text!r}")
        area, functionality, variant, version = match.groups()
        return cls(area, int(functionality), int(variant), int(version))

    @classmethod
    def from_namespace(cls, namespace: str) -> MessageId | None:
        """The id of an ISO namespace, or None when ``namespace`` is not one."""
        known = _BY_NAMESPACE.get(namespace)
        if known is not None:
            return known
        if not namespace.startswith(ISO_NAMESPACE_PREFIX):
            return None
        try:
            found = cls.parse(namespace)
        except ValueError:
            return None
        if cls is MessageId and len(_BY_NAMESPACE) < _BY_NAMESPACE_MAX:
            _BY_NAMESPACE[namespace] = found
        return found

    @property
    def family(self) -> str:
        """``pacs.008``: the message without variant and version."""
        return f"{self.area}.{self.functionality:03d}"

    @property
    def namespace(self) -> str:
        """The XML namespace of the Document of this message."""
        return ISO_NAMESPACE_PREFIX + str(self)

    def __str__(self) -> str:
        return f"{self.area}.{self.functionality:03d}.{self.variant:03d}.{self.version:02d}"
