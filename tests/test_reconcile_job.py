"""The reconciliation job end to end: a drop settled into the ledger, statements of it with
injected differences, ``reconcile`` (API, command line, local pool, Dask) reporting exactly
those and updating the ledger."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from iso20022.cli import main
from iso20022.reconcile.job import ROW_FIELDS, ReconcileOptions, reconcile
from iso20022.reconcile.match import LedgerTransfer, MatchOptions, load_transfers
from iso20022.reconcile.synth import (
    BatchBooking,
    Differences,
    ExtraEntry,
    ReturnedTransfer,
    write_statement,
)
from iso20022.settle.ledger import Ledger
from iso20022.synth import pain001

VERSIONS = ("camt.053.001.08", "camt.053.001.02", "camt.054.001.08", "camt.054.001.02")


@dataclass(frozen=True)
class Scenario:
    ledger: str  # a copy of the settled ledger (path or URL), this test's own
    files: list[str]  # the statements
    transfers: list[LedgerTransfer]  # what the ledger held before reconciling
    missing: str
    amount: str
    date_shift: str
    charged: str
    returned: str
    batch: tuple[str, ...]  # the members of the batch-booked PmtInf
    extra_ref: str


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A drop of three pain.001 files processed by the service: its data directory."""
    drop = tmp_path_factory.mktemp("drop")
    (drop / "inbox").mkdir()
    for i in range(3):
        (drop / "inbox" / f"partner-{i}.xml").write_bytes(
            pain001(40, version="pain.001.001.09", seed=i))
    assert main(["process", str(drop), "--once", "--min-age", "0"]) == 0
    return drop / "data"


def _groups(transfers: list[LedgerTransfer]) -> list[tuple[tuple[str, str],
                                                            list[LedgerTransfer]]]:
    groups: dict[tuple[str, str], list[LedgerTransfer]] = defaultdict(list)
    for t in transfers:
        assert t.debtor_account is not None
        groups[(t.debtor_account, t.currency)].append(t)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


@pytest.fixture
def scenario(settled: Path, tmp_path: Path) -> Scenario:
    data = tmp_path / "data"
    shutil.copytree(settled, data)
    return _scenario(str(data / "ledger.sqlite"), tmp_path)


def _scenario(ledger: str, tmp_path: Path) -> Scenario:
    """Statements of what ``ledger`` settled, one per debtor account and currency, the
    largest with one difference of each kind."""
    with Ledger.open(ledger) as book:
        transfers = load_transfers(book)
    assert len(transfers) == 120 and {t.state for t in transfers} == {"sent"}
    groups = _groups(transfers)
    (account, currency), big = groups[0]
    by_pmt: dict[tuple[str | None, str | None], list[LedgerTransfer]] = defaultdict(list)
    for t in big:
        by_pmt[(t.msg_id, t.pmt_inf_id)].append(t)
    (msg, pmt), members = max(by_pmt.items(), key=lambda kv: (len(kv[1]), str(kv[0])))
    assert msg is not None and pmt is not None and len(members) >= 2
    others = sorted((t for t in big if t not in members), key=lambda t: t.transfer_key)
    assert len(others) >= 5, "the scenario needs five transfers outside the batch"
    missing, amount, shifted, charged, returned = (t.transfer_key for t in others[:5])
    base = {t.transfer_key: t for t in big}
    differences = Differences(
        missing={missing},
        amounts={amount: base[amount].amount + Decimal("1.00")},
        value_date_shifts={shifted: 3},
        charges={charged: Decimal("2.50")},
        returns=(ReturnedTransfer(transfer_key=returned, reason="AC04"),),
        batches=(BatchBooking(msg_id=msg, pmt_inf_id=pmt),),
        extras=(ExtraEntry(reference="EXTRA-1", amount=Decimal("99.99")),))
    files = []
    for i, ((acct, ccy), members_) in enumerate(groups):
        path = tmp_path / f"statement-{i}.xml"
        days = [t.value_date for t in members_ if t.value_date is not None]
        write_statement(path, members_, account_iban=acct, currency=ccy,
                        message_id=f"STMT-{i}", statement_id=f"S-{i}",
                        booking_date=max(days), opening_balance=Decimal("1000000.00"),
                        version=VERSIONS[i % len(VERSIONS)], side="DBIT",
                        differences=differences if (acct, ccy) == (account, currency) else None)
        files.append(str(path))
    return Scenario(ledger=ledger, files=files, transfers=transfers, missing=missing,
                    amount=amount, date_shift=shifted, charged=charged, returned=returned,
                    batch=tuple(sorted(t.transfer_key for t in members)),
                    extra_ref="EXTRA-1")


