"""Pure-Python twin of ``ext/sniff.pyx``: find the ISO Document in the first bytes.

Contract (both implementations, byte for byte the same behaviour):

``sniff(buf, final, limit) -> tuple | None`` scans ``buf`` from the start:
a UTF-8 BOM is skipped; a UTF-16/UTF-32 document is refused (ISO 20022
messages are UTF-8); the XML declaration, processing instructions, comments
and whitespace of the prolog are skipped; any ``<!`` markup declaration in the
prolog (``<!DOCTYPE``, ``<!ENTITY``) raises :class:`UnsafeXMLError` before any
parser sees the document.  Start and end tags are then read (names, attributes,
``xmlns`` declarations per element, with prefix resolution) until the start tag
of an element named ``Document`` in an ISO 20022 namespace is found.

It returns ``(root_local_name, document_namespace, app_header_namespace,
document_offset, document_line)``, where ``app_header_namespace`` is the
namespace of a head.001 ``AppHdr`` met before the Document (or None).  It
returns None when ``buf`` ends before the Document start tag and ``final`` is
false (the caller reads more).  Otherwise it raises :class:`ParseError`
(not XML, truncated), :class:`UnsafeXMLError` (DOCTYPE) or
:class:`UnsupportedMessageError` (no ISO Document, or a Document in another
namespace); ``limit`` bounds how far it looks (:class:`LimitExceededError`).
"""

from __future__ import annotations

from .errors import LimitExceededError, ParseError, UnsafeXMLError, UnsupportedMessageError

__all__ = ["sniff"]

ISO_PREFIX = b"urn:iso:std:iso:20022:tech:xsd:"
HEAD_PREFIX = b"urn:iso:std:iso:20022:tech:xsd:head.001."
_WS = b" \t\r\n"
_NAME_END = b" \t\r\n/>="

SniffResult = tuple[str, str, str | None, int, int]


def _line(buf: bytes, pos: int) -> int:
    return buf.count(b"\n", 0, pos) + 1


def _fail(cls: type[ParseError], message: str, buf: bytes, pos: int) -> ParseError:
    return cls(message, line=_line(buf, pos))


_Tag = tuple[bytes, list[tuple[bytes, bytes]], int, bool]


def _parse_start_tag(buf: bytes, i: int, end: int) -> _Tag | None:
    """Read ``<name attr="v" ...>`` at ``buf[i] == '<'``; None when the tag is incomplete."""
    j = i + 1
    while j < end and buf[j] not in _NAME_END:
        j += 1
    if j >= end:
        return None
    name = buf[i + 1 : j]
    if not name:
        raise _fail(ParseError, "not well-formed: '<' not followed by a name", buf, i)
    attrs: list[tuple[bytes, bytes]] = []
    while True:
        while j < end and buf[j] in _WS:
            j += 1
        if j >= end:
            return None
        c = buf[j]
        if c == 0x3E:  # '>'
            return name, attrs, j + 1, False
        if c == 0x2F:  # '/'
            if j + 1 >= end:
                return None
            if buf[j + 1] != 0x3E:
                raise _fail(ParseError, "not well-formed: '/' in a tag not followed by '>'", buf, j)
            return name, attrs, j + 2, True
        k = j
        while k < end and buf[k] not in _NAME_END:
            k += 1
        if k >= end:
            return None
        attr = buf[j:k]
        if not attr or k == j:
            raise _fail(ParseError, "not well-formed: bad attribute in a tag", buf, k)
        while k < end and buf[k] in _WS:
            k += 1
        if k >= end:
            return None
        if buf[k] != 0x3D:  # '='
            raise _fail(ParseError, "not well-formed: attribute without '='", buf, k)
        k += 1
        while k < end and buf[k] in _WS:
            k += 1
        if k >= end:
            return None
        quote = buf[k]
        if quote not in (0x22, 0x27):
            raise _fail(ParseError, "not well-formed: attribute value not quoted", buf, k)
        close = buf.find(bytes((quote,)), k + 1, end)
        if close < 0:
            return None
        value = buf[k + 1 : close]
        if b"<" in value:
            raise _fail(ParseError, "not well-formed: '<' in an attribute value", buf, k)
        attrs.append((attr, value))
        j = close + 1
        if j < end and buf[j] not in _WS and buf[j] not in b"/>":
            raise _fail(ParseError, "not well-formed: attributes must be separated by space",
                        buf, j)


