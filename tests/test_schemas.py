"""The schema registry: bundled official XSDs, the search path, integrity, compiling."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from iso20022 import schemas
from iso20022.errors import SchemaError, SchemaIntegrityError, SchemaNotFoundError
from iso20022.msgid import MessageId
from iso20022.schemas import BUNDLED_DIR, available, load_schema, schema_path, search_path

from support import require_shared

REPO = Path(__file__).resolve().parents[1]
MANIFEST_HEADER = ["message_id", "file", "sha256", "source", "path_in_source"]
FIRST_WAVE = ["pain.001.001.03", "pain.001.001.09", "pacs.008.001.02", "pacs.008.001.08"]

TEST_ID = "test.001.001.01"
TEST_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns="urn:iso:std:iso:20022:tech:xsd:{TEST_ID}"
           targetNamespace="urn:iso:std:iso:20022:tech:xsd:{TEST_ID}"
           elementFormDefault="qualified">
  <xs:element name="Document">
    <xs:complexType><xs:sequence>
      <xs:element name="Nm" type="xs:string"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
""".encode()

PAIN_001_03 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>MSG-0001</MsgId>
      <CreDtTm>2024-03-01T09:30:00</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>125.50</CtrlSum>
      <InitgPty><Nm>ACME Corp</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>PMT-0001</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <ReqdExctnDt>2024-03-04</ReqdExctnDt>
      <Dbtr><Nm>ACME Corp</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>E2E-0001</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>
        <Cdtr><Nm>Jane Doe</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></CdtrAcct>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
"""


@pytest.fixture(autouse=True)
def _no_schema_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the bundled directory alone, whatever the caller's env."""
    monkeypatch.delenv(schemas.SCHEMA_PATH_ENV, raising=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_path(monkeypatch: pytest.MonkeyPatch, *dirs: Path) -> None:
    monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, os.pathsep.join(str(d) for d in dirs))


def _manifest_rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def _write_manifest(directory: Path, rows: dict[str, str], *, shared_format: bool = False) -> None:
    if shared_format:  # the columns of ../shared/xsd-pypi/MANIFEST.tsv
        lines = ["message_id\tdistribution\tpath_in_wheel\tsha256"]
        lines += [f"{mid}\tdemo==1.0\tdemo/{mid}.xsd\t{sha}" for mid, sha in rows.items()]
    else:
        lines = ["\t".join(MANIFEST_HEADER)]
        lines += [
            f"{mid}\t{mid}.xsd\t{sha}\tdemo==1.0\tdemo/{mid}.xsd" for mid, sha in rows.items()
        ]
    (directory / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- bundled schemas -------------------------------------------------------------------


@pytest.mark.parametrize("mid", FIRST_WAVE)
def test_bundled_lookup(mid: str) -> None:
    path = schema_path(mid)
    assert path == (BUNDLED_DIR / f"{mid}.xsd").resolve()
    assert schema_path(MessageId.parse(mid)) == path
    assert schema_path(MessageId.parse(mid).namespace) == path


def test_bundled_manifest_lists_every_file_with_its_sha256() -> None:
    rows = _manifest_rows(BUNDLED_DIR / "MANIFEST.tsv")
    assert rows[0] == MANIFEST_HEADER
    listed = {}
    for mid, file, sha, source, path_in_source in rows[1:]:
        assert file == f"{mid}.xsd"
        assert str(MessageId.parse(mid)) == mid
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.!+-]+", source), source
        assert path_in_source.endswith(f"/{file}")
        assert _sha(BUNDLED_DIR / file) == sha, f"{file} differs from MANIFEST.tsv"
        listed[file] = sha
    assert len(listed) == len(rows) - 1, "a file is listed twice"
    on_disk = {p.name for p in BUNDLED_DIR.glob("*.xsd")}
    assert on_disk == set(listed)
    assert set(FIRST_WAVE) <= {name.removesuffix(".xsd") for name in on_disk}


def test_every_bundled_schema_compiles() -> None:
    bundled = {mid: path for mid, path in available().items() if path.parent == BUNDLED_DIR}
    assert len(bundled) == len(list(BUNDLED_DIR.glob("*.xsd")))
    for mid in bundled:
        assert isinstance(load_schema(mid), etree.XMLSchema), mid


def test_bundled_files_are_the_shared_pypi_copies() -> None:
    source = require_shared() / "xsd-pypi"
    shared = {row[0]: row for row in _manifest_rows(source / "MANIFEST.tsv")[1:]}
    rows = _manifest_rows(BUNDLED_DIR / "MANIFEST.tsv")[1:]
    assert {row[0] for row in rows} == set(shared)
    for mid, file, sha, dist, path_in_source in rows:
        assert (BUNDLED_DIR / file).read_bytes() == (source / file).read_bytes()
        _, shared_dist, path_in_wheel, shared_sha = shared[mid]
        assert (sha, dist) == (shared_sha, shared_dist)
        assert path_in_wheel.endswith("/" + path_in_source)


