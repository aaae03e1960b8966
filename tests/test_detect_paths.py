"""detect(bytes) (sniffed in place) agrees with detect on a file object and on a path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from iso20022 import Iso20022Error, detect, synth
from iso20022.limits import Limits

PACS = synth.pacs008(1, seed=2)  # with its AppHdr envelope
PAIN = synth.pain001(2, seed=2, envelope=False)
CASES = {
    "pacs.008 envelope": PACS,
    "pain.001": PAIN,
    "bom": b"\xef\xbb\xbf" + PAIN,
    "doctype": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + PAIN,
    "not xml": b"hello, world",
    "empty": b"",
    "no document": b"<Other xmlns='urn:x'><a/></Other>",
    "cut in the prolog": PAIN[:20],
    "latin-1": PAIN.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
}


def _outcome(source: object, limits: Limits) -> object:
    try:
        return detect(source, limits=limits)  # type: ignore[arg-type]
    except Iso20022Error as exc:  # the same error (its text may say the size of bytes)
        return (type(exc), getattr(exc, "code", None), getattr(exc, "line", None),
                getattr(exc, "path", None))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("limit", [None, 100], ids=["default limits", "max_bytes 100"])
def test_bytes_file_object_and_path_agree(name: str, limit: int | None, tmp_path: Path) -> None:
    data = CASES[name]
    limits = Limits() if limit is None else Limits(max_bytes=limit)
    path = tmp_path / "message.xml"
    path.write_bytes(data)
    from_bytes = _outcome(data, limits)
    assert from_bytes == _outcome(io.BytesIO(data), limits)
    assert from_bytes == _outcome(path, limits)
