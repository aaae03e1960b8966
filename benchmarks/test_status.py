"""Status reports: ``status_report`` on a verdict of 100,000 transactions, 0 to 10,000 rejected.

Each case builds the same report a file drop would write for such a verdict
(every rejected transaction with one issue, amount and ids) and checks, outside
the timing, that the report validates against its official XSD and lists every
rejected transaction. No peer library builds status reports from verdicts, so
the groups compare report sizes and versions with each other only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from iso20022 import IMPLEMENTATION, schemas
from iso20022.build import status_report
from iso20022.records import Money
from iso20022.validation.verdict import Issue, MessageVerdict, PaymentVerdict, TransactionVerdict

SEEN = 100_000
SHARED_XSD = Path(__file__).resolve().parents[2] / "shared" / "xsd"


def _verdict(message_type: str, rejected: int) -> MessageVerdict:
    pain = message_type.startswith("pain")
    step = SEEN // max(rejected, 1)
    txs = tuple(
        TransactionVerdict(
            index=i * step, payment_index=1 + (i * step) // 1000 if pain else None,
            key=f"{i:032x}", end_to_end_id=f"E2E-{i * step}", instruction_id=f"I-{i * step}",
            transaction_id=f"T-{i * step}", uetr=f"{i:08x}-0000-4000-8000-000000000000",
            amount=Money(Decimal("1234.56"), "EUR"), line=10 + i * step * 12,
            issues=(Issue(code="AC01", rule="iban.checksum", text="IBAN check digits wrong",
                          path=f"/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[{i}]/CdtrAcct",
                          line=10 + i * step * 12),))
        for i in range(rejected))
    payments = tuple(
        PaymentVerdict(payment_information_id=f"PMT-{p}", index=p, number_of_transactions=1000,
                       control_sum=Decimal("1234560.00"), transactions_seen=1000)
        for p in range(1, SEEN // 1000 + 1)) if pain else ()
    return MessageVerdict(
        file="drop.xml", message_type=message_type, message_id="MSG-1",
        sender="BANKDEFFXXX", number_of_transactions=SEEN, control_sum=Decimal("123456000.00"),
        transactions_seen=SEEN, payments=payments, rejected=txs)


@pytest.mark.parametrize("rejected", [0, 1_000, 10_000])
@pytest.mark.parametrize(("message_type", "version"), [
    ("pain.001.001.03", "pain.002.001.03"), ("pacs.008.001.08", "pacs.002.001.10")])
def test_status_report(benchmark: Any, monkeypatch: pytest.MonkeyPatch, message_type: str,
                       version: str, rejected: int) -> None:
    if not (schemas.BUNDLED_DIR / f"{version}.xsd").is_file():
        if not SHARED_XSD.is_dir():
            pytest.skip(f"{version}.xsd is in ../shared/xsd, which is absent")
        monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, str(SHARED_XSD))
    verdict = _verdict(message_type, rejected)
    benchmark.group = f"status report, {SEEN:,} tx, {rejected:,} rejected"
    report = benchmark.pedantic(status_report, args=(verdict,), rounds=3, iterations=1)
    root = etree.fromstring(report, etree.XMLParser(resolve_entities=False, no_network=True,
                                                    huge_tree=True))
    listed = len(root.xpath("//*[local-name()='TxInfAndSts']"))
    correct = bool(schemas.load_schema(version).validate(root)) and listed == rejected
    info: dict[str, Any] = {"implementation": IMPLEMENTATION, "version": version,
                            "rejected": rejected, "bytes": len(report), "correct": correct}
    if benchmark.stats is not None:  # None with --benchmark-disable
        info["rejected_per_s"] = rejected / benchmark.stats.stats.mean
    benchmark.extra_info.update(info)
    assert correct, f"{version}: {listed} of {rejected} listed, or not valid"
