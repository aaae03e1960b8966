"""The reconciliation job: statements in, report out, the ledger's transfers updated.

Contract: :func:`reconcile` takes camt.053 / camt.054 files and a ledger
(SQLite path or ``postgresql://`` URL) and runs in two parallel phases through
:func:`iso20022.distribute.map_tasks` (a local process pool, or Dask distributed
when a ``scheduler`` is given):

1. *index*: every file is parsed (in parallel, one task a file) and yields the
   accounts it reports on; a file that does not parse stops the job with its
   typed error (file, line, element path) before anything is written;
2. *match*: the files are partitioned by account (files sharing an account
   fall in one partition); each partition task parses its files, loads from the
   ledger only the transfers of its accounts (debtor or creditor account, in the
   period), and runs :func:`~iso20022.reconcile.match.match` per account.  A
   task returns compact rows, never records.

The partitions run in waves; a wave's rows go out in partition order (the same
for any worker count or engine: to a sink such as a report file, or kept in
the report) and then, unless ``update=False``, the ledger is updated in one
transaction per wave: a matched transfer becomes ``settled`` (from ``routed``
or ``sent``), a returned one ``returned``; each gets its ``reconciliations``
row (rule, statement entry, return entry and reason).  Memory holds one wave's
results.  Re-running the same statements changes nothing (the updates are
idempotent), so a run stopped between waves is finished by running it again.

The period (``date_from`` / ``date_to``, inclusive) keeps the entries booked in
it (booking date, else value date) and the transfers whose value date lies in it
(widened by the value-date tolerance); transfers of accounts no statement
covers are not expected, so never reported.

Example:
    >>> report = reconcile(["camt053.xml"], "ledger.sqlite")  # doctest: +SKIP
    >>> report.exit_code, report.totals["matched"]  # doctest: +SKIP
    (0, 100)
"""

from __future__ import annotations

import resource
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from lxml import etree

from ..distribute import Engine
from ..errors import Iso20022Error, ParseError, SettlementError
from ..parse.camt import parse_entries, parse_statements
from ..settle._db import Database
from ..settle.ledger import Ledger
from ..settle.migrations import now
from ..statements import Statement, StatementEntry
from .match import (
    LedgerTransfer,
    MatchOptions,
    MatchResult,
    check_balances,
    entry_ref,
    load_transfers,
    match,
    statement_ref,
)

__all__ = ["BALANCE_FIELDS", "ROW_FIELDS", "SUMMARY_FIELDS", "DuplicateStatementError",
           "ReconcileOptions",
           "ReconcileReport", "RowSink", "apply_updates", "reconcile"]

ROW_FIELDS = ("kind", "rule", "account", "currency", "entry_ref", "transfer_keys",
              "statement_amount", "ledger_amount", "statement_date", "ledger_date",
              "key", "reason", "end_to_end_id", "uetr")
"""The columns of the result rows (one row per match, return, break or unmatched item)."""

BALANCE_FIELDS = ("statement", "account", "currency", "opening", "credits", "debits",
                  "expected_closing", "closing", "entries", "ok")
SUMMARY_FIELDS = ("account", "currency", "entries", "matched", "returned", "breaks",
                  "unmatched_statement", "unmatched_ledger", "matched_amount",
                  "returned_amount", "balances_ok", "balances_failed", "not_booked")

_LEDGER_STATES = ("routed", "sent", "settled", "returned")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileOptions:
    """What to match and how far the tolerance rules stretch."""

    match: MatchOptions = field(default_factory=MatchOptions)
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive


@dataclass(frozen=True, slots=True)
class _Update:
    transfer_key: str
    state: str  # settled | returned
    rule: str
    entry_ref: str  # the entry that booked the transfer
    return_ref: str | None  # the return / reversal entry
    reason: str | None
    statement: str  # the statement of ``entry_ref``
    account: str


@dataclass(frozen=True, slots=True)
class _Partition:
    """What one match task returns: rows, balance checks and the ledger updates."""

    rows: tuple[tuple[str, ...], ...]
    balances: tuple[tuple[str, ...], ...]
    updates: tuple[_Update, ...]
    peak_rss_mb: float  # the worker process's peak RSS so far


