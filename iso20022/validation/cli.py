"""``iso20022 validate``: verdicts on the terminal or as JSON, status reports on request.

Exit status: 0 when every message was accepted whole (ACCP / ACTC), 1 when
something was rejected (PART or RJCT), 2 when an input was unusable (not
readable, not well-formed XML, not a supported ISO 20022 message: an issue of
the ``xml`` rule) or the command line was wrong.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from .._fileio import write_atomic
from .engine import validate
from .rules import RULE_SETS, RuleOptions
from .seen import MessageStore
from .verdict import MessageVerdict, Status

__all__ = ["add_validate_command"]

EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2


def add_validate_command(sub: Any) -> None:
    """Register ``validate`` on the ``iso20022`` command's subparsers."""
    p = sub.add_parser("validate", help="validate messages: XSD, business rules, rule sets")
    p.add_argument("files", nargs="+", metavar="FILE_OR_DIR")
    p.add_argument("--rules", choices=tuple(RULE_SETS), default="generic",
                   help="the rule set (default: generic)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--report", metavar="PATH",
                   help="write the pain.002 / pacs.002 status report here (a directory "
                        "when several files are validated)")
    p.add_argument("--store", metavar="DB",
                   help="SQLite file of MsgIds received before, for the DU01 duplicate check "
                        "(default: only the files of this run)")
    p.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="processing date for the date rules (default: each message's CreDtTm)")
    p.add_argument("--max-days-ahead", type=int, default=365, metavar="N")
    p.add_argument("--max-days-back", type=int, default=0, metavar="N")
    p.add_argument("--max-amount", action="append", default=[], metavar="CCY=AMOUNT",
                   help="largest accepted amount in a currency (repeatable); '*=AMOUNT' for all")
    p.set_defaults(func=_cmd_validate)


def _options(args: argparse.Namespace) -> RuleOptions:
    limits: dict[str, Decimal] = {}
    default: Decimal | None = None
    for item in args.max_amount:
        ccy, _, text = item.partition("=")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"--max-amount {item!r}: not CCY=AMOUNT") from None
        if not amount.is_finite() or amount <= 0:
            raise ValueError(f"--max-amount {item!r}: the amount must be above zero")
        if ccy == "*":
            default = amount
        else:
            limits[ccy.upper()] = amount
    return RuleOptions(today=args.today, max_days_back=args.max_days_back,
                       max_days_ahead=args.max_days_ahead, max_amounts=limits,
                       max_amount=default)


def _expand(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(str(p) for p in path.iterdir()
                              if p.is_file() and not p.name.startswith(".")))
        else:
            out.append(name)
    return out


def _cmd_validate(args: argparse.Namespace) -> int:
    options = _options(args)
    files = _expand(args.files)
    verdicts: list[MessageVerdict] = []
    with MessageStore(args.store) as store:
        for name in files:
            verdict = validate(name, rules=args.rules, options=options, store=store)
            verdicts.append(verdict)
            if args.format == "text":
                _print_text(verdict)
            if args.report:
                _write_report(verdict, Path(args.report), several=len(files) > 1)
    if args.format == "json":
        sys.stdout.buffer.write(orjson.dumps([v.as_dict() for v in verdicts],
                                             option=orjson.OPT_INDENT_2))
        sys.stdout.buffer.write(b"\n")
    if any(v.message_type is None or any(i.rule == "xml" for i in v.issues) for v in verdicts):
        return EXIT_UNUSABLE
    if any(v.status in (Status.PART, Status.RJCT) for v in verdicts):
        return EXIT_REJECTED
    return EXIT_OK


def _print_text(verdict: MessageVerdict) -> None:
    rejected = max(len(verdict.rejected), verdict.transactions_rejected)
    what = (f"{verdict.message_type} {verdict.message_id or '(MsgId unknown)'}"
            if verdict.message_type else "unreadable")
    print(f"{verdict.file}: {verdict.status} {what}: {verdict.transactions_seen} transactions, "
          f"{rejected} rejected ({verdict.rules} rules)")
    for issue in verdict.all_issues():
        where = f"line {issue.line}: " if issue.line else ""
        path = f"{issue.path}: " if issue.path else ""
        print(f"  {issue.code} {issue.rule}: {where}{path}{issue.text}")


def _write_report(verdict: MessageVerdict, target: Path, *, several: bool) -> None:
    from ..build.status import UNREADABLE_REPORT_VERSION, status_report
    from ..errors import ReportError

    try:
        data = status_report(verdict)
    except ReportError:  # a message with no status report of its own (camt, pacs.009, ...)
        data = status_report(verdict, version=UNREADABLE_REPORT_VERSION)
    if several or target.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        stem = Path(verdict.file or "message").name
        target = target / f"{stem}.status.xml"
    write_atomic(target, data)
