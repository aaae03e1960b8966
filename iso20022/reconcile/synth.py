"""Synthetic camt.053 / camt.054 documents from settled transfers, with injected differences.

Contract: :func:`write_statement` writes one camt.053 statement (``Stmt``) or
camt.054 notification (``Ntfctn``) of a supported version (:data:`VERSIONS`)
for one account: one booked ``Ntry`` per transfer, a debit when ``side`` is
``DBIT`` (the account is the debtor) and a credit when it is ``CRDT``, carrying
the transfer's references (``NtryDtls/TxDtls/Refs``: MsgId, AcctSvcrRef,
PmtInfId, EndToEndId, UETR where the version has it, TxId = the transfer key),
then changed as a :class:`Differences` says.  Every document validates against
the official XSD of its version; the output is a pure function of the
arguments (the same arguments give the same bytes).

Streaming: entries are rendered as the transfers are iterated and go to a
spool (in memory up to 1 MiB, then a temporary file beside the target), because
the balances and the transaction summary, which the schema places before the
entries, are known only once the last entry is written; then header, spool and
trailer go to the target.  Memory stays constant whatever the number of
transfers; only the members of a batch booking are held, until their batch
entry is written.  Balances add up: closing (``CLBD``) = opening (``OPBD``) +
credits - debits of the entries actually written, in ``Decimal``.  camt.054 has
no balances; its :class:`WrittenStatement` still reports the sums.

Entry order: the transfers' entries in input order, each return right after its
transfer's place, then the batch entries (in :attr:`Differences.batches`
order), then the extra entries.

What :func:`~iso20022.reconcile.match.match` reports for each difference (the
transfers having a UETR or an EndToEndId, default options unless said):

==============================  ===========================================================
``missing``                     the transfer in ``unmatched_ledger``
``amounts``                     a ``Break("amount", ...)`` with both amounts
``value_date_shifts``           a ``Break("date", ...)``; with ``value_date_days`` >= the
                                shift, a ``value_date_tolerance`` match
``charges``                     a ``charges`` match (entry amount + ``TtlChrgsAndTaxAmt``)
``returns``                     a :class:`~iso20022.reconcile.match.Return` with the reason
``batches``                     a ``batch`` match naming every member, or an amount break
                                when :attr:`BatchBooking.amount` is not their sum
``extras``                      the entry in ``unmatched_statement``
==============================  ===========================================================

Example:
    >>> write_statement("stmt.xml", make_transfers(10), account_iban="DE89370400440532013000",
    ...                 currency="EUR", message_id="M1", statement_id="S1",
    ...                 booking_date=date(2026, 12, 1)).entries  # doctest: +SKIP
    10
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, BinaryIO, Final

from .._synth_data import _CCY
from .match import LedgerTransfer

__all__ = [
    "VERSIONS",
    "BatchBooking",
    "Differences",
    "ExtraEntry",
    "Injected",
    "ReturnedTransfer",
    "WrittenStatement",
    "main",
    "make_transfers",
    "write_statement",
]

VERSIONS: Final = ("camt.053.001.02", "camt.053.001.08", "camt.054.001.02", "camt.054.001.08")
"""The versions :func:`write_statement` writes (those the statement parser reads)."""

_NS: Final = "urn:iso:std:iso:20022:tech:xsd:"
_SIDES: Final = ("DBIT", "CRDT")
_IBAN_RE: Final = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")
_CCY_RE: Final = re.compile(r"[A-Z]{3}")
_SPOOL_BYTES: Final = 1 << 20  # spooled in memory up to this size, then on disk
_FLUSH_PARTS: Final = 512  # rendered entries buffered before they go to the spool (~0.5 MB)
_ZERO: Final = Decimal(0)


# -- the differences -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnedTransfer:
    """A return of a transfer: an extra entry with the opposite indicator.

    The entry names the transfer's references (``TxDtls/Refs``) and carries
    ``TxDtls/RtrInf/Rsn/Cd`` (``reason``) and/or ``RvslInd`` true (``reversal``).
    """

    transfer_key: str
    reason: str | None = "AC04"  # RtrInf/Rsn/Cd (ExternalReturnReason1Code), None: no RtrInf
    reversal: bool = False  # RvslInd true
    amount: Decimal | None = None  # the returned amount; None: the transfer's amount

    def __post_init__(self) -> None:
        if self.reason is None and not self.reversal:
            raise ValueError(f"return of {self.transfer_key}: needs a reason or reversal=True")
        if self.reason is not None and not 1 <= len(self.reason) <= 4:
            raise ValueError(f"return of {self.transfer_key}: reason code {self.reason!r} "
                             "is not 1 to 4 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchBooking:
    """One entry for a whole PmtInf (``pmt_inf_id``) or message (``pmt_inf_id`` None).

    The members are the transfers whose ``msg_id`` (and ``pmt_inf_id``) match;
    the entry carries ``NtryDtls/Btch`` (MsgId, PmtInfId, NbOfTxs, TtlAmt) and,
    when ``details``, one ``TxDtls`` per member.
    """

    msg_id: str
    pmt_inf_id: str | None = None  # None: every transfer of the message
    details: bool = True  # one TxDtls per member, or none
    amount: Decimal | None = None  # the entry's amount; None: the members' sum


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtraEntry:
    """An entry on the statement only (no transfer): ``reference`` is its AcctSvcrRef and
    ``TxDtls/Refs/EndToEndId``."""

    reference: str
    amount: Decimal
    credit_debit: str = "CRDT"
    value_date: date | None = None  # None: the booking date

    def __post_init__(self) -> None:
        if self.credit_debit not in _SIDES:
            raise ValueError(f"extra entry {self.reference}: credit_debit must be CRDT or DBIT")


@dataclass(frozen=True, slots=True, kw_only=True)
class Differences:
    """What the statement gets wrong, on purpose, by transfer key.

    A transfer takes at most one of ``missing``, ``amounts``,
    ``value_date_shifts``, ``charges`` and batch membership (:class:`ValueError`
    otherwise); a return may name any transfer.  Every key named must be among
    the transfers written.

    Example: ``Differences(missing={"T1"}, amounts={"T2": Decimal("9.99")})``
    """

    missing: Collection[str] = ()  # transfers left off the statement
    amounts: Mapping[str, Decimal] = field(default_factory=dict)  # key -> the entry's amount
    value_date_shifts: Mapping[str, int] = field(default_factory=dict)  # key -> days added
    charges: Mapping[str, Decimal] = field(default_factory=dict)  # key -> charges deducted
    returns: Sequence[ReturnedTransfer] = ()
    batches: Sequence[BatchBooking] = ()
    extras: Sequence[ExtraEntry] = ()

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for name, keys in (("missing", self.missing), ("amounts", self.amounts),
                           ("value_date_shifts", self.value_date_shifts),
                           ("charges", self.charges)):
            for key in keys:
                if seen.setdefault(key, name) != name:
                    raise ValueError(f"transfer {key} is in both {seen[key]} and {name}")
        returned = [r.transfer_key for r in self.returns]
        if len(set(returned)) != len(returned):
            raise ValueError("a transfer is returned twice")
        batches = [(b.msg_id, b.pmt_inf_id) for b in self.batches]
        for msg, pmt in batches:
            if batches.count((msg, pmt)) > 1 or (pmt is not None and (msg, None) in batches):
                raise ValueError(f"batch bookings of message {msg} overlap")

    def keys(self) -> frozenset[str]:
        """Every transfer key named (batch members are found by MsgId / PmtInfId)."""
        return frozenset((*self.missing, *self.amounts, *self.value_date_shifts,
                          *self.charges, *(r.transfer_key for r in self.returns)))


# -- what was written ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Injected:
    """One difference as written: its kind, its entry and the transfers it concerns."""

    kind: str  # missing, amount, value_date, charges, return, batch, extra
    entry_ref: str | None  # MsgId/Stmt-Id/position, as match.entry_ref; None for missing
    transfer_keys: tuple[str, ...]  # () for an extra entry


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenStatement:
    """What :func:`write_statement` wrote."""

    message_type: str  # e.g. camt.053.001.08
    message_id: str  # GrpHdr/MsgId
    statement_id: str  # Stmt/Id or Ntfctn/Id
    entries: int  # Ntry written (TxsSummry/TtlNtries/NbOfNtries)
    credit_entries: int  # TxsSummry/TtlCdtNtries/NbOfNtries
    debit_entries: int  # TxsSummry/TtlDbtNtries/NbOfNtries
    credits: Decimal  # TxsSummry/TtlCdtNtries/Sum
    debits: Decimal  # TxsSummry/TtlDbtNtries/Sum
    opening_balance: Decimal  # Bal OPBD, signed (camt.053 only)
    closing_balance: Decimal  # Bal CLBD, signed: opening + credits - debits
    size: int  # bytes written
    injected: tuple[Injected, ...]  # in entry order, the missing ones first

    def entry_ref(self, index: int) -> str:
        """The reference match gives the entry at 0-based ``index``: ``MsgId/Stmt-Id/index``."""
        return f"{self.message_id}/{self.statement_id}/{index}"


# -- rendering -------------------------------------------------------------------------------


def _x(text: str) -> str:
    """Escape element text."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _id(text: str, what: str) -> str:
    """A Max35Text identifier, escaped."""
    if not 1 <= len(text) <= 35:
        raise ValueError(f"{what} {text!r} is not 1 to 35 characters (Max35Text)")
    return _x(text)


