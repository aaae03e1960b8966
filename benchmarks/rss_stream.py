"""Peak RSS of streaming a large pain.001 through ``iso20022.parse``, per implementation.

Generates a pain.001.001.09 of ``--size-mb`` MB (default 1024) into a temporary
directory with ``synth.write_pain001_bytes_target``, then parses the file in a
fresh interpreter per implementation (``iso20022.parse(path)``, counting the
records and summing the amounts) and reports the child's peak RSS and its
throughput. The twin runs with ``ISO20022_NO_EXTENSIONS=1``.

Exit status: 0 when the compiled path stayed within ``--max-rss-mb`` (default 64),
1 when it did not (or a child failed, or the two implementations disagree), 2 when
the compiled implementation is not available here (no bound was checked).

Usage::

    .venv/bin/python benchmarks/rss_stream.py                  # 1 GB, both implementations
    .venv/bin/python benchmarks/rss_stream.py --size-mb 20 --json

Measuring: the peak RSS is the child's ``ru_maxrss`` (KiB on Linux), taken with
``os.wait4`` for that child alone (``getrusage(RUSAGE_CHILDREN)`` is the maximum
over every child waited for, so a second child could not be told apart from the
first). Linux carries the spawning process's peak RSS over into the child at
``exec``, so this parent imports only the standard library and generates the
document in a child of its own: the floor it adds is the parent's ~10 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MB = 1024 * 1024
IMPLEMENTATIONS = ("compiled", "python")

_GENERATE = """
import json, sys, time
from iso20022 import synth
start = time.perf_counter()
n_tx, size = synth.write_pain001_bytes_target(sys.argv[1], int(sys.argv[2]), seed=1)
print(json.dumps({"transactions": n_tx, "bytes": size,
                  "seconds": time.perf_counter() - start}))
"""

_PARSE = """
import json, os, sys, time
from decimal import Decimal
import iso20022
want = sys.argv[2]
if iso20022.IMPLEMENTATION != want:
    print(json.dumps({"unavailable": iso20022.FALLBACK_REASON or iso20022.IMPLEMENTATION}))
    sys.exit(0)
start = time.perf_counter()
records, total = 0, Decimal(0)
for transfer in iso20022.parse(sys.argv[1]):
    records += 1
    total += transfer.amount.amount
seconds = time.perf_counter() - start
print(json.dumps({"records": records, "amount_sum": str(total), "seconds": seconds,
                  "bytes": os.path.getsize(sys.argv[1])}))
"""


def _run_child(code: str, args: list[str], env: dict[str, str]) -> tuple[dict[str, Any], int]:
    """Run ``python -c code args`` and return (its JSON output, its own peak RSS in KiB)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"child exited with {proc.returncode}:\n{err.decode(errors='replace')}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss


def _env(implementation: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ISO20022_NO_EXTENSIONS", None)
    if implementation == "python":
        env["ISO20022_NO_EXTENSIONS"] = "1"
    return env


def measure(size_mb: float, implementations: tuple[str, ...], tmp_dir: str | None
            ) -> dict[str, Any]:
    """Generate the document, parse it once per implementation; return the report."""
    report: dict[str, Any] = {"size_mb": size_mb, "results": {}}
    with tempfile.TemporaryDirectory(prefix="iso20022-rss-", dir=tmp_dir) as tmp:
        path = str(Path(tmp) / "pain001.xml")
        generated, _ = _run_child(_GENERATE, [path, str(int(size_mb * MB))], _env("python"))
        report["document"] = {"message": "pain.001.001.09", **generated}
        for implementation in implementations:
            result, maxrss_kib = _run_child(_PARSE, [path, implementation], _env(implementation))
            if "unavailable" not in result:
                result["peak_rss_mb"] = maxrss_kib / 1024
                result["mb_per_s"] = result["bytes"] / MB / result["seconds"]
                result["tx_per_s"] = result["records"] / result["seconds"]
            report["results"][implementation] = result
    return report


def verdict(report: dict[str, Any], max_rss_mb: float) -> tuple[int, list[str]]:
    """(exit status, reasons) for ``report`` against the bound on the compiled path."""
    results, problems = report["results"], []
    expected = report["document"]["transactions"]
    for name, result in results.items():
        if "records" in result and result["records"] != expected:
            problems.append(f"{name}: {result['records']} records, expected {expected}")
    sums = {r["amount_sum"] for r in results.values() if "amount_sum" in r}
    if len(sums) > 1:
        problems.append(f"the implementations disagree on the amount sum: {sorted(sums)}")
    compiled = results.get("compiled")
    if compiled is not None and "peak_rss_mb" in compiled and compiled["peak_rss_mb"] > max_rss_mb:
        problems.append(f"compiled peak RSS {compiled['peak_rss_mb']:.1f} MB > {max_rss_mb} MB")
    if problems:
        return 1, problems
    if compiled is None or "unavailable" in compiled:
        why = compiled["unavailable"] if compiled else "not run"
        return 2, [f"compiled implementation unavailable ({why}): RSS bound not checked"]
    return 0, []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=1024.0,
                        help="size of the generated pain.001 in MiB (default 1024)")
    parser.add_argument("--max-rss-mb", type=float, default=64.0,
                        help="bound on the compiled path's peak RSS in MiB (default 64)")
    parser.add_argument("--implementation", choices=[*IMPLEMENTATIONS, "both"], default="both")
    parser.add_argument("--tmp-dir", help="where to write the document (default: the system's)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    which = IMPLEMENTATIONS if args.implementation == "both" else (args.implementation,)
    start = time.perf_counter()
    report = measure(args.size_mb, which, args.tmp_dir)
    status, reasons = verdict(report, args.max_rss_mb)
    report.update(max_rss_mb=args.max_rss_mb, status=status, reasons=reasons,
                  wall_seconds=time.perf_counter() - start)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        doc = report["document"]
        print(f"pain.001.001.09: {doc['transactions']:,} transactions, "
              f"{doc['bytes'] / MB:,.1f} MiB (generated in {doc['seconds']:.1f} s)")
        for name, result in report["results"].items():
            if "unavailable" in result:
                print(f"  {name:9} unavailable: {result['unavailable']}")
                continue
            print(f"  {name:9} peak RSS {result['peak_rss_mb']:7.1f} MiB  "
                  f"{result['mb_per_s']:7.1f} MiB/s  {result['tx_per_s']:10,.0f} tx/s  "
                  f"{result['records']:,} records")
        for reason in reasons:
            print(("FAIL: " if status == 1 else "NOTE: ") + reason)
        if status == 0:
            print(f"OK: compiled peak RSS within {args.max_rss_mb} MiB")
    return status


if __name__ == "__main__":
    sys.exit(main())
