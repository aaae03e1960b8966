"""Packaging: a machine without a C compiler still gets a working (pure-Python) install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_wheel_builds_without_a_compiler_and_runs_the_twins(tmp_path: Path) -> None:
    # A clean copy of the sources: no build/ directory or compiled modules from this tree.
    source = tmp_path / "src"
    patterns = shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "*.so", "*.pyd", "*.c", "__pycache__",
        ".*_cache", ".benchmarks", ".hypothesis")

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(patterns(directory, names))
        if Path(directory) == ROOT:  # the top-level build/ only: iso20022/build is a package
            skipped |= {"build"} & set(names)
        return skipped

    shutil.copytree(ROOT, source, ignore=ignore)
    env = {**os.environ, "CC": "/bin/false", "LDSHARED": "/bin/false"}
    env.pop("ISO20022_NO_EXTENSIONS", None)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheels"), str(source)],
        env=env, capture_output=True, text=True, check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp_path / "wheels").glob("iso20022-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert "iso20022/_schemas/pain.001.001.09.xsd" in names
    assert "iso20022/transfer.schema.json" in names
    assert "iso20022/build/pacs008.py" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import iso20022, iso20022.schemas as s; "
         "print(iso20022.IMPLEMENTATION, iso20022.FALLBACK_REASON is not None, "
         "s.schema_path('pain.001.001.09').is_file(), "
         "len(list(iso20022.parse(b'<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:"
         "pacs.008.001.08\"><FIToFICstmrCdtTrf><GrpHdr><MsgId>M</MsgId><CreDtTm>"
         "2026-01-01T00:00:00</CreDtTm><NbOfTxs>0</NbOfTxs></GrpHdr></FIToFICstmrCdtTrf>"
         "</Document>'))))"],
        env={"PYTHONPATH": str(target), "PATH": os.environ.get("PATH", "")},
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert probe.stdout.split() == ["python", "True", "True", "0"], probe.stderr
