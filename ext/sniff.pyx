# cython: language_level=3
"""Compiled twin of ``iso20022/_sniff_py.py``: find the ISO Document in the first bytes.

The contract is in the Python twin's docstring; this file must behave the same
on every input (the tests compare them on the corpus, on every truncation of
real heads and on mutated bytes).  Errors are the package's Python exception
classes, imported, never defined here.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr, memcmp

from iso20022.errors import LimitExceededError, ParseError, UnsafeXMLError, UnsupportedMessageError

cdef bytes ISO_PREFIX = b"urn:iso:std:iso:20022:tech:xsd:"
cdef bytes HEAD_PREFIX = b"urn:iso:std:iso:20022:tech:xsd:head.001."


cdef inline bint _is_ws(unsigned char c) noexcept nogil:
    return c == 0x20 or c == 0x09 or c == 0x0D or c == 0x0A


cdef inline bint _is_name_end(unsigned char c) noexcept nogil:
    return _is_ws(c) or c == 0x2F or c == 0x3E or c == 0x3D


cdef Py_ssize_t _find(const unsigned char* p, Py_ssize_t start, Py_ssize_t end,
                      const char* needle, Py_ssize_t n) noexcept nogil:
    """Index of ``needle`` in ``p[start:end]`` or -1."""
    cdef Py_ssize_t i
    cdef const unsigned char* hit
    if n == 0:
        return start
    i = start
    while i + n <= end:
        hit = <const unsigned char*>memchr(p + i, needle[0], end - i)
        if hit == NULL:
            return -1
        i = hit - p
        if i + n > end:
            return -1
        if memcmp(p + i, needle, n) == 0:
            return i
        i += 1
    return -1


cdef int _line(const unsigned char* p, Py_ssize_t pos) noexcept nogil:
    cdef int line = 1
    cdef const unsigned char* q = p
    cdef const unsigned char* stop = p + pos
    while q < stop:
        q = <const unsigned char*>memchr(q, 0x0A, stop - q)
        if q == NULL:
            break
        line += 1
        q += 1
    return line


cdef inline bytes _cut(const unsigned char* p, Py_ssize_t a, Py_ssize_t b):
    """``p[a:b]`` as bytes."""
    return PyBytes_FromStringAndSize(<const char*>p + a, b - a)


cdef inline str _text(bytes b):
    """``b.decode("utf-8", "replace")``."""
    return PyUnicode_DecodeUTF8(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b), "replace")


cdef object _fail(object cls, str message, const unsigned char* p, Py_ssize_t pos):
    return cls(message, line=_line(p, pos))


cdef bytes _XML_NS = b"http://www.w3.org/XML/1998/namespace"


cdef object _lookup(list mine, list scoped, bytes prefix):
    """The namespace name bound to ``prefix``, or None: by the tag's own declarations
    (``mine``: (prefix, name), the last one wins), then by the open elements'
    (``scoped``: (depth, prefix, name), the innermost wins), then the initial ones."""
    cdef Py_ssize_t k
    if mine is not None:
        for k in range(len(mine) - 1, -1, -1):
            if mine[k][0] == prefix:
                return mine[k][1]
    for k in range(len(scoped) - 1, -1, -1):
        if scoped[k][1] == prefix:
            return scoped[k][2]
    if prefix == b"":
        return b""
    if prefix == b"xml":
        return _XML_NS
    return None


cdef inline bint _startswith(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                             const char* s, Py_ssize_t n) noexcept nogil:
    return i + n <= end and memcmp(p + i, s, n) == 0


cdef inline bint _partial(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                          const char* s, Py_ssize_t n) noexcept nogil:
    """True when ``p[i:end]`` is a proper prefix of ``s`` (the buffer ended inside it)."""
    return end - i < n and memcmp(p + i, s, end - i) == 0


def sniff(data, bint final, Py_ssize_t limit):
    """See ``iso20022._sniff_py.sniff``."""
    # bytes (what read_head passes) is read in place; anything else through the buffer
    # protocol (a typed memoryview costs more than sniffing a small message's head).
    cdef const unsigned char[::1] view
    if type(data) is bytes:
        return _sniff(<const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data),
                      final, limit)
    if data is None:
        raise TypeError("sniff() argument 'data' must be a bytes-like object, not None")
    view = data
    return _sniff(&view[0] if view.shape[0] else NULL, view.shape[0], final, limit)


cdef object _sniff(const unsigned char* p, Py_ssize_t n, bint final, Py_ssize_t limit):
    cdef Py_ssize_t end = n if n <= limit else limit
    cdef Py_ssize_t pos = 0, i, j, k, close, text_i, after, name_end, colon, local_at
    cdef Py_ssize_t depth = 0
    cdef unsigned char c, nxt, quote
    cdef Py_ssize_t key_at, key_end
    cdef bint empty, has_text, is_document, is_app_header
    cdef object root = None
    cdef object app_header = None
    # The declarations of the open elements, (depth, prefix, name) from the outermost
    # (``scoped``, see _lookup), and those of the tag being read (``mine``): most
    # elements declare nothing and cost no Python object here (no dict per scope).
    cdef list scoped = []
    cdef Py_ssize_t scoped_top = -1  # the depth of scoped's last entry, -1 when empty
    cdef list mine
    cdef bytes prefix, key
    cdef bytes namespace = None  # read only for a Document or an AppHdr

    if n == 0:
        p = <const unsigned char*>b""
    if end >= 3 and p[0] == 0xEF and p[1] == 0xBB and p[2] == 0xBF:
        pos = 3
    elif end >= 2 and ((p[0] == 0xFF and p[1] == 0xFE) or (p[0] == 0xFE and p[1] == 0xFF)):
        raise ParseError("not UTF-8: UTF-16/UTF-32 documents are refused (ISO 20022 uses UTF-8)",
                         line=1)
    elif end >= 4 and memcmp(p, b"\x00\x00\x00<", 4) == 0:
        raise ParseError("not UTF-8: UTF-16/UTF-32 documents are refused (ISO 20022 uses UTF-8)",
                         line=1)
    elif end >= 4 and p[0] == 0x3C and p[1] == 0 and p[2] == 0 and p[3] == 0:
        raise ParseError("not UTF-8: UTF-16/UTF-32 documents are refused (ISO 20022 uses UTF-8)",
                         line=1)
    elif end >= 2 and ((p[0] == 0 and p[1] == 0x3C) or (p[0] == 0x3C and p[1] == 0)):
        raise ParseError("not UTF-8: UTF-16 documents are refused (ISO 20022 uses UTF-8)", line=1)

    while True:
        i = _find(p, pos, end, b"<", 1)
        text_i = end if i < 0 else i
        if depth == 0:
            has_text = False
            for k in range(pos, text_i):
                if not _is_ws(p[k]):
                    has_text = True
                    break
            if has_text:
                if root is None:
                    raise _fail(ParseError, "not XML: text before the root element", p, pos)
                raise _fail(ParseError, "not well-formed: text after the root element", p, pos)
        if i < 0 or i + 1 >= end:
            break
        nxt = p[i + 1]
        if nxt == 0x3F:  # '<?'
            close = _find(p, i + 2, end, b"?>", 2)
            if close < 0:
                break
            pos = close + 2
            continue
        if nxt == 0x21:  # '<!'
            if _startswith(p, i, end, b"<!--", 4):
                close = _find(p, i + 4, end, b"-->", 3)
                if close < 0:
                    break
                pos = close + 3
                continue
            if _partial(p, i, end, b"<!--", 4):
                break
            if depth == 0:
                raise _fail(UnsafeXMLError, "DOCTYPE and markup declarations are refused", p, i)
            if _startswith(p, i, end, b"<![CDATA[", 9):
                close = _find(p, i + 9, end, b"]]>", 3)
                if close < 0:
                    break
                pos = close + 3
                continue
            if _partial(p, i, end, b"<![CDATA[", 9):
                break
            raise _fail(ParseError, "not well-formed: markup declaration inside an element", p, i)
        if nxt == 0x2F:  # '</'
            close = _find(p, i + 2, end, b">", 1)
            if close < 0:
                break
            if depth == 0:
                raise _fail(ParseError, "not well-formed: end tag before any start tag", p, i)
            if depth == scoped_top:
                while scoped and scoped[len(scoped) - 1][0] == depth:
                    scoped.pop()
                scoped_top = scoped[len(scoped) - 1][0] if scoped else -1
            depth -= 1
            pos = close + 1
            if depth == 0:
                raise _fail(UnsupportedMessageError, "no ISO 20022 Document element found", p, i)
            continue

        # A start tag: name, attributes, '>' or '/>'.
        j = i + 1
        while j < end and not _is_name_end(p[j]):
            j += 1
        if j >= end:
            break
        if j == i + 1:
            raise _fail(ParseError, "not well-formed: '<' not followed by a name", p, i)
        name_end = j
        mine = None
        empty = False
        after = -1
        while True:
            while j < end and _is_ws(p[j]):
                j += 1
            if j >= end:
                break
            c = p[j]
            if c == 0x3E:
                after = j + 1
                break
            if c == 0x2F:
                if j + 1 >= end:
                    break
                if p[j + 1] != 0x3E:
                    raise _fail(ParseError, "not well-formed: '/' in a tag not followed by '>'", p, j)
                after = j + 2
                empty = True
                break
            k = j
            while k < end and not _is_name_end(p[k]):
                k += 1
            if k >= end:
                break
            if k == j:
                raise _fail(ParseError, "not well-formed: bad attribute in a tag", p, k)
            key_at = j
            key_end = k
            while k < end and _is_ws(p[k]):
                k += 1
            if k >= end:
                break
            if p[k] != 0x3D:
                raise _fail(ParseError, "not well-formed: attribute without '='", p, k)
            k += 1
            while k < end and _is_ws(p[k]):
                k += 1
            if k >= end:
                break
            quote = p[k]
            if quote != 0x22 and quote != 0x27:
                raise _fail(ParseError, "not well-formed: attribute value not quoted", p, k)
            close = _find(p, k + 1, end, <const char*>&quote, 1)
            if close < 0:
                break
            if _find(p, k + 1, close, b"<", 1) >= 0:
                raise _fail(ParseError, "not well-formed: '<' in an attribute value", p, k)
            if _startswith(p, key_at, key_end, b"xmlns", 5) and (
                    key_end - key_at == 5 or p[key_at + 5] == 0x3A):
                if mine is None:
                    mine = []
                key = _cut(p, key_at + 6, key_end) if key_end - key_at > 5 else b""
                mine.append((key, _cut(p, k + 1, close)))
            j = close + 1
            if j < end and not _is_ws(p[j]) and p[j] != 0x2F and p[j] != 0x3E:
                raise _fail(ParseError, "not well-formed: attributes must be separated by space",
                            p, j)
        if after < 0:
            break  # the tag is incomplete
        # Most names have no prefix: split in C, and cut bytes only for a prefixed name.
        colon = -1
        for k in range(i + 1, name_end):
            if p[k] == 0x3A:
                colon = k
        # The empty prefix is always declared (the initial declarations have it).
        if colon < 0:
            prefix = b""
            local_at = i + 1
        else:
            prefix = _cut(p, i + 1, colon)
            local_at = colon + 1
            if _lookup(mine, scoped, prefix) is None:
                raise _fail(ParseError, f"namespace prefix {prefix.decode('utf-8', 'replace')!r} "
                            "is not declared", p, i)
        if root is None:
            root = _cut(p, local_at, name_end)
        is_document = name_end - local_at == 8 and memcmp(p + local_at, b"Document", 8) == 0
        is_app_header = name_end - local_at == 6 and memcmp(p + local_at, b"AppHdr", 6) == 0
        if is_document or is_app_header:
            namespace = _lookup(mine, scoped, prefix)
        if is_document:
            if namespace.startswith(ISO_PREFIX):
                return (_text(root), _text(namespace),
                        None if app_header is None else _text(app_header),
                        i, _line(p, i))
            raise _fail(UnsupportedMessageError,
                        f"Document in namespace {namespace.decode('utf-8', 'replace')!r} is not "
                        "an ISO 20022 message", p, i)
        if is_app_header and namespace.startswith(HEAD_PREFIX):
            app_header = namespace
        pos = after
        if empty:
            if depth == 0:
                raise _fail(UnsupportedMessageError, "no ISO 20022 Document element found", p, i)
            continue
        depth += 1
        if mine is not None:
            for key, value in mine:
                scoped.append((depth, key, value))
            scoped_top = depth

    if end < n:
        raise LimitExceededError(
            f"no ISO 20022 Document start tag within the first {limit} bytes", line=_line(p, end)
        )
    if final:
        if root is None:
            raise ParseError("not XML: no root element (empty or truncated document)",
                             line=_line(p, end))
        raise ParseError("truncated document: ended before the Document element",
                         line=_line(p, end))
    return None
