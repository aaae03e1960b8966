"""The matching engine: each rule, breaks, unmatched sides, balances, determinism."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from iso20022.reconcile import (
    Break,
    LedgerTransfer,
    Match,
    MatchOptions,
    check_balances,
    entry_ref,
    load_transfers,
    match,
)
from iso20022.records import Account, Money, Source
from iso20022.settle import Delivery, Entry
from iso20022.settle.ledger import Ledger
from iso20022.statements import (
    Balance,
    EntryDetails,
    Statement,
    StatementEntry,
    StatementHeader,
)

HEADER = StatementHeader(message_type="camt.053.001.08", message_id="MSG1",
                         creation_date_time=datetime(2026, 12, 1, tzinfo=UTC))
DAY = date(2026, 12, 1)
IBAN = "DE89370400440532013000"


def statement(opening: str = "1000.00", closing: str = "900.00",
              statement_id: str = "STMT1") -> Statement:
    return Statement(
        kind="statement", statement_id=statement_id,
        account=Account(iban=IBAN, currency="EUR"),
        balances=(
            Balance(type_code="OPBD", amount=Money(Decimal(opening), "EUR"),
                    credit_debit="CRDT", date=DAY),
            Balance(type_code="CLBD", amount=Money(Decimal(closing), "EUR"),
                    credit_debit="CRDT", date=DAY),
        ), index=1)


STMT = statement()


def entry(index: int, amount: str, *, cd: str = "DBIT", stmt: Statement = STMT,
          value_date: date | None = DAY, details: tuple[EntryDetails, ...] = (),
          status: str = "BOOK", **fields: Any) -> StatementEntry:
    return StatementEntry(message=HEADER, statement=stmt,
                          amount=Money(Decimal(amount), "EUR"), credit_debit=cd,
                          status=status, value_date=value_date, details=details,
                          source=Source(index=index), **fields)


def tx(**refs: Any) -> EntryDetails:
    return EntryDetails(**refs)


def transfer(key: str, amount: str, **fields: Any) -> LedgerTransfer:
    fields.setdefault("value_date", DAY)
    return LedgerTransfer(transfer_key=key, amount=Decimal(amount),
                          currency="EUR", **fields)


def ref(index: int) -> str:
    return f"MSG1/STMT1/{index}"


def test_uetr_rule() -> None:
    uetr = "0f7b3c3e-5a0b-4f7a-9a47-9c1c6f0d6a11"
    result = match([entry(0, "10.00", details=(tx(uetr=uetr.upper(), end_to_end_id="X"),))],
                   [transfer("t1", "10.00", uetr=uetr, end_to_end_id="E2E-OTHER")])
    assert result.matched == (Match(ref(0), ("t1",), "uetr"),)
    assert not result.unmatched_statement and not result.unmatched_ledger


def test_end_to_end_and_amount_rule_needs_the_same_amount_and_currency() -> None:
    entries = [entry(0, "10.00", details=(tx(end_to_end_id="E1"),)),
               entry(1, "20.00", details=(tx(end_to_end_id="E1"),))]
    transfers = [transfer("t1", "20.00", end_to_end_id="E1"),
                 transfer("t2", "10.00", end_to_end_id="E1"),
                 LedgerTransfer(transfer_key="t3", amount=Decimal("10.00"), currency="USD",
                                end_to_end_id="E1")]
    result = match(entries, transfers)
    assert result.matched == (Match(ref(0), ("t2",), "end_to_end_id+amount"),
                              Match(ref(1), ("t1",), "end_to_end_id+amount"))
    assert [t.transfer_key for t in result.unmatched_ledger] == ["t3"]


def test_not_provided_end_to_end_id_never_matches() -> None:
    result = match([entry(0, "10.00", details=(tx(end_to_end_id="NOTPROVIDED"),))],
                   [transfer("t1", "10.00", end_to_end_id="NOTPROVIDED")])
    assert not result.matched and not result.breaks
    assert len(result.unmatched_statement) == 1 and len(result.unmatched_ledger) == 1


def test_acct_svcr_ref_rule_and_skipped_without_ledger_reference() -> None:
    e = entry(0, "10.00", account_servicer_reference="BANKREF1")
    assert match([e], [transfer("t1", "10.00", acct_svcr_ref="BANKREF1")]).matched == (
        Match(ref(0), ("t1",), "acct_svcr_ref"),)
    skipped = match([e], [transfer("t1", "10.00")])
    assert not skipped.matched and len(skipped.unmatched_statement) == 1


def test_batch_rule_settles_a_whole_payment_information() -> None:
    batch = entry(0, "60.00", batch_message_id="PAIN1", batch_payment_information_id="P1",
                  details=(tx(end_to_end_id="E1"), tx(end_to_end_id="E2"),
                           tx(end_to_end_id="E3")))
    transfers = [transfer("t1", "10.00", msg_id="PAIN1", pmt_inf_id="P1", end_to_end_id="E1"),
                 transfer("t2", "20.00", msg_id="PAIN1", pmt_inf_id="P1", end_to_end_id="E2"),
                 transfer("t3", "30.00", msg_id="PAIN1", pmt_inf_id="P1", end_to_end_id="E3"),
                 transfer("t4", "30.00", msg_id="PAIN1", pmt_inf_id="P2")]
    result = match([batch], transfers)
    assert result.matched == (Match(ref(0), ("t1", "t2", "t3"), "batch"),)
    assert [t.transfer_key for t in result.unmatched_ledger] == ["t4"]


def test_batch_refs_may_come_from_the_transaction_details() -> None:
    batch = entry(0, "30.00", details=(tx(message_id="PAIN1", payment_information_id="P1"),
                                       tx(message_id="PAIN1", payment_information_id="P1")))
    transfers = [transfer("t1", "10.00", msg_id="PAIN1", pmt_inf_id="P1"),
                 transfer("t2", "20.00", msg_id="PAIN1", pmt_inf_id="P1")]
    assert match([batch], transfers).matched == (Match(ref(0), ("t1", "t2"), "batch"),)


def test_batch_sum_differs_is_an_amount_break() -> None:
    batch = entry(0, "61.00", batch_message_id="PAIN1", batch_payment_information_id="P1")
    transfers = [transfer("t1", "10.00", msg_id="PAIN1", pmt_inf_id="P1"),
                 transfer("t2", "50.00", msg_id="PAIN1", pmt_inf_id="P1")]
    result = match([batch], transfers)
    assert not result.matched
    assert result.breaks == (Break("amount", ref(0), ("t1", "t2"), "batch",
                                   Decimal("61.00"), Decimal("60.00")),)
    assert not result.unmatched_ledger and not result.unmatched_statement


def test_amount_break_reports_both_values() -> None:
    result = match([entry(0, "10.50", details=(tx(uetr="u1", end_to_end_id="E1"),))],
                   [transfer("t1", "10.00", uetr="u1", end_to_end_id="E1")])
    assert not result.matched
    assert result.breaks == (Break("amount", ref(0), ("t1",), "uetr",
                                   Decimal("10.50"), Decimal("10.00")),)
    assert not result.unmatched_statement and not result.unmatched_ledger


def test_date_break_and_value_date_tolerance() -> None:
    e = entry(0, "10.00", value_date=date(2026, 12, 3), details=(tx(end_to_end_id="E1"),))
    t = transfer("t1", "10.00", end_to_end_id="E1", value_date=DAY)
    strict = match([e], [t])
    assert strict.breaks == (Break("date", ref(0), ("t1",), "end_to_end_id",
                                   date(2026, 12, 3), DAY),)
    assert match([e], [t], options=MatchOptions(value_date_days=1)).breaks == strict.breaks
    loose = match([e], [t], options=MatchOptions(value_date_days=2))
    assert loose.matched == (Match(ref(0), ("t1",), "value_date_tolerance"),)
    assert not loose.breaks


def test_charges_deducted_from_the_amount() -> None:
    e = entry(0, "97.50", charges_total=Money(Decimal("2.50"), "EUR"),
              details=(tx(end_to_end_id="E1"),))
    t = transfer("t1", "100.00", end_to_end_id="E1")
    assert match([e], [t]).matched == (Match(ref(0), ("t1",), "charges"),)
    off = match([e], [t], options=MatchOptions(charges=False))
    assert not off.matched and off.breaks[0].kind == "amount"
    details_charges = entry(0, "99.00", details=(
        tx(end_to_end_id="E1", charges_total=Money(Decimal("1.00"), "EUR")),))
    assert match([details_charges], [t]).matched[0].rule == "charges"


def test_charges_from_the_charge_records_when_no_total_is_given() -> None:
    from iso20022.statements import EntryCharge

    t = transfer("t1", "100.00", end_to_end_id="E1")
    records = (EntryCharge(amount=Money(Decimal("1.50"), "EUR"), credit_debit="DBIT"),
               EntryCharge(amount=Money(Decimal("1.00"), "EUR")),
               EntryCharge(amount=Money(Decimal("9.00"), "EUR"), credit_debit="CRDT"),
               EntryCharge(amount=Money(Decimal("5.00"), "USD"), credit_debit="DBIT"))
    e = entry(0, "97.50", charges=records, details=(tx(end_to_end_id="E1"),))
    assert match([e], [t]).matched == (Match(ref(0), ("t1",), "charges"),)
    total_wins = entry(0, "97.50", charges=records, charges_total=Money(Decimal("3"), "EUR"),
                       details=(tx(end_to_end_id="E1"),))
    assert match([total_wins], [t]).breaks[0].kind == "amount"


def test_missing_entry_is_unmatched_ledger_and_extra_entry_unmatched_statement() -> None:
    entries = [entry(0, "10.00", details=(tx(end_to_end_id="E1"),)),
               entry(1, "5.00", details=(tx(end_to_end_id="STRANGER"),))]
    transfers = [transfer("t1", "10.00", end_to_end_id="E1"),
                 transfer("t2", "7.00", end_to_end_id="E2")]
    result = match(entries, transfers)
    assert [m.transfer_keys for m in result.matched] == [("t1",)]
    assert [entry_ref(e) for e in result.unmatched_statement] == [ref(1)]
    assert [t.transfer_key for t in result.unmatched_ledger] == ["t2"]


def test_return_of_a_matched_transfer() -> None:
    entries = [entry(0, "10.00", details=(tx(end_to_end_id="E1"),)),
               entry(1, "10.00", cd="CRDT",
                     details=(tx(end_to_end_id="E1", return_reason="AC04"),))]
    result = match(entries, [transfer("t1", "10.00", end_to_end_id="E1")])
    assert result.matched == (Match(ref(0), ("t1",), "end_to_end_id+amount"),)
    assert len(result.returns) == 1
    back = result.returns[0]
    assert (back.entry_ref, back.transfer_key, back.original_entry_ref, back.reason,
            back.rule) == (ref(1), "t1", ref(0), "AC04", "return")
    assert result.returned == ("t1",) and result.settled == ()
    assert not result.unmatched_statement and not result.unmatched_ledger


def test_reversal_without_a_matched_original_stays_unmatched() -> None:
    reversal = entry(0, "10.00", cd="CRDT", reversal=True, details=(tx(uetr="u1"),))
    result = match([reversal], [transfer("t1", "10.00", uetr="u1")])
    assert not result.matched and not result.returns
    assert len(result.unmatched_statement) == 1 and len(result.unmatched_ledger) == 1
    off = match([entry(1, "10.00", details=(tx(uetr="u1"),)), reversal],
                [transfer("t1", "10.00", uetr="u1")], options=MatchOptions(returns=False))
    assert not off.returns and [entry_ref(e) for e in off.unmatched_statement] == [ref(0)]


def test_each_transfer_matched_once() -> None:
    entries = [entry(0, "10.00", details=(tx(end_to_end_id="E1"),)),
               entry(1, "10.00", details=(tx(end_to_end_id="E1"),))]
    result = match(entries, [transfer("t1", "10.00", end_to_end_id="E1")])
    assert result.matched == (Match(ref(0), ("t1",), "end_to_end_id+amount"),)
    assert [entry_ref(e) for e in result.unmatched_statement] == [ref(1)]


def test_exact_rules_run_before_tolerance_rules() -> None:
    # entry 0 would match t1 with tolerance, but entry 1 matches t1 exactly
    entries = [entry(0, "10.00", value_date=date(2026, 12, 2), details=(tx(uetr="u1"),)),
               entry(1, "10.00", details=(tx(end_to_end_id="E1"),))]
    transfers = [transfer("t1", "10.00", uetr="u1", end_to_end_id="E1")]
    result = match(entries, transfers, options=MatchOptions(value_date_days=5))
    assert result.matched == (Match(ref(1), ("t1",), "end_to_end_id+amount"),)


def test_balance_check_passes_and_fails() -> None:
    good = [entry(0, "150.00"), entry(1, "50.00", cd="CRDT")]
    (check,) = check_balances(good)
    assert (check.opening, check.credits, check.debits, check.closing) == (
        Decimal("1000.00"), Decimal("50.00"), Decimal("150.00"), Decimal("900.00"))
    assert check.ok is True and check.entries == 2 and check.account == IBAN
    bad = [entry(0, "150.00"), entry(1, "50.01", cd="CRDT")]
    (check,) = check_balances(bad)
    assert check.ok is False and check.expected_closing == Decimal("900.01")
    assert match(bad, []).balances == (check,)


def test_balance_check_uses_prcd_counts_booked_only_and_reports_missing() -> None:
    stmt = Statement(kind="statement", statement_id="STMT2", account=Account(iban=IBAN),
                     balances=(Balance(type_code="PRCD", amount=Money(Decimal("5"), "EUR"),
                                       credit_debit="DBIT", date=DAY),
                               Balance(type_code="CLBD", amount=Money(Decimal("15"), "EUR"),
                                       credit_debit="CRDT", date=DAY)), index=2)
    pending = StatementEntry(message=HEADER, statement=stmt, amount=Money(Decimal(1), "EUR"),
                             credit_debit="CRDT", status="PDNG", source=Source(index=1))
    (check,) = check_balances([entry(0, "20", cd="CRDT", stmt=stmt), pending])
    assert check.opening == Decimal("-5") and check.entries == 1 and check.ok is True
    empty = Statement(kind="notification", statement_id="N1", account=Account(iban=IBAN))
    (none,) = check_balances([], statements=[empty])
    assert none.ok is None and none.entries == 0


def _scenario() -> tuple[list[StatementEntry], list[LedgerTransfer]]:
    entries = [
        entry(0, "10.00", details=(tx(uetr="u1"),)),
        entry(1, "20.00", details=(tx(end_to_end_id="E2"),)),
        entry(2, "30.00", batch_message_id="PAIN1", batch_payment_information_id="P1"),
        entry(3, "39.00", charges_total=Money(Decimal("1.00"), "EUR"),
              details=(tx(end_to_end_id="E4"),)),
        entry(4, "50.00", details=(tx(end_to_end_id="E5"),)),
        entry(5, "20.00", cd="CRDT", details=(tx(end_to_end_id="E2", return_reason="AC01"),)),
        entry(6, "7.00", details=(tx(end_to_end_id="NOPE"),)),
        entry(7, "8.00", details=(tx(end_to_end_id="E8"),)),
        entry(8, "8.00", details=(tx(end_to_end_id="E8"),)),
    ]
    transfers = [
        transfer("t1", "10.00", uetr="u1"),
        transfer("t2", "20.00", end_to_end_id="E2"),
        transfer("t3a", "10.00", msg_id="PAIN1", pmt_inf_id="P1"),
        transfer("t3b", "20.00", msg_id="PAIN1", pmt_inf_id="P1"),
        transfer("t4", "40.00", end_to_end_id="E4"),
        transfer("t5", "55.00", end_to_end_id="E5"),
        transfer("t6", "9.00", end_to_end_id="E6"),
        transfer("t8a", "8.00", end_to_end_id="E8"),
        transfer("t8b", "8.00", end_to_end_id="E8"),
    ]
    return entries, transfers


def test_scenario_and_determinism_under_shuffling() -> None:
    entries, transfers = _scenario()
    expected = match(entries, transfers)
    assert {m.entry_ref: m.rule for m in expected.matched} == {
        ref(0): "uetr", ref(1): "end_to_end_id+amount", ref(2): "batch", ref(3): "charges",
        ref(7): "end_to_end_id+amount", ref(8): "end_to_end_id+amount"}
    assert expected.returned == ("t2",)
    assert [(b.kind, b.transfer_keys) for b in expected.breaks] == [("amount", ("t5",))]
    assert [entry_ref(e) for e in expected.unmatched_statement] == [ref(6)]
    assert [t.transfer_key for t in expected.unmatched_ledger] == ["t6"]
    rng = random.Random(20261203)
    for _ in range(20):
        rng.shuffle(entries)
        rng.shuffle(transfers)
        assert match(entries, transfers) == expected


def test_duplicate_transfer_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="share a transfer key"):
        match([], [transfer("t1", "1.00"), transfer("t1", "2.00")])


def test_load_transfers_reads_the_ledger() -> None:
    with Ledger.open(":memory:") as ledger:
        entries = (Entry(transfer_key="k1", amount=Decimal("10.00"), currency="EUR",
                         end_to_end_id="E1", uetr="u1", debtor_account=IBAN,
                         msg_id="PAIN1", pmt_inf_id="P1", value_date=date(2026, 12, 3)),
                   Entry(transfer_key="k2", amount=Decimal("0.10"), currency="EUR",
                         end_to_end_id="E2"))
        ledger.record([Delivery(key="d1", route="sepa", adapter="file", rail="sepa",
                                message_id="PACS1", body=b"<Document/>", entries=entries)])
        ledger.advance(["k1"], "settled", detail="test")
        rows = load_transfers(ledger)
        assert [r.transfer_key for r in rows] == ["k1", "k2"]
        k1, k2 = rows
        assert (k1.amount, k1.currency, k1.state, k1.uetr, k1.end_to_end_id, k1.msg_id,
                k1.debtor_account) == (Decimal("10.00"), "EUR", "settled", "u1", "E1",
                                       "PAIN1", IBAN)
        assert (k1.pmt_inf_id, k1.value_date) == ("P1", date(2026, 12, 3))
        assert k2.value_date is None and k2.msg_id is None
        assert k2.pmt_inf_id is None and k2.acct_svcr_ref is None
        assert [r.transfer_key for r in load_transfers(ledger, accounts=(IBAN,))] == ["k1"]
        assert load_transfers(ledger, accounts=()) == []
        assert [r.transfer_key for r in load_transfers(ledger.db, states=("routed",))] == [
            "k2"]
        assert load_transfers(ledger, states=()) == []
        result = match([entry(0, "10.00", value_date=None, details=(tx(uetr="u1"),))], rows)
        assert result.matched == (Match(ref(0), ("k1",), "uetr"),)


def test_an_entry_booked_the_wrong_way_is_not_the_transfer() -> None:
    """On the debtor's statement a transfer is a debit: a credit with the same references
    and amount is another movement; its return is a credit."""
    out = transfer("t1", "10.00", end_to_end_id="E1", credit_debit="DBIT")
    credit = entry(0, "10.00", cd="CRDT", details=(tx(end_to_end_id="E1"),))
    result = match([credit], [out])
    assert not result.matched and not result.breaks and not result.returns
    assert len(result.unmatched_statement) == 1 and len(result.unmatched_ledger) == 1
    debit = entry(0, "10.00", cd="DBIT", details=(tx(end_to_end_id="E1"),))
    back = entry(1, "10.00", cd="CRDT", details=(tx(end_to_end_id="E1", return_reason="AC04"),))
    result = match([debit, back], [out])
    assert result.matched == (Match(ref(0), ("t1",), "end_to_end_id+amount"),)
    assert [(r.entry_ref, r.transfer_key) for r in result.returns] == [(ref(1), "t1")]
    wrong_way_back = entry(1, "10.00", cd="DBIT",
                           details=(tx(end_to_end_id="E1", return_reason="AC04"),))
    assert not match([debit, wrong_way_back], [out]).returns
    either = transfer("t1", "10.00", end_to_end_id="E1")  # no side given: both ways match
    assert match([credit], [either]).matched == (Match(ref(0), ("t1",), "end_to_end_id+amount"),)


def test_only_booked_entries_settle() -> None:
    t = transfer("t1", "10.00", end_to_end_id="E1")
    pending = entry(0, "10.00", status="PDNG", details=(tx(end_to_end_id="E1"),))
    result = match([pending], [t])
    assert not result.matched and result.not_booked == (pending,)
    assert [x.transfer_key for x in result.unmatched_ledger] == ["t1"]
    assert not result.unmatched_statement  # not a difference: not booked yet


def test_a_btch_wrapper_of_one_transaction_matches_by_its_references() -> None:
    t = transfer("t1", "10.00", end_to_end_id="E1", msg_id="PAIN1", pmt_inf_id="P1")
    others = [transfer(f"t{n}", "5.00", msg_id="PAIN1", pmt_inf_id="P1") for n in (2, 3)]
    one = entry(0, "10.00", batch_message_id="PAIN1", batch_payment_information_id="P1",
                batch_number_of_transactions=1, details=(tx(end_to_end_id="E1"),))
    result = match([one], [t, *others])
    assert result.matched == (Match(ref(0), ("t1",), "end_to_end_id+amount"),)
    assert sorted(x.transfer_key for x in result.unmatched_ledger) == ["t2", "t3"]


def test_a_batch_booked_the_wrong_way_or_late_is_no_batch_match() -> None:
    group = [transfer(f"t{n}", "10.00", msg_id="PAIN1", pmt_inf_id="P1", credit_debit="DBIT")
             for n in (1, 2)]
    wrong_way = entry(0, "20.00", cd="CRDT", batch_message_id="PAIN1",
                      batch_payment_information_id="P1")
    result = match([wrong_way], group)
    assert not result.matched and not result.breaks
    assert len(result.unmatched_ledger) == 2 and len(result.unmatched_statement) == 1
    late = entry(0, "20.00", value_date=date(2026, 12, 4), batch_message_id="PAIN1",
                 batch_payment_information_id="P1")
    far = match([late], group)  # DAY + 3 days
    assert not far.matched and [(b.kind, b.key) for b in far.breaks] == [("date", "batch")]
    near = match([late], group, options=MatchOptions(value_date_days=3))
    assert near.matched == (Match(ref(0), ("t1", "t2"), "value_date_tolerance"),)


def test_a_return_may_name_a_transfer_an_earlier_run_matched() -> None:
    t = transfer("t1", "10.00", end_to_end_id="E1", credit_debit="DBIT")
    back = entry(0, "10.00", cd="CRDT", details=(tx(end_to_end_id="E1", return_reason="AC04"),))
    result = match([back], [], earlier=[(t, "OLD/S/3")])
    assert [(r.transfer_key, r.original_entry_ref, r.reason) for r in result.returns] == [
        ("t1", "OLD/S/3", "AC04")]
    assert not result.unmatched_ledger  # the earlier ones are not expected again
    again = entry(1, "10.00", details=(tx(end_to_end_id="E1"),))  # booked a second time
    twice = match([again], [], earlier=[(t, "OLD/S/3")])
    assert not twice.matched and len(twice.unmatched_statement) == 1


def test_a_statement_without_entries_keeps_its_message_id_in_its_reference() -> None:
    quiet = statement(opening="5.00", closing="5.00", statement_id="EMPTY")
    checks = check_balances([], statements=[("MSG9", quiet), quiet])
    assert [(c.statement_ref, c.ok) for c in checks] == [("EMPTY", True), ("MSG9/EMPTY", True)]


def test_a_batch_without_ids_matches_each_detail_by_its_reference() -> None:
    transfers = [transfer("t1", "10.00", end_to_end_id="E1"),
                 transfer("t2", "20.00", uetr="0f7b3c3e-5a0b-4f7a-9a47-9c1c6f0d6a11"),
                 transfer("t3", "30.00", end_to_end_id="E3")]
    batch = entry(0, "30.00", details=(
        tx(end_to_end_id="E1"), tx(uetr="0F7B3C3E-5A0B-4F7A-9A47-9C1C6F0D6A11")))
    result = match([batch], transfers)
    assert result.matched == (Match(ref(0), ("t1", "t2"), "batch"),)
    assert [t.transfer_key for t in result.unmatched_ledger] == ["t3"]
    unknown = entry(0, "40.00", details=(tx(end_to_end_id="E1"), tx(end_to_end_id="E9")))
    assert not match([unknown], transfers).matched  # one detail names no transfer
    wrong_amount = entry(0, "30.00", details=(
        tx(end_to_end_id="E1", amount=Money(Decimal("11.00"), "EUR")),
        tx(uetr="0f7b3c3e-5a0b-4f7a-9a47-9c1c6f0d6a11")))
    assert not match([wrong_amount], transfers).matched
