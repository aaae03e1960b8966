"""``iso20022 batch``: the same summaries in this process, on a pool of 2 and on Dask."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

import iso20022
from iso20022.batch import ERROR, FileSummary, FileTask, exit_status, process_file, run_batch
from iso20022.cli import main
from iso20022.distribute import map_tasks
from iso20022.dropbox.demo import write_demo_drop
from iso20022.errors import RouteConfigError
from iso20022.synth import pacs008, write_pain001

from support import CORPUS, corpus_rows

ROUTES = str(Path(__file__).resolve().parents[1] / "examples" / "routes.toml")
PART_FILE = "acme-suppliers-3-one-wrong-iban-pain.001.001.09.xml"
CORPUS_PICKS = 3  # corpus files per message family


def without_timing(results: list[FileSummary]) -> list[FileSummary]:
    return [dataclasses.replace(r, seconds=0.0) for r in results]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo drop (pain.001 .03/.09, pacs.008 .02/.08, one partly rejected file, one
    resent) and bad files; by name."""
    root = tmp_path_factory.mktemp("batch")
    write_demo_drop(root, seed=3)
    files = {p.name: p for p in sorted((root / "inbox").iterdir())}
    bad = {"not-xml.xml": b"hello, not XML",
           "empty.xml": b"",
           "truncated.xml": pacs008(3, seed=9)[:1500],
           "camt.xml": b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
                       b"<BkToCstmrStmt/></Document>"}
    for name, data in bad.items():
        (root / name).write_bytes(data)
        files[name] = root / name
    files["missing.xml"] = root / "missing.xml"
    return files


def corpus_files() -> list[str]:
    picked: list[str] = []
    for family in ("pain.001.", "pacs.008."):
        rows = [path for path, mid, _ in corpus_rows() if mid.startswith(family)]
        picked.extend(str(CORPUS / path) for path in rows[:CORPUS_PICKS])
    return picked


@pytest.fixture(scope="module")
def single(inputs: dict[str, Path]) -> list[FileSummary]:
    """The reference: every input in this process."""
    return run_batch([str(p) for p in inputs.values()], routes=ROUTES, workers=1)


def test_a_pool_of_2_and_a_local_cluster_give_the_single_process_results(
        inputs: dict[str, Path], single: list[FileSummary], local_cluster: Any) -> None:
    paths = [str(p) for p in inputs.values()]
    pooled = run_batch(paths, routes=ROUTES, workers=2)
    on_dask = run_batch(paths, routes=ROUTES, scheduler=local_cluster)
    assert without_timing(pooled) == without_timing(single)
    assert without_timing(on_dask) == without_timing(single)
    assert [r.file for r in single] == paths  # input order, names as given


def test_corpus_files_give_the_same_results_everywhere(local_cluster: Any) -> None:
    paths = corpus_files()
    if not paths:
        pytest.skip(f"sample corpus not found at {CORPUS} (../shared is absent)")
    single = run_batch(paths, rules="cbpr", routes=ROUTES, workers=1)
    assert without_timing(run_batch(paths, rules="cbpr", routes=ROUTES, workers=2)) == \
        without_timing(single)
    assert without_timing(run_batch(paths, rules="cbpr", routes=ROUTES,
                                    scheduler=local_cluster)) == without_timing(single)
    assert all(r.message_type and r.message_type.startswith(("pain.001.", "pacs.008."))
               for r in single)


def test_amounts_and_routes_are_those_of_the_accepted_transfers(
        inputs: dict[str, Path], single: list[FileSummary]) -> None:
    by_name = {Path(r.file).name: r for r in single}
    whole = by_name["nordhandel-2-pain.001.001.03.xml"]
    assert whole.status == "ACCP" and whole.rejected == 0
    sums: dict[str, Decimal] = {}
    for t in iso20022.parse(inputs["nordhandel-2-pain.001.001.03.xml"]):
        sums[t.amount.currency] = sums.get(t.amount.currency, Decimal(0)) + t.amount.amount
    assert {c: Decimal(a) for c, a in whole.amounts.items()} == sums
    assert sum(whole.routes.values()) == whole.accepted == whole.transactions

    part = by_name[PART_FILE]
    assert part.status == "PART"
    assert (part.transactions, part.accepted, part.rejected) == (30, 29, 1)
    assert part.reasons == {"AC01": 1}
    assert sum(part.routes.values()) == 29  # the rejected transfer is not routed
    resent = by_name["nordhandel-1-resent-pain.001.001.03.xml"]
    assert resent.status == "ACCP"  # no cross-file duplicate check in a batch (no store)


