"""Demo bank statements of what a ledger settled, for ``make run``'s reconciliation step.

``python -m iso20022.reconcile.demo LEDGER DIR`` writes one camt.053.001.08 per
debtor account and currency of the ledger's sent / settled transfers into
``DIR``, as the bank would report them, with a few differences a reconciliation
must find: in the largest statement one transfer is missing, one amount is a
cent off, one is booked with 1.50 of charges deducted, and one is returned
(AC04); every other statement is exact.  Then ``iso20022 reconcile DIR
--ledger LEDGER`` shows them.

Example: ``python -m iso20022.reconcile.demo demo/drop/data/ledger.sqlite demo/statements``
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from ..settle.ledger import Ledger
from .match import LedgerTransfer, load_transfers
from .synth import Differences, ReturnedTransfer, write_statement

__all__ = ["main", "write_demo_statements"]

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}")


def write_demo_statements(ledger: str | Path, out: str | Path) -> list[Path]:
    """Write the demo statements of ``ledger`` into ``out``; return their paths."""
    with Ledger.open(ledger) as book:
        transfers = load_transfers(book, states=("sent", "settled"))
    groups: dict[tuple[str, str], list[LedgerTransfer]] = defaultdict(list)
    for t in transfers:
        if t.debtor_account and _IBAN.fullmatch(t.debtor_account):  # statements need an IBAN
            groups[(t.debtor_account, t.currency)].append(t)
    order = sorted(groups, key=lambda k: (-len(groups[k]), k))
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (account, currency) in enumerate(order):
        members = groups[(account, currency)]
        differences = None
        if i == 0 and len(members) >= 4:
            keys = sorted(t.transfer_key for t in members)
            amount = next(t.amount for t in members if t.transfer_key == keys[1])
            differences = Differences(
                missing={keys[0]}, amounts={keys[1]: amount + Decimal("0.01")},
                charges={keys[2]: Decimal("1.50")},
                returns=(ReturnedTransfer(transfer_key=keys[3], reason="AC04"),))
        days = [t.value_date for t in members if t.value_date is not None]
        path = target / f"camt053-{i + 1:02d}-{account}-{currency}.xml"
        write_statement(path, members, account_iban=account, currency=currency,
                        message_id=f"DEMO-STMT-{i + 1:02d}", statement_id=f"S-{i + 1:02d}",
                        booking_date=max(days), opening_balance=Decimal("1000000.00"),
                        differences=differences)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m iso20022.reconcile.demo LEDGER DIR``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m iso20022.reconcile.demo",
                                description="write demo camt.053 statements of a ledger")
    p.add_argument("ledger", metavar="LEDGER")
    p.add_argument("out", metavar="DIR")
    args = p.parse_args(argv)
    paths = write_demo_statements(args.ledger, args.out)
    print(f"demo statements: {len(paths)} camt.053 files written to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
