"""Hostile input, on both implementations: entity attacks, external entities, limits.

Entity expansion and external entities are refused before anything is expanded or
fetched (``UnsafeXMLError``, quickly, the secret never shows), nesting, text and size
limits raise ``LimitExceededError``, and parsing opens no file but its input.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import implementation_modules

import iso20022
from iso20022 import Limits, synth
from iso20022.errors import LimitExceededError, ParseError, UnsafeXMLError
from iso20022.records import Transfer

from support import COMPILED_DISABLED, small_pacs008

SENTINEL = "SENTINEL-3f9c1e-never-leaks"
CPU_BOUND = 2.0  # seconds of CPU: a guard against expansion, not a benchmark
_TX = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"


document = small_pacs008


@dataclass
class Run:
    """What one implementation did with one input."""

    records: list[Transfer]
    error: ParseError | None
    cpu: float  # seconds of process time


def run_each(make_source: Callable[[], Any], **kwargs: Any) -> dict[str, Run]:
    """Parse a fresh source from ``make_source()`` with each available implementation."""
    runs = {}
    for which in ["python"] if COMPILED_DISABLED else ["compiled", "python"]:
        records: list[Transfer] = []
        error = None
        with implementation_modules(which):
            start = time.process_time()
            try:
                for record in iso20022.parse(make_source(), **kwargs):
                    records.append(record)
            except ParseError as exc:
                error = exc
            runs[which] = Run(records, error, time.process_time() - start)
    return runs


def assert_refused(runs: dict[str, Run], error: type[ParseError], *,
                   exact: bool = True) -> None:
    """Every implementation raised ``error``, quickly, with no records and no secret."""
    for which, run in runs.items():
        assert run.error is not None, f"{which} accepted the document"
        if exact:
            assert type(run.error) is error, (which, run.error)
        else:
            assert isinstance(run.error, error), (which, run.error)
        assert run.cpu < CPU_BOUND, f"{which} spent {run.cpu:.2f}s of CPU"
        assert SENTINEL not in str(run.error) and SENTINEL not in repr(run.error.as_dict())
        assert SENTINEL not in repr(run.records)
    paths = {run.error.path for run in runs.values() if run.error is not None}
    assert len(paths) == 1, paths


# -- entity expansion ---------------------------------------------------------------------


def _billion_laughs() -> str:
    decls = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        ref = f"&lol{level - 1};" if level > 1 else "&lol;"
        decls.append(f'<!ENTITY lol{level} "{ref * 10}">')
    return "\n<!DOCTYPE Document [\n " + "\n ".join(decls) + "\n]>"


def _quadratic() -> str:
    return f'\n<!DOCTYPE Document [<!ENTITY a "{"A" * 100_000}">]>'


@pytest.mark.parametrize(("doctype", "name"), [
    pytest.param(_billion_laughs(), "&lol9;", id="billion-laughs"),
    pytest.param(_quadratic(), "&a;" * 20_000, id="quadratic-blowup"),
])
@pytest.mark.parametrize("envelope", [False, True], ids=["bare", "envelope"])
def test_entity_expansion_is_refused_without_expanding(doctype: str, name: str,
                                                       envelope: bool) -> None:
    wrap = ('<Envelope xmlns="urn:swift:xsd:envelope">', "</Envelope>") if envelope else ("", "")
    data = document(name, doctype=doctype, wrap=wrap)
    assert_refused(run_each(lambda: data), UnsafeXMLError)


# -- external entities --------------------------------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file an external entity points at; parsing must never read it."""
    path = tmp_path / "secret.txt"
    path.write_text(SENTINEL, encoding="utf-8")
    (tmp_path / "secret.dtd").write_text(f'<!ENTITY leak "{SENTINEL}">', encoding="utf-8")
    return path


def _xxe_documents(secret: Path) -> dict[str, bytes]:
    url = secret.as_uri()
    dtd_url = secret.with_name("secret.dtd").as_uri()
    comments = "".join(f"\n<!-- prolog comment {i:05d} -->\n<?pi {i}?>" for i in range(1500))
    return {
        "system-entity": document("&xxe;", doctype=f'\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM '
                                                   f'"{url}">]>'),
        "parameter-entity": document("&leak;", doctype=f'\n<!DOCTYPE Document [<!ENTITY % ext '
                                                       f'SYSTEM "{dtd_url}"> %ext;]>'),
        "external-dtd": document("&leak;", doctype=f'\n<!DOCTYPE Document SYSTEM "{dtd_url}">'),
        "after-a-long-prolog": document("&xxe;", prolog=comments,
                                        doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM '
                                                f'"{url}">]>'),
    }


