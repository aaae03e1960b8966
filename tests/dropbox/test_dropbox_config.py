"""The service's TOML configuration (folders, limits, workers, adapters) and its start-up."""

from __future__ import annotations

import multiprocessing
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iso20022.dropbox import ConfigError, DropService, load_config
from iso20022.dropbox import service as service_module
from iso20022.dropbox.config import DEFAULT_ROUTES
from iso20022.dropbox.service import open_ledger
from iso20022.errors import SettlementError
from iso20022.limits import DEFAULT_LIMITS, Limits
from iso20022.settle.ledger import Ledger
from iso20022.synth import pain001

from .dropkit import check_drop, make_drop, visible

FULL = """
ledger = "var/ledger.sqlite"
rules = "none"
min_age = 0
workers = 2
open_timeout = 5.5
instance = "configured"

[directories]
inbox = "in"
processing = "work"
archive = "done/ok"
rejected = "done/bad"
reports = "out"

[limits]
max_bytes = 20000
max_depth = 40
"""


def test_no_file_at_all_gives_working_defaults(tmp_path: Path) -> None:
    cfg = load_config(None, drop=tmp_path / "drop")
    assert cfg.ledger == str(tmp_path / "drop" / "data" / "ledger.sqlite")
    assert cfg.outbox == tmp_path / "drop" / "data" / "outbox"
    assert (cfg.inbox, cfg.reports) == (tmp_path / "drop" / "inbox", tmp_path / "drop" / "reports")
    assert (cfg.workers, cfg.limits, cfg.amqp) == (1, DEFAULT_LIMITS, None)


def test_every_key_of_one_toml_file_is_used(tmp_path: Path) -> None:
    (tmp_path / "dropbox.toml").write_text(FULL)
    drop = tmp_path / "drop"
    cfg = load_config(tmp_path / "dropbox.toml", drop=drop)
    assert cfg.ledger == str(tmp_path / "var" / "ledger.sqlite")  # relative to the file
    assert cfg.inbox == drop / "in" and cfg.archive == drop / "done" / "ok"
    assert (cfg.rules, cfg.workers, cfg.open_timeout, cfg.instance) == ("none", 2, 5.5,
                                                                         "configured")
    assert cfg.limits == Limits(max_bytes=20000, max_depth=40)
    small, big = pain001(1, seed=31), pain001(50, seed=32)
    assert len(small) < 20000 < len(big)
    (drop / "in").mkdir(parents=True)
    (drop / "in" / "small.xml").write_bytes(small)
    (drop / "in" / "big.xml").write_bytes(big)
    with DropService(cfg) as service:
        r = service.run_once()
    by_name = {x.name: x for x in r.results}
    assert (by_name["small.xml"].place, by_name["big.xml"].place) == ("archive", "rejected")
    assert by_name["big.xml"].reasons == {"FF01": 1}  # over the configured size limit
    [ok] = visible(drop / "done" / "ok")
    [bad] = visible(drop / "done" / "bad")
    assert (ok.read_bytes(), bad.read_bytes()) == (small, big)  # kept, never deleted
    assert len(visible(drop / "out")) == 2
    assert visible(drop / "in") == visible(drop / "work") == []
    for default in ("inbox", "processing", "archive", "rejected", "reports"):
        assert not (drop / default).exists()
    with Ledger.open(cfg.ledger) as ledger:
        assert ledger.db.execute("SELECT COUNT(*) FROM transfers")[0][0] == 1


@pytest.mark.parametrize(("text", "word"), [
    ("[directories]\narchive = \"x\"\nrejected = \"x\"\n", "different"),
    ("[directories]\noutbox = \"x\"\n", "outbox"),
    ("[limits]\nmax_depth = 1000\n", "max_depth"),
    ("[limits]\nmax_bytes = \"big\"\n", "max_bytes"),
    ("workers = 0\n", "workers"),
    ("open_timeout = -1\n", "open_timeout"),
    ("[adapters.amqp]\nurl = \"http://x\"\n", "amqp"),
    ("[adapters.kafka]\nurl = \"x\"\n", "kafka"),
])
def test_bad_values_are_config_errors_naming_the_key(tmp_path: Path, text: str,
                                                     word: str) -> None:
    (tmp_path / "dropbox.toml").write_text(text)
    with pytest.raises(ConfigError, match=word):
        load_config(tmp_path / "dropbox.toml", drop=tmp_path)


def test_a_route_on_amqp_without_a_broker_configured_is_refused(tmp_path: Path) -> None:
    (tmp_path / "routes.toml").write_text(_amqp_routes())
    (tmp_path / "dropbox.toml").write_text('routes = "routes.toml"\n')
    cfg = load_config(tmp_path / "dropbox.toml", drop=tmp_path / "drop")
    with pytest.raises(ConfigError, match=r"adapters\.amqp"):
        DropService(cfg)


def test_configured_workers_share_the_drop(tmp_path: Path) -> None:
    (tmp_path / "dropbox.toml").write_text('workers = 2\ninstance = "cw"\n')
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=6, tx=20, pacs_files=0, bad=False,
                      duplicate=False, seed=41)
    run = subprocess.run([sys.executable, "-m", "iso20022", "process", str(drop), "--config",
                          str(tmp_path / "dropbox.toml"), "--min-age", "0", "-q"],
                         capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))
    with Ledger.open(drop / "data" / "ledger.sqlite") as ledger:
        owners = {str(o) for o, in ledger.db.execute("SELECT DISTINCT owner FROM dropbox_files")}
    assert owners and owners <= {"cw-1", "cw-2"}