def _by_kind(rows: tuple[tuple[str, ...], ...]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(dict(zip(ROW_FIELDS, row, strict=True)))
    return out


def _exact(options: int = 0) -> ReconcileOptions:
    return ReconcileOptions(match=MatchOptions(value_date_days=options))


def test_exactly_the_injected_differences_are_reported(scenario: Scenario) -> None:
    report = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=2)
    kinds = _by_kind(report.rows)
    assert [r["transfer_keys"] for r in kinds["unmatched_ledger"]] == [scenario.missing]
    breaks = {(r["rule"], r["transfer_keys"]) for r in kinds["break"]}
    assert breaks == {("amount", scenario.amount), ("date", scenario.date_shift)}
    amount_break = next(r for r in kinds["break"] if r["rule"] == "amount")
    assert Decimal(amount_break["statement_amount"]) - Decimal(
        amount_break["ledger_amount"]) == Decimal("1.00")
    assert [r["transfer_keys"] for r in kinds["return"]] == [scenario.returned]
    assert kinds["return"][0]["reason"] == "AC04"
    assert len(kinds["unmatched_statement"]) == 1
    assert kinds["unmatched_statement"][0]["end_to_end_id"] == scenario.extra_ref
    rules = defaultdict(list)
    for r in kinds["matched"]:
        rules[r["rule"]].append(r["transfer_keys"])
    assert rules["charges"] == [scenario.charged]
    assert rules["batch"] == [" ".join(scenario.batch)]
    # the rest by the exact keys: UETR where pain.001.001.09 gave one, else EndToEndId
    assert set(rules) == {"uetr", "end_to_end_id+amount", "charges", "batch"}
    matched = {k for r in kinds["matched"] for k in r["transfer_keys"].split()}
    everyone = {t.transfer_key for t in scenario.transfers}
    assert matched == everyone - {scenario.missing, scenario.amount, scenario.date_shift}
    assert all(b[9] == "true" for b in report.balances if b[9])  # camt.054: no balances
    assert sum(b[9] == "true" for b in report.balances) >= 2
    assert report.exit_code == 1
    assert report.updated == {"settled": len(matched), "returned": 1}


def test_the_ledger_is_updated_once(scenario: Scenario) -> None:
    first = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=1)
    with Ledger.open(scenario.ledger) as book:
        states = {t.transfer_key: t.state for t in load_transfers(book)}
        assert states[scenario.returned] == "returned"
        for key in (scenario.missing, scenario.amount, scenario.date_shift):
            assert states[key] == "sent"
        assert states[scenario.charged] == "settled"
        assert all(states[k] == "settled" for k in scenario.batch)
        assert book.states()["settled"] + 1 == first.updated["settled"]  # returned after
        rows = book.db.execute("SELECT transfer_key, state, rule, return_ref, reason"
                               " FROM reconciliations ORDER BY transfer_key")
        assert len(rows) == first.updated["settled"]
        back = {str(r[0]): r for r in rows}[scenario.returned]
        assert (back[1], back[2], back[4]) == ("returned", "return", "AC04") and back[3]
        steps = [t.to_state for t in book.transitions(scenario.returned)]
        assert steps[-2:] == ["settled", "returned"]
    again = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=2)
    assert again.updated == {"settled": 0, "returned": 0}
    assert again.rows == first.rows and again.balances == first.balances


