"""Cython build of the hot paths only; all metadata lives in pyproject.toml.

Every compiled module is named explicitly (``ext/`` sits outside the package).
When Cython or a C compiler is missing, or ``ISO20022_NO_EXTENSIONS=1`` is set
at build time, the package installs without them and the pure-Python twins run.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

EXTENSIONS = [
    ("iso20022._speedups.sniff", "ext/sniff.pyx"),
    ("iso20022._speedups.scan", "ext/scan.pyx"),
    ("iso20022._speedups.records", "ext/records.pyx"),
    ("iso20022._speedups.strset", "ext/strset.pyx"),
    ("iso20022._speedups.xsdstream", "ext/xsdstream.pyx"),
    ("iso20022._speedups.screen", "ext/screen.pyx"),
    ("iso20022._speedups.pacs_xml", "ext/pacs_xml.pyx"),
]


class OptionalBuildExt(build_ext):
    """Build extensions, but let a pure-Python install succeed without a compiler."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any toolchain failure
            self._warn(exc)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)

    @staticmethod
    def _warn(exc: BaseException) -> None:
        print(
            f"WARNING: iso20022 compiled extensions not built ({exc}); "
            "the pure-Python implementation will be used.",
            file=sys.stderr,
        )


def extensions() -> list:  # type: ignore[type-arg]
    if os.environ.get("ISO20022_NO_EXTENSIONS") == "1":
        return []
    if sys.implementation.name != "cpython":
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        print("WARNING: Cython not available; building without extensions", file=sys.stderr)
        return []
    exts = [
        Extension(name, [source], extra_compile_args=["-O3"])
        for name, source in EXTENSIONS
    ]
    return cythonize(
        exts,
        include_path=["ext"],
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "initializedcheck": False,
            "cdivision": True,
            "embedsignature": True,
        },
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