def _amt(value: Decimal) -> str:
    """An ActiveOrHistoricCurrencyAndAmount value: not negative, no exponent."""
    if value < _ZERO:
        raise ValueError(f"negative entry amount {value}")
    return format(value, "f")


def _is_iban(text: str) -> bool:
    return _IBAN_RE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class _Version:
    message_id: str
    root: str  # BkToCstmrStmt or BkToCstmrDbtCdtNtfctn
    scope: str  # Stmt or Ntfctn
    balances: bool  # camt.053: Bal OPBD / CLBD
    new: bool  # 2019 generation (.08): Sts/Cd, TxDtls/Amt, Refs/UETR, Dbtr/Pty, Chrgs/Rcrd


def _version(message_id: str) -> _Version:
    if message_id not in VERSIONS:
        raise ValueError(f"unsupported version {message_id!r} (supported: {', '.join(VERSIONS)})")
    statement = message_id.startswith("camt.053")
    return _Version(message_id, "BkToCstmrStmt" if statement else "BkToCstmrDbtCdtNtfctn",
                    "Stmt" if statement else "Ntfctn", statement, message_id.endswith(".08"))


@dataclass(slots=True)
class _Tx:
    """One TxDtls to render."""

    refs: str  # the rendered Refs element ("" for none)
    amount: Decimal
    credit_debit: str
    instructed: Decimal | None = None  # AmtDtls/InstdAmt (charges deducted)
    parties: str = ""  # the rendered RltdPties element
    reason: str | None = None  # RtrInf/Rsn/Cd