def test_bad_files_are_typed_errors_and_the_others_still_run(
        single: list[FileSummary]) -> None:
    by_name = {Path(r.file).name: r for r in single}
    errors = {name: (r.error.type, r.error.code) for name, r in by_name.items()
              if r.error is not None}
    assert errors == {"not-xml.xml": ("ParseError", "FF01"),
                      "empty.xml": ("ParseError", "FF01"),
                      "camt.xml": ("UnsupportedMessageError", "FF01"),
                      "missing.xml": ("ParseError", "FF01")}
    # cut off past its header: the schema pass rejects it whole, as ``validate`` does
    truncated = by_name["truncated.xml"]
    assert (truncated.status, truncated.reasons, truncated.accepted) == ("RJCT", {"FF01": 1}, 0)
    assert all(by_name[n].status == ERROR for n in errors)
    assert "cannot read file" in str(by_name["missing.xml"].error)
    assert by_name["camt.xml"].message_type == "camt.053.001.08"
    assert "not a pain.001 or pacs.008 message" in str(by_name["camt.xml"].error)
    assert sum(r.status in ("ACCP", "PART") for r in single) == len(single) - len(errors) - 1
    assert exit_status(single) == 2
    assert exit_status([r for r in single if r.error is None]) == 1  # PART, RJCT
    assert exit_status([r for r in single if r.status == "ACCP"]) == 0


def test_a_task_error_propagates_typed_from_the_cluster(
        inputs: dict[str, Path], local_cluster: Any, tmp_path: Path) -> None:
    # a routes file the workers cannot read is the job's problem, not the file's
    task = FileTask(str(inputs[PART_FILE]), routes=str(tmp_path / "gone.toml"))
    with pytest.raises(RouteConfigError, match="cannot read routes file") as info:
        map_tasks(process_file, [task, task], scheduler=local_cluster)
    assert info.value.file == str(tmp_path / "gone.toml")


def test_a_large_file_streams(tmp_path: Path) -> None:
    path = tmp_path / "large.xml"
    write_pain001(path, 8_000, seed=4)
    process_file(FileTask(str(path), routes=ROUTES))  # schemas and routes cached
    tracemalloc.start()
    try:
        summary = process_file(FileTask(str(path), routes=ROUTES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.status == "ACCP" and summary.accepted == 8_000
    # the 8,000 records alone take about 15 MiB
    assert peak < 6 * 1024**2, f"peak {peak / 1024**2:.1f} MiB"


# -- the command --------------------------------------------------------------------------


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("iso20022")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "iso20022"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, **env})


def json_lines(text: str) -> list[dict[str, Any]]:
    rows = [orjson.loads(line) for line in text.splitlines()]
    for row in rows:
        assert row.pop("seconds") >= 0
    return rows


def test_cli_on_a_scheduler_address_gives_the_in_process_output(
        inputs: dict[str, Path], local_cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in inputs.values()]
    done = run("batch", *paths, "--routes", ROUTES, "--format", "jsonl",
               "--scheduler", local_cluster.scheduler_address)
    assert done.returncode == 2, done.stderr  # some files are unusable
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert main(["batch", *paths, "--routes", ROUTES, "--format", "jsonl",
                 "--workers", "1"]) == 2
    here = capsys.readouterr().out
    assert json_lines(done.stdout) == json_lines(here)
    assert [row["file"] for row in json_lines(here)] == paths


def test_cli_text_is_one_line_per_file_and_a_total(
        inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    good = [str(p) for n, p in inputs.items() if n.startswith(("nordhandel", "correspondent"))]
    assert main(["batch", *good, "--routes", ROUTES, "--workers", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(good) + 1
    for path, line in zip(good, lines, strict=False):
        assert re.match(rf"{re.escape(path)}: ACCP (pain\.001|pacs\.008)\.001\.\d\d \S+: "
                        r"\d+ transactions, \d+ accepted, 0 rejected; ", line), line
    assert re.match(rf"total: {len(good)} files: {len(good)} accepted, 0 partly, 0 rejected, "
                    r"0 unusable; .* on local\[2\]\)$", lines[-1]), lines[-1]


def test_cli_output_file_and_exit_1_for_a_partly_rejected_file(
        inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "job.jsonl"
    assert main(["batch", str(inputs[PART_FILE]), "--format", "jsonl",
                 "--output", str(target)]) == 1
    assert capsys.readouterr().out == ""
    (row,) = json_lines(target.read_text())
    assert (row["status"], row["accepted"], row["rejected"]) == ("PART", 29, 1)


def test_cli_unreachable_scheduler_is_exit_2_without_traceback(
        inputs: dict[str, Path]) -> None:
    done = run("batch", str(inputs[PART_FILE]), "--scheduler", "tcp://127.0.0.1:1",
               DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("iso20022: error: cannot reach the Dask scheduler "
                                  "tcp://127.0.0.1:1: ")
    assert len(done.stderr.splitlines()) == 1, done.stderr  # no traceback, nothing ignored


@pytest.mark.parametrize(("args", "message"), [
    (["--routes", "no-such-routes.toml"], "cannot read routes file"),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers sizes the local pool"),
    (["--workers", "0"], "workers must be at least 1"),
    (["--scheduler", "nonsense"], "not a Dask scheduler address"),
])
def test_cli_job_errors_are_one_line_and_exit_2(
        inputs: dict[str, Path], capsys: pytest.CaptureFixture[str], args: list[str],
        message: str) -> None:
    assert main(["batch", str(inputs[PART_FILE]), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("iso20022: error: ") and message in captured.err
    assert len(captured.err.splitlines()) == 1


def test_cli_an_empty_directory_is_exit_2(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path)]) == 2
    assert "no input files" in capsys.readouterr().err
