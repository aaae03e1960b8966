"""Benchmark documents, generated once per session by iso20022.synth (deterministic)."""

from __future__ import annotations

import pytest

from iso20022 import synth


@pytest.fixture(scope="session")
def pain001_docs() -> dict[int, bytes]:
    return {n: synth.pain001(n, version="pain.001.001.09", seed=1, n_pmtinf=max(1, n // 100))
            for n in (100, 1_000)}


@pytest.fixture(scope="session")
def pacs008_pool() -> list[bytes]:
    return [synth.pacs008(1, version="pacs.008.001.08", seed=s, envelope=True)
            for s in range(200)]
