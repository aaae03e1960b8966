"""Throughput per case and the issue's targets, from a ``--benchmark-json`` file.

Usage::

    .venv/bin/python -m pytest benchmarks -m "not huge" --benchmark-json bench.json
    .venv/bin/python benchmarks/targets.py bench.json

Prints transactions/s and MB/s per case, then each target as measured ratio vs
required ratio. Exit status 1 when a target with both sides measured is missed.
The figures are this machine's, in this run: only the ratios carry over.
"""

from __future__ import annotations

import json
import sys
from typing import Any

PAIN_10K = "pain.001.001.09 10,000 tx"
PACS = "pacs.008.001.08 single x200"

VALIDATED = "validated pain.001.001.09 {:,} tx"

# (group, case, what it is compared with, required ratio or None for an absolute rate)
TARGETS: list[tuple[str, str, str | None, float]] = [
    (PAIN_10K, "iso20022-compiled", "lxml-sax-null", 0.8),
    (PAIN_10K, "iso20022-compiled", "iso20022-python", 7.0),
    (PACS, "iso20022-compiled", None, 100_000.0),  # messages/s
    (PACS, "iso20022-compiled", "lxml-fromstring", 2.5),  # "about", reported only
    (PACS, "iso20022-compiled", "xsdata", 60.0),
    ("route 100,000 transfers", "iso20022-routes", None, 50_000.0),  # transfers/s, one core
    # validated ingestion (parse + streaming XSD + generic rules), transactions/s, one core
    (VALIDATED.format(10_000), "iso20022-validate", None, 50_000.0),
    (VALIDATED.format(100_000), "iso20022-validate", None, 50_000.0),
]


def rates(report: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(group, case) -> transactions per second."""
    out = {}
    for bench in report["benchmarks"]:
        info = bench["extra_info"]
        if "case" in info:
            out[bench["group"], info["case"]] = info["transactions"] / bench["stats"]["mean"]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        report = json.load(fh)
    for bench in sorted(report["benchmarks"], key=lambda b: (b["group"], b["stats"]["mean"])):
        info = bench["extra_info"]
        if "case" in info:
            mean = bench["stats"]["mean"]
            print(f"{bench['group']:30} {info['case']:20} {info['transactions'] / mean:12,.0f} tx/s"
                  f" {info['bytes'] / mean / 1e6:9.1f} MB/s  correct={info['correct']}")
    measured = rates(report)
    missed = False
    print()
    for group, case, versus, required in TARGETS:
        ours = measured.get((group, case))
        other = measured.get((group, versus)) if versus else 1.0
        label = f"{group}: {case} " + (f"vs {versus}" if versus else "per second")
        if ours is None or other is None:
            print(f"  {label}: not measured")
            continue
        value = ours / other
        ok = value >= required
        approximate = versus == "lxml-fromstring"
        missed |= not ok and not approximate
        verdict = "~" if approximate else ("ok" if ok else "MISSED")
        print(f"  {label}: {value:,.2f} (target {required:,.2f}) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
