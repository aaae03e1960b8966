"""Status reports: a pain.002 or pacs.002 document built from a validation verdict.

A :class:`~iso20022.validation.verdict.MessageVerdict` is exactly what a status
report says; :func:`status_report` writes it in the report version that goes
with the original message (:func:`report_version_for`) or the one asked for.

What a report holds:

* ``GrpHdr``: ``MsgId`` (:func:`report_message_id`: deterministic, so a retry
  writes the same report), ``CreDtTm`` (``created``, default now in UTC), and
  the reporting party from ``sender``: ``InitgPty`` (pain.002) or ``InstgAgt``
  (pacs.002), as a BIC when ``sender`` is one in the version's BIC form,
  otherwise as a name; a pacs.002 also names the original sender as
  ``InstdAgt`` when the verdict's sender is a BIC.
* ``OrgnlGrpInfAndSts``: the original MsgId, message name, CreDtTm, NbOfTxs
  and CtrlSum as declared (the CtrlSum text exactly as the value was written:
  ``1000.10`` stays ``1000.10``), ``GrpSts``, one ``StsRsnInf`` per
  message-level issue, and ``NbOfTxsPerSts`` (accepted and rejected counts;
  every transaction counts as rejected when the group is).
* pain.002: one ``OrgnlPmtInfAndSts`` per payment information block that has
  issues of its own, rejected transactions, or a status other than the
  group's, each with its ``TxInfAndSts``; pacs.002: ``TxInfAndSts`` directly.
* ``TxInfAndSts`` per rejected transaction: ``OrgnlInstrId``,
  ``OrgnlEndToEndId``, ``OrgnlTxId`` (pacs), ``OrgnlUETR`` (versions that
  have it), ``TxSts`` ``RJCT``, one ``StsRsnInf`` per issue, and the original
  amount in ``OrgnlTxRef`` (``Amt/InstdAmt`` in a pain.002,
  ``IntrBkSttlmAmt`` in a pacs.002).
* ``StsRsnInf``: ``Rsn/Cd`` with the issue's ExternalStatusReason1Code (a code
  longer than four characters goes to ``Rsn/Prtry``) and ``AddtlInf``: the
  issue's text followed by ``[line N, path]``, split into pieces of at most
  105 characters that concatenate back to the whole.

Every report is valid against its official XSD: values that cannot be
represented in their XSD type are left out rather than written invalid
(a malformed UETR, an amount with a negative sign or six decimals, a CtrlSum
of more than 18 digits), texts longer than their type are cut (``Max35Text``
ids to 35 characters), and characters XML cannot carry become U+FFFD.
Mandatory references that are unknown because the input could not be read
are written as ``UNKNOWN``: ``OrgnlMsgId`` is the original MsgId, else the
input's file name (its last path component, cut to 35 characters), else
``UNKNOWN``; ``OrgnlMsgNmId`` is the original message id, else ``UNKNOWN``;
a rejected pain transaction whose payment information block is unknown is
reported under ``OrgnlPmtInfId`` ``UNKNOWN``.

Example:
    >>> report_version_for("pain.001.001.09")
    'pain.002.001.10'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Final

from lxml import etree

from ..errors import ReportError
from ..msgid import MessageId
from ..validation.verdict import (
    Issue,
    MessageVerdict,
    PaymentVerdict,
    Status,
    TransactionVerdict,
)
from ._status_xml import (
    LAYOUTS,
    Layout,
    chunks,
    document,
    fit_amount,
    fit_bic,
    fit_count,
    fit_datetime,
    fit_decimal,
    fit_text,
    fit_uetr,
    sub,
)

__all__ = [
    "REPORT_VERSIONS",
    "UNKNOWN",
    "UNREADABLE_REPORT_VERSION",
    "report_message_id",
    "report_version_for",
    "status_report",
]

REPORT_VERSIONS: Final = tuple(LAYOUTS)
"""Every report version :func:`status_report` writes (each checked against its official XSD)."""

UNKNOWN: Final = "UNKNOWN"
"""The text of a mandatory reference the input did not let us read."""

UNREADABLE_REPORT_VERSION: Final = "pain.002.001.03"
"""The report version for an input whose message type is unknown (the most widely read)."""

# The report generation that answers each original version; when that report
# version is not one of REPORT_VERSIONS the nearest one is used (ties: the older).
_NATURAL: Final[dict[str, dict[int, int]]] = {
    # pain.001.001.03-.08 are all answered with pain.002.001.03, the version
    # of the SEPA and CGI implementation guides; then one generation each.
    "pain.001": {1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 3,
                 9: 10, 10: 11, 11: 12, 12: 14, 13: 15},
    "pain.008": {1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 10, 9: 11, 10: 12, 11: 14},
    "pacs.008": {1: 3, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 10, 9: 11, 10: 12, 11: 13,
                 12: 14, 13: 15},
}
_REPORT_FAMILY: Final = {"pain.001": "pain.002", "pain.008": "pain.002", "pacs.008": "pacs.002"}
_ID_LENGTH: Final = 35
_HASH_HEX: Final = 30  # "RJCT-" + 30 hex digits = 35 characters


def report_version_for(message_type: str | MessageId | None) -> str:
    """The status report version that answers a message of ``message_type``.

    Takes the original message id (``pain.001.001.09``, a namespace or a
    :class:`~iso20022.msgid.MessageId`), or None when the input could not be
    read. Returns a member of :data:`REPORT_VERSIONS`: pain.001.001.03-.08 ->
    pain.002.001.03, .09 -> .10, .10 -> .11, .11 -> .12, .12 -> .14, .13 ->
    .15; pain.008 likewise (.02-.07 -> .03, .08 -> .10, .09 -> .11, .10 ->
    .12); pacs.008.001.02 -> pacs.002.001.03, .08 -> .10, .09 -> .11, .10 ->
    .12, .12 -> .14, and otherwise the pacs.002 of the same generation, or
    the nearest version in :data:`REPORT_VERSIONS` (the older on a tie);
    None -> :data:`UNREADABLE_REPORT_VERSION`. Raises
    :class:`~iso20022.errors.ReportError` for a malformed id or a message
    family without a status report (pass ``version=`` to
    :func:`status_report` instead).

    Example: ``report_version_for("pacs.008.001.08") == "pacs.002.001.10"``.
    """
    if message_type is None:
        return UNREADABLE_REPORT_VERSION
    mid = _message_id(message_type)
    family = _REPORT_FAMILY.get(mid.family)
    if family is None:
        raise ReportError(f"no status report is defined for {mid}; pass version= explicitly")
    table = _NATURAL[mid.family]
    last = max(table)  # past the table: the same distance as its last entry
    natural = table.get(mid.version, mid.version + table[last] - last)
    known = sorted(int(v.rsplit(".", 1)[1]) for v in LAYOUTS if v.startswith(family))
    best = min(known, key=lambda v: (abs(v - natural), v))
    return f"{family}.001.{best:02d}"


def report_message_id(verdict: MessageVerdict, *, version: str | MessageId | None = None,
                      sender: str | None = None) -> str:
    """The deterministic ``GrpHdr/MsgId`` of the report on ``verdict``.

    Takes the verdict, the report version (as :func:`status_report` does) and
    the reporting party. Returns 35 characters: the group status, ``-`` and
    30 hex digits of a BLAKE2b digest of the report version, ``sender`` and
    the verdict's whole content (its file name only when the original MsgId
    is unknown), so the same verdict always gets the same id and any
    difference in content a different one. Raises
    :class:`~iso20022.errors.ReportError` as :func:`status_report` does for
    the version.

    Example: ``report_message_id(verdict).startswith("PART-")``.
    """
    report = _report_version(verdict, version)
    content = verdict.as_dict()
    if verdict.message_id is not None:
        content.pop("file", None)  # the same message read from another path is the same report
    # json, not orjson: texts read from a broken input may hold lone surrogates.
    payload = json.dumps({"report": report, "sender": sender or "", "verdict": content},
                         sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()
    digest = hashlib.blake2b(payload, digest_size=_HASH_HEX // 2).hexdigest()
    return f"{verdict.status}-{digest}"


def status_report(verdict: MessageVerdict, *, version: str | MessageId | None = None,
                  message_id: str | None = None, created: datetime | None = None,
                  sender: str | None = None) -> bytes:
    """The pain.002 / pacs.002 status report on ``verdict``, as an XML document.

    Takes the verdict; ``version``: the report version (default
    :func:`report_version_for` of the verdict's message type; a pain input
    needs a pain.002 and a pacs input a pacs.002); ``message_id``: the
    report's MsgId (default :func:`report_message_id`); ``created``: its
    CreDtTm (default now, UTC, whole seconds; pass it for byte-identical
    reports); ``sender``: the reporting party, a BIC or a name. Returns the
    document as UTF-8 bytes with an XML declaration, valid against the
    version's official XSD (the module docstring says what it holds).
    Raises :class:`~iso20022.errors.ReportError` for an unknown or
    mismatched version or a ``message_id`` that is not 1-35 characters.

    Example: ``status_report(verdict, created=datetime(2026, 11, 25, tzinfo=UTC))``.
    """
    report = _report_version(verdict, version)
    layout = LAYOUTS[report]
    msg_id = message_id if message_id is not None else report_message_id(
        verdict, version=report, sender=sender)
    if not 0 < len(msg_id) <= _ID_LENGTH or fit_text(msg_id, _ID_LENGTH) != msg_id:
        raise ReportError(f"report MsgId must be 1-35 XML characters, not {msg_id!r}")
    when = created if created is not None else datetime.now(UTC).replace(microsecond=0)
    body = etree.Element(layout.root)
    _group_header(body, layout, msg_id, when, sender or None, verdict)
    rejected = _rejected(verdict)
    _original_group(body, layout, verdict, rejected)
    if layout.is_pain:
        for payment, transactions in _payment_blocks(verdict, rejected):
            _payment(body, layout, verdict, payment, transactions)
    else:
        for tx in rejected:
            _transaction(body, layout, tx)
    return document(MessageId.parse(report).namespace, body)


def _message_id(value: str | MessageId) -> MessageId:
    if isinstance(value, MessageId):
        return value
    try:
        return MessageId.parse(value)
    except ValueError as exc:
        raise ReportError(f"not an ISO 20022 message id: {value!r}") from exc


def _report_version(verdict: MessageVerdict, version: str | MessageId | None) -> str:
    if version is None:
        return report_version_for(verdict.message_type)
    report = str(_message_id(version))
    if report not in LAYOUTS:
        raise ReportError(
            f"cannot write a {report} status report; known versions: {', '.join(LAYOUTS)}")
    try:  # an original type that is not even an id does not stop an explicit report
        original = MessageId.parse(verdict.message_type or "")
    except ValueError:
        return report
    family = _REPORT_FAMILY.get(original.family)
    if family is not None and not report.startswith(family):
        raise ReportError(f"a {verdict.message_type} message is answered with a {family}"
                          f" status report, not {report}")
    return report


def _party(parent: etree._Element, tag: str, layout: Layout, who: str) -> None:
    """``InitgPty`` (pain) or an agent (pacs) naming ``who``: its BIC, else its name."""
    element = sub(parent, tag)
    bic = fit_bic(who, layout.bic_pattern)
    if layout.is_pain:
        if bic is not None:
            sub(sub(sub(element, "Id"), "OrgId"), layout.bic_tag, bic)
        else:
            sub(element, "Nm", fit_text(who, 140))
    else:
        institution = sub(element, "FinInstnId")
        if bic is not None:
            sub(institution, layout.bic_tag, bic)
        else:
            sub(institution, "Nm", fit_text(who, 140))


def _group_header(body: etree._Element, layout: Layout, msg_id: str, created: datetime,
                  sender: str | None, verdict: MessageVerdict) -> None:
    header = sub(body, "GrpHdr")
    sub(header, "MsgId", msg_id)
    sub(header, "CreDtTm", fit_datetime(created))
    if layout.is_pain:
        if sender is not None:
            _party(header, "InitgPty", layout, sender)
        return
    if sender is not None:
        _party(header, "InstgAgt", layout, sender)
    original = fit_bic(verdict.sender or None, layout.bic_pattern)
    if original is not None:
        _party(header, "InstdAgt", layout, original)


def _original_message_id(verdict: MessageVerdict) -> str:
    found = fit_text(verdict.message_id, _ID_LENGTH)
    if found is None and verdict.file:
        found = fit_text(PurePath(verdict.file).name, _ID_LENGTH)
    return found or UNKNOWN


def _counts(parent: etree._Element, status: Status, seen: int, rejected: int,
            accepted_status: Status) -> None:
    """``NbOfTxsPerSts``: how many transactions have each status (none when none were seen)."""
    if seen <= 0:
        return
    if status is Status.RJCT:
        rows = [(seen, Status.RJCT)]
    else:
        rows = [(seen - rejected, accepted_status), (min(rejected, seen), Status.RJCT)]
    for count, detailed in rows:
        text = fit_count(count)
        if count > 0 and text is not None:
            row = sub(parent, "NbOfTxsPerSts")
            sub(row, "DtldNbOfTxs", text)
            sub(row, "DtldSts", str(detailed))


def _original_group(body: etree._Element, layout: Layout, verdict: MessageVerdict,
                    rejected: list[TransactionVerdict]) -> None:
    group = sub(body, "OrgnlGrpInfAndSts")
    sub(group, "OrgnlMsgId", _original_message_id(verdict))
    sub(group, "OrgnlMsgNmId", fit_text(verdict.message_type, _ID_LENGTH) or UNKNOWN)
    if verdict.creation_date_time is not None:
        sub(group, "OrgnlCreDtTm", fit_datetime(verdict.creation_date_time))
    _optional(group, "OrgnlNbOfTxs", fit_count(verdict.number_of_transactions))
    _optional(group, "OrgnlCtrlSum", fit_decimal(verdict.control_sum))
    status = verdict.status
    sub(group, "GrpSts", str(status))
    _reasons(group, verdict.issues)
    _counts(group, status, verdict.transactions_seen, _rejected_count(verdict, rejected),
            verdict.accepted_status)


def _rejected(verdict: MessageVerdict) -> list[TransactionVerdict]:
    """Every rejected transaction once, in document order (the verdict's and its payments')."""
    found: dict[int, TransactionVerdict] = {}
    for tx in verdict.rejected:
        found.setdefault(tx.index, tx)
    for payment in verdict.payments:
        for tx in payment.rejected:
            found.setdefault(tx.index, tx)
    return [found[index] for index in sorted(found)]


def _payment_status(verdict: MessageVerdict, payment: PaymentVerdict, rejected: int) -> Status:
    if verdict.issues or payment.issues:
        return Status.RJCT
    if rejected and rejected >= payment.transactions_seen:
        return Status.RJCT
    return Status.PART if rejected else verdict.accepted_status


def _rejected_count(verdict: MessageVerdict, rejected: list[TransactionVerdict]) -> int:
    """Rejected transactions, counting every one of a payment block rejected as a whole."""
    count = len(rejected)
    for payment in verdict.payments:
        if payment.issues:
            listed = sum(1 for tx in rejected if tx.payment_index == payment.index)
            count += max(payment.transactions_seen - listed, 0)
    return count


def _payment_blocks(verdict: MessageVerdict, rejected: list[TransactionVerdict]
                    ) -> list[tuple[PaymentVerdict | None, list[TransactionVerdict]]]:
    """The (payment, its rejected transactions) blocks a pain.002 reports, in order."""
    by_index: dict[int | None, list[TransactionVerdict]] = {}
    for tx in rejected:
        by_index.setdefault(tx.payment_index, []).append(tx)
    group = verdict.status
    blocks: list[tuple[PaymentVerdict | None, list[TransactionVerdict]]] = []
    for payment in sorted(verdict.payments, key=lambda p: p.index):
        transactions = by_index.pop(payment.index, [])
        status = _payment_status(verdict, payment, len(transactions))
        if payment.issues or transactions or status is not group:
            blocks.append((payment, transactions))
    # Rejected transactions whose block the verdict does not describe.
    orphans = sorted(by_index.items(), key=lambda item: (item[0] is None, item[0] or 0))
    blocks.extend((None, transactions) for _, transactions in orphans)
    return blocks


def _payment(body: etree._Element, layout: Layout, verdict: MessageVerdict,
             payment: PaymentVerdict | None, transactions: list[TransactionVerdict]) -> None:
    block = sub(body, "OrgnlPmtInfAndSts")
    if payment is None:
        sub(block, "OrgnlPmtInfId", UNKNOWN)
    else:
        sub(block, "OrgnlPmtInfId", fit_text(payment.payment_information_id, _ID_LENGTH)
            or UNKNOWN)
        _optional(block, "OrgnlNbOfTxs", fit_count(payment.number_of_transactions))
        _optional(block, "OrgnlCtrlSum", fit_decimal(payment.control_sum))
        status = _payment_status(verdict, payment, len(transactions))
        sub(block, "PmtInfSts", str(status))
        _reasons(block, payment.issues)
        rejected = payment.transactions_seen if payment.issues else len(transactions)
        _counts(block, status, payment.transactions_seen, rejected, verdict.accepted_status)
    for tx in transactions:
        _transaction(block, layout, tx)


def _transaction(parent: etree._Element, layout: Layout, tx: TransactionVerdict) -> None:
    element = sub(parent, "TxInfAndSts")
    _optional(element, "OrgnlInstrId", fit_text(tx.instruction_id, _ID_LENGTH))
    _optional(element, "OrgnlEndToEndId", fit_text(tx.end_to_end_id, _ID_LENGTH))
    if not layout.is_pain:
        _optional(element, "OrgnlTxId", fit_text(tx.transaction_id, _ID_LENGTH))
    if layout.has_uetr:
        _optional(element, "OrgnlUETR", fit_uetr(tx.uetr))
    sub(element, "TxSts", str(Status.RJCT))
    _reasons(element, tx.issues)
    amount = fit_amount(tx.amount.amount, tx.amount.currency) if tx.amount else None
    if amount is not None:
        reference = sub(element, "OrgnlTxRef")
        if layout.is_pain:
            sub(sub(reference, "Amt"), "InstdAmt", amount[0], Ccy=amount[1])
        else:
            sub(reference, "IntrBkSttlmAmt", amount[0], Ccy=amount[1])


def _describe(issue: Issue) -> str:
    """The additional information text of ``issue``: its text, then ``[line N, path]``."""
    where = [f"line {issue.line}"] if issue.line is not None else []
    if issue.path:
        where.append(issue.path)
    location = f" [{', '.join(where)}]" if where else ""
    return f"{issue.text}{location}"


def _reasons(parent: etree._Element, issues: Iterable[Issue]) -> None:
    """One ``StsRsnInf`` per issue: ``Rsn/Cd`` (or ``Rsn/Prtry``) and ``AddtlInf`` pieces."""
    for issue in issues:
        info = sub(parent, "StsRsnInf")
        code = fit_text(issue.code, _ID_LENGTH)
        if code is not None:
            sub(sub(info, "Rsn"), "Cd" if len(code) <= 4 else "Prtry", code)
        for piece in chunks(_describe(issue)):
            sub(info, "AddtlInf", piece)


def _optional(parent: etree._Element, tag: str, text: str | None) -> None:
    if text is not None:
        sub(parent, tag, text)
