"""Statement parsing: camt.053.001.08 of 10,000 entries, our two implementations and peers.

The document is written by :func:`iso20022.reconcile.synth.write_statement` from
10,000 synthetic settled transfers (one ``Ntry`` each, with ``TxDtls/Refs``,
related parties, value and booking dates; about 8 MB).  Cases, on the same
bytes in one ``benchmark.group``: ``iso20022-compiled`` and ``iso20022-python``
(``parse_entries``, full :class:`~iso20022.statements.StatementEntry` records),
``lxml-sax-null`` (libxml2 only tokenizing: the floor) and ``lxml-fromstring``
(the whole tree, ``Ntry`` counted).  ``extra_info``: ``entries``,
``entries_per_s``, ``bytes`` and whether the count was right.  Quick mode
(``--benchmark-disable``) runs each case once on the same document.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from iso20022.parse.camt import parse_entries
from iso20022.reconcile.synth import make_transfers, write_statement

from .harness import implementation_modules
from .test_parse import _NullTarget

ENTRIES = 10_000
IBAN = "DE89370400440532013000"


@pytest.fixture(scope="module")
def statement() -> bytes:
    out = io.BytesIO()
    write_statement(out, make_transfers(ENTRIES, seed=3, debtor_account=IBAN),
                    account_iban=IBAN, currency="EUR", message_id="BENCH-STMT",
                    statement_id="S-1", booking_date=date(2026, 12, 1),
                    opening_balance=Decimal("100000000.00"))
    return out.getvalue()


def ours(data: bytes) -> int:
    return sum(1 for _ in parse_entries(data))


def lxml_sax_null(data: bytes) -> None:
    parser = etree.XMLParser(target=_NullTarget(),  # type: ignore[arg-type]  # no callbacks
                             resolve_entities=False, no_network=True, huge_tree=True)
    parser.feed(data)
    parser.close()


_TREE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def lxml_fromstring(data: bytes) -> int:
    return sum(1 for _ in etree.fromstring(data, _TREE).iter("{*}Ntry"))


CASES: dict[str, tuple[str, Callable[[bytes], int | None]]] = {
    "iso20022-compiled": ("compiled", ours),
    "iso20022-python": ("python", ours),
    "lxml-sax-null": ("lxml SAX null target (floor)", lxml_sax_null),
    "lxml-fromstring": ("lxml.etree.fromstring", lxml_fromstring),
}


@pytest.mark.parametrize("case", list(CASES))
def test_parse_statement(benchmark: Any, statement: bytes, case: str) -> None:
    implementation, fn = CASES[case]
    benchmark.group = f"camt.053.001.08 {ENTRIES:,} entries"

    def run() -> int | None:
        return benchmark.pedantic(fn, args=(statement,), rounds=5, iterations=1,
                                  warmup_rounds=1)

    if case.startswith("iso20022-"):
        with implementation_modules(implementation):
            produced = run()
    else:
        produced = run()
    correct = None if produced is None else produced == ENTRIES
    info: dict[str, Any] = {"implementation": implementation, "case": case,
                            "entries": ENTRIES, "bytes": len(statement), "correct": correct}
    if benchmark.stats is not None:
        info["entries_per_s"] = round(ENTRIES / benchmark.stats.stats.mean)
    benchmark.extra_info.update(info)
    assert correct is not False, f"{case} produced {produced}, expected {ENTRIES}"
