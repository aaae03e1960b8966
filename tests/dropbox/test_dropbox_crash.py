"""Crash safety, the real thing: ``iso20022 process`` killed with SIGKILL at random moments.

The service runs in a subprocess over a drop of ~50 files (pain.001 in two
versions, pacs.008, bad files, a duplicate); it is killed at least 20 times,
at seeded random delays (some during start-up, most while files are being
decided, reported, moved or relayed), and restarted each time (more partner
files arrive whenever fewer than five wait, so there is always work to kill);
a last run finishes.  Then every input file must be in exactly one terminal place,
unchanged, with exactly one status report; every accepted transfer recorded
once in the ledger, every outbox row sent, and the file outbox holding each
file-adapter transfer exactly once (see ``dropkit.check_drop``).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from iso20022.dropbox import Journal
from iso20022.settle.ledger import Ledger

from .dropkit import check_drop, make_drop, visible

SEED = 20261125
KILLS = 24


def _command(drop: Path) -> list[str]:
    return [sys.executable, "-m", "iso20022", "process", str(drop), "--min-age", "0", "-q"]


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=40, tx=150, pacs_files=3, seed=3)
    rng = random.Random(SEED)
    kills = batches = 0
    while kills < KILLS:
        if len(visible(drop / "inbox")) < 5:
            # More partner files arrive before the inbox runs dry, so that the
            # service is always busy when it is killed, however fast this machine.
            batches += 1
            assert batches <= 100, "the service finishes before it can be killed"
            files.update(make_drop(drop / "inbox", pain_files=10, tx=150, pacs_files=1,
                                   bad=False, seed=3 + batches, prefix=f"b{batches}-"))
        proc = subprocess.Popen(_command(drop), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        _, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()
    final = subprocess.run(_command(drop), capture_output=True, timeout=300)
    assert final.returncode in (0, 1), final.stderr.decode()
    assert kills >= 20
    ledger_path = str(drop / "data" / "ledger.sqlite")
    counts = check_drop(drop, files, ledger_path)
    assert counts["file_transfers"] > 1000
    with Ledger.open(ledger_path) as ledger:
        journal = Journal(ledger.db)
        rows = journal.files()
        assert {r.state for r in rows} == {"done"}
        # one journal row per final file: a claim the crash interrupted was resumed, not redone
        assert len(rows) == len(files)
