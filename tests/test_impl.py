"""Which implementation runs, and that a silent fallback cannot pass unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import iso20022
from iso20022 import _impl

from support import COMPILED_DISABLED


def test_the_compiled_modules_really_loaded_unless_disabled() -> None:
    if COMPILED_DISABLED:
        assert iso20022.IMPLEMENTATION == "python"
        assert _impl.sniff.__name__ == "iso20022._sniff_py"
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    assert iso20022.IMPLEMENTATION == "compiled", iso20022.FALLBACK_REASON
    assert iso20022.FALLBACK_REASON is None
    assert _impl.sniff.__name__ == "iso20022._speedups.sniff"
    assert _impl.sniff.__file__.endswith((".so", ".pyd"))


def _run(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "ISO20022_NO_EXTENSIONS"}
    environ.update(env)
    done = subprocess.run([sys.executable, "-c", code], env=environ, check=False,
                          capture_output=True, text=True)
    return done.stdout.strip()


def test_the_environment_variable_forces_the_twin() -> None:
    code = "import iso20022; print(iso20022.IMPLEMENTATION, iso20022.FALLBACK_REASON)"
    assert _run(code, ISO20022_NO_EXTENSIONS="1") == \
        "python disabled by ISO20022_NO_EXTENSIONS"


def test_version_names_the_implementation() -> None:
    out = _run("from iso20022.cli import main; main(['--version'])",
               ISO20022_NO_EXTENSIONS="1")
    assert out == f"iso20022 {iso20022.__version__} (python implementation: disabled by " \
                  "ISO20022_NO_EXTENSIONS)"


def test_exception_ignored_fails_a_test(pytester: pytest.Pytester) -> None:
    """An error swallowed in a destructor (as Cython does) must fail the test that caused it."""
    pytester.makepyfile(
        """
        import gc

        class Swallowed:
            def __del__(self):
                raise RuntimeError("swallowed")

        def test_leaks_an_error():
            Swallowed()
            gc.collect()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(failed=1)