def sniff(buf: bytes, final: bool, limit: int) -> SniffResult | None:
    """See the module docstring."""
    end = len(buf)
    if end > limit:
        end = limit
    pos = 0
    if buf[:3] == b"\xef\xbb\xbf":
        pos = 3
    elif buf[:2] in (b"\xff\xfe", b"\xfe\xff") or buf[:4] in (
        b"\x00\x00\x00<",
        b"<\x00\x00\x00",
    ):
        raise ParseError("not UTF-8: UTF-16/UTF-32 documents are refused (ISO 20022 uses UTF-8)",
                         line=1)
    elif buf[:2] in (b"\x00<", b"<\x00"):
        raise ParseError("not UTF-8: UTF-16 documents are refused (ISO 20022 uses UTF-8)", line=1)
    scopes: list[dict[bytes, bytes]] = [{b"": b"", b"xml": b"http://www.w3.org/XML/1998/namespace"}]
    depth = 0
    root: bytes | None = None
    app_header: bytes | None = None
    while True:
        i = buf.find(b"<", pos, end)
        text_end = end if i < 0 else i
        if depth == 0 and buf[pos:text_end].strip(_WS):
            if root is None:
                raise _fail(ParseError, "not XML: text before the root element", buf, pos)
            raise _fail(ParseError, "not well-formed: text after the root element", buf, pos)
        if i < 0:
            break
        if i + 1 >= end:
            break
        nxt = buf[i + 1]
        if nxt == 0x3F:  # '<?'
            close = buf.find(b"?>", i + 2, end)
            if close < 0:
                break
            pos = close + 2
            continue
        if nxt == 0x21:  # '<!'
            if buf.startswith(b"<!--", i):
                close = buf.find(b"-->", i + 4, end)
                if close < 0:
                    break
                pos = close + 3
                continue
            if end - i < 4 and b"<!--".startswith(buf[i:end]):
                break
            if depth == 0:
                raise _fail(UnsafeXMLError, "DOCTYPE and markup declarations are refused", buf, i)
            if buf.startswith(b"<![CDATA[", i):
                close = buf.find(b"]]>", i + 9, end)
                if close < 0:
                    break
                pos = close + 3
                continue
            if end - i < 9 and b"<![CDATA[".startswith(buf[i:end]):
                break
            raise _fail(ParseError, "not well-formed: markup declaration inside an element", buf, i)
        if nxt == 0x2F:  # '</'
            close = buf.find(b">", i + 2, end)
            if close < 0:
                break
            if depth == 0:
                raise _fail(ParseError, "not well-formed: end tag before any start tag", buf, i)
            depth -= 1
            scopes.pop()
            pos = close + 1
            if depth == 0:
                raise _fail(UnsupportedMessageError, "no ISO 20022 Document element found", buf, i)
            continue
        tag = _parse_start_tag(buf, i, end)
        if tag is None:
            break
        name, attrs, after, empty = tag
        decls = dict(scopes[-1])
        for key, value in attrs:
            if key == b"xmlns":
                decls[b""] = value
            elif key.startswith(b"xmlns:"):
                decls[key[6:]] = value
        prefix, _, local = name.rpartition(b":")
        if prefix not in decls:
            raise _fail(ParseError, f"namespace prefix {prefix.decode('utf-8', 'replace')!r} "
                        "is not declared", buf, i)
        namespace = decls[prefix]
        if root is None:
            root = local
        if local == b"Document":
            if namespace.startswith(ISO_PREFIX):
                return (root.decode("utf-8", "replace"), namespace.decode("utf-8", "replace"),
                        None if app_header is None else app_header.decode("utf-8", "replace"),
                        i, _line(buf, i))
            raise _fail(UnsupportedMessageError,
                        f"Document in namespace {namespace.decode('utf-8', 'replace')!r} is not "
                        "an ISO 20022 message", buf, i)
        if local == b"AppHdr" and namespace.startswith(HEAD_PREFIX):
            app_header = namespace
        pos = after
        if empty:
            if depth == 0:
                raise _fail(UnsupportedMessageError, "no ISO 20022 Document element found", buf, i)
            continue
        scopes.append(decls)
        depth += 1
    # Ran out of bytes before the Document start tag.
    if end < len(buf):
        raise LimitExceededError(
            f"no ISO 20022 Document start tag within the first {limit} bytes", line=_line(buf, end)
        )
    if final:
        if root is None:
            raise ParseError("not XML: no root element (empty or truncated document)",
                             line=_line(buf, end))
        raise ParseError("truncated document: ended before the Document element",
                         line=_line(buf, end))
    return None
