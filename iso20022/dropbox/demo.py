"""A realistic demo drop for ``make run``: several partners, pain.001 and pacs.008.

``python -m iso20022.dropbox.demo DIR`` writes into ``DIR/inbox``: corporate
customers' pain.001 files (versions .03 and .09, several payment blocks),
correspondent banks' pacs.008 (.08 single payments with an AppHdr, .02
bulk), one partly rejected file (a wrong IBAN check digit) and one file
dropped twice (answered as a duplicate).  ``make run`` adds the example
drop's deliberately bad files.  The same seed gives the same files.

Example: ``write_demo_drop("demo/drop", seed=1)`` -> a dict name -> bytes written
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from ..synth import pacs008, pain001

__all__ = ["write_demo_drop"]

_PARTNERS = (("acme-suppliers", "pain.001.001.09", 400), ("nordhandel", "pain.001.001.03", 250),
             ("gulf-trading", "pain.001.001.09", 120), ("alpine-tools", "pain.001.001.03", 60))


def write_demo_drop(drop: str | Path, *, seed: int = 1) -> dict[str, bytes]:
    """Write the demo files into ``drop/inbox``; return them by name.

    Example: ``sorted(write_demo_drop(tmp))[:1]`` -> ``['acme-suppliers-1-pain.001.001.09.xml']``
    """
    inbox = Path(drop) / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for k, (partner, version, tx) in enumerate(_PARTNERS):
        for run in (1, 2):
            files[f"{partner}-{run}-{version}.xml"] = pain001(
                tx // run, version=version, seed=seed * 100 + k * 10 + run)
    for i in range(3):
        files[f"correspondent-{i + 1}-pacs.008.001.08.xml"] = pacs008(
            1, version="pacs.008.001.08", seed=seed * 100 + 50 + i)
    files["clearing-bulk-pacs.008.001.02.xml"] = pacs008(
        40, version="pacs.008.001.02", seed=seed * 100 + 60, envelope=False)
    part = pain001(30, version="pain.001.001.09", seed=seed * 100 + 70)
    files["acme-suppliers-3-one-wrong-iban-pain.001.001.09.xml"] = re.sub(
        rb"(<CdtrAcct>\s*<Id>\s*<IBAN>[A-Z]{2})(\d\d)",
        lambda m: m[1] + b"%02d" % ((int(m[2]) + 1) % 100), part, count=1)
    files["nordhandel-1-resent-pain.001.001.03.xml"] = files["nordhandel-1-pain.001.001.03.xml"]
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m iso20022.dropbox.demo DIR [--seed N]``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m iso20022.dropbox.demo",
                                description="write a demo partner drop into DIR/inbox")
    p.add_argument("drop", metavar="DIR")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    files = write_demo_drop(args.drop, seed=args.seed)
    print(f"demo drop: {len(files)} partner files written to {args.drop}/inbox")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
