"""The field tables are data checked against the official XSDs of each version."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from iso20022.parse.tables import APP_HEADER_TABLE, SPECS, Sub, compile_table

from support import SHARED
from xsdpaths import problems

BUNDLED = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("message_id", sorted(SPECS), ids=str)
def test_every_table_path_exists_in_the_versions_schema(message_id: object) -> None:
    spec = SPECS[message_id]  # type: ignore[index]
    xsd = BUNDLED / f"{message_id}.xsd"
    assert xsd.exists(), f"no bundled XSD for a supported message: {xsd}"
    assert problems(spec, xsd) == []


def test_the_first_wave_is_supported() -> None:
    wanted = {"pain.001.001.03", "pain.001.001.09", "pacs.008.001.02", "pacs.008.001.08",
              "pacs.008.001.10"}
    assert wanted <= {str(m) for m in SPECS}


@pytest.mark.parametrize("version", ["01", "02", "03", "04"])
def test_the_app_header_table_matches_every_head001_version(version: str) -> None:
    candidates = [SHARED / "xsd" / f"head.001.001.{version}.xsd",
                  SHARED / "xsd" / "extra" / f"head.001.001.{version}.xsd"]
    xsd = next((p for p in candidates if p.exists()), None)
    if xsd is None:
        pytest.skip(f"head.001.001.{version}.xsd not found under {SHARED / 'xsd'} "
                    "(../shared is absent)")
    schema = xmlschema.XMLSchema(str(xsd))
    root = schema.elements["AppHdr"]
    trie = compile_table(APP_HEADER_TABLE)

    def walk(node: object, elem: object, trail: str) -> None:
        for name, child in node.children.items():  # type: ignore[attr-defined]
            found = next((c for c in elem.iterchildren()  # type: ignore[attr-defined]
                          if c.local_name == name), None)
            assert found is not None, f"{trail}/{name} not in head.001.001.{version}"
            walk(child, found, f"{trail}/{name}")

    walk(trie, root, "AppHdr")


def test_conflicting_targets_are_refused_when_a_table_is_compiled() -> None:
    with pytest.raises(ValueError, match="two targets"):
        compile_table({"A": Sub("party", {"B": "name"}), "A/B": "other"})