class RowSink(Protocol):
    """Where result rows go as each wave of partitions finishes (e.g. a report file)."""

    def write(self, rows: Sequence[tuple[str, ...]], /) -> None: ...


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """The job's result: counts, the balance checks, the summary, what was updated.

    ``rows`` holds every result row only when no ``sink`` took them (see
    :func:`reconcile`); ``totals`` counts them either way.
    """

    rows: tuple[tuple[str, ...], ...]  # ROW_FIELDS, partition order (empty with a sink)
    balances: tuple[tuple[str, ...], ...]  # BALANCE_FIELDS
    summary: tuple[tuple[str, ...], ...]  # SUMMARY_FIELDS, per account and currency
    totals: dict[str, int]  # rows per kind
    files: int
    partitions: int
    engine: str
    updated: dict[str, int]  # transfers moved per state, e.g. {"settled": 10, "returned": 1}
    worker_peak_rss_mb: float = 0.0  # the largest peak RSS a match task's process reported

    @property
    def exit_code(self) -> int:
        """0 when everything matched and every balance agrees, else 1."""
        totals = self.totals
        clean = not (totals["break"] or totals["unmatched_statement"]
                     or totals["unmatched_ledger"])
        return 0 if clean and all(b[9] != "false" for b in self.balances) else 1


_KINDS = ("matched", "return", "break", "unmatched_statement", "unmatched_ledger",
          "not_booked")


# -- phase 1: which accounts does each file report on ----------------------------------------


def account_of(statement: Statement) -> str:
    """The statement's account: the IBAN, else the other id, else ``"?"``."""
    account = statement.account
    if account.iban:
        return account.iban
    return account.other_id.id if account.other_id is not None else "?"


class DuplicateStatementError(Iso20022Error, ValueError):
    """Two statement files report the same statement (``MsgId/Stmt-Id``)."""


def _index_file(path: str) -> tuple[str, tuple[str, ...], tuple[tuple[str | None, Statement],
                                                                 ...]]:
    """Parse one file whole (so a bad one stops the job before anything is written);
    return its accounts and its statements with their message's MsgId (for the
    references and for the balance checks of statements without entries, which
    the match phase, reading entries only, would not see)."""
    statements = tuple(parse_statements(path))
    if not statements:
        raise ParseError("no Stmt or Ntfctn: not a statement the schema allows", file=path,
                         code="FF01")
    message_id = _group_message_id(path)
    return (path, tuple(sorted({account_of(s) for s in statements})),
            tuple((message_id, s) for s in statements))


def _group_message_id(path: str) -> str | None:
    """``GrpHdr/MsgId`` of a file the statement parser has just read (so safe and
    well formed): read by libxml2 from the start of the file, up to that element."""
    with open(path, "rb") as fh:  # closed even when the loop stops early
        for _, element in etree.iterparse(fh, events=("end",), tag="{*}MsgId",
                                          resolve_entities=False, no_network=True,
                                          load_dtd=False):
            parent = element.getparent()
            if parent is not None and etree.QName(parent).localname == "GrpHdr":
                text: str | None = element.text
                return text
    return None


def _components(index: Sequence[tuple[str, tuple[str, ...], object]]
                ) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Group files sharing an account: (accounts, files) per partition, in a stable order."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for path, accounts, _ in index:
        for account in accounts:
            parent[find("a:" + account)] = find("f:" + path)
        find("f:" + path)
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for path, accounts, _ in index:
        files, accs = groups.setdefault(find("f:" + path), ([], []))
        files.append(path)
        accs.extend(a for a in accounts if a not in accs)
    parts = [(tuple(sorted(accs)), tuple(files)) for files, accs in groups.values()]
    return sorted(parts)


# -- phase 2: match one partition --------------------------------------------------------------


def _in_period(d: date | None, lo: date | None, hi: date | None) -> bool:
    if d is None:
        return True
    return (lo is None or d >= lo) and (hi is None or d <= hi)


def _entry_day(e: StatementEntry) -> date | None:
    if e.booking_date is not None:
        return e.booking_date
    if e.booking_date_time is not None:
        return e.booking_date_time.date()
    if e.value_date is not None:
        return e.value_date
    return e.value_date_time.date() if e.value_date_time is not None else None


def _text(value: object) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Task:
    ledger: str
    accounts: tuple[str, ...]
    files: tuple[str, ...]
    # every statement of the files with its MsgId, from the index phase
    statements: tuple[tuple[str | None, Statement], ...]
    options: ReconcileOptions


