"""Helpers of the file-drop tests: building drops and checking where everything ended."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

from iso20022 import parse
from iso20022.dropbox.claim import claim_id_of
from iso20022.keys import transfer_key
from iso20022.settle.ledger import Ledger
from iso20022.synth import pacs008, pain001
from iso20022.validation import check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "drop"
BAD_EXAMPLES = ("bad-decimal-comma-pain.001.001.03.xml", "bad-doctype-pacs.008.xml",
                "bad-truncated-upload.xml", "statement-camt.053.001.08.xml")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_drop(inbox: Path, *, pain_files: int, tx: int, pacs_files: int = 1,
              bad: bool = True, duplicate: bool = True, seed: int = 0,
              prefix: str = "") -> dict[str, bytes]:
    """Write a drop into ``inbox``; return {name: content} of every file written."""
    inbox.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for i in range(pain_files):
        version = "pain.001.001.09" if i % 2 else "pain.001.001.03"
        files[f"{prefix}partner{i % 3}-{i:03d}-{version}.xml"] = pain001(tx, version=version,
                                                                 seed=seed * 1000 + i)
    for i in range(pacs_files):
        files[f"{prefix}correspondent-{i:03d}-pacs.008.xml"] = pacs008(3, version="pacs.008.001.08",
                                                               seed=seed * 1000 + 500 + i)
    if bad:
        for name in BAD_EXAMPLES:
            files[name] = (EXAMPLES / name).read_bytes()
        files["not-xml.xml"] = b"%PDF-1.4 this is not XML\n"
        files["empty.xml"] = b""
    if duplicate and pain_files:
        first = next(iter(files))
        files[f"resent-{first}"] = files[first]
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return files


def expected_transfers(files: dict[str, bytes]) -> set[str]:
    """Keys of the transfers the drop must settle: accepted ones, first copy of duplicates."""
    keys: set[str] = set()
    seen: set[str] = set()
    for _, data in sorted(files.items()):
        if sha(data) in seen:
            continue
        seen.add(sha(data))
        checked = check(data)
        accepted = [t for t, issues in checked if not issues]
        verdict = checked.verdict
        if not verdict.accepted:
            continue
        bad_payments = {p.index for p in verdict.payments if p.issues}
        keys.update(transfer_key(t) for t in accepted
                    if t.payment is None or t.payment.index not in bad_payments)
    return keys


def visible(directory: Path) -> list[Path]:
    """Files of ``directory`` readers see (temporary files start with a dot)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def check_drop(drop: Path, files: dict[str, bytes], ledger_target: str) -> dict[str, int]:
    """Assert the end state of a processed drop; return a few counts."""
    assert visible(drop / "inbox") == []
    assert visible(drop / "processing") == []
    placed: dict[str, list[Path]] = {}
    for place in ("archive", "rejected"):
        for p in visible(drop / place):
            placed.setdefault(claim_id_of(p.name)[1], []).append(p)
    # every input file in exactly one terminal place, unchanged: nothing deleted or doubled
    assert sorted(placed) == sorted(files)
    for name, paths in placed.items():
        assert len(paths) == 1, (name, paths)
        assert paths[0].read_bytes() == files[name]
    # exactly one status report per file, named after its claim
    reports = Counter(p.name.split(".xml.", 1)[0] + ".xml" for p in visible(drop / "reports"))
    final_ids = {paths[0].name for paths in placed.values()}
    assert set(reports) == final_ids
    assert set(reports.values()) == {1}
    # every accepted transfer settled exactly once: ledger, outbox rows, outbox files
    expected = expected_transfers(files)
    with Ledger.open(ledger_target) as ledger:
        rows = ledger.db.execute("SELECT transfer_key, adapter, end_to_end_id, amount FROM"
                                 " transfers")
        counts = ledger.outbox_counts()
        outbox_rows = ledger.db.execute("SELECT adapter, rail, delivery_key FROM outbox")
    keys = [str(r[0]) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected
    assert counts["pending"] == 0 and counts["failed"] == 0
    assert counts["sent"] == len(outbox_rows)
    in_files: Counter[tuple[str, str]] = Counter()
    outbox = drop / "data" / "outbox"
    for f in sorted(outbox.glob("*/*.xml")):
        if not f.name.startswith("."):
            in_files.update((t.end_to_end_id, str(t.amount.amount)) for t in parse(f))
    file_rows = Counter((str(r[2]), str(r[3])) for r in rows if r[1] == "file")
    assert in_files == file_rows
    file_deliveries = sum(1 for r in outbox_rows if r[0] == "file")
    assert len([f for f in outbox.glob("*/*.xml") if not f.name.startswith(".")]) == \
        file_deliveries
    return {"transfers": len(keys), "file_transfers": sum(file_rows.values()),
            "deliveries": len(outbox_rows)}


def copy_examples(inbox: Path) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for f in EXAMPLES.iterdir():
        shutil.copy(f, inbox / f.name)