@pytest.mark.parametrize("case", ["system-entity", "parameter-entity", "external-dtd",
                                  "after-a-long-prolog"])
@pytest.mark.parametrize("form", ["bytes", "path", "stream"])
def test_external_entities_are_refused_and_never_read(secret: Path, tmp_path: Path, case: str,
                                                      form: str) -> None:
    data = _xxe_documents(secret)[case]
    if case == "after-a-long-prolog":
        assert 50_000 < len(data) < Limits().max_prolog_bytes
    path = tmp_path / "input.xml"
    path.write_bytes(data)
    make: Callable[[], Any] = {"bytes": lambda: data, "path": lambda: path,
                               "stream": lambda: io.BytesIO(data)}[form]
    assert_refused(run_each(make), UnsafeXMLError)


def test_a_doctype_beyond_the_prolog_limit_is_refused(secret: Path) -> None:
    doctype = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    long = "".join(f"<!-- {i:06d} {'x' * 80} -->\n<?pi {i}?>\n" for i in range(3500))
    assert len(long) > 300_000  # past the prolog limit, and past one 256 KiB read
    data = document("&xxe;", prolog=long, doctype=doctype)
    # Default limits: the prolog is too long to look at, which is a refusal too.
    assert_refused(run_each(lambda: data), ParseError, exact=False)
    # A prolog limit that lets the scan reach the DOCTYPE, across a read boundary.
    assert_refused(run_each(lambda: data, limits=Limits(max_prolog_bytes=1 << 20)),
                   UnsafeXMLError)


@pytest.mark.parametrize("where", ["in-the-document", "in-a-field", "after-the-root"])
def test_a_doctype_inside_the_document_is_a_parse_error(secret: Path, where: str) -> None:
    doctype = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    if where == "in-the-document":
        data = document("&xxe;", extra=doctype)
    elif where == "in-a-field":
        data = document(f"A{doctype}&xxe;")
    else:
        data = document() + doctype.encode()
    runs = run_each(lambda: data)
    assert_refused(runs, ParseError, exact=False)
    if where != "after-the-root":  # after it, streamed records may come before the error
        assert all(run.records == [] for run in runs.values())


# -- no file but the input is opened --------------------------------------------------------

_OPENED: list[str] | None = None  # recording while not None (audit hooks cannot be removed)
_HOOKED = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _OPENED is not None and event == "open" and args and isinstance(args[0], str | bytes):
        _OPENED.append(os.fsdecode(args[0]))


