"""Building ISO 20022 documents from records and verdicts.

- :mod:`iso20022.build.status`: pain.002 / pacs.002 status reports from validation verdicts;
- :mod:`iso20022.build.pacs008`: pacs.008.001.08 (with a head.001.001.02 AppHdr, one
  transaction each) and pacs.008.001.02 bulk messages from pain.001 transfers;
- :mod:`iso20022.build.plan`: routed transfers -> settlement deliveries.

Example:
    >>> from iso20022.build import report_version_for, uetr_for
    >>> report_version_for("pacs.008.001.08")
    'pacs.002.001.10'
    >>> len(uetr_for("k"))
    36
"""

from __future__ import annotations

from .pacs008 import Outbound, build_bulk, build_single, outbound_id, uetr_for
from .plan import plan
from .status import (
    REPORT_VERSIONS,
    report_message_id,
    report_version_for,
    status_report,
)

__all__ = [
    "REPORT_VERSIONS",
    "Outbound",
    "build_bulk",
    "build_single",
    "outbound_id",
    "plan",
    "report_message_id",
    "report_version_for",
    "status_report",
    "uetr_for",
]
