"""The quick XSD pass (valid or not), compiled and twin, against the reporting pass.

The compiled pass (libxml2's validator on parser events, no tree) must say
valid exactly when the reporting pass finds nothing; the twin (lxml
iterparse, which declines to judge a Document holding a comment, PI or CDATA)
may say "not valid" more often, never "valid" wrongly.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from iso20022 import _impl, schemas, synth
from iso20022._source import open_input, read_head
from iso20022.catalog import message_id_of
from iso20022.errors import LimitExceededError, ParseError
from iso20022.limits import DEFAULT_LIMITS, Limits
from iso20022.schemas import compiled_with
from iso20022.validation import validate_xsd
from iso20022.validation.xsd import _stream_blocks

from support import COMPILED_DISABLED, CORPUS, SHARED, corpus_rows, require_corpus

KINDS = ["python"] if COMPILED_DISABLED else ["compiled", "python"]


@pytest.fixture(autouse=True)
def _shared_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = [SHARED / "xsd", SHARED / "xsd" / "extra"]
    monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, os.pathsep.join(str(d) for d in dirs))


def _answers(source: bytes | Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bool] | None:
    """Each quick pass's answer, and the reporting pass's ("report"); None: not a Document."""
    out = {}
    for which in [*KINDS, "report"]:
        with open_input(source, limits) as stream:
            head, sniffed = read_head(stream, limits)
            if sniffed.root != "Document":
                return None
            mid = message_id_of(sniffed, stream.name)
            if which == "report":
                out[which] = _stream_blocks(stream, head, schemas.load_schema(mid)) is None
            else:
                mod = _impl.module("xsdstream", which)
                schema = compiled_with(mid, mod.Schema)
                out[which] = mod.valid(schema, head, sniffed.offset, stream)
                # the document given whole (stream None), as validation does with bytes
                whole = source if isinstance(source, bytes) else source.read_bytes()
                out[f"{which}-whole"] = mod.valid(schema, whole, sniffed.offset, None)
    return out


def _agree(answers: dict[str, bool], what: str) -> None:
    for which in KINDS:
        assert answers[f"{which}-whole"] == answers[which], (what, answers)
    if "compiled" in answers:
        assert answers["compiled"] == answers["report"], (what, answers)
    if answers["python"]:
        assert answers["report"], (what, answers)


@pytest.mark.corpus
def test_every_corpus_document_gets_the_reporting_pass_answer() -> None:
    require_corpus()
    judged = valid = 0
    for path, mid, index_valid in corpus_rows():
        if mid.startswith("head."):
            continue
        try:
            answers = _answers(CORPUS / path)
        except (ParseError, schemas.SchemaError):
            continue  # unreadable or no schema: the quick pass is never asked
        if answers is None:
            continue
        _agree(answers, path)
        judged += 1
        valid += answers["report"]
        assert answers["report"] == index_valid, path
    assert judged > 200 and 0 < valid < judged, (judged, valid)


_DOC = synth.pain001(40, seed=11, n_pmtinf=2)


def test_mutated_documents_get_the_reporting_pass_answer() -> None:
    rnd = random.Random(20261204)
    body = _DOC.index(b"<GrpHdr>")
    seen = {True: 0, False: 0}
    for _ in range(300):
        data = bytearray(_DOC)
        kind = rnd.randrange(3)
        at = rnd.randrange(body, len(data) - 1)
        if kind == 0:
            data[at] = rnd.choice(b"<>&/x9 .-\xc3")
        elif kind == 1:
            del data[at:]
        else:
            del data[at:at + rnd.randrange(1, 40)]
        answers = _answers(bytes(data))
        assert answers is not None
        _agree(answers, f"kind {kind} at {at}")
        seen[answers["report"]] += 1
    assert seen[True] and seen[False] > 200, seen


@pytest.mark.parametrize("value", [b"  <!-- c -->IT", b"  <![CDATA[IT]]>", b"  <?p?>IT",
                                   b"<!-- c -->IT", b"<![CDATA[IT]]>", b"I&#84;"])
def test_comments_cdata_and_references_in_values(value: bytes) -> None:
    doc = synth.pain001(3, seed=2, n_pmtinf=1)
    start = doc.find(b"<Ctry>") + len(b"<Ctry>")
    answers = _answers(doc[:start] + value + doc[doc.find(b"</Ctry>", start):])
    assert answers is not None
    _agree(answers, value.decode())
    assert answers["report"] == (not value.startswith(b"  "))


@pytest.mark.parametrize("which", KINDS)
def test_a_read_failure_is_raised_not_taken_for_invalid(which: str) -> None:
    mod = _impl.module("xsdstream", which)

    class Failing:
        def read(self, size: int = 0) -> bytes:
            raise LimitExceededError("too large")

    schema = compiled_with("pain.001.001.09", mod.Schema)
    with pytest.raises(LimitExceededError):
        mod.valid(schema, _DOC[:200], _DOC.index(b"<Document"), Failing())


@pytest.mark.parametrize("which", KINDS)
def test_a_schema_that_does_not_compile_is_a_value_error(which: str) -> None:
    with pytest.raises(ValueError):
        _impl.module("xsdstream", which).Schema(
            b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element/></xs:schema>')


def test_validation_uses_the_selected_quick_pass(use_implementation: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _impl.xsdstream.valid

    def counted(*args: object) -> bool:
        calls.append(args)
        return bool(real(*args))

    monkeypatch.setattr(_impl.xsdstream, "valid", counted)
    assert validate_xsd(_DOC) is None
    assert len(calls) == 1
    assert type(calls[0][0]).__module__ == _impl.module("xsdstream", use_implementation).__name__