def test_bundled_file_missing_from_manifest_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    monkeypatch.setattr(schemas, "BUNDLED_DIR", tmp_path)
    with pytest.raises(SchemaIntegrityError, match="without"):
        schema_path(TEST_ID)
    _write_manifest(tmp_path, {"test.001.001.02": "0" * 64})
    with pytest.raises(SchemaIntegrityError, match="not listed"):
        schema_path(TEST_ID)
    _write_manifest(tmp_path, {TEST_ID: hashlib.sha256(TEST_XSD).hexdigest()})
    assert schema_path(TEST_ID) == (tmp_path / f"{TEST_ID}.xsd").resolve()


# -- the search path -------------------------------------------------------------------


def test_schema_path_env_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    with pytest.raises(SchemaNotFoundError):
        schema_path(TEST_ID)
    _set_path(monkeypatch, tmp_path / "absent", tmp_path)
    assert schema_path(TEST_ID) == (tmp_path / f"{TEST_ID}.xsd").resolve()
    assert search_path() == (BUNDLED_DIR, tmp_path / "absent", tmp_path)
    schema = load_schema(TEST_ID)
    ns = f"urn:iso:std:iso:20022:tech:xsd:{TEST_ID}"
    assert schema.validate(etree.fromstring(f'<Document xmlns="{ns}"><Nm>x</Nm></Document>'))
    assert not schema.validate(etree.fromstring(f'<Document xmlns="{ns}"><Id>x</Id></Document>'))