def _match_partition(task: _Task) -> _Partition:
    opts = task.options
    entries: dict[str, list[StatementEntry]] = defaultdict(list)  # in the period
    booked: dict[str, list[StatementEntry]] = defaultdict(list)  # all, for the balances
    statements: dict[str, list[tuple[str | None, Statement]]] = defaultdict(list)
    currencies: dict[str, set[str]] = defaultdict(set)  # what each account's statements cover
    run_refs = {statement_ref(s, m) for m, s in task.statements}
    for message_id, s in task.statements:
        account = account_of(s)
        statements[account].append((message_id, s))
        currencies[account].update(c for c in (s.account.currency, *(
            b.amount.currency for b in s.balances)) if c)
    for path in task.files:
        for e in parse_entries(path):
            account = account_of(e.statement)
            booked[account].append(e)
            currencies[account].add(e.amount.currency)
            if _in_period(_entry_day(e), opts.date_from, opts.date_to):
                entries[account].append(e)
    slack = timedelta(days=opts.match.value_date_days)
    lo = opts.date_from - slack if opts.date_from else None
    hi = opts.date_to + slack if opts.date_to else None
    ledger = Ledger.open(task.ledger)
    try:
        transfers = [t for t in load_transfers(ledger, states=_LEDGER_STATES,
                                               accounts=task.accounts)
                     if _in_period(t.value_date, lo, hi)]
        done = _reconciled(ledger, task.accounts)
    finally:
        ledger.close()
    rows: list[tuple[str, ...]] = []
    balances: list[tuple[str, ...]] = []
    updates: list[_Update] = []
    by_account: dict[str, list[LedgerTransfer]] = defaultdict(list)
    for t in transfers:
        for side in {t.debtor_account, t.creditor_account}:
            if side:
                by_account[side].append(t)
    for account in task.accounts:
        expected: list[LedgerTransfer] = []
        earlier: list[tuple[LedgerTransfer, str]] = []
        booked_in: dict[str, str] = {}  # earlier transfer -> the statement that booked it
        for t in by_account.get(account, []):
            if t.currency not in currencies[account]:
                continue  # a currency no statement of this account here covers
            side = "DBIT" if t.debtor_account == account else "CRDT"
            if t.credit_debit != side:  # on us, both accounts in this partition: rare
                t = replace(t, credit_debit=side)
            before = done.get((t.transfer_key, account))
            if before is None or before[2] in run_refs:
                expected.append(t)  # not reconciled yet, or booked by a statement of this run
            else:  # booked by an earlier statement: not expected again, a return may name it
                earlier.append((t, before[1]))
                booked_in[t.transfer_key] = before[2]
        result = match(entries.get(account, []), expected, options=opts.match,
                       earlier=earlier)
        _rows(account, result, entries.get(account, []), [*expected, *(t for t, _ in earlier)],
              booked_in, rows, updates)
        # a statement balances over all its entries, whatever part of it is in the period
        for b in check_balances(booked.get(account, []),
                                statements=statements.get(account, [])):
            ok = b.ok
            balances.append((b.statement_ref, _text(b.account), _text(b.currency),
                             _text(b.opening), str(b.credits), str(b.debits),
                             _text(b.expected_closing), _text(b.closing), str(b.entries),
                             "" if ok is None else str(ok).lower()))
    return _Partition(tuple(rows), tuple(balances), tuple(updates), _peak_rss_mb())


def _reconciled(ledger: Ledger, accounts: Sequence[str]) -> dict[tuple[str, str],
                                                                  tuple[str, str, str]]:
    """(transfer key, account) -> (state, entry ref, statement) of earlier reconciliations."""
    if not accounts:
        return {}
    marks = ", ".join("?" * len(accounts))
    rows = ledger.db.execute(
        "SELECT transfer_key, account, state, entry_ref, statement FROM reconciliations"
        f" WHERE account IN ({marks})", tuple(accounts))
    return {(str(k), str(a)): (str(st), str(ref), str(stmt)) for k, a, st, ref, stmt in rows}


