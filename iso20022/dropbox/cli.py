"""``iso20022 process DIR [--once]``, ``iso20022 watch DIR``, ``iso20022 status DIR``.

``process`` takes the ready files of ``DIR/inbox`` (recovering ``processing/``
first), writes their reports and moves them, relays the outbox, and repeats
until a round finds nothing (``--once``: one round).  ``watch`` keeps polling
until SIGTERM or SIGINT, which stop it after the current file.  ``status``
summarises the journal, the outbox and the ledger.

stdout: one line per file (``STATUS name -> place: n tx, m rejected,
amounts``) and a summary; stderr: the structured log, one JSON line per file
(``-q`` silences it).  Exit status: 0 when every file was accepted whole, 1
when a file was rejected in whole or in part or left for a later try, 2 for a
bad configuration or an unusable ledger.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import orjson

from .config import load_config
from .pool import serve, serve_workers
from .service import DropService, FileResult, Progress

__all__ = ["add_dropbox_commands"]

EXIT_OK, EXIT_REJECTED = 0, 1


def add_dropbox_commands(sub: Any) -> None:
    """Register ``process``, ``watch`` and ``status`` on the ``iso20022`` subparsers."""
    for name, text in (("process", "process a partner drop: inbox -> reports, archive, "
                                   "rejected, settlement"),
                       ("watch", "process a partner drop continuously until SIGTERM")):
        p = sub.add_parser(name, help=text)
        p.add_argument("drop", metavar="DIR", help="the drop (inbox/ and the service's folders)")
        p.add_argument("--config", metavar="TOML", help="the service's configuration "
                       "(default: embedded defaults)")
        p.add_argument("--instance", metavar="NAME", help="this instance's name")
        p.add_argument("--min-age", type=float, metavar="SECONDS",
                       help="take files unchanged for this long (default 1)")
        p.add_argument("-q", "--quiet", action="store_true", help="no structured log on stderr")
        p.add_argument("--workers", type=int, metavar="N",
                       help="instances in child processes, e.g. one per core (default: the "
                            "configuration's workers, 1)")
        if name == "process":
            p.add_argument("--once", action="store_true", help="one round, then stop")
        p.set_defaults(func=_cmd_run, mode=name)
    p = sub.add_parser("status", help="summarise the drop's journal, outbox and ledger")
    p.add_argument("drop", metavar="DIR")
    p.add_argument("--config", metavar="TOML")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_status)


def _say(r: FileResult) -> None:
    amounts = ", ".join(f"{a} {c}" for c, a in sorted(r.amounts.items())) or "-"
    dup = f" (duplicate of {r.duplicate_of})" if r.duplicate_of else ""
    print(f"{r.status:4} {r.name} -> {r.place}/{r.id}: {r.transactions} tx, "
          f"{r.rejected} rejected, {r.deliveries} deliveries, accepted {amounts}{dup}",
          flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    log = logging.getLogger("iso20022.dropbox")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    if not args.quiet:
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        return _run(args)
    finally:
        log.removeHandler(handler)


def _tty_progress() -> Callable[[str], Progress] | None:
    """A tqdm bar per file on an interactive terminal; None when piped, in CI or without
    the 'progress' extra."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None

    def bar(name: str) -> Progress:
        return tqdm(desc=name[:40], unit=" tx", leave=False, file=sys.stderr,
                    mininterval=0.5, delay=1.0)

    return bar


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config, drop=args.drop,
                         overrides={"instance": args.instance, "min_age": args.min_age})
    once = bool(getattr(args, "once", False))
    workers = args.workers if args.workers is not None else config.workers
    if workers > 1:
        total = serve_workers(config, workers, mode=args.mode, once=once, on_file=_say)
    else:
        total = serve(config, mode=args.mode, once=once, on_file=_say,
                      progress=_tty_progress())
    print(f"{total.files} files: {total.accepted} archived, {total.rejected} rejected "
          f"({total.duplicates} duplicates), {total.recovered} recovered, "
          f"{total.retry_later} left for a later try; {total.transactions} transactions; "
          f"{total.deliveries_sent} deliveries sent", flush=True)
    whole = all(r.status in ("ACCP", "ACTC") for r in total.results)
    return EXIT_OK if whole and not total.retry_later else EXIT_REJECTED


def _cmd_status(args: argparse.Namespace) -> int:
    config = load_config(args.config, drop=args.drop)
    with DropService(config) as service:
        summary: dict[str, Any] = service.journal.summary()
        open_files = [{"id": f.id, "state": f.state, "claimed_at": f.claimed_at}
                      for f in service.journal.files() if f.state != "done"]
        summary["in_flight"] = open_files
        summary["outbox"] = service.ledger.outbox_counts()
        summary["transfers"] = service.ledger.states()
        summary["inbox"] = sum(1 for p in config.inbox.iterdir() if p.is_file())
    if args.format == "json":
        print(orjson.dumps(summary, option=orjson.OPT_SORT_KEYS).decode())
        return EXIT_OK
    for key in ("state", "status", "place", "outbox", "transfers"):
        values = ", ".join(f"{k} {v}" for k, v in sorted(summary[key].items())) or "-"
        print(f"{key + ':':11}{values}")
    print(f"{'inbox:':11}{summary['inbox']} file(s) waiting")
    for f in open_files:
        print(f"in flight: {f['id']} ({f['state']} since {f['claimed_at']})")
    return EXIT_OK
