"""The schema registry: message id -> official XSD file -> compiled ``XMLSchema``.

Contract:

* A schema is found by its full message id (``pacs.008.001.08``) as the file
  ``<id>.xsd``, first in :data:`BUNDLED_DIR` (the repository's ``schemas/``,
  shipped in a wheel as the data package ``iso20022._schemas``), then in each
  directory of the environment variable ``ISO20022_SCHEMA_PATH``
  (:data:`os.pathsep`-separated, read at every call), in order. The first hit
  wins; bundled schemas cannot be shadowed.
* Integrity: a directory may hold a ``MANIFEST.tsv`` (tab-separated, header
  row, at least the columns ``message_id`` and ``sha256``; the bundled one also
  has ``file``, ``source`` and ``path_in_source``). A found file whose sha256
  differs from its id's entry in the manifest *of its own directory* is
  refused with :class:`~iso20022.errors.SchemaIntegrityError`. The bundled
  directory must have a manifest listing every file it serves; a search-path
  directory without a manifest (or an id it does not list) is trusted as-is.
  Any other file (``README.md``, ``SOURCES.md``) is ignored.
* :func:`load_schema` compiles the exact bytes it verified, with a hardened
  parser (no entity resolution, no DTD, no network), and refuses schemas that
  reference other files (``xs:include`` / ``xs:import`` / ``xs:redefine`` /
  ``xs:override`` with a ``schemaLocation``: those bytes would escape the
  sha256 check; official ISO 20022 message XSDs are self-contained) or whose
  ``targetNamespace`` is not ``urn:iso:std:iso:20022:tech:xsd:<id>``. Compiled
  schemas are cached per process, keyed on the resolved path and the sha256,
  so a changed file is compiled afresh and an unchanged one never twice; the
  sha256 of a found file is kept while its and its manifest's ``stat`` (inode,
  size, mtime, ctime) stay the same, so a hot caller does not re-read and re-hash it.
* Every failure is a :class:`~iso20022.errors.SchemaError`: not found
  (:class:`~iso20022.errors.SchemaNotFoundError`, also a ``LookupError``),
  integrity (:class:`~iso20022.errors.SchemaIntegrityError`) or not compilable
  (:class:`~iso20022.errors.SchemaError`).

Example:
    >>> load_schema("pain.001.001.03") is load_schema("pain.001.001.03")
    True
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import re
import stat
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

from lxml import etree

from .errors import SchemaError, SchemaIntegrityError, SchemaNotFoundError
from .msgid import MessageId

T = TypeVar("T")

__all__ = [
    "BUNDLED_DIR",
    "MANIFEST_NAME",
    "SCHEMA_PATH_ENV",
    "available",
    "load_schema",
    "schema_path",
    "search_path",
]

SCHEMA_PATH_ENV: Final = "ISO20022_SCHEMA_PATH"
"""Environment variable naming extra schema directories, searched after the bundled one."""

MANIFEST_NAME: Final = "MANIFEST.tsv"
"""File name of a directory's schema manifest."""

_XS = "{http://www.w3.org/2001/XMLSchema}"
_EXTERNAL_REFS: Final = tuple(
    f"{_XS}{name}" for name in ("include", "import", "redefine", "override")
)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def _bundled_dir() -> Path:
    """The installed ``iso20022._schemas`` package directory, else ``<repo>/schemas``."""
    try:
        files = importlib.resources.files("iso20022._schemas")
    except ModuleNotFoundError:  # source checkout: the mapping exists only when installed
        files = None
    if isinstance(files, Path) and files.is_dir():
        return files
    return Path(__file__).resolve().parent.parent / "schemas"


BUNDLED_DIR: Final[Path] = _bundled_dir()
"""The directory of the bundled official XSDs and their ``MANIFEST.tsv``."""


def search_path() -> tuple[Path, ...]:
    """The directories searched for schemas, in order.

    Takes nothing (reads ``ISO20022_SCHEMA_PATH`` now). Returns :data:`BUNDLED_DIR`
    followed by each non-empty entry of the variable (``~`` expanded; entries
    that are not directories are kept, they simply hold nothing). Raises nothing.

    Example: ``search_path()[0] == BUNDLED_DIR``.
    """
    extra = os.environ.get(SCHEMA_PATH_ENV, "")
    dirs = [Path(entry).expanduser() for entry in extra.split(os.pathsep) if entry.strip()]
    return (BUNDLED_DIR, *dirs)


