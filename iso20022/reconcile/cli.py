"""``iso20022 reconcile``: statements against the ledger, a report in CSV, JSON lines or Parquet.

Writes three tables to ``--output`` (default ``./reconciliation``), each
atomically (a temporary file renamed into place):

- ``results.<ext>``: one row per match, return, break, unmatched statement
  entry and unmatched ledger transfer (:data:`~iso20022.reconcile.job.ROW_FIELDS`);
- ``balances.<ext>``: one row per statement, opening + entries = closing;
- ``summary.<ext>``: per account and currency.

Amounts are exact: decimal text in CSV and JSON lines, ``decimal128(23, 5)``
(ISO 20022 amounts have at most 18 digits, 5 of them fractional) in Parquet.
Exit status: 0 everything matched and every balance agrees, 1 differences
were found, 2 unusable input (a statement that does not parse, a ledger that
fails, a Dask scheduler that cannot be reached).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from ..distribute import ConfigurationError
from ..validation.cli import _expand
from .job import BALANCE_FIELDS, ROW_FIELDS, SUMMARY_FIELDS, ReconcileOptions, reconcile
from .match import MatchOptions

__all__ = ["FORMATS", "add_reconcile_command", "write_table"]

FORMATS = ("csv", "jsonl", "parquet")
_AMOUNTS = {"statement_amount", "ledger_amount", "opening", "credits", "debits",
            "expected_closing", "closing", "matched_amount", "returned_amount"}
_INTEGERS = {"entries", "matched", "returned", "breaks", "unmatched_statement", "not_booked",
             "unmatched_ledger", "balances_ok", "balances_failed"}


def add_reconcile_command(sub: Any) -> None:
    """Register ``reconcile`` on the ``iso20022`` command's subparsers."""
    p = sub.add_parser("reconcile", help="match camt.053 / camt.054 statements against the "
                                         "ledger's transfers")
    p.add_argument("statements", nargs="+", metavar="STATEMENT_OR_DIR")
    p.add_argument("--ledger", required=True, metavar="URL",
                   help="the ledger: a SQLite path or a postgresql:// URL")
    p.add_argument("--from", dest="date_from", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="first booking day to reconcile (inclusive)")
    p.add_argument("--to", dest="date_to", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="last booking day to reconcile (inclusive)")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.add_argument("--output", default="reconciliation", metavar="DIR",
                   help="where the report goes (default: ./reconciliation)")
    p.add_argument("--value-date-days", type=int, default=2, metavar="N",
                   help="value dates may differ by up to N days (default: 2)")
    p.add_argument("--no-charges", action="store_true",
                   help="do not match entries whose amount is the transfer's less charges")
    p.add_argument("--no-returns", action="store_true",
                   help="do not mark transfers returned by reversal / return entries")
    p.add_argument("--dry-run", action="store_true",
                   help="write the report but leave the ledger's states alone")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler (default: local processes)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the cores)")
    p.set_defaults(func=_cmd_reconcile)


def _statement_files(names: Sequence[str]) -> list[str]:
    """The files named, directories expanded; a missing one stops the job (a statement
    left out would show its transfers as unmatched)."""
    files = _expand(list(names))
    if not files:
        raise FileNotFoundError(f"no statement files in {' '.join(names)}")
    for name in files:
        if not Path(name).is_file():
            raise FileNotFoundError(f"{name}: no such statement file")
    return files


def _cmd_reconcile(args: argparse.Namespace) -> int:
    if args.value_date_days < 0:
        raise ValueError("--value-date-days must be 0 or more")
    if args.scheduler is not None and args.workers is not None:
        raise ConfigurationError("--workers sizes the local pool; a Dask scheduler's "
                                 "workers are its own: give one or the other")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise ValueError("--from is after --to")
    if args.format == "parquet":
        _need_pyarrow()
    files = _statement_files(args.statements)
    options = ReconcileOptions(
        match=MatchOptions(value_date_days=args.value_date_days, charges=not args.no_charges,
                           returns=not args.no_returns),
        date_from=args.date_from, date_to=args.date_to)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    results = TableWriter(out / f"results.{args.format}", ROW_FIELDS, args.format)
    try:
        report = reconcile(files, args.ledger, options=options, scheduler=args.scheduler,
                           workers=args.workers, update=not args.dry_run, sink=results)
        written = [results.close()]
    except BaseException:
        results.abort()
        raise
    written += [write_table(out / f"{name}.{args.format}", fields, rows, args.format)
                for name, fields, rows in (("balances", BALANCE_FIELDS, report.balances),
                                           ("summary", SUMMARY_FIELDS, report.summary))]
    _print_summary(report.summary, report.balances)
    totals = report.totals
    print(f"{report.files} statement files, {report.partitions} partitions on {report.engine}: "
          + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in totals.items()))
    if args.dry_run:
        print("ledger left alone (--dry-run)")
    else:
        print(f"ledger: {report.updated['settled']} transfers settled, "
              f"{report.updated['returned']} returned")
    print("report: " + ", ".join(str(p) for p in written))
    return report.exit_code


