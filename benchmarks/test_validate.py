"""Validated ingestion: parse + streaming XSD + generic rules, against validation peers.

Groups ``validated <document>``; cases in the same session on the same bytes:

- ``iso20022-validate``: ``iso20022.validate(..., rules="generic")``, the
  whole verdict (XSD pass, then records and every generic rule), compiled parser;
- ``iso20022-xsd-stream``: our streaming XSD pass alone (``validate_xsd``: on
  a valid file, libxml2's streaming validator with no tree, the compiled
  ``iso20022._speedups.xsdstream``);
- ``lxml-tree-validate``: lxml builds the whole tree, then ``XMLSchema.validate``
  (fast, memory grows with the file);
- ``xmlschema``: ``xmlschema.XMLSchema.is_valid`` (pure Python; 10,000 tx only,
  it takes minutes on 100,000).

Each case first validates a small document of other parties (imports and
schema compilation happen once per process, not per file); before each round
the process-wide memo of IBAN and BIC checks is cleared, so every round checks
the identifiers of the document as a file never seen before.

``test_validate_rss`` measures peak RSS of a separate process validating a
100,000-transaction file from disk (the ``huge`` marker).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import xmlschema
from lxml import etree

from iso20022 import schemas, synth
from iso20022.validation import Status, validate, validate_xsd
from iso20022.validation.identifiers import bic_problem, iban_problem

from .harness import HUGE, Document, Documents, implementation_modules

Case = Callable[[Document], int]
_TREE_PARSER = etree.XMLParser(no_network=True, huge_tree=True, load_dtd=False)


def ours(doc: Document) -> int:
    seen = 0
    for payload in doc.payloads:
        verdict = validate(payload, rules="generic")
        assert verdict.status is Status.ACCP, verdict.all_issues()[:3]
        seen += verdict.transactions_seen
    return seen


def xsd_stream(doc: Document) -> int:
    for payload in doc.payloads:
        assert validate_xsd(payload) is None
    return doc.transactions


def lxml_tree_validate(doc: Document) -> int:
    schema = schemas.load_schema(doc.message)
    for payload in doc.payloads:
        assert schema.validate(etree.fromstring(payload, _TREE_PARSER))
    return doc.transactions


@cache
def _xmlschema(message: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(schemas.schema_path(message)))


def xmlschema_validate(doc: Document) -> int:
    schema = _xmlschema(doc.message)
    for payload in doc.payloads:
        assert schema.is_valid(payload.decode("utf-8"))
    return doc.transactions


CASES: dict[str, Case] = {
    "iso20022-validate": ours,
    "iso20022-xsd-stream": xsd_stream,
    "lxml-tree-validate": lxml_tree_validate,
    "xmlschema": xmlschema_validate,
}

@cache
def _warm_up_document() -> Document:
    """A small pain.001 of other parties, validated once before a case is timed."""
    data = synth.pain001(50, version="pain.001.001.09", seed=77, n_pmtinf=2)
    return Document("warm-up", "pain.001.001.09", (data,), 50)


def _new_identifiers() -> None:
    """Before each round: every IBAN and BIC is checked afresh, as in a file not seen before
    (the identifier checks remember results process-wide)."""
    iban_problem.cache_clear()
    bic_problem.cache_clear()


DOCUMENTS = [
    pytest.param("pain001-10000", id="pain001-10000"),
    pytest.param(f"pain001-{HUGE}", id=f"pain001-{HUGE}", marks=[pytest.mark.huge]),
]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("key", DOCUMENTS)
def test_validate(benchmark: Any, documents: Documents, key: str, case: str) -> None:
    doc = documents[key]
    if case == "xmlschema" and doc.transactions >= HUGE:
        pytest.skip("xmlschema takes minutes on 100,000 transactions; measured on 10,000")
    benchmark.group = f"validated {doc.group}"
    fn = CASES[case]
    rounds = 1 if case == "xmlschema" or doc.transactions >= HUGE else 3
    with implementation_modules("compiled"):
        fn(_warm_up_document())  # imports, schema compilation: once per process, not per file
        produced = benchmark.pedantic(fn, args=(doc,), setup=_new_identifiers, rounds=rounds,
                                      iterations=1)
    info: dict[str, Any] = {"case": case, "message": doc.message, "bytes": doc.nbytes,
                            "transactions": doc.transactions, "produced": produced,
                            "correct": produced == doc.transactions}
    if benchmark.stats is not None:
        mean = benchmark.stats.stats.mean
        info.update(mean_s=mean, transactions_per_s=doc.transactions / mean,
                    mb_per_s=doc.nbytes / mean / 1e6)
    benchmark.extra_info.update(info)
    assert produced == doc.transactions


_RSS_SCRIPT = """
import json, sys, tempfile, os
from iso20022 import synth
from iso20022.validation import validate

def hwm_mb():
    # VmHWM: this process image's peak RSS. (ru_maxrss is not used: Linux carries
    # it over from the parent across fork + exec, so it reports pytest's size.)
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")

n = int(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "big.xml")
    size = synth.write_pain001(path, n, seed=2, n_pmtinf=max(1, n // 100))
    before = hwm_mb()
    verdict = validate(path)
    peak = hwm_mb()
print(json.dumps({"transactions": n, "bytes": size, "status": str(verdict.status),
                  "seen": verdict.transactions_seen, "peak_rss_mb": peak,
                  "rss_before_mb": before}))
"""

MAX_RSS_MB = 64


@pytest.mark.huge
def test_validate_rss(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = 10_000 if request.config.getoption("benchmark_disable") else HUGE
    benchmark.group = f"peak RSS validating pain.001 {n:,} tx from disk (separate process)"

    def run() -> dict[str, Any]:
        proc = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(n)], capture_output=True,
                              text=True, check=True, timeout=1200)
        return dict(json.loads(proc.stdout))

    report = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(report, max_rss_mb=MAX_RSS_MB)
    assert report["status"] == "ACCP" and report["seen"] == n
    assert report["peak_rss_mb"] <= MAX_RSS_MB, report