class _Writer:
    """Renders entries into a spool and keeps the sums the header needs."""

    def __init__(self, spool: IO[bytes], version: _Version, currency: str, message_id: str,
                 statement_id: str, booking_date: date, parties: bool, pretty: bool) -> None:
        self.spool = spool
        self.v = version
        self.message_id = message_id
        self.statement_id = statement_id
        self.parties = parties
        self.currency = currency
        self.amt_open = f'<Amt Ccy="{currency}">'
        self.booking = booking_date.isoformat()
        self.status = "<Sts><Cd>BOOK</Cd></Sts>" if version.new else "<Sts>BOOK</Sts>"
        self.ind = tuple(("\n" + "  " * d) if pretty else "" for d in range(12))
        self.ref_prefix = statement_id[:20]
        self.parts: list[str] = []
        self.entries = 0
        self.credit_entries = 0
        self.debit_entries = 0
        self.credits = _ZERO
        self.debits = _ZERO
        self.dates: dict[date, str] = {}

    def flush(self) -> None:
        if self.parts:
            self.spool.write("".join(self.parts).encode("utf-8"))
            self.parts.clear()

    def ref(self, index: int) -> str:
        return f"{self.message_id}/{self.statement_id}/{index}"

    def day(self, value: date) -> str:
        text = self.dates.get(value)
        if text is None:
            if len(self.dates) > 1024:
                self.dates.clear()
            text = self.dates[value] = value.isoformat()
        return text

    # -- pieces ------------------------------------------------------------------------------

    def refs(self, t: LedgerTransfer) -> str:
        """The Refs of a transfer's TxDtls (depth 6)."""
        i = self.ind[7]
        out = [self.ind[6], "<Refs>"]
        if t.msg_id:
            out.append(f"{i}<MsgId>{_id(t.msg_id, 'MsgId')}</MsgId>")
        if t.acct_svcr_ref:
            out.append(f"{i}<AcctSvcrRef>{_id(t.acct_svcr_ref, 'AcctSvcrRef')}</AcctSvcrRef>")
        if t.pmt_inf_id:
            out.append(f"{i}<PmtInfId>{_id(t.pmt_inf_id, 'PmtInfId')}</PmtInfId>")
        if t.end_to_end_id:
            out.append(f"{i}<EndToEndId>{_id(t.end_to_end_id, 'EndToEndId')}</EndToEndId>")
        if t.uetr and self.v.new:
            out.append(f"{i}<UETR>{t.uetr.lower()}</UETR>")
        if len(t.transfer_key) <= 35:
            out.append(f"{i}<TxId>{_x(t.transfer_key)}</TxId>")
        if len(out) == 2:
            return ""
        out += (self.ind[6], "</Refs>")
        return "".join(out)

    def related_parties(self, t: LedgerTransfer) -> str:
        """RltdPties with the debtor's and creditor's accounts (depth 6), when known."""
        if not self.parties or not (t.debtor_account or t.creditor_account):
            return ""
        out = [self.ind[6], "<RltdPties>"]
        for tag, account in (("DbtrAcct", t.debtor_account), ("CdtrAcct", t.creditor_account)):
            if account:
                out.append(f"{self.ind[7]}<{tag}>{self.account_id(account)}</{tag}>")
        out += (self.ind[6], "</RltdPties>")
        return "".join(out)

    @staticmethod
    def account_id(account: str) -> str:
        if _is_iban(account):
            return f"<Id><IBAN>{account}</IBAN></Id>"
        if len(account) > 34:
            raise ValueError(f"account {account!r} is longer than 34 characters (Max34Text)")
        return f"<Id><Othr><Id>{_x(account)}</Id></Othr></Id>"

    def tx(self, t: LedgerTransfer, amount: Decimal, credit_debit: str, *,
           instructed: Decimal | None = None, reason: str | None = None) -> _Tx:
        return _Tx(self.refs(t), amount, credit_debit, instructed, self.related_parties(t),
                   reason)

    def render_tx(self, tx: _Tx) -> str:
        ind = self.ind
        out = [ind[5], "<TxDtls>", tx.refs]
        if self.v.new:
            out.append(f"{ind[6]}{self.amt_open}{_amt(tx.amount)}</Amt>"
                       f"{ind[6]}<CdtDbtInd>{tx.credit_debit}</CdtDbtInd>")
        if tx.instructed is not None or not self.v.new:
            out += (ind[6], "<AmtDtls>")
            if tx.instructed is not None:
                out.append(f"<InstdAmt>{self.amt_open}{_amt(tx.instructed)}</Amt></InstdAmt>")
            if not self.v.new:
                out.append(f"<TxAmt>{self.amt_open}{_amt(tx.amount)}</Amt></TxAmt>")
            out.append("</AmtDtls>")
        out.append(tx.parties)
        if tx.reason is not None:
            out.append(f"{ind[6]}<RtrInf><Rsn><Cd>{_x(tx.reason)}</Cd></Rsn></RtrInf>")
        out += (ind[5], "</TxDtls>")
        return "".join(out)

    # -- entries -----------------------------------------------------------------------------

    def entry(self, amount: Decimal, credit_debit: str, value_date: date,
              acct_svcr_ref: str | None, family: str, sub_family: str, txs: Sequence[_Tx], *,
              reversal: bool = False, charges: Decimal | None = None,
              batch: tuple[str, str | None, int, Decimal] | None = None) -> int:
        """Render one Ntry (depth 3); return its 0-based position."""
        index = self.entries
        ind = self.ind
        i4 = ind[4]
        if acct_svcr_ref is None:
            acct_svcr_ref = f"{self.ref_prefix}-{index + 1}"
        out = [f"{ind[3]}<Ntry>{i4}<NtryRef>{index + 1}</NtryRef>"
               f"{i4}{self.amt_open}{_amt(amount)}</Amt>{i4}<CdtDbtInd>{credit_debit}</CdtDbtInd>"]
        if reversal:
            out.append(f"{i4}<RvslInd>true</RvslInd>")
        out.append(f"{i4}{self.status}{i4}<BookgDt><Dt>{self.booking}</Dt></BookgDt>"
                   f"{i4}<ValDt><Dt>{self.day(value_date)}</Dt></ValDt>"
                   f"{i4}<AcctSvcrRef>{_id(acct_svcr_ref, 'AcctSvcrRef')}</AcctSvcrRef>"
                   f"{i4}<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd>"
                   f"<SubFmlyCd>{sub_family}</SubFmlyCd></Fmly></Domn></BkTxCd>")
        if charges is not None:
            value = _amt(charges)
            summed = f'<TtlChrgsAndTaxAmt Ccy="{self.currency}">{value}</TtlChrgsAndTaxAmt>'
            record = f"{self.amt_open}{value}</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
            if self.v.new:  # Charges6: a total and records
                out.append(f"{i4}<Chrgs>{summed}<Rcrd>{record}</Rcrd></Chrgs>")
            else:  # ChargesInformation6: one charge, with the total
                out.append(f"{i4}<Chrgs>{summed}{record}</Chrgs>")
        if txs or batch is not None:
            out += (i4, "<NtryDtls>")
            if batch is not None:
                msg, pmt, count, total = batch
                i6 = ind[6]
                out.append(f"{ind[5]}<Btch>{i6}<MsgId>{_id(msg, 'MsgId')}</MsgId>")
                if pmt is not None:
                    out.append(f"{i6}<PmtInfId>{_id(pmt, 'PmtInfId')}</PmtInfId>")
                out.append(f"{i6}<NbOfTxs>{count}</NbOfTxs>"
                           f'{i6}<TtlAmt Ccy="{self.currency}">{_amt(total)}</TtlAmt>'
                           f"{i6}<CdtDbtInd>{credit_debit}</CdtDbtInd>{ind[5]}</Btch>")
            out.extend(self.render_tx(tx) for tx in txs)
            out += (i4, "</NtryDtls>")
        out += (ind[3], "</Ntry>")
        self.parts.append("".join(out))
        if len(self.parts) >= _FLUSH_PARTS:
            self.flush()
        if credit_debit == "CRDT":
            self.credit_entries += 1
            self.credits += amount
        else:
            self.debit_entries += 1
            self.debits += amount
        self.entries += 1
        return index


