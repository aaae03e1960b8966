"""``parse(bytes)`` reads a small document whole, without a stream; it must not show.

Documents up to ``_source.WHOLE`` bytes given as ``bytes`` skip the stream the other
inputs are read through (``open_input``, ``read_head``); larger ones too on the compiled
scanner, which takes them in place.  For the same document as
bytes, as a binary file object and as a path, on both implementations, the records
are equal and an error has the same type, message, line and element path (the file
name aside: only a path has one).
"""

from __future__ import annotations

import dataclasses
import gc
import io
import sys
from pathlib import Path
from typing import Any

import pytest

import iso20022
from iso20022 import synth
from iso20022._source import WHOLE
from iso20022.errors import LimitExceededError, ParseError, UnsafeXMLError
from iso20022.limits import Limits


def _outcome(source: Any, **kwargs: Any) -> tuple[Any, ...]:
    try:
        return ("ok", [t.__class__(**{**_fields(t), "source": None})
                       for t in iso20022.parse(source, **kwargs)])
    except ParseError as exc:
        return ("error", type(exc), exc.message, exc.line, exc.path)


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _sources(data: bytes, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "message.xml"
    path.write_bytes(data)
    return {"bytes": data, "file object": io.BytesIO(data), "path": path}


PACS = synth.pacs008(1, version="pacs.008.001.08", seed=7, envelope=True)
PAIN = synth.pain001(3, version="pain.001.001.09", seed=2)

DOCUMENTS = {
    "pacs.008 with AppHdr": PACS,
    "pain.001": PAIN,
    "with a BOM": b"\xef\xbb\xbf" + PACS,
    "latin-1 declared": PAIN.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    "DOCTYPE": PACS.replace(b"<Envelope>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><Envelope>"),
    "truncated in the AppHdr": PACS[:400],
    "truncated in the Document": PACS[: len(PACS) // 2],
    "empty": b"",
    "whitespace only": b"  \n ",
    "text after the root": PACS + b"tail",
    "mismatched end tag": PACS.replace(b"</Dbtr>", b"</Cdtr>", 1),
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_bytes_file_and_path_give_the_same_outcome(name: str, tmp_path: Path,
                                                   use_implementation: str) -> None:
    data = DOCUMENTS[name]
    assert len(data) <= WHOLE
    outcomes = {kind: _outcome(source) for kind, source in _sources(data, tmp_path).items()}
    assert outcomes["bytes"] == outcomes["file object"] == outcomes["path"]


def test_the_expected_message_is_checked_on_bytes(tmp_path: Path,
                                                  use_implementation: str) -> None:
    outcomes = {kind: _outcome(source, message="pain.001.001.09")
                for kind, source in _sources(PACS, tmp_path).items()}
    assert outcomes["bytes"][0] == "error"
    assert outcomes["bytes"] == outcomes["file object"] == outcomes["path"]


def test_the_size_limit_holds_for_bytes(use_implementation: str) -> None:
    too_small = _outcome(PACS, limits=Limits(max_bytes=len(PACS) - 1))
    assert too_small[:2] == ("error", LimitExceededError)
    assert len(_outcome(PACS, limits=Limits(max_bytes=len(PACS)))[1]) == 1


BIG = synth.pacs008(200, version="pacs.008.001.08", seed=3, envelope=True)

BIG_DOCUMENTS = {
    "pacs.008 with AppHdr": BIG,
    "truncated": BIG[: len(BIG) * 3 // 4],
    "mismatched end tag near the end": BIG[::-1].replace(b">rtdC/<", b">rtbD/<", 1)[::-1],
    "text after the root": BIG + b"tail",
}


@pytest.mark.parametrize("name", list(BIG_DOCUMENTS))
def test_bytes_past_one_read_give_the_outcome_of_a_stream(name: str, tmp_path: Path,
                                                         use_implementation: str) -> None:
    # Past one read, bytes come through a stream on the twin and are scanned in place
    # by the compiled scanner (its IN_PLACE): either way as a file object or a path.
    data = BIG_DOCUMENTS[name]
    assert len(data) > WHOLE
    outcomes = {kind: _outcome(source) for kind, source in _sources(data, tmp_path).items()}
    assert outcomes["bytes"] == outcomes["file object"] == outcomes["path"]


def test_bytes_past_one_read_give_every_transfer(use_implementation: str) -> None:
    assert len(_outcome(BIG)[1]) == 200
    assert _outcome(BIG_DOCUMENTS["mismatched end tag near the end"])[0] == "error"


def test_records_of_bytes_name_no_file_and_count_lines(use_implementation: str) -> None:
    (transfer,) = iso20022.parse(PACS)
    assert transfer.source.file is None
    assert transfer.source.line == PACS[: PACS.index(b"<CdtTrfTxInf>")].count(b"\n") + 1


def test_an_error_in_bytes_is_raised_while_iterating(use_implementation: str) -> None:
    transfers = iso20022.parse(DOCUMENTS["DOCTYPE"])  # nothing read yet
    with pytest.raises(UnsafeXMLError):
        next(transfers)


def _none_fields(records: list[Any]) -> int:
    """The fields holding None in the records and every record they reach, each once."""
    seen: dict[int, Any] = {}
    todo = list(records)
    while todo:
        record = todo.pop()
        if id(record) in seen:
            continue
        seen[id(record)] = record
        for value in _fields(record).values():
            if dataclasses.is_dataclass(value):
                todo.append(value)
            elif isinstance(value, tuple):
                todo.extend(item for item in value if dataclasses.is_dataclass(item))
    return sum(value is None for record in seen.values() for value in _fields(record).values())


@pytest.mark.parametrize("name", ["pacs.008 with AppHdr", "pain.001"])
def test_records_hold_one_reference_to_each_default(use_implementation: str, name: str) -> None:
    # The compiled builder starts a record from a template of its default values and
    # adds their references in one step: what the records hold must be exactly that.
    list(iso20022.parse(DOCUMENTS[name]))  # caches filled
    gc.collect()
    before = sys.getrefcount(None)
    kept = [t for _ in range(20) for t in iso20022.parse(DOCUMENTS[name])]
    gc.collect()
    middle = sys.getrefcount(None)
    records = [t for _ in range(20) for t in iso20022.parse(DOCUMENTS[name])]
    gc.collect()
    gained = sys.getrefcount(None) - middle  # before the assert: pytest's rewrite holds Nones
    held = _none_fields(records)
    del kept, records
    gc.collect()
    after = sys.getrefcount(None)
    assert gained == held > 0
    assert after == before