def test_the_value_date_tolerance_matches_the_shifted_entry(scenario: Scenario) -> None:
    report = reconcile(scenario.files, scenario.ledger, options=_exact(3), update=False)
    kinds = _by_kind(report.rows)
    assert [r["transfer_keys"] for r in kinds["break"]] == [scenario.amount]
    assert [r["transfer_keys"] for r in kinds["matched"]
            if r["rule"] == "value_date_tolerance"] == [scenario.date_shift]
    with Ledger.open(scenario.ledger) as book:  # update=False: nothing moved
        assert book.states()["sent"] == 120


def test_the_period_keeps_only_entries_and_transfers_inside_it(scenario: Scenario) -> None:
    whole = reconcile(scenario.files, scenario.ledger, options=_exact(), update=False)
    days = sorted({t.value_date for t in scenario.transfers if t.value_date is not None})
    assert len(days) >= 2
    cut = days[0]
    before = reconcile(scenario.files, scenario.ledger, update=False, options=ReconcileOptions(
        match=MatchOptions(), date_from=cut - timedelta(days=30), date_to=cut - timedelta(1)))
    assert before.rows == ()  # every statement is booked later: nothing in the period
    assert before.balances == whole.balances  # statements balance over all their entries
    everything = reconcile(scenario.files, scenario.ledger, update=False,
                           options=ReconcileOptions(match=MatchOptions(), date_from=days[0],
                                                    date_to=days[-1] + timedelta(days=30)))
    assert everything.rows == whole.rows


def test_every_engine_gives_the_same_report(scenario: Scenario,
                                            cluster: object) -> None:
    one = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=1,
                    update=False)
    two = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=2,
                    update=False)
    dask = reconcile(scenario.files, scenario.ledger, options=_exact(), scheduler=cluster,
                     update=False)
    waves = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=2, wave=1,
                      update=False)  # one partition at a time
    assert one.rows and one.rows == two.rows == dask.rows == waves.rows
    assert one.totals == waves.totals and one.summary == waves.summary
    assert one.balances == two.balances == dask.balances
    assert one.summary == two.summary == dask.summary
    assert dask.engine.startswith("dask[tcp://") and one.engine == "local[1]"
    # one partition per account: statements of one account in two currencies share one
    assert one.partitions == len({t.debtor_account for t in scenario.transfers}) < len(
        scenario.files)