# -- start-up: a ledger locked or unreachable for a while --------------------------------------

class _Flaky:
    """Ledger.open failing ``failures`` times with ``error`` before it opens."""

    def __init__(self, failures: int, error: SettlementError) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def open(self, target: str) -> Ledger:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return Ledger.open(target)


def test_start_up_waits_out_a_locked_ledger(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    flaky = _Flaky(3, SettlementError("cannot open SQLite ledger: database is locked",
                                      retryable=True))
    monkeypatch.setattr(service_module, "Ledger", flaky)
    pauses: list[float] = []
    ledger, journal = open_ledger(str(tmp_path / "l.sqlite"), timeout=30, sleep=pauses.append)
    try:
        assert flaky.calls == 4 and journal.files() == []
        assert pauses == sorted(pauses) and len(pauses) == 3 and max(pauses) <= 2.0
    finally:
        ledger.close()
    # the service itself: started while the ledger is locked, it opens once it is free
    flaky.calls = 0
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "a.xml").write_bytes(pain001(2, seed=42))
    with DropService(load_config(None, drop=drop, overrides={"min_age": 0})) as service:
        assert service.run_once().accepted == 1
    assert flaky.calls == 4


def test_start_up_gives_up_after_the_timeout_and_at_once_on_a_permanent_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = _Flaky(10**6, SettlementError("database is locked", retryable=True))
    monkeypatch.setattr(service_module, "Ledger", locked)
    with pytest.raises(SettlementError, match="locked"):
        open_ledger(str(tmp_path / "l.sqlite"), timeout=0.3)
    assert 2 <= locked.calls <= 10
    broken = _Flaky(10**6, SettlementError("not a database", retryable=False))
    monkeypatch.setattr(service_module, "Ledger", broken)
    with pytest.raises(SettlementError, match="not a database"):
        open_ledger(str(tmp_path / "l.sqlite"), timeout=60, sleep=lambda s: None)
    assert broken.calls == 1
    drop = tmp_path / "drop"
    (tmp_path / "dropbox.toml").write_text("open_timeout = 0\n")
    cfg = load_config(tmp_path / "dropbox.toml", drop=drop)
    with pytest.raises(SettlementError, match="not a database"):
        DropService(cfg)


def _open_at_once(drop: str, barrier: Any, out: Any, i: int) -> None:
    barrier.wait()
    try:
        cfg = load_config(None, drop=drop, overrides={"min_age": 0, "instance": f"s{i}"})
        with DropService(cfg) as service:
            service.run_once()
        out.put("ok")
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {exc}")


def test_instances_starting_at_once_on_a_new_sqlite_ledger_all_start(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(4):
        drop = tmp_path / f"drop-{round_}"
        make_drop(drop / "inbox", pain_files=2, tx=3, pacs_files=0, bad=False, duplicate=False,
                  seed=50 + round_)
        barrier, out = ctx.Barrier(6), ctx.SimpleQueue()
        procs = [ctx.Process(target=_open_at_once, args=(str(drop), barrier, out, i))
                 for i in range(6)]
        for p in procs:
            p.start()
        answers = [out.get() for _ in procs]
        for p in procs:
            p.join(60)
        assert answers == ["ok"] * 6, answers
        assert len(visible(drop / "archive")) == 2


# -- the amqp adapter, configured ------------------------------------------------------------

def _amqp_routes() -> str:
    routes = DEFAULT_ROUTES.replace('adapter = "file"\nrail = "swift-cbpr"',
                                    'adapter = "amqp"\nrail = "swift-cbpr"')
    assert routes != DEFAULT_ROUTES
    return routes


@pytest.mark.services
def test_routes_on_the_amqp_adapter_publish_to_the_configured_broker(
        tmp_path: Path, amqp_url: str) -> None:
    import pika

    prefix = f"iso20022-dropbox-{secrets.token_hex(5)}-"
    (tmp_path / "routes.toml").write_text(_amqp_routes())
    (tmp_path / "dropbox.toml").write_text(
        f'routes = "routes.toml"\nmin_age = 0\n[adapters.amqp]\nurl = "{amqp_url}"\n'
        f'queue_prefix = "{prefix}"\ntimeout = 10\n')
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=4, tx=25, pacs_files=0, bad=False,
                      duplicate=False, seed=60)
    cfg = load_config(tmp_path / "dropbox.toml", drop=drop)
    assert cfg.amqp is not None and cfg.amqp.queue_prefix == prefix
    with DropService(cfg) as service:
        assert service.run_once().accepted == 4
        rows = service.ledger.db.execute("SELECT delivery_key, state FROM outbox"
                                         " WHERE adapter = 'amqp'")
    assert rows and {str(s) for _, s in rows} == {"sent"}
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        bodies = []
        while True:
            method, _, body = channel.basic_get(prefix + "swift-cbpr", auto_ack=True)
            if method is None or body is None:
                break
            bodies.append(body)
        channel.queue_delete(prefix + "swift-cbpr")
    finally:
        connection.close()
    assert len(bodies) == len(rows)  # each amqp delivery published exactly once
    assert all(b.lstrip().startswith(b"<") for b in bodies)
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))
