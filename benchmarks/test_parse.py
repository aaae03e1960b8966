"""Parsing throughput: our parser against lxml baselines on the same bytes, in one run.

Groups are per document; ``extra_info`` records the implementation, the
transactions produced and whether the count was right (checked in the run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

import iso20022

CdtTrfTxInf = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}CdtTrfTxInf"


def ours(doc: bytes) -> int:
    return sum(1 for _ in iso20022.parse(doc))


def lxml_fromstring_count(doc: bytes) -> int:
    """Peer: build the whole tree with lxml and count transactions (no records)."""
    root = etree.fromstring(doc, etree.XMLParser(resolve_entities=False, no_network=True))
    return len(root.xpath("//*[local-name()='CdtTrfTxInf']"))


class _Null:
    def close(self) -> int:
        return 0


def lxml_sax_null(doc: bytes) -> int:
    """Floor: libxml2 tokenizing with a target that has no callbacks."""
    parser = etree.XMLParser(target=_Null(), resolve_entities=False, no_network=True)
    parser.feed(doc)
    parser.close()
    return -1  # produces nothing


CASES: dict[str, Callable[[bytes], int]] = {
    "iso20022.parse": ours,
    "lxml.fromstring+xpath": lxml_fromstring_count,
    "lxml SAX null target": lxml_sax_null,
}


def _run(benchmark: Any, case: str, docs: list[bytes], expected: int, group: str) -> None:
    benchmark.group = group
    fn = CASES[case]

    def work() -> int:
        return sum(fn(d) for d in docs)

    produced = benchmark(work)
    correct = produced == expected or case == "lxml SAX null target"
    benchmark.extra_info.update(implementation=iso20022.IMPLEMENTATION, case=case,
                                transactions=expected, bytes=sum(map(len, docs)),
                                correct=correct)
    assert correct, f"{case} produced {produced}, expected {expected}"


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("n", [100, 1_000])
def test_pain001(benchmark: Any, pain001_docs: dict[int, bytes], case: str, n: int) -> None:
    _run(benchmark, case, [pain001_docs[n]], n, f"pain.001.001.09 {n} tx")


@pytest.mark.parametrize("case", list(CASES))
def test_pacs008_pool(benchmark: Any, pacs008_pool: list[bytes], case: str) -> None:
    _run(benchmark, case, pacs008_pool, len(pacs008_pool), "pacs.008.001.08 x200 single")
