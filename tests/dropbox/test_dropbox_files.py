"""The file-drop service in process: bad files, duplicates, recovery steps, the journal."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from iso20022.dropbox import DropService, load_config
from iso20022.dropbox import service as service_module
from iso20022.dropbox.claim import claim, claim_id_of, ready_files
from iso20022.synth import pain001

from .dropkit import check_drop, copy_examples, make_drop, visible

PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False)


def _service(drop: Path, **overrides: object) -> DropService:
    return DropService(load_config(None, drop=drop, overrides={"min_age": 0, **overrides}))


def _report_status(path: Path) -> str:
    tree = etree.fromstring(path.read_bytes(), etree.XMLParser(**PARSER))
    texts = tree.xpath("//*[local-name()='GrpSts']/text()")
    return str(texts[0]) if texts else ""


def _reason_codes(path: Path) -> set[str]:
    tree = etree.fromstring(path.read_bytes(), etree.XMLParser(**PARSER))
    return {str(t) for t in tree.xpath("//*[local-name()='Rsn']/*[local-name()='Cd']/text()")}


def test_bad_files_end_rejected_with_a_report_and_the_service_goes_on(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=2, tx=5, pacs_files=1)
    schema_invalid = pain001(3, seed=99).replace(b"<NbOfTxs>", b"<NbOfTxs>x", 1)
    all_rejected = re.sub(rb"<IBAN>([A-Z]{2})(\d\d)",  # wrong check digits everywhere
                          lambda m: b"<IBAN>%s%02d" % (m[1], (int(m[2]) + 1) % 100),
                          pain001(2, seed=98))
    for name, data in (("schema-invalid.xml", schema_invalid),
                       ("all-rejected.xml", all_rejected)):
        (drop / "inbox" / name).write_bytes(data)
        files[name] = data
    (drop / "inbox" / "upload.xml.part").write_bytes(b"")  # still being written: not taken
    (drop / "inbox" / ".hidden.xml").write_bytes(b"<x/>")
    with _service(drop) as service:
        report = service.run_once()
    assert report.files == len(files)
    by_name = {r.name: r for r in report.results}
    for name in ("not-xml.xml", "empty.xml", "schema-invalid.xml", "all-rejected.xml",
                 "bad-doctype-pacs.008.xml", "bad-truncated-upload.xml",
                 "statement-camt.053.001.08.xml"):
        r = by_name[name]
        assert (r.status, r.place, r.deliveries) == ("RJCT", "rejected", 0), name
        assert _report_status(drop / "reports" / r.report) == "RJCT"
    assert by_name["all-rejected.xml"].transactions == 2
    assert {"FF01"} <= _reason_codes(drop / "reports" / by_name["not-xml.xml"].report)
    dup = by_name[next(n for n in files if n.startswith("resent-"))]
    assert dup.duplicate_of is not None and dup.place == "rejected"
    assert "DU01" in _reason_codes(drop / "reports" / dup.report)
    assert sorted(p.name for p in (drop / "inbox").iterdir()) == [".hidden.xml",
                                                                   "upload.xml.part"]
    for leftover in (".hidden.xml", "upload.xml.part"):
        (drop / "inbox" / leftover).unlink()
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))


def test_the_example_drop(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    copy_examples(drop / "inbox")
    files = {p.name: p.read_bytes() for p in (drop / "inbox").iterdir()}
    with _service(drop) as service:
        report = service.run_once()
    assert (report.files, report.accepted, report.rejected) == (9, 5, 4)
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))


def test_same_msgid_other_content_is_a_duplicate_and_never_settled_twice(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    first = pain001(4, seed=7)
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "a.xml").write_bytes(first)
    with _service(drop) as service:
        assert service.run_once().accepted == 1
        n = service.ledger.db.execute("SELECT COUNT(*) FROM transfers")[0][0]
        # the same message again, re-indented: another hash, the same sender and MsgId
        (drop / "inbox" / "a-again.xml").write_bytes(first.replace(b"\n", b"\n  "))
        r = service.run_once()
        assert (r.rejected, r.duplicates) == (1, 1)
        assert service.ledger.db.execute("SELECT COUNT(*) FROM transfers")[0][0] == n
        statuses = service.journal.summary()["status"]
    assert statuses == {"ACCP": 1, "RJCT": 1}


def test_a_rejected_message_may_be_corrected_and_sent_again(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    good = pain001(2, seed=5)
    bad = good.replace(b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>", 1)
    assert bad != good
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "v1.xml").write_bytes(bad)
    with _service(drop) as service:
        assert service.run_once().rejected == 1
        (drop / "inbox" / "v2.xml").write_bytes(good)
        r = service.run_once()
    assert (r.accepted, r.duplicates) == (1, 0)


def test_a_file_removed_while_processed_still_ends_in_its_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drop = tmp_path / "drop"
    data = pain001(3, seed=11)
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "gone.xml").write_bytes(data)
    real = service_module.check

    def check_then_remove(source: object, **kwargs: object) -> object:
        for p in (drop / "processing").iterdir():
            p.unlink()  # an operator (or a cleanup job) removes it mid-way
        return real(source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "check", check_then_remove)
    with _service(drop) as service:
        r = service.run_once()
    assert (r.accepted, r.results[0].transactions) == (1, 3)
    [archived] = visible(drop / "archive")
    assert archived.read_bytes() == data
    assert len(visible(drop / "reports")) == 1


def test_recovery_of_each_step(tmp_path: Path) -> None:
    """A file left at each step by a crash is finished once, without duplication."""
    drop = tmp_path / "drop"
    data = {f"f{i}.xml": pain001(3, seed=20 + i) for i in range(3)}
    (drop / "inbox").mkdir(parents=True)
    for name, d in data.items():
        (drop / "inbox" / name).write_bytes(d)
    with _service(drop) as service:
        # f0: claimed (renamed) only; f1: journal says claimed; f2: decided, not reported
        claims = {c.original_name: c for c in (claim(p, drop / "processing")
                                                for p in ready_files(drop / "inbox", min_age=0))
                  if c is not None}
        c1, c2 = claims["f1.xml"], claims["f2.xml"]
        sha1, size1 = c1.digest()
        service.journal.claim(c1.id, "f1.xml", sha256=sha1, size=size1, owner="x")
        sha2, size2 = c2.digest()
        service.journal.claim(c2.id, "f2.xml", sha256=sha2, size=size2, owner="x")
        service._decide(c2, sha2)
        for c in claims.values():
            c.release()  # the crashed process's locks go with it
    with _service(drop) as service:
        r = service.run_once()
        assert (r.files, r.recovered, r.accepted) == (3, 3, 3)
        assert all(f.state == "done" for f in service.journal.files())
    check_drop(drop, data, str(drop / "data" / "ledger.sqlite"))


def test_a_locked_file_in_processing_is_someone_elses_and_left_alone(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "busy.xml").write_bytes(pain001(1, seed=3))
    (drop / "processing").mkdir()
    held = claim(drop / "inbox" / "busy.xml", drop / "processing")
    assert held is not None
    try:
        with _service(drop) as service:
            r = service.run_once()
        assert r.files == 0
        assert [p.name for p in visible(drop / "processing")] == [held.id]
    finally:
        held.release()


def test_files_not_yet_stable_wait(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "fresh.xml").write_bytes(pain001(1, seed=4))
    with _service(drop, min_age=3600) as service:
        assert service.run_once().files == 0
    old = (drop / "inbox" / "fresh.xml").stat().st_mtime - 7200
    os.utime(drop / "inbox" / "fresh.xml", (old, old))
    with _service(drop, min_age=3600) as service:
        assert service.run_once().files == 1


def test_claim_names_keep_the_original_name() -> None:
    assert claim_id_of("20261125T054012Z-1a2b3c4d_pay_1.xml") == (
        "20261125T054012Z-1a2b3c4d", "pay_1.xml")


def test_metrics_when_a_port_is_configured(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    import urllib.request

    drop = tmp_path / "drop"
    make_drop(drop / "inbox", pain_files=2, tx=4, pacs_files=0, seed=12)
    with _service(drop) as plain:
        assert plain.metrics is None  # off unless configured
    with _service(drop, metrics_port=0) as service:
        assert service.metrics is not None
        service.run_once()
        url = f"http://127.0.0.1:{service.metrics.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
    assert 'iso20022_dropbox_files_total{place="archive",status="ACCP"} 2.0' in text
    assert 'iso20022_dropbox_transactions_total{outcome="accepted"} 8.0' in text
    assert 'iso20022_dropbox_rejects_total{reason="FF01"}' in text
    assert 'iso20022_dropbox_rejects_total{reason="DU01"} 1.0' in text
    assert "iso20022_dropbox_file_seconds_count 9.0" in text


def test_log_line_per_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "one.xml").write_bytes(pain001(3, seed=13))
    with caplog.at_level("INFO", logger="iso20022.dropbox"), _service(drop) as service:
        service.run_once()
    [line] = [r.getMessage() for r in caplog.records if r.name == "iso20022.dropbox"]
    record = json.loads(line)
    assert (record["file"], record["status"], record["transactions"]) == ("one.xml", "ACCP", 3)
    assert record["amounts"] and all(isinstance(v, str) for v in record["amounts"].values())
    assert record["seconds"] > 0


def test_large_files_are_recorded_in_batches_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More accepted transfers than one batch: streamed again, planned and recorded in
    batches inside the one decide transaction; the same end state as in memory."""
    monkeypatch.setattr(service_module, "BATCH", 7)
    drop = tmp_path / "drop"
    files = make_drop(drop / "inbox", pain_files=3, tx=40, pacs_files=1, seed=14)
    one_wrong = re.sub(rb"(<CdtrAcct>\s*<Id>\s*<IBAN>[A-Z]{2})(\d\d)",
                       lambda m: m[1] + b"%02d" % ((int(m[2]) + 1) % 100),
                       pain001(30, seed=15), count=1)
    (drop / "inbox" / "part.xml").write_bytes(one_wrong)
    files["part.xml"] = one_wrong
    with _service(drop) as service:
        r = service.run_once()
    part = next(x for x in r.results if x.name == "part.xml")
    assert (part.status, part.transactions, part.rejected) == ("PART", 30, 1)
    check_drop(drop, files, str(drop / "data" / "ledger.sqlite"))