def _family(credit_debit: str) -> str:
    """The bank transaction family of a credit transfer booked with this indicator."""
    return "ICDT" if credit_debit == "DBIT" else "RCDT"


def _opposite(credit_debit: str) -> str:
    return "CRDT" if credit_debit == "DBIT" else "DBIT"


def _balance(type_code: str, amount: Decimal, day: str, currency: str, ind: tuple[str, ...]
             ) -> str:
    i = ind[4]
    return (f"{ind[3]}<Bal>{i}<Tp><CdOrPrtry><Cd>{type_code}</Cd></CdOrPrtry></Tp>"
            f'{i}<Amt Ccy="{currency}">{format(abs(amount), "f")}</Amt>'
            f"{i}<CdtDbtInd>{'DBIT' if amount < _ZERO else 'CRDT'}</CdtDbtInd>"
            f"{i}<Dt><Dt>{day}</Dt></Dt>{ind[3]}</Bal>")


def _summary(w: _Writer) -> str:
    ind = w.ind
    net = w.credits - w.debits
    net_cd = "DBIT" if net < _ZERO else "CRDT"
    total = f"<NbOfNtries>{w.entries}</NbOfNtries><Sum>{format(w.credits + w.debits, 'f')}</Sum>"
    if w.v.new:
        total += (f"<TtlNetNtry><Amt>{format(abs(net), 'f')}</Amt>"
                  f"<CdtDbtInd>{net_cd}</CdtDbtInd></TtlNetNtry>")
    else:
        total += (f"<TtlNetNtryAmt>{format(abs(net), 'f')}</TtlNetNtryAmt>"
                  f"<CdtDbtInd>{net_cd}</CdtDbtInd>")
    return (f"{ind[3]}<TxsSummry>{ind[4]}<TtlNtries>{total}</TtlNtries>"
            f"{ind[4]}<TtlCdtNtries><NbOfNtries>{w.credit_entries}</NbOfNtries>"
            f"<Sum>{format(w.credits, 'f')}</Sum></TtlCdtNtries>"
            f"{ind[4]}<TtlDbtNtries><NbOfNtries>{w.debit_entries}</NbOfNtries>"
            f"<Sum>{format(w.debits, 'f')}</Sum></TtlDbtNtries>{ind[3]}</TxsSummry>")


