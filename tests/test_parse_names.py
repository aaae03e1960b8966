"""Element names with colons: the compiled scanner notes a name's colons on its fast
pass and reads them again only for names it did not finish (non-ASCII, attributes);
both implementations give the same records, or the same error type (and the same path
where the reference names one: lxml gives none for some well-formedness errors)."""

from __future__ import annotations

import pytest
from conftest import parse_both

from iso20022 import synth

_BASE = synth.pacs008(1, version="pacs.008.001.08", seed=1).decode()

_TAGS = ["p:Nm", "a:b:c", ":Nm", "Nm:", "p:\u00e9:x", "\u00e9:Nm", "p\u00e9:Nm", "x:Nm\u00e9",
         "p:Nm a='1'", "a:b:c x='2'", "\u00e9:a:b", "p:Nm\u00e9 a='1'"]


@pytest.mark.parametrize("declared", [True, False])
@pytest.mark.parametrize("tag", _TAGS)
def test_prefixed_names_agree(tag: str, declared: bool) -> None:
    end = tag.split(" ")[0]
    decl = ' xmlns:p="urn:x" xmlns:a="urn:y"' if declared else ""
    doc = _BASE.replace("<Nm>", f"<{tag}{decl}>", 1)
    doc = doc.replace("</Nm>", f"</{end}>", 1)
    outcomes = list(parse_both(doc.encode()).values())
    first = outcomes[0]
    for other in outcomes[1:]:
        assert other[:2] == first[:2], outcomes
        if first[0] == "error" and first[2] is not None and other[2] is not None:
            assert other[2] == first[2], outcomes
