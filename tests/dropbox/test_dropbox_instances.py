"""Instances side by side, graceful stop, the status command, SQLite vs PostgreSQL ledgers."""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from iso20022.cli import main
from iso20022.dropbox import DropService, Journal, load_config
from iso20022.settle.ledger import Ledger

from .dropkit import check_drop, make_drop, visible


def _cli(drop: Path, *extra: str, mode: str = "process") -> list[str]:
    return [sys.executable, "-m", "iso20022", mode, str(drop), "--min-age", "0", *extra]


def test_two_instances_on_one_drop_never_take_a_file_twice(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=16, tx=40, pacs_files=2, seed=5)
    procs = [subprocess.Popen(_cli(drop, "--instance", name, "-q"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for name in ("left", "right")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode in (0, 1), err.decode()
        assert b"Traceback" not in err
    ledger_path = str(drop / "data" / "ledger.sqlite")
    check_drop(drop, files, ledger_path)
    with Ledger.open(ledger_path) as ledger:
        rows = ledger.db.execute("SELECT owner, COUNT(*) FROM dropbox_files GROUP BY owner")
        assert Journal(ledger.db).summary()["state"] == {"done": len(files)}
    owners = {str(o): int(n) for o, n in rows}
    assert sum(owners.values()) == len(files)
    # both took part (each took files the other did not: one row per file in all)
    assert set(owners) == {"left", "right"}, owners


def test_watch_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=6, tx=60, pacs_files=0, bad=False,
                      duplicate=False, seed=6)
    proc = subprocess.Popen(_cli(drop, mode="watch"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(visible(drop / "archive")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert b"stopping after the current file" in err
    # nothing half-done: every file taken is finished; the rest wait in the inbox
    assert visible(drop / "processing") == []
    done = len(visible(drop / "archive"))
    assert 2 <= done <= len(files)
    assert len(visible(drop / "inbox")) == len(files) - done
    assert out.decode().count("ACCP ") == done
    # a file dropped while watching is taken
    proc = subprocess.Popen(_cli(drop, mode="watch"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    while len(visible(drop / "archive")) < len(files) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))


def test_status_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop = tmp_path / "drop"
    make_drop(drop / "inbox", pain_files=2, tx=3, pacs_files=0, seed=7)
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    assert main(["process", str(drop), "--once", "--min-age", "0", "-q"]) == 1  # bad files
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers
    capsys.readouterr()
    assert main(["status", str(drop), "--format", "json"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    assert summary["state"] == {"done": 9}  # 2 good, 6 bad, 1 duplicate
    assert summary["place"] == {"archive": 2, "rejected": 7}
    assert summary["outbox"]["pending"] == 0 and summary["in_flight"] == []
    assert main(["status", str(drop)]) == 0
    assert "place:     archive 2, rejected 7" in capsys.readouterr().out


def test_bad_configuration_is_one_line_and_exit_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "dropbox.toml"
    cfg.write_text('rules = "nonsense"\n')
    assert main(["process", str(tmp_path / "drop"), "--config", str(cfg), "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iso20022: error:") and "rules" in err and err.count("\n") == 1


@pytest.fixture
def pg_ledger_url(postgres_url: str) -> Iterator[str]:
    import psycopg

    schema = f"d_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _ledger_content(target: str) -> dict[str, list[tuple[object, ...]]]:
    with Ledger.open(target) as ledger:
        db = ledger.db
        transfers = db.execute(
            "SELECT transfer_key, delivery_key, adapter, rail, route, end_to_end_id, uetr,"
            " amount, currency, debtor_account, creditor_account, state FROM transfers")
        outbox = db.execute("SELECT adapter, rail, delivery_key, route, message_id,"
                            " message_type, body, headers, entries, digest, state, outcome"
                            " FROM outbox JOIN outbox_content ON outbox_id = id")
        transitions = db.execute("SELECT transfer_key, from_state, to_state, detail"
                                 " FROM transitions")
        files = db.execute("SELECT name, sha256, state, status, message_type, message_key,"
                           " transactions, rejected, deliveries, amounts, place FROM"
                           " dropbox_files")
    def norm(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return sorted((tuple(bytes(v) if isinstance(v, memoryview) else
                             v if v is None or isinstance(v, bytes | int) else str(v)
                             for v in r) for r in rows), key=repr)
    return {"transfers": norm(transfers), "outbox": norm(outbox),
            "transitions": norm(transitions), "files": norm(files)}


@pytest.mark.services
def test_sqlite_and_postgresql_ledgers_are_identical(tmp_path: Path, pg_ledger_url: str) -> None:
    source = tmp_path / "source"
    files = make_drop(source, pain_files=4, tx=30, pacs_files=2, seed=8)
    contents = {}
    for kind, ledger in (("sqlite", None), ("postgresql", pg_ledger_url)):
        drop = tmp_path / kind
        shutil.copytree(source, drop / "inbox")
        overrides = {"min_age": 0, "ledger": ledger}
        with DropService(load_config(None, drop=drop, overrides=overrides)) as service:
            service.run_once()
            target = ledger or str(drop / "data" / "ledger.sqlite")
        check_drop(drop, files, target)
        contents[kind] = _ledger_content(target)
    assert contents["sqlite"]["transfers"]  # something was settled
    for table in ("transfers", "outbox", "transitions", "files"):
        assert contents["sqlite"][table] == contents["postgresql"][table], table


def test_workers_share_a_drop_in_child_processes(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=10, tx=30, pacs_files=1, seed=9)
    run = subprocess.run(_cli(drop, "--workers", "2", "--instance", "w", "-q"),
                         capture_output=True, timeout=300)
    assert run.returncode == 1, run.stderr.decode()  # the drop holds bad files
    assert b"Traceback" not in run.stderr
    assert f"{len(files)} files:".encode() in run.stdout
    ledger_path = str(drop / "data" / "ledger.sqlite")
    check_drop(drop, files, ledger_path)
    with Ledger.open(ledger_path) as ledger:
        owners = {str(o) for o, in ledger.db.execute("SELECT DISTINCT owner FROM dropbox_files")}
    assert owners <= {"w-1", "w-2"} and owners