def _head(w: _Writer, account_iban: str, currency: str, created: datetime,
          opening: Decimal, closing: Decimal) -> str:
    ind, v = w.ind, w.v
    stamp = created.isoformat(timespec="seconds")
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{_NS}{v.message_id}">'
           f"{ind[1]}<{v.root}>{ind[2]}<GrpHdr>{ind[3]}<MsgId>{_id(w.message_id, 'MsgId')}"
           f"</MsgId>{ind[3]}<CreDtTm>{stamp}</CreDtTm>{ind[2]}</GrpHdr>"
           f"{ind[2]}<{v.scope}>{ind[3]}<Id>{_id(w.statement_id, 'statement id')}</Id>"
           f"{ind[3]}<CreDtTm>{stamp}</CreDtTm>"
           f"{ind[3]}<Acct>{ind[4]}<Id><IBAN>{account_iban}</IBAN></Id>"
           f"{ind[4]}<Ccy>{currency}</Ccy>{ind[3]}</Acct>"]
    if v.balances:
        out += (_balance("OPBD", opening, w.booking, currency, ind),
                _balance("CLBD", closing, w.booking, currency, ind))
    out.append(_summary(w))
    return "".join(out)


def _tail(w: _Writer) -> str:
    return f"{w.ind[2]}</{w.v.scope}>{w.ind[1]}</{w.v.root}>\n</Document>\n"


