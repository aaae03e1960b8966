"""Hand-written xsdata binding for the ``<Envelope>`` around a pacs.008.001.08 message.

``iso20022.synth.pacs008(envelope=True)`` wraps the ``Document`` with a
head.001.001.02 ``AppHdr`` in an un-namespaced ``<Envelope>``, which no schema
defines. The head.001 schema is not in ``schemas/``, so the AppHdr is bound as a
wildcard (xsdata builds a generic ``AnyElement`` tree for it) and the Document
with the generated pacs.008.001.08 bindings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .pacs008_08 import Document as Pacs008Document

HEAD_001_001_02 = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"


@dataclass(kw_only=True)
class Pacs008Envelope:
    """``<Envelope><AppHdr/><Document/></Envelope>`` with a pacs.008.001.08 Document."""

    class Meta:
        name = "Envelope"

    app_hdr: object | None = field(
        default=None,
        metadata={"type": "Wildcard", "namespace": HEAD_001_001_02},
    )
    document: Pacs008Document = field(
        metadata={
            "name": "Document",
            "type": "Element",
            "namespace": "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08",
        }
    )