def test_search_order_bundled_first_then_env_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for directory in (first, second):
        directory.mkdir()
        (directory / "pain.001.001.03.xsd").write_bytes(b"<not-a-schema/>")
        (directory / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    _set_path(monkeypatch, first, second)
    assert schema_path("pain.001.001.03").parent == BUNDLED_DIR.resolve()
    assert isinstance(load_schema("pain.001.001.03"), etree.XMLSchema)
    assert schema_path(TEST_ID).parent == first.resolve()
    _set_path(monkeypatch, second, first)
    assert schema_path(TEST_ID).parent == second.resolve()

    found = available()
    assert found[TEST_ID].parent == second.resolve()
    assert found["pain.001.001.03"].parent == BUNDLED_DIR.resolve()
    assert set(FIRST_WAVE) <= set(found)


def test_available_only_counts_canonical_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("notes.xsd", "pacs.8.1.8.xsd", "pacs.008.001.08.xsd.bak"):
        (tmp_path / name).write_bytes(TEST_XSD)
    (tmp_path / "SOURCES.md").write_text("| not | a manifest |\n", encoding="utf-8")
    (tmp_path / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    bundled = available()
    _set_path(monkeypatch, tmp_path)
    assert available() == {**bundled, TEST_ID: (tmp_path / f"{TEST_ID}.xsd").resolve()}


@pytest.mark.parametrize("shared_format", [False, True], ids=["project", "xsd-pypi"])
def test_tampered_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_format: bool
) -> None:
    xsd = tmp_path / f"{TEST_ID}.xsd"
    xsd.write_bytes(TEST_XSD)
    _write_manifest(tmp_path, {TEST_ID: _sha(xsd)}, shared_format=shared_format)
    _set_path(monkeypatch, tmp_path)
    assert schema_path(TEST_ID) == xsd.resolve()
    xsd.write_bytes(TEST_XSD.replace(b'name="Nm"', b'name="Id"'))
    with pytest.raises(SchemaIntegrityError, match="does not match"):
        schema_path(TEST_ID)
    with pytest.raises(SchemaIntegrityError):
        load_schema(TEST_ID)


def test_unchanged_file_is_not_read_again_but_a_changed_manifest_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xsd = tmp_path / f"{TEST_ID}.xsd"
    xsd.write_bytes(TEST_XSD)
    _write_manifest(tmp_path, {TEST_ID: _sha(xsd)})
    _set_path(monkeypatch, tmp_path)
    schema = load_schema(TEST_ID)
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    for _ in range(3):
        assert load_schema(TEST_ID) is schema
    assert reads == []  # verified once; only stat-ed since
    _write_manifest(tmp_path, {TEST_ID: "0" * 64})
    with pytest.raises(SchemaIntegrityError, match="does not match"):
        load_schema(TEST_ID)


def test_manifest_of_another_directory_does_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed, plain = tmp_path / "listed", tmp_path / "plain"
    listed.mkdir()
    plain.mkdir()
    _write_manifest(listed, {TEST_ID: "0" * 64})
    (plain / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    _set_path(monkeypatch, listed, plain)
    assert schema_path(TEST_ID) == (plain / f"{TEST_ID}.xsd").resolve()


def test_malformed_manifest_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    (tmp_path / "MANIFEST.tsv").write_text("id\thash\nx\ty\n", encoding="utf-8")
    _set_path(monkeypatch, tmp_path)
    with pytest.raises(SchemaIntegrityError, match="not a schema manifest"):
        schema_path(TEST_ID)


def test_unknown_id_is_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _set_path(monkeypatch, tmp_path)
    with pytest.raises(SchemaNotFoundError) as info:
        schema_path("pacs.999.001.01")
    assert str(BUNDLED_DIR) in str(info.value)
    assert str(tmp_path) in str(info.value)
    assert isinstance(info.value, LookupError)
    with pytest.raises(SchemaNotFoundError):
        load_schema("pacs.999.001.01")
    with pytest.raises(SchemaNotFoundError, match="not an ISO 20022 message id"):
        schema_path("../schemas/pacs.008.001.08")


# -- compiling -------------------------------------------------------------------------


def test_load_schema_is_cached_and_validates() -> None:
    schema = load_schema("pain.001.001.03")
    assert load_schema(MessageId.parse("pain.001.001.03")) is schema

    assert schema.validate(etree.fromstring(PAIN_001_03.format(amount="125.50").encode()))

    invalid = etree.fromstring(PAIN_001_03.format(amount="125,50").encode())
    assert not schema.validate(invalid)
    assert "InstdAmt" in str(schema.error_log)
    assert not load_schema("pain.001.001.09").validate(
        etree.fromstring(PAIN_001_03.format(amount="125.50").encode())
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (TEST_XSD.replace(b"test.001.001.01", b"test.001.001.02"), "targetNamespace"),
        (
            TEST_XSD.replace(
                b'elementFormDefault="qualified">',
                b'elementFormDefault="qualified"><xs:include schemaLocation="other.xsd"/>',
            ),
            "self-contained",
        ),
        (b"<Document/>", "not an XML Schema"),
        (b"<xs:schema", "not well-formed"),
    ],
    ids=["namespace", "include", "not-xsd", "not-xml"],
)
def test_load_schema_refuses_unusable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    (tmp_path / f"{TEST_ID}.xsd").write_bytes(content)
    _set_path(monkeypatch, tmp_path)
    with pytest.raises(SchemaError, match=message):
        load_schema(TEST_ID)


def test_shared_xsd_through_search_path(monkeypatch: pytest.MonkeyPatch) -> None:
    xsd = require_shared() / "xsd"
    _set_path(monkeypatch, xsd, xsd / "extra")
    for mid in ("head.001.001.02", "pacs.002.001.10"):
        assert schema_path(mid) == (xsd / f"{mid}.xsd").resolve()
        assert isinstance(load_schema(mid), etree.XMLSchema)
    assert schema_path("head.001.001.04").parent == (xsd / "extra").resolve()
    assert available()["pacs.008.001.08"].parent == BUNDLED_DIR.resolve()


# -- packaging -------------------------------------------------------------------------


def test_pyproject_packages_every_subpackage_and_the_schemas() -> None:
    """A wheel must carry every subpackage and schemas/ as iso20022._schemas."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "iso20022").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"iso20022._schemas"}, (
        "update [tool.setuptools] packages in pyproject.toml"
    )
    assert setuptools["package-dir"]["iso20022._schemas"] == "schemas"
    assert {"*.xsd", "MANIFEST.tsv"} <= set(setuptools["package-data"]["iso20022._schemas"])
    assert (REPO / "schemas" / "__init__.py").is_file()


def test_a_file_seen_before_is_found_again_until_an_earlier_directory_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    _set_path(monkeypatch, first, second)
    assert schema_path(TEST_ID) == (second / f"{TEST_ID}.xsd").resolve()
    assert schema_path(TEST_ID) == (second / f"{TEST_ID}.xsd").resolve()  # the fast answer
    (first / f"{TEST_ID}.xsd").write_bytes(TEST_XSD)
    assert schema_path(TEST_ID) == (first / f"{TEST_ID}.xsd").resolve()
    (first / f"{TEST_ID}.xsd").unlink()
    assert schema_path(TEST_ID) == (second / f"{TEST_ID}.xsd").resolve()
    (second / f"{TEST_ID}.xsd").unlink()
    with pytest.raises(SchemaNotFoundError, match="searched"):
        schema_path(TEST_ID)


def test_a_manifest_written_after_the_file_was_seen_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xsd = tmp_path / f"{TEST_ID}.xsd"
    xsd.write_bytes(TEST_XSD)
    _set_path(monkeypatch, tmp_path)
    assert schema_path(TEST_ID) == xsd.resolve()  # no manifest: trusted as-is
    _write_manifest(tmp_path, {TEST_ID: "0" * 64})
    with pytest.raises(SchemaIntegrityError, match="does not match"):
        schema_path(TEST_ID)