# -- the writer ------------------------------------------------------------------------------


def _check_amount(value: Decimal, what: str) -> None:
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or sign or exponent < -5 or len(digits) > 18:
        raise ValueError(f"{what} {value} is not a valid amount (>= 0, at most 5 decimals, "
                         "18 digits)")


def write_statement(
    target: str | os.PathLike[str] | BinaryIO,
    transfers: Iterable[LedgerTransfer],
    /,
    *,
    account_iban: str,
    currency: str,
    message_id: str,
    statement_id: str,
    booking_date: date,
    opening_balance: Decimal = _ZERO,
    version: str = "camt.053.001.08",
    side: str = "DBIT",
    differences: Differences | None = None,
    created: datetime | None = None,
    parties: bool = True,
    pretty: bool = True,
) -> WrittenStatement:
    """Write a camt.053 / camt.054 for ``transfers``, with ``differences``, to ``target``.

    Takes: a path or a binary stream; the transfers (any iterable, read once, in
    currency ``currency``); the account's IBAN and currency; GrpHdr/MsgId and
    Stmt/Id; the booking date (also the value date of transfers without one);
    the signed opening balance; the version (:data:`VERSIONS`); ``side``, the
    indicator of each transfer's entry (``DBIT``: the account is the debtor);
    the :class:`Differences`; the creation time (default: the booking date,
    18:00 UTC); ``parties`` (RltdPties with the accounts); ``pretty`` (indented).
    Returns: a :class:`WrittenStatement` (counts, sums, balances, the injected
    entries and their references).
    Raises: ValueError for an unsupported version or side, a malformed IBAN,
    currency or amount, an identifier longer than 35 characters, a transfer in
    another currency, or differences naming transfers (or batches) not found;
    nothing is written to ``target`` then.
    Example: ``write_statement("s.xml", transfers, account_iban=IBAN, currency="EUR",
    message_id="M1", statement_id="S1", booking_date=date(2026, 12, 1))``
    """
    v = _version(version)
    if side not in _SIDES:
        raise ValueError(f"side must be DBIT or CRDT, not {side!r}")
    if not _is_iban(account_iban):
        raise ValueError(f"not an IBAN: {account_iban!r}")
    if not _CCY_RE.fullmatch(currency):
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    _check_amount(abs(opening_balance), "opening balance")
    diff = differences if differences is not None else Differences()
    for key, value in (*diff.amounts.items(), *diff.charges.items()):
        _check_amount(value, f"amount for {key}")
    if created is None:
        created = datetime.combine(booking_date, time(18), UTC)
    path = Path(target) if isinstance(target, str | os.PathLike) else None
    # the spool beside the target: /tmp may be a RAM disk
    spool_dir = str(path.parent) if path is not None else None
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b",
                                       dir=spool_dir) as spool:
        w = _Writer(spool, v, currency, message_id, statement_id, booking_date, parties, pretty)
        injected = _write_entries(w, transfers, diff, side, booking_date, currency)
        w.flush()
        closing = opening_balance + w.credits - w.debits
        head = _head(w, account_iban, currency, created, opening_balance, closing).encode()
        tail = _tail(w).encode()
        size = len(head) + spool.tell() + len(tail)
        spool.seek(0)
        if isinstance(target, str | os.PathLike):
            with open(target, "wb") as out:
                _copy(out, head, spool, tail)
        else:
            _copy(target, head, spool, tail)
    return WrittenStatement(
        message_type=version, message_id=message_id, statement_id=statement_id,
        entries=w.entries, credit_entries=w.credit_entries, debit_entries=w.debit_entries,
        credits=w.credits, debits=w.debits, opening_balance=opening_balance,
        closing_balance=closing, size=size, injected=injected)


