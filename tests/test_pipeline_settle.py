"""Validated transfers, routed and planned, recorded and relayed: every adapter gets each once.

The stages of the pipeline meet here (validation, routing, outbound building,
the ledger's transactional outbox, the relay and the file and ledger
adapters), on SQLite, as the file-drop service composes them.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from iso20022 import synth
from iso20022.build import plan
from iso20022.route import Routes
from iso20022.settle.files import FileAdapter
from iso20022.settle.ledger import Ledger
from iso20022.settle.ledger_adapter import LedgerAdapter
from iso20022.settle.outbox import Relay
from iso20022.validation import Status, check

OUR_BIC = "HANSDEHHXXX"

ROUTES = {
    "route": [
        {"name": "sepa-bulk", "adapter": "file", "rail": "step2-sct",
         "format": "pacs.008.001.02-bulk", "settlement_method": "CLRG",
         "clearing_system": "ST2", "instructed_agent": "BKAUATWWXXX",
         "match": {"currency": ["EUR"]}},
    ],
    "default": {"name": "cbpr", "adapter": "file", "rail": "swift-cbpr",
                "format": "pacs.008.001.08", "settlement_method": "INDA",
                "business_service": "swift.cbprplus.02"},
}


def _accepted(data: bytes) -> list:  # type: ignore[type-arg]
    checked = check(data)
    transfers = [t for t, issues in checked if not issues]
    assert checked.verdict.status is Status.ACCP
    return transfers


def test_accepted_transfers_reach_their_rails_exactly_once_across_a_replay(
        tmp_path: Path) -> None:
    data = synth.pain001(120, version="pain.001.001.09", seed=21)
    transfers = _accepted(data)
    routes = Routes.from_dict(ROUTES)
    deliveries = plan(transfers, routes, our_bic=OUR_BIC)
    by_adapter = Counter(d.adapter for d in deliveries)
    assert set(by_adapter) == {"file"}

    ledger = Ledger.open(tmp_path / "ledger.db")
    outbox = tmp_path / "outbox"
    try:
        assert ledger.record(deliveries) == len(deliveries)
        # The same file processed again (a crash before it was archived): nothing new.
        again = plan(_accepted(data), routes, our_bic=OUR_BIC)
        assert [d.key for d in again] == [d.key for d in deliveries]
        assert ledger.record(again) == 0
        relay = Relay(ledger, [FileAdapter(outbox)])
        relay.drain()
        relay.drain()  # nothing left: a second drain delivers nothing again
    finally:
        ledger.close()

    written = sorted(p for p in outbox.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(written) == len(deliveries)
    # Every transfer is in exactly one outbound message, with its exact amount.
    keys = Counter(e.transfer_key for d in deliveries for e in d.entries)
    assert len(keys) == len(transfers) and set(keys.values()) == {1}
    total = sum((e.amount for d in deliveries for e in d.entries if e.currency == "EUR"),
                Decimal(0))
    assert total == sum((t.amount.amount for t in transfers if t.amount.currency == "EUR"),
                        Decimal(0))


def test_on_us_book_transfers_post_debit_and_credit(tmp_path: Path) -> None:
    data = synth.pain001(60, version="pain.001.001.09", seed=22)
    # A ledger account holds one currency; the generator's debtors pay in several.
    transfers = [t for t in _accepted(data) if t.amount.currency == "EUR"]
    assert len(transfers) >= 5
    routes = Routes.from_dict({"route": [], "default": {
        "name": "on-us", "adapter": "ledger", "rail": "book", "format": "book"}})
    deliveries = plan(transfers, routes, our_bic=OUR_BIC)
    ledger = Ledger.open(tmp_path / "ledger.db")
    try:
        adapter = LedgerAdapter(ledger)
        accounts = {(e.debtor_account, e.currency) for d in deliveries for e in d.entries}
        accounts |= {(e.creditor_account, e.currency) for d in deliveries for e in d.entries}
        for account, currency in sorted(accounts, key=str):
            assert account is not None
            adapter.open_account("book", account, currency, allow_overdraft=True)
        ledger.record(deliveries)
        Relay(ledger, [adapter]).drain()
        for d in deliveries:
            for e in d.entries:
                legs = {(p.leg, p.account, p.amount, p.currency)
                        for p in adapter.postings("book", e.transfer_key)}
                assert len(legs) == 2
                assert {(leg, account) for leg, account, _, _ in legs} == {
                    ("debit", e.debtor_account), ("credit", e.creditor_account)}
                assert {(amount, ccy) for _, _, amount, ccy in legs} <= {
                    (e.amount, e.currency), (-e.amount, e.currency)}
        debits = sum((adapter.balance("book", a) for a, _ in accounts), Decimal(0))
        assert debits == 0  # money moved between our customers, none created
    finally:
        ledger.close()
