"""The ``iso20022`` command.

Commands: ``detect FILE...``, ``parse FILE... [--format jsonl|json|csv] [--output PATH]``,
``summary FILE_OR_DIR...``, ``route FILE... --routes routes.toml [--format text|jsonl]``,
``validate FILE... [--rules R] [--format text|json] [--report PATH]`` (exit 1
when something was rejected), ``serve --config TOML [--host --port --workers]`` and
``gateway-key --name N`` (the HTTP gateway, with the ``gateway`` extra);
``--version`` names the implementation that runs.

Exit status: 0 when every input was read, 2 when an input was unusable (one
line per problem on stderr: ``file:line:column: path: message [reason code]``)
or the command line was wrong.  With ``--output``, the file is written
atomically and only when every input parsed; on stdout, a non-zero status
means the output is incomplete.  No traceback is ever printed for bad input
(set ``ISO20022_DEBUG=1`` to see one for an internal error).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import orjson

from . import __version__
from ._impl import FALLBACK_REASON, IMPLEMENTATION
from .catalog import detect
from .errors import Iso20022Error, ParseError
from .jsonio import json_schema, to_dict
from .parse import parse
from .records import Transfer

__all__ = ["main"]

EXIT_OK = 0
EXIT_UNUSABLE = 2

CSV_COLUMNS: tuple[tuple[str, Callable[[Transfer], Any]], ...] = (
    ("file", lambda t: t.source.file),
    ("index", lambda t: t.source.index),
    ("line", lambda t: t.source.line),
    ("message_type", lambda t: t.message.message_type),
    ("message_id", lambda t: t.message.message_id),
    ("payment_information_id", lambda t: t.payment and t.payment.payment_information_id),
    ("end_to_end_id", lambda t: t.end_to_end_id),
    ("instruction_id", lambda t: t.instruction_id),
    ("transaction_id", lambda t: t.transaction_id),
    ("uetr", lambda t: t.uetr),
    ("amount", lambda t: t.amount.amount),
    ("currency", lambda t: t.amount.currency),
    ("interbank_settlement_date", lambda t: t.interbank_settlement_date),
    ("requested_execution_date", lambda t: t.payment and t.payment.requested_execution_date),
    ("debtor_name", lambda t: t.debtor and t.debtor.name),
    ("debtor_iban", lambda t: t.debtor_account and t.debtor_account.iban),
    ("debtor_agent_bic", lambda t: t.debtor_agent and t.debtor_agent.bic),
    ("creditor_name", lambda t: t.creditor and t.creditor.name),
    ("creditor_iban", lambda t: t.creditor_account and t.creditor_account.iban),
    ("creditor_agent_bic", lambda t: t.creditor_agent and t.creditor_agent.bic),
    ("service_level", lambda t: t.service_level),
    ("local_instrument", lambda t: t.local_instrument),
    ("category_purpose", lambda t: t.category_purpose),
    ("charge_bearer", lambda t: t.charge_bearer),
    ("purpose", lambda t: t.purpose),
    ("remittance", lambda t: " | ".join(t.remittance_unstructured) or t.creditor_reference),
)


def _say_error(exc: BaseException, file: str | None = None) -> None:
    if isinstance(exc, ParseError):
        exc.with_file(file)
        text = str(exc)
    else:
        text = f"{file}: {exc}" if file else str(exc)
    print(f"iso20022: error: {text}", file=sys.stderr)


def _expand(paths: Iterable[str]) -> Iterator[str]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(str(p) for p in path.iterdir() if p.is_file()
                              and not p.name.startswith("."))
        else:
            yield name


# -- commands ---------------------------------------------------------------------------


def _cmd_detect(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in _expand(args.files):
        try:
            found = detect(name)
        except Iso20022Error as exc:
            _say_error(exc, name)
            status = EXIT_UNUSABLE
            continue
        parts = [str(found.message_id), "supported" if found.supported else "not supported"]
        if found.root != "Document":
            parts.append(f"envelope <{found.root}>")
        if found.app_header is not None:
            parts.append(f"AppHdr {found.app_header}")
        print(f"{name}: {', '.join(parts)}")
    return status


class _Writer:
    """Writes transfers in one format to a text stream."""

    def __init__(self, fmt: str, out: IO[str]) -> None:
        self.fmt = fmt
        self.out = out
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out, lineterminator="\n")
            self.csv.writerow([name for name, _ in CSV_COLUMNS])
        elif fmt == "json":
            out.write("[")

    def write(self, transfer: Transfer) -> None:
        if self.fmt == "csv":
            self.csv.writerow(["" if (v := get(transfer)) is None else v
                               for _, get in CSV_COLUMNS])
        else:
            data = orjson.dumps(to_dict(transfer)).decode()
            if self.fmt == "json":
                self.out.write(("," if self.count else "") + "\n" + data)
            else:
                self.out.write(data + "\n")
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")


def _cmd_parse(args: argparse.Namespace) -> int:
    files = list(_expand(args.files))
    if args.output in (None, "-"):
        writer = _Writer(args.format, sys.stdout)
        status = _parse_into(files, writer, args.message)
        writer.close()
        return status
    target = Path(args.output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                               dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = _Writer(args.format, out)
            status = _parse_into(files, writer, args.message)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        if status == EXIT_OK:
            os.replace(tmp, target)
            print(f"iso20022: wrote {writer.count} transfers to {target}", file=sys.stderr)
        else:
            print(f"iso20022: nothing written to {target}: not every input parsed",
                  file=sys.stderr)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return status


def _parse_into(files: Sequence[str], writer: _Writer, message: str | None) -> int:
    status = EXIT_OK
    for name in files:
        try:
            for transfer in parse(name, message=message):
                writer.write(transfer)
        except Iso20022Error as exc:
            _say_error(exc, name)
            status = EXIT_UNUSABLE
    return status


def _cmd_summary(args: argparse.Namespace) -> int:
    status = EXIT_OK
    files = list(_expand(args.files))
    grand: dict[str, Decimal] = {}
    good = 0
    for name in files:
        totals: dict[str, Decimal] = {}
        count = 0
        message = "?"
        try:
            for transfer in parse(name):
                message = transfer.message.message_type
                count += 1
                money = transfer.amount
                totals[money.currency] = totals.get(money.currency, Decimal(0)) + money.amount
        except Iso20022Error as exc:
            _say_error(exc, name)
            print(f"{Path(name).name}: REJECTED ({type(exc).__name__}, "
                  f"{getattr(exc, 'code', '')})")
            status = EXIT_UNUSABLE
            continue
        good += 1
        for currency, amount in totals.items():
            grand[currency] = grand.get(currency, Decimal(0)) + amount
        amounts = ", ".join(f"{amount} {ccy}" for ccy, amount in sorted(totals.items()))
        print(f"{Path(name).name}: {message}, {count} transfers, {amounts or 'no amounts'}")
    amounts = ", ".join(f"{amount} {ccy}" for ccy, amount in sorted(grand.items()))
    print(f"total: {good} of {len(files)} files read; {amounts or 'no amounts'}")
    return status


def _cmd_route(args: argparse.Namespace) -> int:
    from .route import Routes  # only this command needs it

    routes = Routes.load(args.routes)  # a RouteConfigError is one line and exit 2 (main)
    status = EXIT_OK
    counts: dict[str, int] = {}
    for name in _expand(args.files):
        try:
            for transfer in parse(name):
                decision = routes.route(transfer)
                route = decision.route
                counts[route.name] = counts.get(route.name, 0) + 1
                if args.format == "jsonl":
                    print(orjson.dumps({
                        "file": name, "index": transfer.source.index,
                        "end_to_end_id": transfer.end_to_end_id,
                        "amount": str(transfer.amount.amount),
                        "currency": transfer.amount.currency, "route": route.name,
                        "adapter": route.adapter, "rail": route.rail, "format": route.format,
                        "why": decision.why}).decode())
                else:
                    print(f"{name}[{transfer.source.index}] {transfer.end_to_end_id} "
                          f"{transfer.amount.amount} {transfer.amount.currency} -> {route.name} "
                          f"({route.adapter}/{route.rail}, {route.format}): {decision.why}")
        except Iso20022Error as exc:
            _say_error(exc, name)
            status = EXIT_UNUSABLE
    if args.format == "text":
        per_route = ", ".join(f"{n}: {c}" for n, c in counts.items())
        print(f"total: {sum(counts.values())} transfers routed; {per_route or 'none'}")
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n")
    return EXIT_OK


# -- entry point ------------------------------------------------------------------------


def _version() -> str:
    why = "" if FALLBACK_REASON is None else f": {FALLBACK_REASON}"
    return f"iso20022 {__version__} ({IMPLEMENTATION} implementation{why})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iso20022", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("detect", help="say which ISO 20022 message each file holds")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_cmd_detect)

    p = sub.add_parser("parse", help="turn messages into transfer records")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=("jsonl", "json", "csv"), default="jsonl")
    p.add_argument("--output", "-o", metavar="PATH", help="write here (atomically) "
                   "instead of stdout")
    p.add_argument("--message", metavar="ID", help="require this message, e.g. pacs.008.001.08")
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("summary", help="count transfers and sum amounts per file")
    p.add_argument("files", nargs="+", metavar="FILE_OR_DIR")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("route", help="show the route each transfer takes, and why")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--routes", required=True, metavar="TOML", help="the routes file")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    p.set_defaults(func=_cmd_route)

    p = sub.add_parser("schema", help="print the JSON Schema of a transfer record")
    p.set_defaults(func=_cmd_schema)

    from .batch import add_batch_command
    from .validation.cli import add_validate_command

    add_validate_command(sub)
    add_batch_command(sub)

    from .dropbox.cli import add_dropbox_commands

    add_dropbox_commands(sub)

    from .reconcile.cli import add_reconcile_command

    add_reconcile_command(sub)

    _add_gateway_commands(sub)
    return parser


def _add_gateway_commands(sub: Any) -> None:
    try:
        from .gateway.serve import add_commands
    except ImportError:  # the gateway extra is not installed
        return
    add_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): not an error worth a message.
        sys.stderr.close()
        return EXIT_OK
    except (Iso20022Error, OSError, ValueError) as exc:
        _say_error(exc)
        return EXIT_UNUSABLE
    except Exception as exc:  # an internal error: one line, the traceback on request
        if os.environ.get("ISO20022_DEBUG"):
            raise
        print(f"iso20022: internal error: {type(exc).__name__}: {exc} "
              "(set ISO20022_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
