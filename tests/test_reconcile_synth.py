"""Synthetic camt.053 / camt.054: XSD-valid, read back exactly, match reports what was injected."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022.parse.camt import parse_entries, parse_statements
from iso20022.reconcile import Break, LedgerTransfer, Match, MatchOptions, Return, match
from iso20022.reconcile.match import check_balances
from iso20022.reconcile.synth import (
    VERSIONS,
    BatchBooking,
    Differences,
    ExtraEntry,
    ReturnedTransfer,
    WrittenStatement,
    make_transfers,
    write_statement,
)
from iso20022.schemas import load_schema
from iso20022.statements import StatementEntry

IBAN = "DE89370400440532013000"
DAY = date(2026, 12, 1)
MSG0, MSG1 = "MSG-0-000000", "MSG-0-000001"  # 12 transfers each, PmtInfs of 4


def transfers() -> list[LedgerTransfer]:
    return list(make_transfers(24, per_payment=4, payments_per_message=3, debtor_account=IBAN))


def key(n: int) -> str:
    return f"T{n:09d}"


def write(version: str, diff: Differences | None = None, *, side: str = "DBIT",
          opening: Decimal = Decimal("1000.00"), ts: list[LedgerTransfer] | None = None,
          **kwargs: object) -> tuple[bytes, WrittenStatement]:
    out = io.BytesIO()
    written = write_statement(out, ts if ts is not None else transfers(), account_iban=IBAN,
                              currency="EUR", message_id="BANK-MSG-1", statement_id="STMT-1",
                              booking_date=DAY, opening_balance=opening, version=version,
                              side=side, differences=diff, **kwargs)  # type: ignore[arg-type]
    return out.getvalue(), written


CASES = {
    "none": Differences(),
    "missing": Differences(missing={key(3)}),
    "amount": Differences(amounts={key(4): Decimal("123.45")}),
    "value_date": Differences(value_date_shifts={key(5): 2}),
    "charges": Differences(charges={key(6): Decimal("2.50")}),
    "return": Differences(returns=(ReturnedTransfer(transfer_key=key(7), reason="AC04"),)),
    "reversal": Differences(returns=(ReturnedTransfer(transfer_key=key(8), reason=None,
                                                      reversal=True),)),
    "batch_pmtinf": Differences(batches=(BatchBooking(msg_id=MSG0, pmt_inf_id="PMT-0-0000002"),)),
    "batch_message_no_details": Differences(batches=(BatchBooking(msg_id=MSG1, details=False),)),
    "batch_amount": Differences(batches=(BatchBooking(msg_id=MSG0, pmt_inf_id="PMT-0-0000001",
                                                      amount=Decimal("1.00")),)),
    "extra": Differences(extras=(ExtraEntry(reference="BANK-FEE-1", amount=Decimal("7.50"),
                                            credit_debit="DBIT"),)),
    "all": Differences(
        missing={key(0)}, amounts={key(1): Decimal("0.01")}, value_date_shifts={key(2): -1},
        charges={key(3): Decimal("0.35")},
        returns=(ReturnedTransfer(transfer_key=key(9), reason="AC04", amount=Decimal("5.00")),
                 ReturnedTransfer(transfer_key=key(10), reversal=True)),
        batches=(BatchBooking(msg_id=MSG0, pmt_inf_id="PMT-0-0000001"),
                 BatchBooking(msg_id=MSG1, details=False)),
        extras=(ExtraEntry(reference="UNKNOWN-CREDIT", amount=Decimal("99.99")),
                ExtraEntry(reference="UNKNOWN-DEBIT", amount=Decimal("0.10"),
                           credit_debit="DBIT", value_date=DAY + timedelta(days=1)))),
}


@dataclass
class Report:
    """A match result as sets, entry refs and transfer keys: order-free and comparable."""

    matched: set[Match] = field(default_factory=set)
    breaks: set[Break] = field(default_factory=set)
    returns: set[Return] = field(default_factory=set)
    unmatched_ledger: set[str] = field(default_factory=set)  # transfer keys
    unmatched_statement: set[str] = field(default_factory=set)  # entry refs


def expected(version: str, diff: Differences, ts: list[LedgerTransfer],
             written: WrittenStatement, entries: list[StatementEntry],
             options: MatchOptions) -> Report:
    """What match must report: each injected difference, the rest matched on the exact key."""
    new = version.endswith(".08")
    field, exact = ("uetr", "uetr") if new else ("end_to_end_id", "end_to_end_id+amount")
    by_key = {t.transfer_key: t for t in ts}
    ref_of = {e.details[0].transaction_id: written.entry_ref(e.source.index) for e in entries
              if len(e.details) == 1 and not e.reversal and not e.details[0].return_reason}
    want = Report()
    matched, breaks, returns = want.matched, want.breaks, want.returns
    unmatched_ledger, unmatched_statement = want.unmatched_ledger, want.unmatched_statement
    special: set[str] = set()
    for inj in written.injected:
        (k,) = inj.transfer_keys if len(inj.transfer_keys) == 1 else (None,)
        special.update(inj.transfer_keys if inj.kind != "return" else ())
        t = by_key.get(k) if k else None
        if inj.kind == "missing":
            unmatched_ledger.add(k)
        elif inj.kind == "amount":
            assert t is not None
            breaks.add(Break("amount", inj.entry_ref, (k,), field, diff.amounts[k], t.amount))
        elif inj.kind == "value_date":
            assert t is not None and t.value_date is not None
            shift = diff.value_date_shifts[k]
            if abs(shift) <= options.value_date_days:
                matched.add(Match(inj.entry_ref, (k,), "value_date_tolerance"))
            else:
                breaks.add(Break("date", inj.entry_ref, (k,), field,
                                 t.value_date + timedelta(days=shift), t.value_date))
        elif inj.kind == "charges":
            matched.add(Match(inj.entry_ref, (k,), "charges"))
        elif inj.kind == "batch":
            spec = next(b for b in diff.batches if b.msg_id == by_key[inj.transfer_keys[0]].msg_id)
            total = sum((by_key[m].amount for m in inj.transfer_keys), Decimal(0))
            if spec.amount is None:
                matched.add(Match(inj.entry_ref, inj.transfer_keys, "batch"))
            else:
                breaks.add(Break("amount", inj.entry_ref, inj.transfer_keys, "batch",
                                 spec.amount, total))
        elif inj.kind == "extra":
            unmatched_statement.add(inj.entry_ref)
    for t in ts:
        if t.transfer_key not in special:
            matched.add(Match(ref_of[t.transfer_key], (t.transfer_key,), exact))
    original = {k: m.entry_ref for m in matched for k in m.transfer_keys}
    for inj in written.injected:
        if inj.kind == "return":
            (k,) = inj.transfer_keys
            spec = next(r for r in diff.returns if r.transfer_key == k)
            returns.add(Return(inj.entry_ref, k, original[k],
                               spec.amount if spec.amount is not None else by_key[k].amount,
                               spec.reason))
    return want


def reported(entries: list[StatementEntry], ts: list[LedgerTransfer],
             options: MatchOptions) -> Report:
    result = match(entries, ts, options=options)
    (balance,) = result.balances
    assert balance.ok is (True if entries[0].statement.balances else None)
    return Report(set(result.matched), set(result.breaks), set(result.returns),
                  {t.transfer_key for t in result.unmatched_ledger},
                  {f"BANK-MSG-1/STMT-1/{e.source.index}" for e in result.unmatched_statement})


# -- schema validity -------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("side", ["DBIT", "CRDT"])
def test_every_version_and_difference_is_xsd_valid(version: str, case: str, side: str) -> None:
    data, _ = write(version, CASES[case], side=side, opening=Decimal("-250.00"))
    schema = load_schema(version)
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("version", VERSIONS)
def test_compact_output_is_valid_and_reads_the_same(version: str) -> None:
    pretty, _ = write(version, CASES["all"])
    compact, _ = write(version, CASES["all"], pretty=False)
    assert len(compact) < len(pretty) and b"\n  " not in compact
    assert load_schema(version).validate(etree.fromstring(compact))
    strip = [replace(e, source=replace(e.source, line=None)) for e in parse_entries(pretty)]
    assert [replace(e, source=replace(e.source, line=None))
            for e in parse_entries(compact)] == strip


# -- read back -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_entries_read_back_with_their_amounts_and_references(
        version: str, use_implementation: str) -> None:
    ts = transfers()
    data, written = write(version)
    entries = list(parse_entries(data, message=version))
    assert len(entries) == written.entries == len(ts)
    new = version.endswith(".08")
    for e, t in zip(entries, ts, strict=True):
        assert (e.amount.amount, e.amount.currency, e.credit_debit, e.status) == (
            t.amount, "EUR", "DBIT", "BOOK")
        assert (e.booking_date, e.value_date) == (DAY, t.value_date)
        assert (e.bank_transaction_domain, e.bank_transaction_family,
                e.bank_transaction_sub_family) == ("PMNT", "ICDT", "ESCT")
        assert e.account_servicer_reference == f"STMT-1-{e.source.index + 1}"
        (d,) = e.details
        assert (d.message_id, d.payment_information_id, d.end_to_end_id, d.transaction_id) == (
            t.msg_id, t.pmt_inf_id, t.end_to_end_id, t.transfer_key)
        assert d.uetr == (t.uetr if new else None)
        assert (d.amount.amount if d.amount else None) == t.amount
        assert (d.debtor_iban, d.creditor_iban) == (IBAN, t.creditor_account)
        assert e.message.message_id == "BANK-MSG-1" and e.statement.statement_id == "STMT-1"
        assert e.statement.account.iban == IBAN and e.statement.account.currency == "EUR"
    assert sum((e.amount.amount for e in entries), Decimal(0)) == written.debits
    assert written.credits == 0 and written.debit_entries == len(ts)


@pytest.mark.parametrize("version", VERSIONS)
def test_differences_read_back_as_written(version: str, use_implementation: str) -> None:
    ts = transfers()
    by_key = {t.transfer_key: t for t in ts}
    diff = CASES["all"]
    data, written = write(version, diff)
    entries = list(parse_entries(data))
    at = {written.entry_ref(e.source.index): e for e in entries}
    kinds = [(i.kind, i.transfer_keys) for i in written.injected]
    assert kinds == [
        ("missing", (key(0),)), ("amount", (key(1),)), ("value_date", (key(2),)),
        ("charges", (key(3),)), ("return", (key(9),)), ("return", (key(10),)),
        ("batch", tuple(key(n) for n in range(4, 8))),
        ("batch", tuple(key(n) for n in range(12, 24))), ("extra", ()), ("extra", ())]
    # 24 transfers - 1 missing - 16 in batches + 2 returns + 2 batches + 2 extras
    assert len(entries) == written.entries == 13
    inj = {(i.kind, i.transfer_keys[0] if i.transfer_keys else i.entry_ref): i
           for i in written.injected}
    assert at[inj["amount", key(1)].entry_ref].amount.amount == Decimal("0.01")
    assert at[inj["value_date", key(2)].entry_ref].value_date == DAY - timedelta(days=1)
    charged = at[inj["charges", key(3)].entry_ref]
    assert charged.amount.amount == by_key[key(3)].amount - Decimal("0.35")
    assert charged.charges_total is not None and charged.charges_total.amount == Decimal("0.35")
    assert charged.details[0].instructed_amount is not None
    assert charged.details[0].instructed_amount.amount == by_key[key(3)].amount
    back = at[inj["return", key(9)].entry_ref]
    assert (back.credit_debit, back.amount.amount, back.reversal) == ("CRDT", Decimal("5.00"),
                                                                      False)
    assert back.bank_transaction_sub_family == "RRTN"
    assert back.details[0].return_reason == "AC04"
    assert back.details[0].end_to_end_id == by_key[key(9)].end_to_end_id
    reversal = at[inj["return", key(10)].entry_ref]
    assert (reversal.credit_debit, reversal.reversal) == ("CRDT", True)
    assert reversal.amount.amount == by_key[key(10)].amount
    pmt = at[inj["batch", key(4)].entry_ref]
    members = [by_key[key(n)] for n in range(4, 8)]
    assert (pmt.batch_message_id, pmt.batch_payment_information_id,
            pmt.batch_number_of_transactions) == (MSG0, "PMT-0-0000001", 4)
    assert pmt.amount.amount == sum((t.amount for t in members), Decimal(0))
    assert pmt.batch_total_amount is not None and pmt.batch_total_amount.amount == pmt.amount.amount
    assert [d.transaction_id for d in pmt.details] == [t.transfer_key for t in members]
    whole = at[inj["batch", key(12)].entry_ref]
    assert (whole.batch_message_id, whole.batch_payment_information_id, whole.details) == (
        MSG1, None, ())
    assert whole.batch_number_of_transactions == 12
    extras = [at[i.entry_ref] for i in written.injected if i.kind == "extra"]
    assert [(e.account_servicer_reference, e.credit_debit, e.amount.amount, e.value_date)
            for e in extras] == [("UNKNOWN-CREDIT", "CRDT", Decimal("99.99"), DAY),
                                 ("UNKNOWN-DEBIT", "DBIT", Decimal("0.10"),
                                  DAY + timedelta(days=1))]
    credits = sum((e.amount.amount for e in entries if e.credit_debit == "CRDT"), Decimal(0))
    debits = sum((e.amount.amount for e in entries if e.credit_debit == "DBIT"), Decimal(0))
    assert (credits, debits) == (written.credits, written.debits)


# -- what match reports ----------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("version", VERSIONS)
def test_match_reports_exactly_the_injected_differences(
        version: str, case: str, use_implementation: str) -> None:
    ts = transfers()
    data, written = write(version, CASES[case])
    entries = list(parse_entries(data))
    options = MatchOptions()
    want = expected(version, CASES[case], ts, written, entries, options)
    assert reported(entries, ts, options) == want
    assert reported(entries[::-1], ts[::-1], options) == want


@pytest.mark.parametrize("version", ["camt.053.001.02", "camt.053.001.08"])
def test_value_date_shift_within_tolerance_is_matched(version: str) -> None:
    ts = transfers()
    diff = Differences(value_date_shifts={key(5): 2, key(6): 3})
    data, written = write(version, diff)
    entries = list(parse_entries(data))
    options = MatchOptions(value_date_days=2)
    want = expected(version, diff, ts, written, entries, options)
    assert Match(written.injected[0].entry_ref, (key(5),), "value_date_tolerance") in want.matched
    assert [b.kind for b in want.breaks] == ["date"]
    assert reported(entries, ts, options) == want


@pytest.mark.parametrize("version", VERSIONS)
def test_credit_side(version: str) -> None:
    ts = transfers()
    diff = Differences(returns=(ReturnedTransfer(transfer_key=key(2), reason="MS03"),),
                       charges={key(3): Decimal("1.00")})
    data, written = write(version, diff, side="CRDT")
    entries = list(parse_entries(data))
    assert [e.credit_debit for e in entries].count("DBIT") == 1 == written.debit_entries
    assert {e.bank_transaction_family for e in entries} == {"RCDT"}
    options = MatchOptions()
    assert reported(entries, ts, options) == expected(version, diff, ts, written, entries,
                                                      options)


# -- balances --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["none", "all", "charges", "return", "extra"])
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("opening", [Decimal("1000.00"), Decimal("-12.34"), Decimal(0)])
def test_balances_add_up(version: str, case: str, opening: Decimal) -> None:
    data, written = write(version, CASES[case], opening=opening)
    entries = list(parse_entries(data))
    assert written.closing_balance == opening + written.credits - written.debits
    (check,) = check_balances(entries)
    (statement,) = parse_statements(data)
    assert statement.number_of_entries == written.entries == len(entries)
    if version.startswith("camt.053"):
        assert check.ok is True
        assert (check.opening, check.closing) == (opening, written.closing_balance)
        assert (check.credits, check.debits) == (written.credits, written.debits)
        closing = statement.balance("CLBD")
        assert closing is not None and closing.signed_amount == written.closing_balance
    else:  # camt.054 has no balances
        assert statement.balances == () and check.ok is None


# -- determinism, escaping, errors -----------------------------------------------------------


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    a, _ = write("camt.053.001.08", CASES["all"])
    path = tmp_path / "s.xml"
    written = write_statement(path, transfers(), account_iban=IBAN, currency="EUR",
                              message_id="BANK-MSG-1", statement_id="STMT-1", booking_date=DAY,
                              opening_balance=Decimal("1000.00"), differences=CASES["all"])
    assert path.read_bytes() == a and written.size == len(a)
    assert list(make_transfers(5, seed=3)) == list(make_transfers(5, seed=3))
    assert list(make_transfers(5, seed=3)) != list(make_transfers(5, seed=4))


@pytest.mark.parametrize("version", VERSIONS)
def test_markup_in_references_is_escaped_and_other_accounts_kept(version: str) -> None:
    t = LedgerTransfer(transfer_key="K<1>", amount=Decimal("10"), currency="EUR",
                       end_to_end_id="A&B<C>", msg_id="M&1", debtor_account="ACC-123/456",
                       creditor_account=None)
    data, _ = write(version, ts=[t])
    assert load_schema(version).validate(etree.fromstring(data))
    (e,) = parse_entries(data)
    assert (e.details[0].end_to_end_id, e.details[0].message_id, e.details[0].transaction_id,
            e.details[0].debtor_iban) == ("A&B<C>", "M&1", "K<1>", None)
    assert match([e], [t]).matched == (Match("BANK-MSG-1/STMT-1/0", ("K<1>",),
                                             "end_to_end_id+amount"),)


def test_amounts_are_exact_decimals() -> None:
    ts = [LedgerTransfer(transfer_key=f"K{n}", amount=amount, currency="EUR",
                         end_to_end_id=f"E{n}")
          for n, amount in enumerate((Decimal("0.1"), Decimal("1E+3"), Decimal("12345678901.12345"),
                                      Decimal("0")))]
    data, written = write("camt.053.001.08", ts=ts)
    assert load_schema("camt.053.001.08").validate(etree.fromstring(data))
    assert [e.amount.amount for e in parse_entries(data)] == [t.amount for t in ts]
    assert written.debits == Decimal("12345679901.22345")


@pytest.mark.parametrize(("diff", "message"), [
    (Differences(missing={"NOPE"}), "NOPE"),
    (Differences(returns=(ReturnedTransfer(transfer_key="NOPE"),)), "NOPE"),
    (Differences(batches=(BatchBooking(msg_id="NO-SUCH-MSG"),)), "NO-SUCH-MSG"),
    (Differences(batches=(BatchBooking(msg_id=MSG0),), amounts={key(1): Decimal(1)}),
     "batch"),
    (Differences(charges={key(1): Decimal("1E+9")}), "negative"),
])
def test_bad_differences_write_nothing(tmp_path: Path, diff: Differences, message: str) -> None:
    path = tmp_path / "s.xml"
    with pytest.raises(ValueError, match=message):
        write_statement(path, transfers(), account_iban=IBAN, currency="EUR", message_id="M",
                        statement_id="S", booking_date=DAY, differences=diff)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_conflicting_differences_are_refused() -> None:
    with pytest.raises(ValueError, match="both"):
        Differences(missing={key(1)}, amounts={key(1): Decimal(1)})
    with pytest.raises(ValueError, match="overlap"):
        Differences(batches=(BatchBooking(msg_id=MSG0), BatchBooking(msg_id=MSG0,
                                                                     pmt_inf_id="P")))
    with pytest.raises(ValueError, match="twice"):
        Differences(returns=(ReturnedTransfer(transfer_key="A"),
                             ReturnedTransfer(transfer_key="A")))
    with pytest.raises(ValueError, match="reason"):
        ReturnedTransfer(transfer_key="A", reason=None)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"version": "camt.053.001.04"}, "unsupported"),
    ({"side": "BOTH"}, "side"),
    ({"account_iban": "not an iban"}, "IBAN"),
    ({"currency": "eur"}, "currency"),
    ({"statement_id": "S" * 36}, "Max35Text"),
    ({"opening_balance": Decimal("0.123456")}, "opening"),
])
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"account_iban": IBAN, "currency": "EUR", "message_id": "M",
                               "statement_id": "S", "booking_date": DAY} | kwargs
    with pytest.raises(ValueError, match=message):
        write_statement(io.BytesIO(), transfers(), **args)  # type: ignore[arg-type]
    usd = replace(transfers()[0], currency="USD")
    with pytest.raises(ValueError, match="USD"):
        write("camt.053.001.08", ts=[usd])


# -- memory ----------------------------------------------------------------------------------


_WRITE_LARGE = """
import os, resource, sys
from datetime import date
from decimal import Decimal
from iso20022.reconcile.synth import Differences, ExtraEntry, make_transfers, write_statement
iban, n = "DE89370400440532013000", int(sys.argv[2])
with open("/proc/self/statm") as statm:  # resident pages now
    before = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