def _peak_rss_mb() -> float:
    """This process's peak RSS in MiB: ``VmHWM`` (Linux; unlike ``ru_maxrss`` it does not
    carry the parent's peak across the exec of a spawned worker), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _rows(account: str, result: MatchResult, entries: Sequence[StatementEntry],
          transfers: Sequence[LedgerTransfer], booked_in: dict[str, str],
          rows: list[tuple[str, ...]], updates: list[_Update]) -> None:
    by_ref = {entry_ref(e): e for e in entries}
    by_key = {t.transfer_key: t for t in transfers}

    def stmt(ref: str) -> str:
        e = by_ref[ref]
        return statement_ref(e.statement, e.message.message_id)

    for m in result.matched:
        e = by_ref[m.entry_ref]
        found = [by_key[k] for k in m.transfer_keys]
        total = sum((t.amount for t in found), Decimal(0))
        first = found[0]
        rows.append(("matched", m.rule, account, e.amount.currency, m.entry_ref,
                     " ".join(m.transfer_keys), str(e.amount.amount), str(total),
                     _text(e.value_date or _entry_day(e)), _text(first.value_date), "", "",
                     _text(first.end_to_end_id) if len(found) == 1 else "",
                     _text(first.uetr) if len(found) == 1 else ""))
        for t in found:
            updates.append(_Update(t.transfer_key, "settled", m.rule, m.entry_ref, None, None,
                                   stmt(m.entry_ref), account))
    for r in result.returns:
        t = by_key[r.transfer_key]
        e = by_ref[r.entry_ref]
        rows.append(("return", r.rule, account, e.amount.currency, r.entry_ref,
                     r.transfer_key, str(r.amount), str(t.amount),
                     _text(e.value_date or _entry_day(e)), _text(t.value_date), "",
                     _text(r.reason), _text(t.end_to_end_id), _text(t.uetr)))
        # the reconciliation keeps the statement that booked the transfer (this run's, or
        # an earlier one's) and names the return entry
        booked = (stmt(r.original_entry_ref) if r.original_entry_ref in by_ref
                  else booked_in[r.transfer_key])
        updates.append(_Update(r.transfer_key, "returned", "return", r.original_entry_ref,
                               r.entry_ref, r.reason, booked, account))
    for b in result.breaks:
        e = by_ref[b.entry_ref]
        first = by_key[b.transfer_keys[0]]
        rows.append(("break", b.kind, account, e.amount.currency, b.entry_ref,
                     " ".join(b.transfer_keys), str(e.amount.amount),
                     str(sum((by_key[k].amount for k in b.transfer_keys), Decimal(0))),
                     _text(e.value_date or _entry_day(e)), _text(first.value_date), b.key, "",
                     _text(first.end_to_end_id), _text(first.uetr)))
    for e in result.unmatched_statement:
        d = e.details[0] if len(e.details) == 1 else None
        rows.append(("unmatched_statement", "", account, e.amount.currency, entry_ref(e), "",
                     str(e.amount.amount), "", _text(e.value_date or _entry_day(e)), "", "",
                     "", _text(d.end_to_end_id if d else None), _text(d.uetr if d else None)))
    for e in result.not_booked:
        d = e.details[0] if len(e.details) == 1 else None
        rows.append(("not_booked", e.status, account, e.amount.currency, entry_ref(e), "",
                     str(e.amount.amount), "", _text(e.value_date or _entry_day(e)), "", "",
                     "", _text(d.end_to_end_id if d else None), _text(d.uetr if d else None)))
    for t in result.unmatched_ledger:
        rows.append(("unmatched_ledger", "", account, t.currency, "", t.transfer_key, "",
                     str(t.amount), "", _text(t.value_date), "", "", _text(t.end_to_end_id),
                     _text(t.uetr)))


# -- the job -----------------------------------------------------------------------------------


def reconcile(files: Iterable[str | Path], ledger: str | Path, /, *,
              options: ReconcileOptions | None = None, scheduler: object | None = None,
              workers: int | None = None, update: bool = True,
              sink: RowSink | None = None, wave: int | None = None) -> ReconcileReport:
    """Reconcile statement files against the ledger (see the module docstring).

    Takes: camt.053 / camt.054 paths, the ledger (path or URL), the options,
    a Dask ``scheduler`` or a number of local ``workers``, whether to update
    the ledger, and a ``sink`` for the result rows (without one they are kept
    in the report).  Partitions run in waves of ``wave`` (default: twice the
    tasks that run at once: local workers, or the cluster's worker threads); a
    wave's rows go to the sink and its updates to the ledger (one transaction a
    wave) before the next wave starts, so memory holds one wave's results, not
    the whole job's.
    Returns: the :class:`ReconcileReport`.
    Raises: ParseError (and subclasses) for a statement that does not parse,
    before anything is written; SettlementError when the ledger fails.
    """
    opts = options if options is not None else ReconcileOptions()
    paths = list(dict.fromkeys(str(Path(p).resolve()) for p in files))  # workers elsewhere
    target = existing_ledger(str(ledger))
    Ledger.open(target).close()  # migrate once here, not in every task at the same time
    kept: list[tuple[str, ...]] = []
    balances: list[tuple[str, ...]] = []
    totals = dict.fromkeys(_KINDS, 0)
    summary = _Summary()
    updated = {"settled": 0, "returned": 0}
    worker_peak = 0.0
    with Engine(scheduler=scheduler, workers=workers) as engine:  # one pool for every phase
        index = engine.map(_index_file, paths)
        _refuse_duplicates(index)
        parts = _components(index)
        found = {path: statements for path, _, statements in index}
        tasks = [_Task(target, accounts, tuple(files_),
                       tuple(s for f in files_ for s in found[f]), opts)
                 for accounts, files_ in parts]
        step = max(1, wave if wave is not None else 2 * engine.slots())
        for start in range(0, len(tasks), step):
            results = engine.map(_match_partition, tasks[start:start + step])
            for part in results:
                worker_peak = max(worker_peak, part.peak_rss_mb)
                for row in part.rows:
                    totals[row[0]] += 1
                summary.add_rows(part.rows)
                summary.add_balances(part.balances)
                balances.extend(part.balances)
                if sink is None:
                    kept.extend(part.rows)
                else:
                    sink.write(part.rows)
            if update:
                with Ledger.open(target) as book:
                    moved = apply_updates(book, [u for part in results for u in part.updates])
                for state, n in moved.items():
                    updated[state] += n
            del results
    return ReconcileReport(rows=tuple(kept), balances=tuple(balances),
                           summary=summary.result(), totals=totals, files=len(paths),
                           partitions=len(tasks), engine=engine.name,
                           updated=updated, worker_peak_rss_mb=worker_peak)


def existing_ledger(target: str) -> str:
    """The ledger to reconcile against, which must exist (a mistyped path must not start
    an empty one): a SQLite file, as an absolute path, or a PostgreSQL database holding
    the ledger's tables.  Raises SettlementError (permanent) otherwise."""
    if target.startswith(("postgresql://", "postgres://")):
        db = Database.open(target)
        try:
            found = db.execute("SELECT 1 FROM information_schema.tables WHERE table_name ="
                               " 'schema_migrations' AND table_schema = current_schema()")
        finally:
            db.close()
        if not found:
            raise SettlementError(f"{db.where}: no ledger there (no schema_migrations table)",
                                  retryable=False)
        return target
    path = target[len("sqlite:///"):] if target.startswith("sqlite:///") else target
    if not Path(path).is_file():
        raise SettlementError(f"no ledger at {path}: not a file", retryable=False)
    return str(Path(path).resolve())


