"""The exact string set behind the AM05 EndToEndId check, compiled and twin."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iso20022 import _impl
from iso20022.synth import pain001
from iso20022.validation import validate


@pytest.fixture
def make(implementation: str) -> type:
    return _impl.module("strset", implementation).StringSet  # type: ignore[no-any-return]


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.text(max_size=40), max_size=300))
def test_it_answers_as_a_set_does(implementation: str, words: list[str]) -> None:
    ss = _impl.module("strset", implementation).StringSet()
    model: set[str] = set()
    for w in words:
        assert ss.add(w) == (w not in model)
        model.add(w)
    assert len(ss) == len(model)
    for w in words:
        assert w in ss
    assert all((w + "\x00" in ss) == (w + "\x00" in model) for w in words)


def test_members_survive_many_table_and_arena_growths(make: type) -> None:
    ss = make()
    ids = [f"E2E-{i:08d}" + "é" * (i % 5) for i in range(200_000)]
    assert all(ss.add(i) for i in ids)
    assert not any(ss.add(i) for i in ids)  # every one found after every resize
    assert len(ss) == len(ids)
    assert "E2E-00200000" not in ss
    assert "" not in ss and ss.add("") and "" in ss


def test_equal_lengths_and_prefixes_are_told_apart(make: type) -> None:
    ss = make()
    assert ss.add("ABC") and ss.add("ABD") and ss.add("AB") and ss.add("ABCD")
    assert not ss.add("ABC") and len(ss) == 4


def test_the_compiled_set_is_compact(implementation: str) -> None:
    if implementation != "compiled":
        pytest.skip("the twin is a plain set; compactness is the compiled set's claim")
    ss = _impl.module("strset", "compiled").StringSet()
    for i in range(1_000_000):
        ss.add(f"E2E-{i:016d}")  # 20 characters, like real EndToEndIds
    assert ss.nbytes() / len(ss) < 60  # a set[str] spends ~170 on each


def test_a_repeated_end_to_end_id_is_am05_on_both(use_implementation: str) -> None:
    doc = pain001(50, seed=3)
    ids = re.findall(rb"<EndToEndId>([^<]+)</EndToEndId>", doc)
    doc = doc.replace(b"<EndToEndId>" + ids[40] + b"<", b"<EndToEndId>" + ids[7] + b"<", 1)
    verdict = validate(doc)
    assert [(tx.index, [(i.code, i.path.rsplit("/", 2)[-2:]) for i in tx.issues])
            for tx in verdict.rejected] == [(40, [("AM05", ["PmtId", "EndToEndId"])])]
