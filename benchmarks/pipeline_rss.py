"""Peak RSS and throughput of ``iso20022 process`` on one huge pain.001 (the whole pipeline).

Generates a pain.001.001.09 of ``--transactions`` transactions (default
1,000,000, about 1.1 GB; 100 transactions per payment block) into a fresh drop's
``inbox/`` with ``synth.write_pain001`` (streamed, in a child), then runs
``python -m iso20022 process DROP --once --min-age 0 -q`` in a fresh child on
embedded defaults (SQLite ledger, file outbox) and reports the child's own peak
RSS (``ru_maxrss`` via ``os.wait4``, as ``rss_stream.py`` does), the wall time,
transactions/s and MB/s.  Correctness: the file is archived with one report,
and the ledger holds one transfer per transaction, every outbox row sent.

Exit status: 0 when the peak RSS is within ``--max-rss-mb`` (default 256, the
issue's bound) and the outcome is correct; 1 otherwise.

Usage::

    .venv/bin/python benchmarks/pipeline_rss.py                     # 1,000,000 tx
    .venv/bin/python benchmarks/pipeline_rss.py --transactions 20000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MB = 1024 * 1024

_GENERATE = """
import json, sys, time
from iso20022 import synth
start = time.perf_counter()
n = int(sys.argv[2])
size = synth.write_pain001(sys.argv[1], n, version="pain.001.001.09", seed=1,
                           n_pmtinf=max(1, n // 100))
print(json.dumps({"transactions": n, "bytes": size, "seconds": time.perf_counter() - start}))
"""


def _run_child(args: list[str]) -> tuple[int, str, str, int, float]:
    """Like :func:`_run`, reading the pipes by hand so ``wait4`` reaps the child."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_maxrss, seconds)


def _outcome(drop: Path) -> dict[str, Any]:
    def names(d: str) -> list[str]:
        p = drop / d
        return sorted(x.name for x in p.iterdir() if not x.name.startswith(".")) if p.is_dir() \
            else []

    conn = sqlite3.connect(drop / "data" / "ledger.sqlite")
    try:
        (transfers,), = conn.execute("SELECT COUNT(*) FROM transfers")
        states = dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
    finally:
        conn.close()
    return {"archive": len(names("archive")), "rejected": len(names("rejected")),
            "reports": len(names("reports")), "processing": len(names("processing")),
            "transfers": int(transfers), "outbox": {str(k): int(v) for k, v in states.items()}}


def measure(transactions: int, tmp_dir: str | None, workers: int = 1) -> dict[str, Any]:
    """Generate the file, process it once in a child; return the report."""
    with tempfile.TemporaryDirectory(prefix="iso20022-pipeline-rss-", dir=tmp_dir) as tmp:
        drop = Path(tmp) / "drop"
        (drop / "inbox").mkdir(parents=True)
        path = drop / "inbox" / "huge-pain.001.001.09.xml"
        status, out, err, _, _ = _run_child([sys.executable, "-c", _GENERATE, str(path),
                                             str(transactions)])
        if status != 0:
            raise RuntimeError(f"generating the document failed:\n{err}")
        document = json.loads(out.strip().splitlines()[-1])
        os.utime(path, (time.time() - 10, time.time() - 10))
        command = [sys.executable, "-m", "iso20022", "process", str(drop), "--once",
                   "--min-age", "0", "-q", "--workers", str(workers)]
        status, out, err, maxrss_kib, seconds = _run_child(command)
        outcome = _outcome(drop) if (drop / "data" / "ledger.sqlite").exists() else {}
    return {"document": {"message": "pain.001.001.09", **document},
            "command": " ".join(command[1:]), "exit_status": status,
            "stdout": out.strip().splitlines()[-2:], "stderr": err.strip().splitlines()[-5:],
            "peak_rss_mb": round(maxrss_kib / 1024, 1), "seconds": round(seconds, 2),
            "transactions_per_s": round(transactions / seconds),
            "mb_per_s": round(document["bytes"] / 1e6 / seconds, 2), "outcome": outcome}


def verdict(report: dict[str, Any], max_rss_mb: float) -> tuple[int, list[str]]:
    """(exit status, problems) of ``report`` against the bound and the expected outcome."""
    problems = []
    n = report["document"]["transactions"]
    o = report["outcome"]
    if report["exit_status"] != 0:
        problems.append(f"iso20022 process exited with {report['exit_status']}")
    if (o.get("archive"), o.get("reports"), o.get("processing")) != (1, 1, 0):
        problems.append(f"the file did not end archived with one report: {o}")
    if o.get("transfers") != n:
        problems.append(f"{o.get('transfers')} transfers in the ledger, expected {n}")
    if set(o.get("outbox", {})) - {"sent"}:
        problems.append(f"outbox rows not sent: {o.get('outbox')}")
    if report["peak_rss_mb"] > max_rss_mb:
        problems.append(f"peak RSS {report['peak_rss_mb']} MB > {max_rss_mb} MB")
    return (1 if problems else 0), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--max-rss-mb", type=float, default=256.0)
    parser.add_argument("--workers", type=int, default=1,
                        help="iso20022 process --workers (peak: the largest of the process and"
                             " its workers)")
    parser.add_argument("--tmp-dir", help="where to write the drop (default: the system's)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = measure(args.transactions, args.tmp_dir, args.workers)
    status, problems = verdict(report, args.max_rss_mb)
    report.update(max_rss_mb=args.max_rss_mb, status=status, problems=problems)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        doc = report["document"]
        print(f"pain.001.001.09: {doc['transactions']:,} transactions, "
              f"{doc['bytes'] / 1e6:,.1f} MB -> iso20022 process: {report['seconds']:,.1f} s, "
              f"{report['transactions_per_s']:,} tx/s, {report['mb_per_s']} MB/s, "
              f"peak RSS {report['peak_rss_mb']} MiB")
        for problem in problems:
            print(f"FAIL: {problem}")
        if not problems:
            print(f"OK: archived, {doc['transactions']:,} transfers settled once, "
                  f"peak RSS within {args.max_rss_mb} MiB")
    return status


if __name__ == "__main__":
    sys.exit(main())