def _canonical_id(message_id: MessageId | str) -> str:
    if isinstance(message_id, MessageId):
        return str(message_id)
    try:
        return str(MessageId.parse(message_id))
    except ValueError as exc:
        raise SchemaNotFoundError(f"no schema for {message_id!r}: {exc}") from exc


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(manifest: Path) -> dict[str, str]:
    """``message_id -> sha256`` of a manifest; malformed manifests fail closed."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaIntegrityError(f"{manifest}: cannot read schema manifest: {exc}") from exc
    lines = [
        (number, line.rstrip("\r"))
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise SchemaIntegrityError(f"{manifest}: empty schema manifest")
    header = lines[0][1].split("\t")
    if "message_id" not in header or "sha256" not in header:
        raise SchemaIntegrityError(
            f"{manifest}: not a schema manifest (header needs message_id and sha256 columns)"
        )
    id_col, sha_col = header.index("message_id"), header.index("sha256")
    entries: dict[str, str] = {}
    for number, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(header):
            raise SchemaIntegrityError(
                f"{manifest}:{number}: {len(cells)} columns, header has {len(header)}"
            )
        mid, sha = cells[id_col].strip(), cells[sha_col].strip().lower()
        if not _SHA256_RE.fullmatch(sha):
            raise SchemaIntegrityError(f"{manifest}:{number}: not a sha256: {sha!r}")
        if entries.setdefault(mid, sha) != sha:
            raise SchemaIntegrityError(f"{manifest}:{number}: {mid} listed twice, differently")
    return entries


def _verify(mid: str, path: Path, data: bytes, *, bundled: bool) -> str:
    """The sha256 of ``data`` after checking it against ``path``'s directory manifest."""
    actual = _sha256(data)
    manifest = path.parent / MANIFEST_NAME
    if not manifest.is_file():
        if bundled:
            raise SchemaIntegrityError(f"{path}: bundled schema without {manifest}")
        return actual
    expected = _read_manifest(manifest).get(mid)
    if expected is None:
        if bundled:
            raise SchemaIntegrityError(f"{path}: bundled schema not listed in {manifest}")
        return actual
    if expected != actual:
        raise SchemaIntegrityError(
            f"{path}: sha256 {actual} does not match {expected} recorded for {mid} in {manifest}"
        )
    return actual


# (id, path) -> ((stat of the file, stat of its manifest), verified sha256).  A hot
# caller (a gateway request, a file's validation) asks for the same schema again and
# again: reading and hashing ~100 KB and parsing the manifest each time cost more than
# validating a small message.  The file and its manifest are still stat-ed on every
# call, so a replaced or edited file (or manifest) is read and verified afresh.
_VERIFIED: dict[tuple[str, Path], tuple[tuple[object, object], str]] = {}


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a file's change without reading it (None when it is absent)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _stat_stamp(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# (id, candidate path as searched) -> (stamp of the file, stamp of its manifest,
# resolved path, verified sha256, manifest path): the fast answer for a file seen
# before, checked with one stat call per directory searched (the candidate,
# followed through links) and one of the manifest.  The same inode, size and
# times mean the same file, so its resolved path and sha still hold; anything
# else goes the long way (resolve, read, verify).  The long way costs about 12
# stat calls and pathlib work per lookup (about 60 µs here, measured): nearly half
# of validating a small enveloped message against its two schemas.
_SEEN: dict[tuple[str, str], tuple[object, object, Path, str, str]] = {}
_PATHS: dict[str, tuple[Path, ...]] = {}


def _directories() -> tuple[Path, ...]:
    extra = os.environ.get(SCHEMA_PATH_ENV, "")
    known = _PATHS.get(extra)
    if known is None:
        known = search_path()
        if len(_PATHS) < 64:
            _PATHS[extra] = known
    return known


def _locate(message_id: MessageId | str) -> tuple[str, Path, str]:
    """``(id, resolved path, verified sha256)`` of the first schema found."""
    mid = _canonical_id(message_id)
    for directory in _directories():
        candidate = f"{directory}{os.sep}{mid}.xsd"
        stamp = _stat_stamp(candidate)
        if stamp is None:
            continue  # no file here: the next directory, as the long way would
        seen = _SEEN.get((mid, candidate))
        if seen is None or stamp != seen[0] or _stat_stamp(seen[4]) != seen[1]:
            break  # new, or changed, or its manifest changed: resolve, read, verify
        return mid, seen[2], seen[3]
    return _locate_slowly(mid)


def _locate_slowly(mid: str) -> tuple[str, Path, str]:
    searched: list[str] = []
    for index, directory in enumerate(search_path()):
        where = "bundled" if index == 0 else SCHEMA_PATH_ENV
        candidate = directory / f"{mid}.xsd"
        if not directory.is_dir():
            searched.append(f"{directory} ({where}, not a directory)")
            continue
        searched.append(f"{directory} ({where})")
        if not candidate.is_file():
            continue
        path = candidate.resolve()
        stamp = (_stamp(path), _stamp(path.parent / MANIFEST_NAME))
        known = _VERIFIED.get((mid, path))
        if known is not None and known[0] == stamp:
            sha = known[1]
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise SchemaError(f"{path}: cannot read schema: {exc}") from exc
            sha = _verify(mid, path, data, bundled=index == 0)
            _VERIFIED[(mid, path)] = (stamp, sha)
        if stamp[0] is not None and len(_SEEN) < 4096:
            # The stamps taken before the bytes were read and verified: a change
            # after that differs from them and goes the long way next time.
            _SEEN[(mid, str(candidate))] = (stamp[0], stamp[1], path, sha,
                                            str(path.parent / MANIFEST_NAME))
        return mid, path, sha
    raise SchemaNotFoundError(f"no schema for {mid}; searched: {', '.join(searched)}")