def _refuse_duplicates(index: Sequence[tuple[str, tuple[str, ...],
                                             tuple[tuple[str | None, Statement], ...]]]) -> None:
    seen: dict[str, str] = {}
    for path, _, statements in index:
        for message_id, s in statements:
            ref = statement_ref(s, message_id)
            first = seen.setdefault(ref, path)
            if first != path or sum(statement_ref(x, m) == ref for m, x in statements) > 1:
                where = path if first == path else f"{first} and {path}"
                raise DuplicateStatementError(
                    f"statement {ref} is reported twice ({where}): give each statement once")


def apply_updates(ledger: Ledger, updates: Sequence[_Update]) -> dict[str, int]:
    """Settle matched transfers and return returned ones, in one transaction.

    A matched transfer in ``routed`` / ``sent`` becomes ``settled``; a returned
    one becomes ``returned`` (settled first when it was not yet).  Each keeps
    its ``reconciliations`` row (the latest outcome).  Idempotent.
    Returns: how many transfers moved to each state.
    """
    db = ledger.db
    stamp = now()
    moved = {"settled": 0, "returned": 0}
    final: dict[str, _Update] = {}  # per transfer: its state
    recs: dict[tuple[str, str], _Update] = {}  # per transfer and account: its reconciliation
    for u in updates:  # a return wins over the match it reverses
        if u.transfer_key not in final or u.state == "returned":
            final[u.transfer_key] = u
        side = (u.transfer_key, u.account)
        if side not in recs or u.state == "returned":
            recs[side] = u
    keys = sorted(final)
    with db.transaction():
        current: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for key, state in db.execute(
                    f"SELECT transfer_key, state FROM transfers WHERE transfer_key IN ({marks})",
                    chunk):
                current[str(key)] = str(state)
        transitions: list[tuple[str, str, str, str, str]] = []
        states: list[tuple[str, str, str]] = []
        for key in keys:
            u = final[key]
            old = current.get(key)
            if old is None or old == "rejected":
                continue
            path = ["settled", "returned"] if u.state == "returned" else ["settled"]
            for step in path:
                if old == step or (step == "settled" and old == "returned"):
                    continue
                transitions.append((key, step, old, stamp, f"reconciled: {u.rule} {u.entry_ref}"
                                    if step == "settled" else
                                    f"returned: {u.return_ref} {u.reason or ''}".rstrip()))
                moved[step] += 1
                old = step
            if old != current[key]:
                states.append((old, stamp, key))
        db.executemany("INSERT INTO transitions (transfer_key, to_state, from_state, at, detail)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT (transfer_key, to_state) DO NOTHING",
                       transitions)
        db.executemany("UPDATE transfers SET state = ?, updated_at = ? WHERE transfer_key = ?",
                       states)
        # a returned reconciliation is never turned back into a settled one, and a row that
        # would not change keeps its time (a re-run changes nothing)
        db.executemany(
            "INSERT INTO reconciliations (transfer_key, account, state, rule, entry_ref,"
            " return_ref, reason, statement, reconciled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (transfer_key, account) DO UPDATE SET state = excluded.state,"
            " rule = excluded.rule, entry_ref = excluded.entry_ref,"
            " return_ref = excluded.return_ref, reason = excluded.reason,"
            " statement = excluded.statement, reconciled_at = excluded.reconciled_at"
            " WHERE (reconciliations.state <> 'returned' OR excluded.state = 'returned')"
            " AND NOT (reconciliations.state = excluded.state"
            " AND reconciliations.rule = excluded.rule"
            " AND reconciliations.entry_ref = excluded.entry_ref"
            " AND COALESCE(reconciliations.return_ref, '') = COALESCE(excluded.return_ref, '')"
            " AND COALESCE(reconciliations.reason, '') = COALESCE(excluded.reason, '')"
            " AND reconciliations.statement = excluded.statement)",
            [(k, account, u.state, u.rule, u.entry_ref, u.return_ref, u.reason, u.statement,
              stamp) for (k, account), u in sorted(recs.items())
             if k in current and current[k] != "rejected"])
    return moved