@pytest.fixture
def cluster(local_cluster: Any) -> str:
    """The address of the module's LocalCluster (conftest), as ``--scheduler`` takes it."""
    return str(local_cluster.scheduler_address)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_command_writes_the_report_and_exits_1_on_differences(
        scenario: Scenario, tmp_path: Path, fmt: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    code = main(["reconcile", *scenario.files, "--ledger", scenario.ledger,
                 "--format", fmt, "--output", str(out), "--value-date-days", "0",
                 "--workers", "2", "--dry-run"])
    assert code == 1
    printed = capsys.readouterr().out
    assert "1 unmatched ledger" in printed and "ledger left alone" in printed
    rows = _read(out / f"results.{fmt}", fmt)
    expected = reconcile(scenario.files, scenario.ledger, options=_exact(), update=False)
    assert len(rows) == len(expected.rows)
    kinds = sorted((r["kind"], str(r["transfer_keys"])) for r in rows)
    assert kinds == sorted((r[0], r[5]) for r in expected.rows)
    amounts = sorted(Decimal(str(r["statement_amount"])) for r in rows
                     if r["statement_amount"] not in ("", None))
    assert amounts == sorted(Decimal(r[6]) for r in expected.rows if r[6])  # exact
    summary = _read(out / f"summary.{fmt}", fmt)
    assert {str(s["account"]) for s in summary} == {r[2] for r in expected.rows}
    assert (out / f"balances.{fmt}").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


def _read(path: Path, fmt: str) -> list[dict[str, object]]:
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if fmt == "jsonl":
        out = []
        for line in path.read_bytes().splitlines():
            row = orjson.loads(line)
            if isinstance(row.get("transfer_keys"), list):
                row["transfer_keys"] = " ".join(row["transfer_keys"])
            out.append({k: "" if v is None else v for k, v in row.items()})
        return out
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pylist()
    return [{k: "" if v is None else v for k, v in row.items()} for row in table]


def test_a_statement_that_does_not_parse_stops_the_job_before_any_update(
        scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(Path(scenario.files[0]).read_bytes()[:-40])
    code = main(["reconcile", *scenario.files, str(broken), "--ledger", str(scenario.ledger),
                 "--output", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "broken.xml" in err and "Traceback" not in err
    with Ledger.open(scenario.ledger) as book:
        assert book.states()["sent"] == 120  # nothing moved
    assert main(["reconcile", str(tmp_path / "nope.xml"), "--ledger",
                 str(scenario.ledger)]) == 2
    assert "no such statement file" in capsys.readouterr().err
    assert main(["reconcile", *scenario.files, "--ledger", str(scenario.ledger),
                 "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "one or the other" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["reconcile", str(tmp_path / "empty"), "--ledger", str(scenario.ledger)]) == 2
    assert "no statement files" in capsys.readouterr().err


def test_the_command_runs_on_a_dask_scheduler_address(
        scenario: Scenario, cluster: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    code = main(["reconcile", *scenario.files, "--ledger", scenario.ledger, "--format",
                 "jsonl", "--output", str(out), "--value-date-days", "0",
                 "--scheduler", cluster])
    assert code == 1
    printed = capsys.readouterr().out
    assert f"on dask[{cluster}]" in printed
    expected = reconcile(scenario.files, scenario.ledger, options=_exact(), update=False)
    assert len(_read(out / "results.jsonl", "jsonl")) == len(expected.rows)
    with Ledger.open(scenario.ledger) as book:  # the updates were made
        assert book.states()["returned"] == 1


@pytest.mark.services
def test_a_postgresql_ledger_reconciles_as_the_sqlite_one(
        scenario: Scenario, tmp_path: Path, postgres_url: str) -> None:
    import secrets

    import psycopg

    from iso20022.dropbox.config import load_config
    from iso20022.dropbox.service import DropService

    schema = f"r_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in postgres_url else "?"
        url = f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
        drop = tmp_path / "pg-drop"
        (drop / "inbox").mkdir(parents=True)
        for i in range(3):  # the same drop as the SQLite scenario's
            (drop / "inbox" / f"partner-{i}.xml").write_bytes(
                pain001(40, version="pain.001.001.09", seed=i))
        with DropService(load_config(None, drop=drop,
                                     overrides={"min_age": 0, "ledger": url})) as service:
            service.run_once()
        (tmp_path / "pg").mkdir()
        pg = _scenario(url, tmp_path / "pg")
        assert pg.transfers == scenario.transfers
        on_pg = reconcile(pg.files, url, options=_exact(), workers=2)
        on_sqlite = reconcile(scenario.files, scenario.ledger, options=_exact(), workers=2)
        assert on_pg.rows == on_sqlite.rows and on_pg.updated == on_sqlite.updated
        with Ledger.open(url) as a, Ledger.open(scenario.ledger) as b:
            assert a.states() == b.states()
            query = ("SELECT transfer_key, state, rule, entry_ref, return_ref, reason"
                     " FROM reconciliations ORDER BY transfer_key")
            assert a.db.execute(query) == b.db.execute(query)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_demo_statements_show_their_four_differences(settled: Path, tmp_path: Path) -> None:
    from iso20022.reconcile.demo import write_demo_statements

    data = tmp_path / "data"
    shutil.copytree(settled, data)
    ledger = str(data / "ledger.sqlite")
    paths = write_demo_statements(ledger, tmp_path / "statements")
    with Ledger.open(ledger) as book:
        assert len(paths) == len(_groups(load_transfers(book)))
    report = reconcile(paths, ledger, options=_exact(), workers=1)
    # 120 transfers: one missing, one a cent off; the charged and the returned one match
    assert report.totals == {"matched": 118, "return": 1, "break": 1,
                             "unmatched_statement": 0, "unmatched_ledger": 1, "not_booked": 0}
    assert [r[1] for r in report.rows if r[0] == "matched"].count("charges") == 1
    assert report.updated == {"settled": 118, "returned": 1}


def test_a_statement_given_twice_is_refused_and_a_path_given_twice_is_read_once(
        scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from iso20022.reconcile.job import DuplicateStatementError

    once = reconcile(scenario.files, scenario.ledger, options=_exact(), update=False)
    again = reconcile([*scenario.files, scenario.files[0]], scenario.ledger, options=_exact(),
                      update=False)  # the same file twice: one file
    assert again.rows == once.rows and again.files == len(scenario.files)
    copy = tmp_path / "copy.xml"
    shutil.copyfile(scenario.files[0], copy)
    with pytest.raises(DuplicateStatementError, match="STMT-0/S-0 is reported twice"):
        reconcile([*scenario.files, copy], scenario.ledger, update=False)
    assert main(["reconcile", *scenario.files, str(copy), "--ledger", scenario.ledger,
                 "--output", str(tmp_path / "out")]) == 2
    assert "reported twice" in capsys.readouterr().err


def test_a_ledger_that_does_not_exist_is_not_created(
        scenario: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo" / "ledger.sqlite"
    assert main(["reconcile", *scenario.files, "--ledger", str(missing),
                 "--output", str(tmp_path / "out")]) == 2
    assert "no ledger at" in capsys.readouterr().err
    assert not missing.parent.exists()


@pytest.mark.services
def test_a_postgresql_database_without_a_ledger_is_refused(
        scenario: Scenario, tmp_path: Path, postgres_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    import secrets

    import psycopg

    schema = f"e_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in postgres_url else "?"
        url = f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
        assert main(["reconcile", *scenario.files, "--ledger", url,
                     "--output", str(tmp_path / "out")]) == 2
        assert "no ledger there" in capsys.readouterr().err
        with psycopg.connect(postgres_url, autocommit=True) as conn:  # nothing migrated
            assert not conn.execute("SELECT 1 FROM information_schema.tables"
                                    " WHERE table_schema = %s", (schema,)).fetchall()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_relative_paths_reach_the_workers_of_a_cluster(
        scenario: Scenario, cluster: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(scenario.ledger).parent.parent)
    files = [str(Path(f).relative_to(Path.cwd())) for f in scenario.files]
    ledger = str(Path(scenario.ledger).relative_to(Path.cwd()))
    report = reconcile(files, ledger, options=_exact(), scheduler=cluster, update=False)
    absolute = reconcile(scenario.files, scenario.ledger, options=_exact(), update=False)
    assert report.totals["matched"] > 90 and report.rows == absolute.rows


def _big_account(scenario: Scenario) -> tuple[str, str, list[LedgerTransfer]]:
    (account, currency), members = _groups(scenario.transfers)[0]
    return account, currency, members


def test_the_next_day_expects_only_what_is_not_reconciled_and_takes_late_returns(
        scenario: Scenario, tmp_path: Path) -> None:
    first = reconcile(scenario.files, scenario.ledger, options=_exact())
    assert first.updated["returned"] == 1
    account, currency, members = _big_account(scenario)
    late = next(t for t in sorted(members, key=lambda t: t.transfer_key)
                if t.transfer_key not in (scenario.missing, scenario.amount,
                                          scenario.date_shift, scenario.returned)
                and t.transfer_key not in scenario.batch)
    day2 = tmp_path / "day2.xml"
    days = [t.value_date for t in members if t.value_date]
    write_statement(day2, [], account_iban=account, currency=currency, message_id="DAY2",
                    statement_id="S-D2", booking_date=max(days) + timedelta(days=1),
                    opening_balance=Decimal("0"),
                    differences=Differences(extras=(ExtraEntry(reference="OTHER-1",
                                                               amount=Decimal("5.00")),)))
    report = reconcile([str(day2)], scenario.ledger, options=_exact())
    kinds = _by_kind(report.rows)
    # what day 1 matched is not expected again; what it could not match still is
    assert sorted(r["transfer_keys"] for r in kinds["unmatched_ledger"]) == sorted(
        [scenario.missing, scenario.amount, scenario.date_shift])
    assert len(kinds["unmatched_statement"]) == 1
    # a return of a transfer settled on day 1, on a statement of day 3
    back = tmp_path / "day3.xml"
    write_statement(back, [late], account_iban=account, currency=currency,
                    message_id="DAY3", statement_id="S-D3",
                    booking_date=max(days) + timedelta(days=2),
                    differences=Differences(missing={late.transfer_key}, returns=(
                        ReturnedTransfer(transfer_key=late.transfer_key, reason="MS03"),)))
    returned = reconcile([str(back)], scenario.ledger, options=_exact())
    assert [(r[0], r[5], r[11]) for r in returned.rows if r[0] == "return"] == [
        ("return", late.transfer_key, "MS03")]
    assert returned.updated == {"settled": 0, "returned": 1}
    # day 1 again: the same report; the returned transfers stay returned
    rerun = reconcile(scenario.files, scenario.ledger, options=_exact())
    assert rerun.rows == first.rows and rerun.updated == {"settled": 0, "returned": 0}
    again3 = reconcile([str(back)], scenario.ledger, options=_exact())  # day 3 again
    assert again3.rows == returned.rows and again3.updated == {"settled": 0, "returned": 0}
    with Ledger.open(scenario.ledger) as book:
        assert book.states()["returned"] == 2
        rows = book.db.execute("SELECT state, statement, return_ref, reason FROM"
                               " reconciliations WHERE transfer_key = ?", (late.transfer_key,))
        booked_by = next(r[4].rsplit("/", 1)[0] for r in first.rows
                         if r[0] == "matched" and r[5] == late.transfer_key)
        assert rows == [("returned", booked_by, "DAY3/S-D3/0", "MS03")]


def test_only_the_currencies_a_statement_covers_are_expected(scenario: Scenario) -> None:
    groups = _groups(scenario.transfers)
    by_account: dict[str, set[str]] = defaultdict(set)
    for (a, c), _ in groups:
        by_account[a].add(c)
    index, (_account, currency) = next(
        (i, key) for i, (key, _) in enumerate(groups) if len(by_account[key[0]]) > 1)
    report = reconcile([scenario.files[index]], scenario.ledger, options=_exact(),
                       update=False)  # one currency's statement of an account with several
    expected = [scenario.missing] if index == 0 else []
    assert [r[5] for r in report.rows if r[0] == "unmatched_ledger"] == expected
    assert {r[3] for r in report.rows} == {currency}


def test_entries_not_booked_settle_nothing(scenario: Scenario, tmp_path: Path) -> None:
    account, currency, members = _big_account(scenario)
    pending = tmp_path / "pending.xml"
    days = [t.value_date for t in members if t.value_date]
    write_statement(pending, members[:3], account_iban=account, currency=currency,
                    message_id="PEND", statement_id="S-P", booking_date=max(days),
                    version="camt.054.001.08")
    data = pending.read_bytes().replace(b"<Cd>BOOK</Cd>", b"<Cd>PDNG</Cd>")
    pending.write_bytes(data)
    report = reconcile([str(pending)], scenario.ledger, options=_exact())
    assert report.totals["not_booked"] == 3 and report.totals["matched"] == 0
    assert report.updated == {"settled": 0, "returned": 0}


def test_a_document_without_a_statement_is_refused(scenario: Scenario, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(scenario.files[0]).read_bytes()
    start, end = data.index(b"<Stmt>"), data.rindex(b"</Stmt>") + len(b"</Stmt>")
    empty = tmp_path / "no-statement.xml"
    empty.write_bytes(data[:start] + data[end:])  # GrpHdr only: the schema wants a Stmt
    assert main(["reconcile", str(empty), "--ledger", scenario.ledger,
                 "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no Stmt or Ntfctn" in err and "no-statement.xml" in err