def _copy(out: BinaryIO, head: bytes, spool: IO[bytes], tail: bytes) -> None:
    out.write(head)
    shutil.copyfileobj(spool, out, 1 << 20)
    out.write(tail)


def _write_entries(w: _Writer, transfers: Iterable[LedgerTransfer], diff: Differences,
                   side: str, booking_date: date, currency: str) -> tuple[Injected, ...]:
    """Render every entry into ``w``; return the injected differences, as written."""
    named = diff.keys()
    found: set[str] = set()
    missing, amounts = frozenset(diff.missing), diff.amounts
    shifts, charges = diff.value_date_shifts, diff.charges
    returns = {r.transfer_key: r for r in diff.returns}
    by_payment: dict[tuple[str, str | None], BatchBooking] = {
        (b.msg_id, b.pmt_inf_id): b for b in diff.batches if b.pmt_inf_id is not None}
    by_message = {b.msg_id: b for b in diff.batches if b.pmt_inf_id is None}
    members: dict[BatchBooking, list[LedgerTransfer]] = {b: [] for b in diff.batches}
    injected: list[Injected] = []  # in entry order
    left_off: list[Injected] = []  # the missing transfers
    family = _family(side)
    for t in transfers:
        key = t.transfer_key
        if t.currency != currency:
            raise ValueError(f"transfer {key} is in {t.currency}, the account in {currency}")
        _check_amount(t.amount, f"transfer {key} amount")
        batch = by_message.get(t.msg_id) if by_message and t.msg_id else None
        if batch is None and by_payment and t.msg_id:
            batch = by_payment.get((t.msg_id, t.pmt_inf_id))
        if key in named:
            found.add(key)
            if batch is not None and (key in missing or key in amounts or key in shifts
                                      or key in charges):
                raise ValueError(f"transfer {key} is booked in a batch of {batch.msg_id}; "
                                 "it cannot also be missing, changed or charged")
        if batch is not None:
            members[batch].append(t)
        elif not named or key not in named:
            w.entry(t.amount, side, t.value_date or booking_date, t.acct_svcr_ref, family,
                    "ESCT", (w.tx(t, t.amount, side),))
        elif key in missing:
            left_off.append(Injected("missing", None, (key,)))
        else:
            _changed_entry(w, t, diff, side, booking_date, family, injected)
        if key in returns:
            _return_entry(w, t, returns[key], side, booking_date, injected)
    unknown = sorted(named - found)
    if unknown:
        raise ValueError(f"differences name transfers not among those written: "
                         f"{', '.join(unknown)}")
    for batch, group in members.items():
        if not group:
            raise ValueError(f"batch booking of {batch.msg_id}/{batch.pmt_inf_id} has no "
                             "transfer")
        total = sum((t.amount for t in group), _ZERO)
        amount = batch.amount if batch.amount is not None else total
        _check_amount(amount, f"batch {batch.msg_id} amount")
        txs = [w.tx(t, t.amount, side) for t in group] if batch.details else []
        index = w.entry(amount, side, group[0].value_date or booking_date, None, family, "ESCT",
                        txs, batch=(batch.msg_id, batch.pmt_inf_id, len(group), amount))
        injected.append(Injected("batch", w.ref(index), tuple(t.transfer_key for t in group)))
    for extra in diff.extras:
        _check_amount(extra.amount, f"extra entry {extra.reference} amount")
        refs = (f"{w.ind[6]}<Refs>{w.ind[7]}<EndToEndId>{_id(extra.reference, 'EndToEndId')}"
                f"</EndToEndId>{w.ind[6]}</Refs>")
        index = w.entry(extra.amount, extra.credit_debit, extra.value_date or booking_date,
                        extra.reference, _family(extra.credit_debit), "ESCT",
                        (_Tx(refs, extra.amount, extra.credit_debit),))
        injected.append(Injected("extra", w.ref(index), ()))
    return (*left_off, *injected)


