"""``iso20022 route``: the route of each transfer and why, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from iso20022.synth import pain001

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "routes.toml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("iso20022")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "iso20022"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, check=False)


def test_route_shows_route_and_why_per_transfer(tmp_path: Path) -> None:
    path = tmp_path / "in.xml"
    path.write_bytes(pain001(30, seed=13))
    done = run("route", str(path), "--routes", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 31 and lines[-1].startswith("total: 30 transfers routed; ")
    assert f"{path}[0] " in lines[0]
    assert any(" -> sepa-sct (file/step2-sct, pacs.008.001.02-bulk): route[6] 'sepa-sct': "
               "currency EUR in [EUR]; service level SEPA in [SEPA]" in line for line in lines)
    done = run("route", str(path), "--routes", str(EXAMPLE), "--format", "jsonl")
    rows = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 30 and {"route", "why", "rail", "amount"} <= set(rows[0])
    assert all(isinstance(r["amount"], str) for r in rows)


def test_route_config_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "routes.toml"
    bad.write_text('[[route]]\nname = "x"\nadapter = "fax"\nrail = "r"\nformat = "book"\n'
                   '[default]\nname = "d"\nadapter = "ledger"\nrail = "b"\nformat = "book"\n',
                   encoding="utf-8")
    data = tmp_path / "in.xml"
    data.write_bytes(pain001(2, seed=1))
    done = run("route", str(data), "--routes", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"iso20022: error: {bad}: route[1] 'x'.adapter: unknown adapter "
                           "'fax' (known: amqp, file, ledger)\n")
    done = run("route", str(data), "--routes", str(tmp_path / "none.toml"))
    assert done.returncode == 2 and "cannot read routes file" in done.stderr
    assert "Traceback" not in done.stderr


def test_route_bad_input_file_is_reported_and_others_still_routed(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(pain001(3, seed=2))
    bad.write_bytes(b"<Document")
    done = run("route", str(bad), str(good), "--routes", str(EXAMPLE))
    assert done.returncode == 2
    assert done.stderr.startswith(f"iso20022: error: {bad}") and done.stderr.count("\n") == 1
    assert done.stdout.splitlines()[-1].startswith("total: 3 transfers routed")
    assert "Traceback" not in done.stderr