written = write_statement(
    sys.argv[1], make_transfers(n, debtor_account=iban), account_iban=iban, currency="EUR",
    message_id="BIG", statement_id="BIG-1", booking_date=date(2026, 12, 1),
    differences=Differences(missing={"T000000010"},
                            extras=(ExtraEntry(reference="X", amount=Decimal(1)),)))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
print(written.entries, written.size, peak - before)
"""


def _write_large(path: Path, n: int) -> tuple[int, int, int]:
    """(entries, size, peak RSS - RSS before writing) of ``n`` entries, in a fresh process."""
    run = subprocess.run([sys.executable, "-c", _WRITE_LARGE, str(path), str(n)], check=True,
                         capture_output=True, text=True)
    entries, size, growth = map(int, run.stdout.split())
    return entries, size, growth


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/statm, ru_maxrss in KiB")
def test_large_statement_is_written_in_bounded_memory(tmp_path: Path) -> None:
    n = 100_000
    path = tmp_path / "large.xml"
    _, small_size, small_growth = _write_large(tmp_path / "small.xml", 1000)
    entries, written_size, growth = _write_large(path, n)
    size = path.stat().st_size
    assert entries == n and written_size == size
    assert size - small_size > 80 * 2**20  # the document: ~100 MB more
    # the transfers come from a generator and the entries go to disk as they are rendered:
    # writing 100 times more entries raises the peak resident size by next to nothing
    assert growth - small_growth < 8 * 2**20, (
        f"peak RSS grew by {growth} bytes for {size} bytes, {small_growth} for {small_size}")
    count = 0
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(0)
        tail = b""
        while chunk := fh.read(1 << 22):
            count += (tail + chunk).count(b"<Ntry>")
            tail = chunk[-5:]  # too short to hold a whole <Ntry>
        fh.seek(-4096, 2)
        assert b"<AcctSvcrRef>X</AcctSvcrRef>" in fh.read()  # the extra entry comes last
    assert count == n
    assert f"<NbOfNtries>{n}</NbOfNtries>".encode() in head
