"""Peak RSS while streaming a pain.001: runs benchmarks/rss_stream.py on a small document.

The script itself is the check (1 GB by default); this runs it on 20 MiB so the
quick mode exercises it. The 64 MiB bound is enforced for the compiled path
only, and skipped when the compiled implementation is unavailable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("rss_stream.py")
SIZE_MB = 20
MAX_RSS_MB = 64


def _run_script() -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--size-mb", str(SIZE_MB), "--max-rss-mb", str(MAX_RSS_MB),
         "--json"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.huge
def test_rss_stream(benchmark: Any) -> None:
    benchmark.group = f"peak RSS streaming pain.001 {SIZE_MB} MiB (whole script)"
    status, report = benchmark.pedantic(_run_script, rounds=1, iterations=1)
    results = report["results"]
    benchmark.extra_info.update(
        size_mb=SIZE_MB, transactions=report["document"]["transactions"],
        bytes=report["document"]["bytes"], status=status, reasons=report["reasons"],
        **{f"{name}_{key}": value for name, result in results.items()
           for key, value in result.items() if key in ("peak_rss_mb", "mb_per_s", "tx_per_s",
                                                      "unavailable")},
    )
    python = results["python"]
    assert python.get("records") == report["document"]["transactions"], python
    assert status != 1, report["reasons"]
    if status == 2:
        pytest.skip("; ".join(report["reasons"]))
    assert results["compiled"]["peak_rss_mb"] <= MAX_RSS_MB