def _changed_entry(w: _Writer, t: LedgerTransfer, diff: Differences, side: str,
                   booking_date: date, family: str, injected: list[Injected]) -> None:
    """The entry of a transfer with a changed amount, value date or charges (or none)."""
    key = t.transfer_key
    value_date = t.value_date or booking_date
    amount, charge, kind = t.amount, None, None
    if key in diff.amounts:
        amount, kind = diff.amounts[key], "amount"
    elif key in diff.value_date_shifts:
        value_date += timedelta(days=diff.value_date_shifts[key])
        kind = "value_date"
    elif key in diff.charges:
        charge = diff.charges[key]
        amount, kind = t.amount - charge, "charges"
    tx = w.tx(t, amount, side, instructed=t.amount if charge is not None else None)
    index = w.entry(amount, side, value_date, t.acct_svcr_ref, family, "ESCT", (tx,),
                    charges=charge)
    if kind is not None:
        injected.append(Injected(kind, w.ref(index), (key,)))


def _return_entry(w: _Writer, t: LedgerTransfer, spec: ReturnedTransfer, side: str,
                  booking_date: date, injected: list[Injected]) -> None:
    back = _opposite(side)
    amount = spec.amount if spec.amount is not None else t.amount
    _check_amount(amount, f"return of {t.transfer_key} amount")
    tx = w.tx(t, amount, back, reason=spec.reason)
    # an entry of its own, so its own AcctSvcrRef (the transfer's stays in TxDtls/Refs)
    index = w.entry(amount, back, booking_date, None, _family(side), "RRTN", (tx,),
                    reversal=spec.reversal)
    injected.append(Injected("return", w.ref(index), (t.transfer_key,)))


# -- transfers -------------------------------------------------------------------------------


def _iban_de(rng: random.Random) -> str:
    bban = f"{rng.randrange(10**18):018d}"
    check = 98 - int(bban + "131400") % 97  # DE -> 1314, check digits 00
    return f"DE{check:02d}{bban}"


def make_transfers(count: int, /, *, seed: int = 0, currency: str = "EUR",
                   value_date: date = date(2026, 12, 1), debtor_account: str | None = None,
                   per_payment: int = 100, payments_per_message: int = 10,
                   prefix: str = "T") -> Iterator[LedgerTransfer]:
    """Yield ``count`` deterministic settled transfers, one at a time.

    Takes: the count; the seed; the currency (amounts with its minor units);
    the value date; the debtor's account (None: none); how many transfers per
    PmtInf and PmtInfs per message; the key prefix.  Each transfer has a key
    ``<prefix><n:09d>``, an EndToEndId, a UUID v4 UETR, a MsgId and PmtInfId, a
    value date and a creditor IBAN (valid check digits).
    Returns: an iterator (constant memory).  Raises: ValueError for a count
    below 0 or groups below 1.
    Example: ``[t.transfer_key for t in make_transfers(2)]`` -> ``['T000000000', 'T000000001']``
    """
    if count < 0 or per_payment < 1 or payments_per_message < 1:
        raise ValueError("count must be >= 0, per_payment and payments_per_message >= 1")
    rng = random.Random(seed)
    exponent = -_CCY.get(currency, (2, 1))[0]
    per_message = per_payment * payments_per_message
    for n in range(count):
        yield LedgerTransfer(
            transfer_key=f"{prefix}{n:09d}",
            amount=Decimal(rng.randrange(1, 10**7)).scaleb(exponent),
            currency=currency,
            uetr=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            end_to_end_id=f"E2E-{seed}-{n:09d}",
            msg_id=f"MSG-{seed}-{n // per_message:06d}",
            pmt_inf_id=f"PMT-{seed}-{n // per_payment:07d}",
            value_date=value_date,
            debtor_account=debtor_account,
            creditor_account=_iban_de(rng),
        )


# -- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m iso20022.reconcile.synth camt.053.001.08 --entries 1000 -o out.xml``."""
    parser = argparse.ArgumentParser(prog="python -m iso20022.reconcile.synth",
                                     description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("version", choices=VERSIONS)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compact", action="store_true", help="no indentation")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    account = "DE89370400440532013000"
    written = write_statement(
        args.output, make_transfers(args.entries, seed=args.seed, debtor_account=account),
        account_iban=account, currency="EUR", message_id=f"STMT-MSG-{args.seed}",
        statement_id=f"STMT-{args.seed}", booking_date=date(2026, 12, 1),
        opening_balance=Decimal(10**9), version=args.version, pretty=not args.compact)
    print(f"{written.message_type}: {written.entries} entries, {written.size} bytes, "
          f"closing {written.closing_balance}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