class _Bar:
    def __init__(self, name: str, log: list[tuple[str, object]]) -> None:
        self.log = log
        log.append(("open", name))

    def update(self, n: int) -> None:
        self.log.append(("update", n))

    def close(self) -> None:
        self.log.append(("close", None))


def test_progress_bars_count_transactions(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "big.xml").write_bytes(pain001(2500, seed=16))
    log: list[tuple[str, object]] = []
    config = load_config(None, drop=drop, overrides={"min_age": 0})
    with DropService(config, progress=lambda name: _Bar(name, log)) as service:
        service.run_once()
    assert log == [("open", "big.xml"), ("update", 1000), ("update", 1000), ("close", None)]


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from iso20022.dropbox import cli

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # piped: no bar
    assert cli._tty_progress() is None

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    factory = cli._tty_progress()
    assert factory is not None
    bar = factory("x.xml")
    bar.update(1000)
    bar.close()
    monkeypatch.setenv("CI", "1")  # quiet in CI even on a terminal
    assert cli._tty_progress() is None


def test_a_failing_disk_leaves_the_file_for_a_later_round(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drop = tmp_path / "drop"
    (drop / "inbox").mkdir(parents=True)
    (drop / "inbox" / "a.xml").write_bytes(pain001(2, seed=17))
    real = service_module.write_atomic

    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with _service(drop) as service:
        monkeypatch.setattr(service_module, "write_atomic", full)
        r = service.run_once()
        assert (r.files, r.retry_later) == (0, 1)
        assert len(visible(drop / "processing")) == 1
        monkeypatch.setattr(service_module, "write_atomic", real)
        r = service.run_once()  # the next round resumes it
        assert (r.files, r.recovered, r.accepted) == (1, 1, 1)
    assert visible(drop / "processing") == [] and len(visible(drop / "reports")) == 1