def _atime_is_kept(tmp_path: Path) -> bool:
    """Whether reading a file updates its access time here (relatime does, noatime not)."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    os.utime(probe, (0, time.time()))
    probe.read_text()
    return probe.stat().st_atime > 0


def test_parsing_an_xxe_document_opens_only_the_input(secret: Path, tmp_path: Path) -> None:
    global _OPENED, _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED = True
    tracks_reads = _atime_is_kept(tmp_path)
    documents = _xxe_documents(secret)
    inputs = []
    for name, data in documents.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(data)
        inputs.append(path)
    good = tmp_path / "good.xml"
    good.write_bytes(synth.pacs008(2, seed=1))
    run_each(lambda: good)  # warm up: lazy imports open files too
    for target in (secret, secret.with_name("secret.dtd")):
        os.utime(target, (0, time.time()))
    for path in [good, *inputs]:
        _OPENED = []
        try:
            runs = run_each(lambda p=path: p)
        finally:
            opened, _OPENED = _OPENED, None
        assert set(opened) == {str(path)}, opened
        if path is not good:
            assert_refused(runs, UnsafeXMLError)
    if tracks_reads:  # libxml2 opens files in C, unseen by audit hooks: check access times
        for target in (secret, secret.with_name("secret.dtd")):
            assert target.stat().st_atime == 0, f"{target.name} was read"


# -- nesting depth --------------------------------------------------------------------------


def _depth_runs(data: bytes, **kwargs: Any) -> dict[str, Run]:
    return run_each(lambda: data, **kwargs)


def _assert_limit(runs: dict[str, Run], path: str | None) -> None:
    assert_refused(runs, LimitExceededError)
    for run in runs.values():
        assert run.error is not None and run.error.path == path


_DEEP_PARTY = "<Id><OrgId><Othr><Id>X1</Id><SchmeNm><Cd>BANK</Cd></SchmeNm></Othr></OrgId></Id>"


def test_nesting_deeper_than_the_limit_inside_the_document() -> None:
    data = document(f"Debtor</Nm>{_DEEP_PARTY}<Nm>Debtor")  # Cd is at depth 9
    runs = _depth_runs(data, limits=Limits(max_depth=9))
    assert all(r.error is None and r.records[0].debtor.organisation_ids for r in runs.values())
    _assert_limit(_depth_runs(data, limits=Limits(max_depth=8)),
                  f"{_TX}/Dbtr/Id/OrgId/Othr/SchmeNm/Cd")


def test_nesting_deeper_than_the_limit_in_an_uncaptured_element() -> None:
    def deep(levels: int) -> bytes:
        nest = "<Nest>" * levels + "</Nest>" * levels
        return document(extra=f"<SplmtryData><Envlp>{nest}</Envlp></SplmtryData>")

    runs = _depth_runs(deep(59))  # 5 + 59 = 64 levels: the default limit
    assert all(r.error is None and len(r.records) == 1 for r in runs.values())
    _assert_limit(_depth_runs(deep(60)),
                  f"{_TX}/SplmtryData/Envlp" + "/Nest" * 60)  # the element past the limit


@pytest.mark.parametrize("where", ["uncaptured", "envelope"])
def test_nesting_far_deeper_than_the_limit(where: str) -> None:
    if where == "uncaptured":
        nest = "<Nest>" * 300 + "</Nest>" * 300
        data = document(extra=f"<SplmtryData><Envlp>{nest}</Envlp></SplmtryData>")
        expected = f"{_TX}/SplmtryData/Envlp" + "/Nest" * 60
    else:
        data = document(wrap=("<Envelope>" + "<W>" * 300, "</W>" * 300 + "</Envelope>"))
        expected = "/Envelope" + "/W" * 64
    _assert_limit(_depth_runs(data), expected)


@pytest.mark.parametrize("shape", ["wrappers", "sibling"])
def test_nesting_deeper_than_the_limit_in_the_envelope(shape: str) -> None:
    if shape == "wrappers":  # the Document itself sits too deep
        wrap = ("<Envelope>" + "<W>" * 70, "</W>" * 70 + "</Envelope>")
        expected = "/Envelope" + "/W" * 21  # the element past the limit included
    else:  # a deep subtree before the Document
        wrap = ("<Envelope><Info>" + "<X>" * 70 + "</X>" * 70 + "</Info>", "</Envelope>")
        expected = "/Envelope/Info" + "/X" * 20
    data = document(wrap=wrap)
    _assert_limit(_depth_runs(data, limits=Limits(max_depth=21)), expected)


# -- text length and input size -------------------------------------------------------------


@pytest.mark.parametrize("where", ["captured", "uncaptured"])
def test_a_text_node_over_the_limit(where: str) -> None:
    limits = Limits(max_text_bytes=1000)

    def doc(text: str) -> bytes:
        if where == "captured":
            return document(text)
        return document(extra=f"<SplmtryData><Envlp><Blob>{text}</Blob></Envlp></SplmtryData>")

    fits = "é" * 500  # 1000 bytes of UTF-8 in 500 characters
    runs = run_each(lambda: doc(fits), limits=limits)
    assert all(r.error is None and len(r.records) == 1 for r in runs.values())
    if where == "captured":
        assert all(r.records[0].debtor.name == fits for r in runs.values())
    path = f"{_TX}/Dbtr/Nm" if where == "captured" else f"{_TX}/SplmtryData/Envlp/Blob"
    _assert_limit(run_each(lambda: doc(fits + "x"), limits=limits), path)
    _assert_limit(run_each(lambda: doc("y" * 500 + "é" * 300), limits=limits), path)


class _Unsized:
    """A binary stream that says nothing about its size."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._io.read(min(size, 1000) if size > 0 else size)


@pytest.mark.parametrize("form", ["bytes", "path", "stream", "unsized-stream"])
def test_an_input_over_the_size_limit(tmp_path: Path, form: str) -> None:
    data = synth.pacs008(3, seed=2)
    path = tmp_path / "input.xml"
    path.write_bytes(data)
    make: Callable[[], Any] = {
        "bytes": lambda: data, "path": lambda: path, "stream": lambda: io.BytesIO(data),
        "unsized-stream": lambda: _Unsized(data),
    }[form]
    runs = run_each(make, limits=Limits(max_bytes=len(data)))
    assert all(r.error is None and len(r.records) == 3 for r in runs.values())
    for limit in (len(data) - 1, 1000, 10):
        runs = run_each(make, limits=Limits(max_bytes=limit))
        assert_refused(runs, LimitExceededError)
        for run in runs.values():
            assert run.error is not None
            assert run.error.file == (str(path) if form == "path" else None)