class _Summary:
    """Per account and currency: counts and amounts, added to a wave at a time."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))
        self.amounts: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
            lambda: defaultdict(Decimal))

    def add_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        for kind, _rule, account, currency, ref, _keys, amount, *_rest in rows:
            key = (account, currency)
            counts = self.counts[key]
            counts[kind] += 1
            if ref:
                counts["entries"] += 1
            if kind == "matched":
                self.amounts[key]["matched"] += Decimal(amount)
            elif kind == "return":
                self.amounts[key]["returned"] += Decimal(amount)

    def add_balances(self, balances: Sequence[tuple[str, ...]]) -> None:
        for b in balances:
            self.counts[(b[1], b[2])][
                "balances_ok" if b[9] == "true" else
                "balances_failed" if b[9] == "false" else "balances_unknown"] += 1

    def result(self) -> tuple[tuple[str, ...], ...]:
        out = []
        for key in sorted(self.counts):
            c, a = self.counts[key], self.amounts[key]
            out.append((key[0], key[1], str(c["entries"]), str(c["matched"]),
                        str(c["return"]), str(c["break"]), str(c["unmatched_statement"]),
                        str(c["unmatched_ledger"]), str(a["matched"]), str(a["returned"]),
                        str(c["balances_ok"]), str(c["balances_failed"]),
                        str(c["not_booked"])))
        return tuple(out)