def schema_path(message_id: MessageId | str) -> Path:
    """The verified XSD file of a message.

    Takes a :class:`~iso20022.msgid.MessageId` or its text (``pacs.008.001.08``
    or the full namespace). Returns the resolved path of ``<id>.xsd`` in the
    first directory of :func:`search_path` that has it, after checking its
    sha256 against that directory's ``MANIFEST.tsv``. Raises
    :class:`~iso20022.errors.SchemaNotFoundError` (malformed id, or no such
    file; the message lists the directories searched),
    :class:`~iso20022.errors.SchemaIntegrityError` (sha256 mismatch, bundled
    file unlisted, malformed manifest) or :class:`~iso20022.errors.SchemaError`
    (file unreadable).

    Example: ``schema_path("pacs.008.001.08").name == "pacs.008.001.08.xsd"``.
    """
    return _locate(message_id)[1]


def load_schema(message_id: MessageId | str) -> etree.XMLSchema:
    """The compiled XSD of a message, compiled once per process.

    Takes a :class:`~iso20022.msgid.MessageId` or its text. Returns the
    ``lxml.etree.XMLSchema`` of the file :func:`schema_path` finds; the same
    object for as long as that file's path and sha256 stay the same. Raises
    what :func:`schema_path` raises, and :class:`~iso20022.errors.SchemaError`
    when the file is not a compilable, self-contained schema whose
    ``targetNamespace`` is the message's ISO namespace.

    Example: ``load_schema("pain.001.001.09").validate(etree.parse("pain001.xml"))``.
    """
    mid, path, sha = _locate(message_id)
    return _compiled(mid, str(path), sha)


@functools.cache
def _compiled(mid: str, path: str, sha: str) -> etree.XMLSchema:
    # Runs once per (id, path, sha). The file is read again here, so the bytes
    # compiled are checked against the sha256 that keys the cache entry.
    data = _read_verified(path, sha)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root: etree._Element = etree.fromstring(data, parser, base_url=path)
    except etree.LxmlError as exc:
        raise SchemaError(f"{path}: not well-formed XML: {exc}") from exc
    if root.tag != f"{_XS}schema":
        raise SchemaError(f"{path}: not an XML Schema (root element {root.tag!r})")
    expected_ns = MessageId.parse(mid).namespace
    if root.get("targetNamespace") != expected_ns:
        raise SchemaError(
            f"{path}: targetNamespace {root.get('targetNamespace')!r} is not {expected_ns!r}"
        )
    for ref in root.iter(*_EXTERNAL_REFS):
        location = ref.get("schemaLocation")
        if location is not None:
            raise SchemaError(
                f"{path}: refers to another file ({etree.QName(ref).localname} {location!r});"
                " registry schemas must be self-contained"
            )
    try:
        return etree.XMLSchema(root)
    except etree.LxmlError as exc:
        raise SchemaError(f"{path}: does not compile as an XML Schema: {exc}") from exc


def _read_verified(path: str, sha: str) -> bytes:
    """The bytes of the schema file at ``path``, which must still have sha256 ``sha``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read schema: {exc}") from exc
    if _sha256(data) != sha:
        raise SchemaIntegrityError(f"{path}: changed while being loaded")
    return data


def compiled_with(message_id: MessageId | str, compile: Callable[[bytes], T]) -> T:
    """The XSD of a message compiled by ``compile`` from its verified bytes, once per process.

    For a second validator over the same files (the streaming one of
    :mod:`iso20022.validation.xsd`): the file is the one :func:`load_schema`
    compiles, its bytes checked against the same sha256, and the lxml
    compilation's checks run first, so a schema refused there is refused here
    with the same error.  Cached per (id, path, sha256, ``compile``).
    """
    mid, path, sha = _locate(message_id)
    return typing.cast(T, _compiled_with(mid, str(path), sha, compile))


@functools.cache
def _compiled_with(mid: str, path: str, sha: str, compile: Callable[[bytes], object]) -> object:
    _compiled(mid, path, sha)
    data = _read_verified(path, sha)
    try:
        return compile(data)
    except ValueError as exc:
        raise SchemaError(f"{path}: {exc}") from exc


def available() -> dict[str, Path]:
    """Every message id with a schema file in :func:`search_path`.

    Takes nothing (reads ``ISO20022_SCHEMA_PATH`` now). Returns
    ``{message id: path}`` sorted by id, where the path is the one
    :func:`schema_path` would pick (first directory wins); only files named by
    a canonical id (``<id>.xsd``) count. Integrity is not checked here but by
    :func:`schema_path` / :func:`load_schema`. Raises nothing.

    Example: ``"pacs.008.001.08" in available()``.
    """
    found: dict[str, Path] = {}
    for directory in search_path():
        if not directory.is_dir():
            continue
        for candidate in sorted(directory.glob("*.xsd")):
            try:
                mid = str(MessageId.parse(candidate.stem))
            except ValueError:
                continue
            if mid == candidate.stem and candidate.is_file():
                found.setdefault(mid, candidate.resolve())
    return dict(sorted(found.items()))