def _print_summary(summary: Sequence[tuple[str, ...]],
                   balances: Sequence[tuple[str, ...]]) -> None:
    head = ("account", "ccy", "entries", "matched", "returned", "breaks", "stmt only",
            "ledger only", "matched amount")
    rows = [(s[0], s[1], *s[2:8], s[8]) for s in summary]
    widths = [max(len(str(r[i])) for r in (head, *rows)) for i in range(len(head))]
    for r in (head, *rows):
        print("  ".join(str(v).rjust(w) if i >= 2 else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(r, widths, strict=True))))
    for b in balances:
        if b[9] == "false":
            print(f"balance check failed: {b[0]} ({b[1]} {b[2]}): opening {b[3]} + "
                  f"credits {b[4]} - debits {b[5]} = {b[6]}, closing says {b[7]}")


def _need_pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ConfigurationError("--format parquet needs pyarrow "
                                 "(pip install 'iso20022[parquet]')") from None
    return pyarrow


class TableWriter:
    """One report table written as rows arrive, renamed into place on :meth:`close`.

    Until then the rows go to a temporary file beside the target (a dot name,
    invisible to readers); :meth:`abort` removes it.  CSV and JSON lines are
    written row by row; Parquet one row group per :meth:`write`.
    """

    def __init__(self, path: Path, fields: Sequence[str], fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r}")
        self.path, self.fields, self.fmt = path, tuple(fields), fmt
        self.tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        self._parquet: Any = None
        self._fh: Any = None
        self._text: Any = None
        self._csv: Any = None
        if fmt == "parquet":
            pa = _need_pyarrow()
            import pyarrow.parquet as pq

            self._schema = pa.schema([(name, _arrow_type(pa, name)) for name in self.fields])
            self._parquet = pq.ParquetWriter(str(self.tmp), self._schema)
        else:
            self._fh = open(self.tmp, "wb")  # noqa: SIM115 - closed in close() / abort()
            if fmt == "csv":
                self._text = io.TextIOWrapper(self._fh, encoding="utf-8", newline="")
                self._csv = csv.writer(self._text)
                self._csv.writerow(self.fields)

    def write(self, rows: Sequence[tuple[str, ...]], /) -> None:
        """Append rows (strings, ``""`` for none)."""
        if self.fmt == "csv":
            self._csv.writerows(rows)
        elif self.fmt == "jsonl":
            self._fh.write(b"".join(orjson.dumps(_json_row(self.fields, row)) + b"\n"
                                    for row in rows))
        elif rows:
            self._parquet.write_table(_arrow_table(self._schema, self.fields, rows))

    def close(self) -> Path:
        """Flush, fsync and rename into place; return the path."""
        if self._parquet is not None:
            self._parquet.close()
            with open(self.tmp, "rb") as fh:
                os.fsync(fh.fileno())
        else:
            if self._text is not None:
                self._text.flush()
                self._text.detach()
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop what was written; the target is left as it was."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            elif self._fh is not None and not self._fh.closed:
                self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def write_table(path: Path, fields: Sequence[str], rows: Sequence[tuple[str, ...]],
                fmt: str) -> Path:
    """Write one whole report table to ``path`` atomically; return the path."""
    writer = TableWriter(path, fields, fmt)
    try:
        writer.write(rows)
        return writer.close()
    except BaseException:
        writer.abort()
        raise


def _json_row(fields: Sequence[str], row: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in zip(fields, row, strict=True):
        if value == "":
            out[name] = None
        elif name in _INTEGERS:
            out[name] = int(value)
        elif name == "ok":
            out[name] = value == "true"
        elif name == "transfer_keys":
            out[name] = value.split(" ")
        else:
            out[name] = value  # amounts stay decimal text: exact
    return out


def _arrow_type(pa: Any, name: str) -> Any:
    if name in _AMOUNTS:
        return pa.decimal128(23, 5)
    if name in _INTEGERS:
        return pa.int64()
    if name == "ok":
        return pa.bool_()
    return pa.string()


def _arrow_table(schema: Any, fields: Sequence[str], rows: Sequence[tuple[str, ...]]) -> Any:
    import pyarrow as pa

    columns = list(zip(*rows, strict=True))
    arrays = []
    for name, column in zip(fields, columns, strict=True):
        if name in _AMOUNTS:
            values: list[Any] = [Decimal(v) if v else None for v in column]
        elif name in _INTEGERS:
            values = [int(v) if v else None for v in column]
        elif name == "ok":
            values = [None if v == "" else v == "true" for v in column]
        else:
            values = [v or None for v in column]
        arrays.append(pa.array(values, type=schema.field(name).type))
    return pa.Table.from_arrays(arrays, schema=schema)
