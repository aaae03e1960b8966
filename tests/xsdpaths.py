"""Check field-table paths against an official XSD (test helper, uses xmlschema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import xmlschema

from iso20022.parse.tables import MessageSpec, Node, compile_table


def _child(elem, name: str):  # type: ignore[no-untyped-def]
    ctype = elem.type
    if not ctype.has_complex_content() and not ctype.is_complex():
        return None
    for child in elem.iterchildren():
        if child.local_name == name:
            return child
    return None


def _leaf_paths(node: Node, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
    yield trail, node
    for name, child in node.children.items():
        yield from _leaf_paths(child, (*trail, name))


def problems(spec: MessageSpec, xsd: Path) -> list[str]:
    """Table paths that do not exist in the XSD, or text targets on complex elements."""
    schema = xmlschema.XMLSchema(str(xsd))
    document = schema.elements["Document"]
    root = _child(document, spec.root)
    assert root is not None, f"{spec.root} not in {xsd}"
    scopes = [(("GrpHdr",), spec.group_table)]
    if spec.payment_scope:
        scopes.append(((spec.payment_scope,), spec.payment_table))
        scopes.append(((spec.payment_scope, "CdtTrfTxInf"), spec.transaction_table))
    else:
        scopes.append((("CdtTrfTxInf",), spec.transaction_table))
    out: list[str] = []
    for scope_path, table in scopes:
        scope = root
        for name in scope_path:
            scope = _child(scope, name)
            assert scope is not None, f"{scope_path} not in {xsd}"
        for trail, node in _leaf_paths(compile_table(table)):
            elem = scope
            for name in trail:
                elem = _child(elem, name)
                if elem is None:
                    out.append("/".join((*scope_path, *trail)) + ": not in schema")
                    break
            if elem is None:
                continue
            where = "/".join((*scope_path, *trail))
            complex_content = elem.type.is_complex() and not elem.type.has_simple_content()
            if node.target is not None and complex_content:
                out.append(f"{where}: text target {node.target} on a complex element")
            for attr in node.attrs:
                if attr not in elem.attributes:
                    out.append(f"{where}@{attr}: attribute not in schema")
            if node.repeat and elem.max_occurs == 1:
                out.append(f"{where}: repeated target on a single element")
    return out
