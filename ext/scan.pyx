# cython: language_level=3
"""Compiled twin of ``iso20022/parse/_scan_py.py``: a streaming byte scanner for ISO 20022.

It reads UTF-8 XML in chunks (other ASCII-compatible declared encodings are
transcoded first), checks well-formedness the way libxml2 does (names, UTF-8,
XML characters, entities and character references, CDATA, comments,
processing instructions, attributes, namespaces), walks the same field trie
as the reference parser and builds records exactly as the shared builder
(``iso20022.parse._build``) does, so both give equal records or the same error
class and element path.  The contract is in the reference parser's docstring.

Why it is written this way:
- the input is a Python ``bytes`` window (``self.buf``) over the stream; a
  token that does not end inside the window makes the scanner append the
  next chunk and try again, so no token is ever split; ``self.p`` is a
  borrowed pointer into ``self.buf`` and is refreshed whenever ``self.buf``
  is replaced (the bytes object owns the memory);
- text is decoded into a C buffer only for elements whose text fills a
  record field; other text is validated and measured, never copied;
- the qualified names of the open elements are copied into one C arena (end
  tags are matched against it); the walk state (mode, trie node id, value
  container) is kept per depth in C arrays and mirrors the reference parser;
  error paths are spelled from the arena only when an error is raised;
- the field trie is C arrays (``_trie.pxi``): an element of a scope is looked
  up by (parent id, raw name bytes), so an element that fills nothing creates
  no Python object;
- values are converted from the text buffer in C for their plain forms, and
  by ``_build.convert`` otherwise (one definition of what is accepted); they
  are collected into records in the making, by field position, and records
  are built by writing their slots (``_assemble.pxi``), in the order and with
  the errors of ``_build``.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.ref cimport Py_XINCREF
from cpython.unicode cimport PyUnicode_AsUTF8String, PyUnicode_DecodeUTF8
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.stdint cimport uint64_t
from libc.string cimport memchr, memcmp, memcpy

import codecs
import re

from iso20022._source import SPENT
from iso20022.errors import InvalidValueError, LimitExceededError, ParseError
from iso20022.msgid import ISO_NAMESPACE_PREFIX
from iso20022.parse._build import MissingFieldError, convert
from iso20022.parse._build import build_app_header as _build_app_header
from iso20022.parse._scan_py import _app_header_trie, _code, _tries
from iso20022.parse.tables import iso_path_of
from iso20022.records import (
    AppHeader,
    MessageHeader,
    PaymentInformation,
    Source,
    Transfer,
    required_fields,
)

include "_assemble.pxi"
include "_trie.pxi"

# The XML declaration's grammar (XML 1.0 productions 23-25, 32, 80-81); libxml2 also
# takes any 1.x version.
_XML_DECL = re.compile(
    r"""[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]*\1"""
    r"""(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?"""
    r"""(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\4)?[ \t\r\n]*""")
# An RFC 3986 URI reference, as libxml2 checks namespace names: an absolute URI,
# or a relative reference whose first path segment has no ':'.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PCHAR_NC = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})"
_TAIL = rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
_AUTHORITY = r"//(?:\[[0-9A-Fa-f:.]+\](?::[0-9]*)?)?"
_URI_REFERENCE = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*:(?:{_AUTHORITY})?(?:{_PCHAR}|/)*{_TAIL}"
    rf"|(?:{_AUTHORITY}(?:{_PCHAR}|/)*|/?(?:{_PCHAR_NC}+(?:/(?:{_PCHAR}|/)*)?)?){_TAIL}")

cdef dict _ENCODINGS = {}
cdef dict _URIS = {}
cdef dict _DECLS = {}  # XML declaration body (bytes) -> declared encoding, None for UTF-8 or none
cdef bytes _PLAIN_DECL = None  # the last body found in _DECLS to mean UTF-8
cdef object _UNKNOWN = object()


cdef bint _is_uri_reference(str value) except -1:
    """``_URI_REFERENCE.fullmatch(value)``, remembered for the few names a process meets."""
    known = _URIS.get(value)
    if known is None:
        known = _URI_REFERENCE.fullmatch(value) is not None
        if len(_URIS) < 256:
            _URIS[value] = known
    return known


def _libxml2_knows(str encoding):
    """Whether libxml2 (the reference) reads a document declaring ``encoding``.

    Encoding names are libxml2's (iconv's) vocabulary, not Python's: ``latin-1``
    and ``U8`` are Python aliases libxml2 refuses.  Asked once per name.
    """
    known = _ENCODINGS.get(encoding)
    if known is None:
        from lxml import etree

        probe = b'<?xml version="1.0" encoding="' + encoding.encode("ascii") + b'"?><a/>'
        try:
            etree.fromstring(probe, etree.XMLParser(no_network=True, resolve_entities=False))
            known = True
        except etree.XMLSyntaxError:
            known = False
        if len(_ENCODINGS) < 256:
            _ENCODINGS[encoding] = known
    return known


# The same prefixes as UTF-8 bytes: a namespace name (bytes) is matched without decoding
# it (they are ASCII, so the bytes start with them exactly when the decoded text does).
cdef bytes ISO_PREFIX_B = ISO_NAMESPACE_PREFIX.encode("ascii")
cdef bytes HEAD_PREFIX_B = (ISO_NAMESPACE_PREFIX + "head.001.").encode("ascii")
cdef bytes XML_NS = b"http://www.w3.org/XML/1998/namespace"
cdef tuple _NS_NONE = (b"", b"", 0)  # the declarations in scope before the root
cdef tuple _NS_XML = (b"xml", XML_NS, 0)

# Frame modes, as in the reference parser.
DEF M_OUT = 0
DEF M_DOC = 1
DEF M_ROOT = 2
DEF M_APPHDR = 3
DEF M_GRP = 4
DEF M_PMT = 5
DEF M_TX = 6
DEF M_FIELD = 7
DEF M_SKIP = 8

DEF CHUNK = 262144
DEF TBUF0 = 4096  # first size of the text buffer
DEF QBUF0 = 1024  # first size of the qualified-name arena

# One set of buffers left by the last scanner that ended, for the next one to take
# (a stream of small messages would otherwise make four allocations per message).
# Only buffers of their first size are kept; the GIL orders every use of these.
cdef unsigned char* _spare_tbuf = NULL
cdef unsigned char* _spare_qbuf = NULL
cdef void* _spare_frames = NULL
cdef PyObject** _spare_containers = NULL
cdef Py_ssize_t _spare_slots = 0


# Bytes that pass unchanged through element content (and CDATA): tab, line feed and
# printable ASCII except '&', '<' and ']' (which may start ']]>'); in attribute values
# tab and line feed become spaces, so they are not plain there.
cdef unsigned char _PLAIN[256]
cdef unsigned char _PLAIN_ATTR[256]


cdef int _init_plain() except -1:
    cdef int c
    for c in range(256):
        _PLAIN_ATTR[c] = 0x20 <= c < 0x80 and c != 0x26 and c != 0x3C and c != 0x5D
        _PLAIN[c] = _PLAIN_ATTR[c] or c == 0x09 or c == 0x0A
    return 0


_init_plain()

cdef uint64_t _SPACES8
memcpy(&_SPACES8, b"        ", 8)


cdef inline Py_ssize_t _plain_span(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                   int* lines) noexcept nogil:
    """End of the run of ``_PLAIN`` bytes at ``p[i]``; adds its line feeds to ``lines``.

    Most text of a document (indentation, values) is such a run: measured here in
    one pass, its line feeds counted on the way (no memchr calls per text).  ``p`` is
    the window, a bytes object's buffer: ``p[end]`` is its terminating NUL, which is
    not ``_PLAIN``, so the byte loops stop there without testing ``i < end``.
    """
    cdef unsigned char c
    cdef int n = 0
    cdef uint64_t w
    while True:
        c = p[i]
        if c == 0x20:
            # Indentation (most of these bytes): spaces, eight at a time while they last.
            i += 1
            while i + 8 <= end:
                memcpy(&w, p + i, 8)
                if w != _SPACES8:
                    break
                i += 8
            while p[i] == 0x20:
                i += 1
            continue
        if not _PLAIN[c]:
            break
        if c == 0x0A:
            n += 1
        i += 1
    lines[0] += n
    return i


cdef inline int _xmlns_kind(bytes key) noexcept:
    """1 for an ``xmlns`` attribute name, 2 for ``xmlns:prefix``, else 0."""
    cdef const char* s = PyBytes_AS_STRING(key)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(key)
    if n < 5 or memcmp(s, b"xmlns", 5) != 0:
        return 0
    if n == 5:
        return 1
    return 2 if s[5] == 0x3A else 0


cdef inline bint _starts(bytes value, bytes prefix) noexcept:
    """``value.startswith(prefix)`` (False for None)."""
    if value is None or PyBytes_GET_SIZE(value) < PyBytes_GET_SIZE(prefix):
        return False
    return memcmp(PyBytes_AS_STRING(value), PyBytes_AS_STRING(prefix),
                  PyBytes_GET_SIZE(prefix)) == 0


cdef inline Py_ssize_t _last_colon(bytes key) noexcept:
    """Index of the last ':' in ``key``, or -1."""
    cdef const char* s = PyBytes_AS_STRING(key)
    cdef Py_ssize_t i = PyBytes_GET_SIZE(key) - 1
    while i >= 0 and s[i] != 0x3A:
        i -= 1
    return i


cdef inline bint _is_ws(unsigned char c) noexcept nogil:
    return c == 0x20 or c == 0x0A or c == 0x09 or c == 0x0D


cdef inline bint _same(const unsigned char* a, const unsigned char* b, Py_ssize_t n) noexcept nogil:
    """``memcmp(a, b, n) == 0`` for the short names of tags, without a call.

    Eight bytes at a time, the last (overlapping) word covering the tail; names
    shorter than eight bytes byte by byte.
    """
    cdef Py_ssize_t i = 0
    cdef uint64_t x, y
    if n < 8:
        for i in range(n):
            if a[i] != b[i]:
                return False
        return True
    while i + 8 < n:
        memcpy(&x, a + i, 8)
        memcpy(&y, b + i, 8)
        if x != y:
            return False
        i += 8
    memcpy(&x, a + n - 8, 8)
    memcpy(&y, b + n - 8, 8)
    return x == y


# ASCII bytes that may start (1) or continue (1 or 2) an XML name; 0 for the rest and
# for every byte >= 0x80 (non-ASCII names take the general path).
cdef unsigned char _NAME[256]


cdef int _init_name() except -1:
    cdef int c
    for c in range(256):
        if (0x61 <= c <= 0x7A) or (0x41 <= c <= 0x5A) or c == 0x5F or c == 0x3A:
            _NAME[c] = 1
        elif (0x30 <= c <= 0x39) or c == 0x2D or c == 0x2E:
            _NAME[c] = 2
        else:
            _NAME[c] = 0
    return 0


_init_name()


cdef inline bint _ascii_name_start(unsigned char c) noexcept nogil:
    return _NAME[c] == 1


cdef inline bint _ascii_name_char(unsigned char c) noexcept nogil:
    return _NAME[c] != 0


cdef inline bint _name_start_cp(unsigned int u) noexcept nogil:
    # XML 1.0 fifth edition NameStartChar, non-ASCII part.
    return ((0xC0 <= u <= 0xD6) or (0xD8 <= u <= 0xF6) or (0xF8 <= u <= 0x2FF)
            or (0x370 <= u <= 0x37D) or (0x37F <= u <= 0x1FFF) or (0x200C <= u <= 0x200D)
            or (0x2070 <= u <= 0x218F) or (0x2C00 <= u <= 0x2FEF) or (0x3001 <= u <= 0xD7FF)
            or (0xF900 <= u <= 0xFDCF) or (0xFDF0 <= u <= 0xFFFD) or (0x10000 <= u <= 0xEFFFF))


cdef inline bint _name_char_cp(unsigned int u) noexcept nogil:
    return (_name_start_cp(u) or u == 0xB7 or (0x300 <= u <= 0x36F)
            or (0x203F <= u <= 0x2040))


cdef inline bint _xml_char(unsigned int u) noexcept nogil:
    return (u == 0x9 or u == 0xA or u == 0xD or (0x20 <= u <= 0xD7FF)
            or (0xE000 <= u <= 0xFFFD) or (0x10000 <= u <= 0x10FFFF))


cdef inline int _utf8(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                      unsigned int* cp) noexcept nogil:
    """Decode one UTF-8 sequence at ``p[i]``: its length, 0 if truncated, -1 if invalid."""
    cdef unsigned char c = p[i]
    cdef unsigned int u
    cdef int n, k
    if c < 0x80:
        cp[0] = c
        return 1
    if c < 0xC2:
        return -1
    if c < 0xE0:
        n = 2
        u = c & 0x1F
    elif c < 0xF0:
        n = 3
        u = c & 0x0F
    elif c < 0xF5:
        n = 4
        u = c & 0x07
    else:
        return -1
    if i + n > end:
        for k in range(1, <int>(end - i)):
            if (p[i + k] & 0xC0) != 0x80:
                return -1
        return 0
    for k in range(1, n):
        if (p[i + k] & 0xC0) != 0x80:
            return -1
        u = (u << 6) | (p[i + k] & 0x3F)
    if n == 3 and (u < 0x800 or (0xD800 <= u <= 0xDFFF)):
        return -1
    if n == 4 and (u < 0x10000 or u > 0x10FFFF):
        return -1
    cp[0] = u
    return n


cdef inline int _put_utf8(unsigned char* out, unsigned int u) noexcept nogil:
    if u < 0x80:
        out[0] = <unsigned char>u
        return 1
    if u < 0x800:
        out[0] = <unsigned char>(0xC0 | (u >> 6))
        out[1] = <unsigned char>(0x80 | (u & 0x3F))
        return 2
    if u < 0x10000:
        out[0] = <unsigned char>(0xE0 | (u >> 12))
        out[1] = <unsigned char>(0x80 | ((u >> 6) & 0x3F))
        out[2] = <unsigned char>(0x80 | (u & 0x3F))
        return 3
    out[0] = <unsigned char>(0xF0 | (u >> 18))
    out[1] = <unsigned char>(0x80 | ((u >> 12) & 0x3F))
    out[2] = <unsigned char>(0x80 | ((u >> 6) & 0x3F))
    out[3] = <unsigned char>(0x80 | (u & 0x3F))
    return 4


cdef class _Transcoder:
    """A binary reader that turns a declared ASCII-compatible encoding into UTF-8."""

    cdef object source
    cdef object decoder
    cdef public object name

    def __init__(self, source, str encoding):
        self.source = source
        self.name = source.name
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")

    def read(self, Py_ssize_t size=CHUNK):
        chunk = self.source.read(size)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise ParseError(f"bytes not valid in the declared encoding: {exc.reason}",
                             file=self.name) from None
        return text.encode("utf-8")


cdef class _Scanner:
    """The byte scanner: input window, well-formedness, text, namespaces, element stack.

    It knows no message: a walker subclass (``_TransferScanner``, and
    ``_StatementScanner`` in ``_statements.pxi``) sets its trie up in ``init_walk``
    and turns elements into records in ``walk_start`` / ``walk_end`` (cdef methods,
    called through the vtable as any method of a non-final cdef class is, so the
    split costs the scanner nothing), and checks the end of the document in ``finish``.
    """

    # -- input window --
    cdef object stream
    cdef bytes buf
    cdef const unsigned char* p
    cdef Py_ssize_t pos, end
    cdef bint eof
    cdef int line  # 1 + newlines before p[pos]
    cdef Py_ssize_t max_token
    cdef bint at_start  # nothing but a BOM consumed yet: an XML declaration may come
    # -- text capture --
    cdef unsigned char* tbuf
    cdef Py_ssize_t tlen, tcap
    # -- limits --
    cdef Py_ssize_t max_depth, max_text
    # -- element stack: C arrays indexed by depth (1 = root), max_depth + 2 entries --
    # Qualified names of the open elements live in one C arena (qbuf) so that end tags
    # are matched and error paths spelled without a Python object per element.
    cdef unsigned char* qbuf
    cdef Py_ssize_t qlen_total, qcap
    cdef Py_ssize_t* qoff       # per depth: start of the qname in qbuf
    cdef Py_ssize_t* qlen       # per depth: its length
    cdef Py_ssize_t* lofs       # per depth: where its local name starts (after the colon)
    cdef int* index             # per depth: n of a scope element named "PmtInf[n]", else 0
    cdef list ns            # (prefix bytes, uri bytes, depth) declarations in scope
    cdef int ns_top         # depth of the newest declaration in ns
    cdef int depth
    cdef bint root_seen, root_closed
    cdef void* frames       # the one allocation the per-depth arrays below point into
    cdef int* has_child     # per depth: a child element started (text after it is not .text)
    cdef Py_ssize_t* text_bytes  # per depth: decoded bytes of .text
    cdef int* start_line    # per depth: line of the start tag's '>'
    # -- walk state every walker shares (the subclasses add their scopes') --
    cdef object spec
    cdef object file
    cdef _Trie trie         # set by init_walk
    cdef bytes root_name
    cdef str message_type
    cdef int* modes         # per depth: M_*
    cdef int* nodes         # per depth: trie node id, or -1
    cdef bint* capture      # per depth: the element's text fills a field
    # per depth: where the element's values go (the walker's type), or NULL; a C array of
    # owned references (no list access per element), entries above ``depth`` are NULL
    cdef PyObject** containers
    cdef Py_ssize_t slots
    cdef object app_values, app_header_type, app_header
    cdef bint seen_document
    cdef list ready         # records completed, in document order, not yet handed out
    cdef Py_ssize_t taken   # ... of which the first ``taken`` are handed out (__next__)
    cdef bint ended         # the input has ended, or scanning failed (__next__)

    def __cinit__(self):
        self.tbuf = NULL
        self.qbuf = NULL
        self.frames = NULL
        self.containers = NULL

    def __dealloc__(self):
        global _spare_tbuf, _spare_qbuf, _spare_frames, _spare_containers, _spare_slots
        cdef Py_ssize_t d
        cdef PyObject* c
        if self.containers != NULL:
            for d in range(self.slots):
                c = self.containers[d]
                self.containers[d] = NULL
                Py_XDECREF(c)
        # Buffers of the first size are kept for the next scanner (see _spare_tbuf).
        if self.tbuf != NULL and self.tcap == TBUF0 and _spare_tbuf == NULL:
            _spare_tbuf = self.tbuf
        else:
            free(self.tbuf)
        if self.qbuf != NULL and self.qcap == QBUF0 and _spare_qbuf == NULL:
            _spare_qbuf = self.qbuf
        else:
            free(self.qbuf)
        if self.frames != NULL and self.containers != NULL and _spare_frames == NULL:
            _spare_frames = self.frames
            _spare_containers = self.containers
            _spare_slots = self.slots
        else:
            free(self.frames)
            free(self.containers)

    @cython.final
    cdef int setup(self, stream, bytes head, spec, limits) except -1:
        """Set a new scanner up (``scan`` makes it with ``__new__``: no argument tuple
        to parse for each message, as ``__init__`` would)."""
        global _spare_tbuf, _spare_qbuf, _spare_frames, _spare_containers
        self.stream = stream
        self.file = stream.name
        self.buf = head
        self.p = <const unsigned char*>PyBytes_AS_STRING(self.buf)
        self.pos = 0
        self.end = PyBytes_GET_SIZE(self.buf)
        self.eof = stream is SPENT  # a document given whole: nothing more to read
        self.line = 1
        self.at_start = True
        if self.end >= 3 and memcmp(self.p, b"\xef\xbb\xbf", 3) == 0:
            self.pos = 3
        self.max_depth = limits.max_depth
        self.max_text = limits.max_text_bytes
        self.max_token = 8 * self.max_text + CHUNK
        cdef Py_ssize_t slots = self.max_depth + 2
        self.tcap = TBUF0
        self.qcap = QBUF0
        if _spare_tbuf != NULL:
            self.tbuf = _spare_tbuf
            _spare_tbuf = NULL
        else:
            self.tbuf = <unsigned char*>realloc(NULL, self.tcap)
        if _spare_qbuf != NULL:
            self.qbuf = _spare_qbuf
            _spare_qbuf = NULL
        else:
            self.qbuf = <unsigned char*>realloc(NULL, self.qcap)
        self.tlen = 0
        self.qlen_total = 0
        # The per-depth arrays share one block (one allocation per message, not ten):
        # four of Py_ssize_t first, then six of int (bint is an int), so each array is
        # aligned for its type.  Not zeroed (that cost more than the rest of this set
        # up): every entry of a depth is written when an element opens there
        # (push_name, walk_start, open_element) before anything reads it, and depth 0,
        # outside the root, is set below.
        self.slots = slots
        if _spare_frames != NULL and _spare_slots == slots:
            self.frames = _spare_frames
            self.containers = _spare_containers  # all NULL, as calloc gives it
            _spare_frames = NULL
            _spare_containers = NULL
        else:
            self.frames = malloc(slots * (4 * sizeof(Py_ssize_t) + 6 * sizeof(int)))
            self.containers = <PyObject**>calloc(slots, sizeof(PyObject*))
        if self.tbuf == NULL or self.qbuf == NULL or self.frames == NULL \
                or self.containers == NULL:
            raise MemoryError()
        self.qoff = <Py_ssize_t*>self.frames
        self.qlen = self.qoff + slots
        self.lofs = self.qlen + slots
        self.text_bytes = self.lofs + slots
        self.index = <int*>(self.text_bytes + slots)
        self.has_child = self.index + slots
        self.start_line = self.has_child + slots
        self.modes = self.start_line + slots
        self.nodes = self.modes + slots
        self.capture = <bint*>(self.nodes + slots)
        self.qoff[0] = self.qlen[0] = self.lofs[0] = self.text_bytes[0] = 0
        self.index[0] = self.has_child[0] = self.start_line[0] = 0
        self.capture[0] = False
        self.modes[0] = M_OUT
        self.nodes[0] = -1
        self.ns = [_NS_NONE, _NS_XML]
        self.ns_top = 0
        self.depth = 0
        self.root_seen = False
        self.root_closed = False
        self.spec = spec
        self.app_values = None
        self.app_header_type = None
        self.app_header = None
        self.seen_document = False
        self.ready = []
        self.taken = 0
        self.ended = False
        self.init_walk()
        self.root_name = self.trie.root_name
        self.message_type = self.trie.message_type

    # -- errors -----------------------------------------------------------------------------

    @cython.final
    cdef str local_name(self, int d):
        """The local name of the open element at depth ``d`` (validated UTF-8)."""
        return PyUnicode_DecodeUTF8(<const char*>self.qbuf + self.qoff[d] + self.lofs[d],
                                    self.qlen[d] - self.lofs[d], NULL)

    @cython.final
    cdef object path_to(self, int upto, object extra):
        """The element path of depths 1..``upto``, then ``extra``; None when empty.

        The names are those of the reference walker: local names, and ``PmtInf[n]`` /
        ``CdtTrfTxInf[n]`` for the scope elements.
        """
        cdef int d
        parts = []
        for d in range(1, upto + 1):
            local = self.local_name(d)
            parts.append(f"{local}[{self.index[d]}]" if self.index[d] else local)
        if extra is not None:
            parts.append(extra)
        if not parts:
            return None
        return "/" + "/".join(parts)

    @cython.final
    cdef object error(self, cls, str message, object line, object code=None):
        return cls(message, file=self.file, line=line, path=self.path_to(self.depth, None),
                   code=code)

    @cython.final
    cdef object error_at(self, cls, str message, object line, int upto, object extra,
                         object code=None):
        return cls(message, file=self.file, line=line, path=self.path_to(upto, extra),
                   code=code)

    @cython.final
    cdef object syntax(self, str message, Py_ssize_t at):
        """A well-formedness error at byte ``at`` of the window."""
        cdef int line = self.line
        cdef Py_ssize_t i
        for i in range(self.pos, at if at <= self.end else self.end):
            if self.p[i] == 0x0A:
                line += 1
        return ParseError(f"not well-formed: {message}", file=self.file, line=line,
                          path=self.path_to(self.depth, None))

    # -- input ------------------------------------------------------------------------------

    @cython.final
    cdef bint more(self) except -1:
        """Append the next chunk to the window; False at end of input."""
        if self.eof:
            return False
        if self.end - self.pos > self.max_token:
            raise self.error(LimitExceededError,
                             f"a single token or text longer than {self.max_token} bytes",
                             self.line)
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.p = <const unsigned char*>PyBytes_AS_STRING(self.buf)
        self.end = PyBytes_GET_SIZE(self.buf)
        self.pos = 0
        return True

    @cython.final
    cdef Py_ssize_t find(self, Py_ssize_t start, const char* needle, Py_ssize_t n) except -2:
        """Index of ``needle`` at or after ``start``, reading more as needed; -1 at EOF."""
        cdef Py_ssize_t i, offset
        cdef const unsigned char* hit
        while True:
            i = start
            while i + n <= self.end:
                hit = <const unsigned char*>memchr(self.p + i, needle[0], self.end - i)
                if hit == NULL:
                    break
                i = hit - self.p
                if n == 1:
                    return i
                if i + n > self.end:
                    break
                if memcmp(self.p + i, needle, n) == 0:
                    return i
                i += 1
            offset = start - self.pos
            if not self.more():
                return -1
            start = self.pos + offset

    @cython.final
    cdef Py_ssize_t ensure(self, Py_ssize_t index) except -2:
        """Make ``p[index]`` readable, reading more as needed; its (rebased) index or -1."""
        cdef Py_ssize_t offset
        while index >= self.end:
            offset = index - self.pos
            if not self.more():
                return -1
            index = self.pos + offset
        return index

    @cython.final
    cdef Py_ssize_t tag_end(self, Py_ssize_t start) except -2:
        """Index of the '>' closing a start tag (quotes respected); -1 at EOF."""
        cdef Py_ssize_t i, offset
        cdef unsigned char c, quote
        while True:
            i = start
            quote = 0
            while i < self.end:
                c = self.p[i]
                if quote:
                    if c == quote:
                        quote = 0
                elif c == 0x22 or c == 0x27:
                    quote = c
                elif c == 0x3E:
                    return i
                elif c == 0x3C:
                    return i  # '<' inside a tag: the caller reports it
                i += 1
            offset = start - self.pos
            if not self.more():
                return -1
            start = self.pos + offset

    # -- text -------------------------------------------------------------------------------

    @cython.final
    cdef inline int tgrow(self, Py_ssize_t extra) except -1:
        cdef Py_ssize_t want
        cdef unsigned char* grown
        if self.tlen + extra > self.tcap:
            want = (self.tlen + extra) * 2
            grown = <unsigned char*>realloc(self.tbuf, want)
            if grown == NULL:
                raise MemoryError()
            self.tbuf = grown
            self.tcap = want
        return 0

    @cython.final
    cdef inline void tput(self, unsigned char c) noexcept:
        """Append one byte; the caller reserved room with ``tgrow``."""
        self.tbuf[self.tlen] = c
        self.tlen += 1

    @cython.final
    cdef Py_ssize_t reference(self, Py_ssize_t i, Py_ssize_t b, unsigned int* cp) except -1:
        """Decode ``&...;`` at ``p[i]`` (before ``b``); store the code point; return its length."""
        cdef Py_ssize_t j = i + 1
        cdef unsigned int u = 0
        cdef unsigned char c
        cdef bint hexa
        cdef Py_ssize_t semi = -1
        cdef Py_ssize_t k
        for k in range(i + 1, b if b < i + 40 else i + 40):
            if self.p[k] == 0x3B:
                semi = k
                break
        if semi < 0:
            raise self.syntax("'&' not followed by an entity or character reference ending "
                              "in ';'", i)
        if self.p[j] == 0x23:  # '#'
            j += 1
            hexa = j < semi and self.p[j] == 0x78
            if hexa:
                j += 1
            if j >= semi:
                raise self.syntax("empty character reference", i)
            while j < semi:
                c = self.p[j]
                if c >= 0x30 and c <= 0x39:
                    u = u * (16 if hexa else 10) + (c - 0x30)
                elif hexa and ((c >= 0x61 and c <= 0x66) or (c >= 0x41 and c <= 0x46)):
                    u = u * 16 + ((c | 0x20) - 0x61 + 10)
                else:
                    raise self.syntax("bad character reference", i)
                if u > 0x10FFFF:
                    raise self.syntax("character reference out of range", i)
                j += 1
            if not _xml_char(u):
                raise self.syntax(f"character reference to an invalid character {u}", i)
            cp[0] = u
            return semi + 1 - i
        k = semi - i - 1
        if k == 3 and memcmp(self.p + i + 1, b"amp", 3) == 0:
            cp[0] = 0x26
        elif k == 2 and memcmp(self.p + i + 1, b"lt", 2) == 0:
            cp[0] = 0x3C
        elif k == 2 and memcmp(self.p + i + 1, b"gt", 2) == 0:
            cp[0] = 0x3E
        elif k == 4 and memcmp(self.p + i + 1, b"quot", 4) == 0:
            cp[0] = 0x22
        elif k == 4 and memcmp(self.p + i + 1, b"apos", 4) == 0:
            cp[0] = 0x27
        else:
            name = PyBytes_FromStringAndSize(<const char*>self.p + i + 1, k)
            raise self.syntax(f"entity {name.decode('utf-8', 'replace')!r} is not defined "
                              "(only the five predefined entities exist without a DTD)", i)
        return semi + 1 - i

    @cython.final
    cdef Py_ssize_t chars(self, Py_ssize_t a, Py_ssize_t b, int how, bint capture) except -1:
        """Check and decode ``p[a:b]``; append to the text buffer when ``capture``.

        ``how``: 0 element content (references, ']]>' forbidden), 1 CDATA (raw),
        2 attribute value (references, whitespace normalised, '<' forbidden).
        Returns the decoded length in bytes; counts newlines into ``self.line``
        is NOT done here (the caller does it for the whole token).
        """
        cdef Py_ssize_t i = a, n = 0, j
        cdef unsigned char c
        cdef unsigned int u
        cdef int k
        cdef unsigned char tmp[4]
        cdef const unsigned char* plain = &_PLAIN_ATTR[0] if how == 2 else &_PLAIN[0]
        if capture:
            self.tgrow(b - a)
        while i < b:
            # A run of bytes that pass unchanged (most of any document) is measured and
            # copied at once; every other byte takes the checks below.
            j = i
            while j < b and plain[self.p[j]]:
                j += 1
            if j > i:
                if capture:
                    memcpy(self.tbuf + self.tlen, self.p + i, j - i)
                    self.tlen += j - i
                n += j - i
                i = j
                continue
            c = self.p[i]
            if c >= 0x20 and c != 0x26 and c != 0x3C and c != 0x5D and c < 0x80:
                if capture:
                    self.tput(c)
                n += 1
                i += 1
                continue
            if c == 0x0D:
                # Line ends are normalised to '\n' (attributes: to a space).
                if i + 1 < b and self.p[i + 1] == 0x0A:
                    i += 1
                c = 0x20 if how == 2 else 0x0A
                if capture:
                    self.tput(c)
                n += 1
                i += 1
                continue
            if c == 0x0A or c == 0x09:
                if how == 2:
                    c = 0x20
                if capture:
                    self.tput(c)
                n += 1
                i += 1
                continue
            if c < 0x20:
                raise self.syntax(f"invalid character value {<int>c}", i)
            if c == 0x26 and how != 1:  # '&'
                k = <int>self.reference(i, b, &u)
                i += k
                k = _put_utf8(tmp, u)
                if capture:
                    self.tgrow(k)
                    memcpy(self.tbuf + self.tlen, tmp, k)
                    self.tlen += k
                n += k
                continue
            if c == 0x3C and how == 2:
                raise self.syntax("'<' in an attribute value", i)
            if c == 0x5D and how == 0 and i + 2 < b and self.p[i + 1] == 0x5D \
                    and self.p[i + 2] == 0x3E:
                raise self.syntax("sequence ']]>' not allowed in content", i)
            if c < 0x80:
                if capture:
                    self.tput(c)
                n += 1
                i += 1
                continue
            k = _utf8(self.p, i, b, &u)
            if k <= 0:
                raise self.syntax("invalid UTF-8 bytes", i)
            if not _xml_char(u):
                raise self.syntax(f"invalid character value {u}", i)
            if capture:
                memcpy(self.tbuf + self.tlen, self.p + i, k)
                self.tlen += k
            n += k
            i += k
        return n

    @cython.final
    cdef inline void count_lines(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        cdef const unsigned char* q = self.p + a
        cdef const unsigned char* stop = self.p + b
        while True:
            q = <const unsigned char*>memchr(q, 0x0A, stop - q)
            if q == NULL:
                return
            self.line += 1
            q += 1

    @cython.final
    cdef inline int plain_text(self, Py_ssize_t a, Py_ssize_t b, int lines) except -1:
        """``text`` for plain bytes (see _PLAIN) inside the root: they pass unchanged.

        ``lines``: the line feeds in them, or -1 to count them here.
        """
        cdef int d = self.depth
        self.at_start = False
        if not self.has_child[d]:
            if self.capture[d] and self.text_bytes[d] <= self.max_text:
                self.tgrow(b - a)
                memcpy(self.tbuf + self.tlen, self.p + a, b - a)
                self.tlen += b - a
            self.text_bytes[d] += b - a
        if lines < 0:
            self.count_lines(a, b)
        else:
            self.line += lines
        return 0

    @cython.final
    cdef int text(self, Py_ssize_t a, Py_ssize_t b) except -1:
        """Character data between markup, at the current depth."""
        cdef int d = self.depth
        cdef Py_ssize_t n, i
        self.at_start = False
        if d == 0:
            for i in range(a, b):
                if not _is_ws(self.p[i]):
                    if self.root_closed:
                        raise self.syntax("extra content at the end of the document", i)
                    raise self.syntax("content before the root element", i)
            self.count_lines(a, b)
            return 0
        # Most text (indentation, plain values) is plain bytes: measured and copied here.
        i = a
        while i < b and _PLAIN[self.p[i]]:
            i += 1
        if i == b:
            return self.plain_text(a, b, -1)
        if self.has_child[d]:
            n = self.chars(a, b, 0, False)
        else:
            n = self.chars(a, b, 0, self.capture[d] and self.text_bytes[d] <= self.max_text)
            self.text_bytes[d] += n
        self.count_lines(a, b)
        return 0

    # -- markup -----------------------------------------------------------------------------

    @cython.final
    cdef Py_ssize_t name_end(self, Py_ssize_t i, Py_ssize_t b) except -1:
        """End of the XML name at ``p[i]``; error when there is none."""
        cdef unsigned int u
        cdef int k
        cdef Py_ssize_t start = i
        while i < b:
            if self.p[i] < 0x80:
                if _ascii_name_char(self.p[i]) and (i > start or _ascii_name_start(self.p[i])):
                    i += 1
                    continue
                break
            k = _utf8(self.p, i, b, &u)
            if k <= 0:
                raise self.syntax("invalid UTF-8 bytes in a name", i)
            if not (_name_start_cp(u) if i == start else _name_char_cp(u)):
                break
            i += k
        if i == start:
            raise self.syntax("invalid name", i)
        return i

    @cython.final
    cdef int run(self) except -1:
        """Scan until at least one transfer is ready (0) or the input has ended (1)."""
        cdef Py_ssize_t i, j, k, close
        cdef int lines
        cdef unsigned char c
        while not self.ready:
            # Inside the root, the text up to the next '<' is most often plain bytes:
            # one pass finds the '<' and measures the text (else find, then text()).
            i = self.pos
            if self.depth > 0:
                lines = 0
                i = _plain_span(self.p, i, self.end, &lines)
                if i < self.end and self.p[i] == 0x3C:
                    if i > self.pos:
                        self.plain_text(self.pos, i, lines)
                        self.pos = i
                else:
                    i = self.find(self.pos, b"<", 1)
            else:
                i = self.find(self.pos, b"<", 1)
            if i < 0:
                self.text(self.pos, self.end)
                self.pos = self.end
                if self.depth > 0:
                    raise self.syntax(f"premature end of data: {self.depth} element(s) "
                                      "not closed", self.end)
                if not self.root_seen:
                    raise self.syntax("no root element", self.end)
                self.finish()
                return 1
            if i > self.pos:
                self.text(self.pos, i)
                self.pos = i
            if self.pos + 1 >= self.end and not self.more():
                raise self.syntax("premature end of data after '<'", self.pos)
            i = self.pos
            c = self.p[i + 1]
            if c == 0x2F:  # '</'
                self.end_tag()
            elif c == 0x3F:  # '<?'
                self.processing_instruction()
            elif c == 0x21:  # '<!'
                self.declaration()
            else:
                self.start_tag()
            self.at_start = False
        return 0

    @cython.final
    cdef int processing_instruction(self) except -1:
        cdef Py_ssize_t i = self.pos, close, j, k
        close = self.find(i + 2, b"?>", 2)
        if close < 0:
            raise self.syntax("unterminated processing instruction", self.end)
        i = self.pos
        j = self.name_end(i + 2, close)
        if memchr(self.p + i + 2, 0x3A, j - i - 2) != NULL:
            raise self.syntax("colons are forbidden in processing instruction targets", i)
        if j - (i + 2) == 3 and (self.p[i + 2] | 0x20) == 0x78 and (self.p[i + 3] | 0x20) == 0x6D \
                and (self.p[i + 4] | 0x20) == 0x6C:
            if not self.at_start or self.p[i + 2] != 0x78 or self.p[i + 3] != 0x6D \
                    or self.p[i + 4] != 0x6C:
                raise self.syntax("XML declaration allowed only at the start of the document", i)
            self.declaration_xml(j, close)
        elif j < close and not _is_ws(self.p[j]):
            raise self.syntax("processing instruction target not followed by space", j)
        else:
            self.chars(j, close, 1, False)
        self.count_lines(i, close + 2)
        self.pos = close + 2
        return 0

    @cython.final
    cdef int declaration_xml(self, Py_ssize_t j, Py_ssize_t close) except -1:
        """The XML declaration: version required; a non-UTF-8 encoding is transcoded."""
        global _PLAIN_DECL
        # Most messages of a stream repeat one declaration: compared in place with the
        # last one that meant UTF-8 (no bytes object, no dict lookup).
        if _PLAIN_DECL is not None and PyBytes_GET_SIZE(_PLAIN_DECL) == close - j \
                and memcmp(PyBytes_AS_STRING(_PLAIN_DECL), self.p + j, close - j) == 0:
            return 0
        body = PyBytes_FromStringAndSize(<const char*>self.p + j, close - j)
        # The few declarations a process meets are matched once (a regex match costs
        # more than the rest of a small message's prolog).
        encoding = _DECLS.get(body, _UNKNOWN)
        if encoding is _UNKNOWN:
            match = _XML_DECL.fullmatch(body.decode("ascii", "replace"))
            if match is None:
                raise self.syntax("malformed XML declaration", j)
            encoding = match.group(3)
            # A UTF-8 label is remembered as no label: both read the document as it is
            # (and the label's spelling is not looked at again for every message).
            if encoding is not None and encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
                encoding = None
            if len(_DECLS) < 256:
                _DECLS[body] = encoding
        if encoding is None:
            _PLAIN_DECL = body
            return 0
        if not _libxml2_knows(encoding):
            raise self.syntax(f"unsupported encoding {encoding!r}", j)
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise self.syntax(f"unsupported encoding {encoding!r}", j) from None
        if info.name in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                         "utf-32-be"):
            raise self.syntax(f"document labelled {encoding} has UTF-8 content", j)
        if info.name == "utf-8":
            return 0
        # Re-read everything after the declaration through the declared encoding.
        rest = self.buf[close + 2:]
        self.stream = _Transcoder(_Prefixed(rest, self.stream), info.name)
        self.buf = self.buf[:close + 2]
        self.p = <const unsigned char*>PyBytes_AS_STRING(self.buf)
        self.end = PyBytes_GET_SIZE(self.buf)
        self.eof = False
        return 0

    @cython.final
    cdef int declaration(self) except -1:
        cdef Py_ssize_t i, close, after
        while self.end - self.pos < 9 and self.more():
            pass
        i = self.pos
        if self.end - i >= 4 and memcmp(self.p + i, b"<!--", 4) == 0:
            close = self.find(i + 4, b"--", 2)
            if close < 0:
                raise self.syntax("unterminated comment", self.end)
            after = self.ensure(close + 2)
            if after < 0:
                raise self.syntax("unterminated comment", self.end)
            close = after - 2
            i = self.pos
            if self.p[after] != 0x3E:
                raise self.syntax("double hyphen within comment", close)
            self.chars(i + 4, close, 1, False)
            self.count_lines(i, after + 1)
            self.pos = after + 1
            return 0
        if self.end - i >= 9 and memcmp(self.p + i, b"<![CDATA[", 9) == 0:
            if self.depth == 0:
                raise self.syntax("CDATA section outside the root element", i)
            close = self.find(i + 9, b"]]>", 3)
            if close < 0:
                raise self.syntax("unterminated CDATA section", self.end)
            i = self.pos
            self.cdata(i + 9, close)
            self.count_lines(i, close + 3)
            self.pos = close + 3
            return 0
        raise self.syntax("markup declaration (DOCTYPE, ENTITY, ...) is not allowed here", i)

    @cython.final
    cdef int cdata(self, Py_ssize_t a, Py_ssize_t b) except -1:
        cdef int d = self.depth
        cdef Py_ssize_t n
        if self.has_child[d]:
            self.chars(a, b, 1, False)
        else:
            n = self.chars(a, b, 1, self.capture[d] and self.text_bytes[d] <= self.max_text)
            self.text_bytes[d] += n
        return 0

    @cython.final
    cdef inline int end_tag(self) except -1:
        cdef Py_ssize_t i = self.pos, j, k, close, qa, qn
        cdef bint plain = False
        # Most end tags are the open element's qname and '>', inside the window: the one
        # comparison that must hold anyway reads them (a name holds no line end).
        if self.depth > 0:
            qn = self.qlen[self.depth]
            if i + 2 + qn < self.end and self.p[i + 2 + qn] == 0x3E \
                    and _same(self.qbuf + self.qoff[self.depth], self.p + i + 2, qn):
                self.pos = i + 3 + qn
                self.close_element()
                return 0
        # Else as in start_tag: an ASCII name and '>' inside the window in one pass.
        close = -1
        j = i + 2
        if j < self.end and _ascii_name_start(self.p[j]):
            j += 1
            while j < self.end and _ascii_name_char(self.p[j]):
                j += 1
            if j < self.end and self.p[j] == 0x3E:
                close = j
                plain = True  # no line end inside
        if close < 0:
            plain = False
            close = self.find(i + 2, b">", 1)
            i = self.pos
            if close < 0:
                raise self.syntax("unterminated end tag", self.end)
            j = self.name_end(i + 2, close)
        k = j
        while k < close and _is_ws(self.p[k]):
            k += 1
        if k != close:
            raise self.syntax("end tag not closed by '>'", k)
        if self.depth == 0:
            raise self.syntax("end tag without a start tag", i)
        qa = self.qoff[self.depth]
        qn = self.qlen[self.depth]
        if qn != j - i - 2 or memcmp(self.qbuf + qa, self.p + i + 2, qn) != 0:
            qname = PyBytes_FromStringAndSize(<const char*>self.qbuf + qa, qn)
            raise self.syntax(
                "opening and ending tag mismatch: "
                f"{qname.decode('utf-8', 'replace')} and "
                f"{PyBytes_FromStringAndSize(<const char*>self.p + i + 2, j - i - 2).decode('utf-8', 'replace')}",
                i)
        if not plain:
            self.count_lines(i, close + 1)
        self.pos = close + 1
        self.close_element()
        return 0

    @cython.final
    cdef list attributes_in(self, Py_ssize_t start, Py_ssize_t stop):
        """The (name bytes, value) pairs of the attributes in ``p[start:stop]`` (after a
        start tag's name), or None when there are none; errors as libxml2 reports them."""
        cdef Py_ssize_t k, a, v, q, mark
        cdef unsigned char quote
        cdef const unsigned char* hit
        cdef list attrs = None
        k = start
        while True:
            a = k
            while k < stop and _is_ws(self.p[k]):
                k += 1
            if k >= stop:
                break
            if k == a:
                raise self.syntax("attributes construct error (space required)", k)
            a = k
            k = self.name_end(k, stop)
            key = PyBytes_FromStringAndSize(<const char*>self.p + a, k - a)
            while k < stop and _is_ws(self.p[k]):
                k += 1
            if k >= stop or self.p[k] != 0x3D:
                raise self.syntax("attribute without '='", k)
            k += 1
            while k < stop and _is_ws(self.p[k]):
                k += 1
            if k >= stop or (self.p[k] != 0x22 and self.p[k] != 0x27):
                raise self.syntax("attribute value not quoted", k)
            quote = self.p[k]
            v = k + 1
            hit = <const unsigned char*>memchr(self.p + v, quote, stop - v)
            if hit == NULL:
                raise self.syntax("attribute value not closed", stop)
            q = hit - self.p
            # Decode after any text the enclosing element has captured, then drop it again.
            mark = self.tlen
            self.chars(v, q, 2, True)
            value = PyUnicode_DecodeUTF8(<const char*>self.tbuf + mark, self.tlen - mark, NULL)
            self.tlen = mark
            if attrs is None:
                attrs = []
            for seen, _ in attrs:
                if seen == key:
                    raise self.syntax(f"attribute {key.decode('utf-8', 'replace')} redefined", a)
            attrs.append((key, value))
            k = q + 1
        return attrs

    @cython.final
    cdef int start_tag(self) except -1:
        cdef Py_ssize_t i = self.pos, j, close, stop
        cdef Py_ssize_t first = -1, last = -1, scanned = -1
        cdef bint empty, plain
        cdef unsigned char c
        if self.root_closed:
            raise self.syntax("extra content at the end of the document", i)
        # Most start tags are an ASCII name and '>' (or '/>') inside the window: read
        # them in one pass; anything else (attributes, other names, a tag not yet
        # complete in the window) takes the general path.  The pass notes the name's
        # first and last colon (offsets in the name, stable if the window moves), so
        # open_element does not read the name again for them.
        close = -1
        j = i + 1
        if j < self.end and _ascii_name_start(self.p[j]):
            if self.p[j] == 0x3A:
                first = last = 0
            j += 1
            # The window ends with the NUL of its bytes object (no name byte): the loop
            # stops there without testing ``j < self.end``.
            while True:
                c = self.p[j]
                if not _ascii_name_char(c):
                    break
                if c == 0x3A:
                    if first < 0:
                        first = j - i - 1
                    last = j - i - 1
                j += 1
            scanned = j - i
            if j < self.end and self.p[j] == 0x3E:
                close = j
            elif j + 1 < self.end and self.p[j] == 0x2F and self.p[j + 1] == 0x3E:
                close = j + 1
        plain = close >= 0  # an ASCII name and '>': no line end inside
        if close < 0:
            close = self.tag_end(i + 1)
            i = self.pos
            if close < 0:
                raise self.syntax("unterminated start tag", self.end)
            if self.p[close] == 0x3C:
                raise self.syntax("'<' inside a start tag", close)
            j = self.name_end(i + 1, close)
            if j - i != scanned:
                first = -2  # a longer (non-ASCII) name: open_element finds its colons
        empty = self.p[close - 1] == 0x2F
        stop = close - 1 if empty else close
        # Most tags have no attributes: no Python object is made for them here.
        attrs = None if j >= stop else self.attributes_in(j, stop)
        if not plain:
            self.count_lines(i, close + 1)
        self.pos = close + 1
        # The name is still in the window: nothing above reads more input.
        self.open_element(i + 1, j - i - 1, first, last, attrs, self.line, i)
        if empty:
            self.close_element()
        return 0

    # -- namespaces and the element stack ------------------------------------------------------

    @cython.final
    cdef object resolve(self, bytes prefix):
        cdef Py_ssize_t n = len(self.ns) - 1
        while n >= 0:
            entry = self.ns[n]
            if entry[0] == prefix:
                return entry[1]
            n -= 1
        return None

    @cython.final
    cdef inline int push_name(self, int d, Py_ssize_t qa, Py_ssize_t qn) except -1:
        """Copy the qname ``p[qa:qa+qn]`` onto the arena at depth ``d``."""
        cdef Py_ssize_t start = self.qoff[d - 1] + self.qlen[d - 1] if d > 1 else 0
        cdef Py_ssize_t want
        cdef unsigned char* grown
        if start + qn > self.qcap:
            want = (start + qn) * 2
            grown = <unsigned char*>realloc(self.qbuf, want)
            if grown == NULL:
                raise MemoryError()
            self.qbuf = grown
            self.qcap = want
        memcpy(self.qbuf + start, self.p + qa, qn)
        self.qoff[d] = start
        self.qlen[d] = qn
        self.index[d] = 0
        return 0

    @cython.final
    cdef bytes namespaces(self, int d, int parent, Py_ssize_t qn, Py_ssize_t first,
                          Py_ssize_t last, list attrs, int line, Py_ssize_t at):
        """For an element with a prefix or attributes (see open_element): its namespace
        declarations, its name and attribute prefixes checked; its namespace name."""
        cdef Py_ssize_t colon
        cdef int kind
        # Namespace declarations of this element come first (they may bind its own prefix).
        if attrs is not None:
            for key, value in attrs:
                kind = _xmlns_kind(key)
                if kind:
                    if not value and kind == 2:
                        raise self.syntax(f"{key.decode()}: empty XML namespace is not allowed",
                                          at)
                    if not _is_uri_reference(value):
                        raise self.syntax(f"{key.decode()}: {value!r} is not a valid URI", at)
                    self.ns.append((key[6:] if kind == 2 else b"", PyUnicode_AsUTF8String(value),
                                    d))
                    self.ns_top = d
        if last >= 0 and (last == 0 or last == qn - 1 or first != last):
            qname = PyBytes_FromStringAndSize(<const char*>self.qbuf + self.qoff[d], qn)
            raise self.syntax(f"bad qualified name {qname.decode('utf-8', 'replace')!r}", at)
        # The namespace name is needed to find the Document and the AppHdr (outside the
        # Document) and to refuse an undeclared prefix; an unprefixed name always has one.
        uri = None
        if last >= 0:
            prefix = PyBytes_FromStringAndSize(<const char*>self.qbuf + self.qoff[d], last)
            uri = self.resolve(prefix)
            if uri is None:
                qname = PyBytes_FromStringAndSize(<const char*>self.qbuf + self.qoff[d], qn)
                raise self.error_at(ParseError, f"namespace prefix {prefix.decode('utf-8')!r} "
                                    "is not declared", line, self.depth, qname.decode("utf-8"))
        elif parent == M_OUT:
            uri = self.resolve(b"")
        if attrs is not None:
            for key, _ in attrs:
                colon = _last_colon(key)
                if colon < 0:
                    continue
                aprefix = PyBytes_FromStringAndSize(PyBytes_AS_STRING(key), colon)
                if aprefix != b"xmlns" and self.resolve(aprefix) is None:
                    raise self.error_at(ParseError,
                                        f"namespace prefix {aprefix.decode('utf-8')!r} "
                                        f"of attribute {key.decode('utf-8')!r} is not declared",
                                        line, self.depth, self.local_name(d))
        return uri

    @cython.final
    cdef inline int open_element(self, Py_ssize_t qa, Py_ssize_t qn, Py_ssize_t first,
                          Py_ssize_t last, list attrs, int line, Py_ssize_t at) except -1:
        """The element named ``p[qa:qa+qn]`` opens; ``first`` / ``last``: the offsets of
        the first and last ':' in the name (-1: none), or ``first == -2``: not known yet."""
        cdef int d = self.depth + 1
        cdef Py_ssize_t i
        cdef int parent = self.modes[self.depth]
        cdef bytes uri
        # The name goes onto the arena first (error paths spell it); depth follows below.
        self.push_name(d, qa, qn)
        if first == -2:
            first = last = -1
            for i in range(qn):
                if self.qbuf[self.qoff[d] + i] == 0x3A:
                    if first < 0:
                        first = i
                    last = i
        self.lofs[d] = last + 1
        if self.depth >= self.max_depth:
            raise self.error_at(LimitExceededError,
                                f"elements nested deeper than {self.max_depth}", line,
                                self.depth, self.local_name(d))
        # Most elements have no prefix and no attribute, and only those outside the
        # Document need their namespace name: the rest is done apart, when needed.
        if attrs is not None or last >= 0:
            uri = self.namespaces(d, parent, qn, first, last, attrs, line, at)
        elif parent == M_OUT:
            uri = self.resolve(b"")
        else:
            uri = None
        if self.depth > 0:
            self.has_child[self.depth] = 1
        self.root_seen = True
        self.depth = d
        if d > self.max_depth + 1:
            raise MemoryError()  # unreachable: the walker refuses depth > max_depth first
        self.walk_start(d, parent, uri, attrs, line)
        self.has_child[d] = 0
        self.text_bytes[d] = 0
        self.start_line[d] = line
        if self.capture[d]:
            self.tlen = 0
        return 0

    @cython.final
    cdef inline int close_element(self) except -1:
        cdef int d = self.depth
        cdef Py_ssize_t n
        self.walk_end(d, self.start_line[d])
        if self.ns_top == d:
            n = len(self.ns)
            while n > 0 and self.ns[n - 1][2] == d:
                self.ns.pop()
                n -= 1
            self.ns_top = self.ns[n - 1][2]
        self.depth -= 1
        if self.depth == 0:
            self.root_closed = True
        return 0

    # -- the walk: hooks of the walker subclasses, and what they share ------------------------

    cdef int init_walk(self) except -1:
        """Set ``self.trie`` (and the walker's own state) up for ``self.spec``."""
        raise NotImplementedError

    cdef int walk_start(self, int d, int parent, bytes uri, list attrs, int line) except -1:
        """Element at depth ``d`` opened (its name on the arena): set its mode, node, container."""
        raise NotImplementedError

    cdef int walk_end(self, int d, int line) except -1:
        """Element at depth ``d`` closes (its start tag ended on ``line``)."""
        raise NotImplementedError

    cdef int finish(self) except -1:
        """The input ended after the root element closed."""
        raise NotImplementedError

    @cython.final
    cdef inline object container(self, int d):
        """Where the values of the element at depth ``d`` go, or None."""
        cdef PyObject* c = self.containers[d]
        return None if c == NULL else <object>c

    @cython.final
    cdef inline void set_container(self, int d, object container) noexcept:
        cdef PyObject* old = self.containers[d]
        if container is None:
            self.containers[d] = NULL
        else:
            Py_INCREF(container)
            self.containers[d] = <PyObject*>container
        Py_XDECREF(old)

    @cython.final
    cdef inline bint is_name(self, int d, const char* name, Py_ssize_t n):
        """Whether the local name at depth ``d`` is ``name[:n]``."""
        return (self.qlen[d] - self.lofs[d] == n
                and memcmp(self.qbuf + self.qoff[d] + self.lofs[d], name, n) == 0)

    @cython.final
    cdef int outer_mode(self, int d, int parent, bytes uri, int line) except -1:
        """The mode of an element below M_OUT or M_DOC: the Document, its root, an AppHdr.

        For an AppHdr the walker starts the container (its record type is the walker's).
        """
        if parent == M_DOC:
            if not self.is_name(d, self.root_name, len(self.root_name)):
                raise self.error_at(ParseError, f"expected {self.spec.root} in the "
                                    f"{self.spec.message_id} Document, found "
                                    f"{self.local_name(d)}", line, d, None)
            return M_ROOT
        if self.is_name(d, "Document", 8) and _starts(uri, ISO_PREFIX_B):
            self.seen_document = True
            return M_DOC
        if self.is_name(d, "AppHdr", 6) and _starts(uri, HEAD_PREFIX_B) \
                and not self.seen_document:
            self.app_header_type = uri[len(ISO_PREFIX_B):].decode("utf-8", "replace")
            return M_APPHDR
        return M_OUT

    @cython.final
    cdef inline int check_text(self, int d, int line) except -1:
        if self.text_bytes[d] > self.max_text:
            raise self.error(LimitExceededError, f"text longer than {self.max_text} bytes", line)
        return 0

    def step(self):
        """Scan on; return (records completed, whether the input has ended)."""
        done = self.run()
        out = self.ready
        self.ready = []
        self.taken = 0
        return out, done == 1

    # The scanner is its own iterator: no generator frame between the caller and the
    # records (a single-transfer message would pay for it once per message).
    def __iter__(self):
        return self

    def __next__(self):
        """The next record in document order; scans on when none is ready."""
        while True:
            if self.taken < len(self.ready):
                record = self.ready[self.taken]
                self.taken += 1
                return record
            if self.taken:
                self.ready = []
                self.taken = 0
            if self.ended:
                raise StopIteration
            self.ended = True  # stays set when run() raises: the iterator is then done
            if self.run() == 0:
                self.ended = False


cdef class _TransferScanner(_Scanner):
    """The credit-transfer walk (mirrors ``iso20022.parse._scan_py._Walker``).

    Every scope collects into a Transfer in the making (``_Rec``, ``_assemble.pxi``).
    """

    cdef object group_trie, payment_trie, tx_trie
    cdef bytes payment_scope
    cdef object group_values, message, group_defaults
    cdef object payment_values, payment
    cdef _Defaults defaults # Transfer defaults of the scope, by field position
    cdef int payment_count, tx_in_parent, tx_index
    cdef object tx_values
    cdef int tx_line

    cdef int init_walk(self) except -1:
        self.trie = _trie_for(self.spec)
        self.group_trie, self.payment_trie, self.tx_trie = self.trie.python
        self.payment_scope = self.trie.block_scope
        self.group_values = None
        self.message = None
        self.group_defaults = None
        self.payment_values = None
        self.payment = None
        self.defaults = None
        self.payment_count = 0
        self.tx_in_parent = 0
        self.tx_index = 0
        self.tx_values = None
        self.tx_line = 0
        return 0

    cdef int walk_start(self, int d, int parent, bytes uri, list attrs, int line) except -1:
        cdef int node
        cdef PyObject* c
        cdef _Trie trie = self.trie
        # Most elements are fields of a scope's trie, below a field or a scope element,
        # with no group to start and no attribute to read: done here without a Python
        # object (the container is the parent's); walk_other does the rest.
        if parent == M_FIELD or parent == M_TX or parent == M_GRP or parent == M_APPHDR \
                or (parent == M_PMT and not self.is_name(d, "CdtTrfTxInf", 11)):
            node = trie.child(self.nodes[d - 1], self.qbuf + self.qoff[d] + self.lofs[d],
                              self.qlen[d] - self.lofs[d])
            if node >= 0 and trie.group_of[node] == NULL \
                    and (attrs is None or trie.attrs_of[node] == NULL):
                self.modes[d] = M_FIELD
                self.nodes[d] = node
                self.index[d] = 0
                c = self.containers[d - 1]
                Py_XINCREF(c)
                Py_XDECREF(self.containers[d])
                self.containers[d] = c
                self.capture[d] = trie.leaf_of[node] != NULL
                return 0
            return self.walk_other(d, parent, uri, attrs, line, node)
        return self.walk_other(d, parent, uri, attrs, line, -1)

    @cython.final
    cdef int walk_other(self, int d, int parent, bytes uri, list attrs, int line,
                        int found) except -1:
        """walk_start for the other elements; ``found``: the trie node of a field (-1
        when there is none), looked up by walk_start."""
        cdef int mode = M_SKIP
        cdef int node = -1
        cdef int index = 0
        container = None
        if parent == M_APPHDR or parent == M_GRP or parent == M_PMT or parent == M_TX \
                or parent == M_FIELD:
            if parent == M_PMT and self.is_name(d, "CdtTrfTxInf", 11):
                index = self.start_tx(d, line)
                mode = M_TX
                node = self.trie.tx_root
                container = self.tx_values
            else:
                node = found
                if node >= 0:
                    mode = M_FIELD
                    container = self.container(d - 1)
                    if self.trie.group_of[node] != NULL:
                        container = _start_group(container, <_Leaf>self.trie.group_of[node])
                    if attrs is not None and self.trie.attrs_of[node] != NULL:
                        self.attributes(d, node, attrs, container, line)
        elif parent == M_ROOT:
            if self.is_name(d, "GrpHdr", 6):
                mode = M_GRP
                node = self.trie.group_root
                container = self.group_values = _rec(_TRANSFER)
            elif self.payment_scope is not None and \
                    self.is_name(d, self.payment_scope, len(self.payment_scope)):
                self.payment_count += 1
                self.tx_in_parent = 0
                self.payment = None
                mode = M_PMT
                node = self.trie.block_root
                index = self.payment_count
                container = self.payment_values = _rec(_TRANSFER)
            elif self.payment_scope is None and self.is_name(d, "CdtTrfTxInf", 11):
                index = self.start_tx(d, line)
                mode = M_TX
                node = self.trie.tx_root
                container = self.tx_values
        elif parent == M_DOC or parent == M_OUT:
            mode = self.outer_mode(d, parent, uri, line)
            if mode == M_APPHDR:
                node = self.trie.app_root
                container = self.app_values = _rec(_APP_HEADER)
        self.modes[d] = mode
        self.nodes[d] = node
        self.index[d] = index
        self.set_container(d, container)
        self.capture[d] = mode == M_FIELD and self.trie.leaf_of[node] != NULL
        return 0

    @cython.final
    cdef int start_tx(self, int d, int line) except -1:
        """Open a transaction at depth ``d``; its position in the scope."""
        if self.message is None:
            raise self.error_at(ParseError, "CdtTrfTxInf before a complete GrpHdr", line, d,
                                None)
        if self.payment_scope is not None and self.payment is None:
            try:
                self.payment = _payment_of(self.payment_values, self.payment_count)
            except MissingFieldError as exc:
                raise self.missing(exc, self.payment_trie, line, d - 1) from None
            self.defaults = _defaults_of(self.group_values, self.payment_values)
        self.tx_in_parent += 1
        self.tx_values = _rec(_TRANSFER)
        self.tx_line = line
        return self.tx_in_parent

    @cython.final
    cdef int attributes(self, int d, int node, list attrs, _Rec container, int line) except -1:
        cdef dict wanted = self.trie.attrs[node]
        cdef _Leaf leaf
        cdef Py_ssize_t colon
        for key, value in attrs:
            if _xmlns_kind(key):
                continue
            colon = _last_colon(key)
            local = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(key) + colon + 1,
                                         PyBytes_GET_SIZE(key) - colon - 1, NULL)
            leaf = wanted.get(local)
            if leaf is None:
                continue
            try:
                converted = value if leaf.kind == K_TEXT else _py_convert(_KIND_NAMES[leaf.kind],
                                                                          value)
            except ValueError as exc:
                raise self.error_at(InvalidValueError, str(exc), line, d - 1,
                                    f"{self.local_name(d)}@{local}", leaf.code) from None
            _put(container, leaf, converted, False)
        return 0

    @cython.final
    cdef object missing(self, exc, trie, line, int upto):
        where = iso_path_of(trie, exc.field)
        what = f"element {where}" if where else f"{exc.record}.{exc.field}"
        return self.error_at(ParseError, f"missing required {what}", line, upto, None)

    cdef int walk_end(self, int d, int line) except -1:
        cdef int mode = self.modes[d]
        cdef _Leaf leaf
        self.check_text(d, line)
        if mode == M_FIELD and self.capture[d]:
            leaf = <_Leaf>self.trie.leaf_of[self.nodes[d]]
            # A text (most fields) converts without fail (the buffer holds checked UTF-8):
            # no exception handler is set up for it.
            if leaf.kind == K_TEXT:
                value = _text_of(self.tbuf, self.tlen)
            else:
                value = self.field_value(leaf, line)
            self.tlen = 0
            _put(<_Rec>self.containers[d], leaf, value, leaf.repeat)
        elif mode == M_TX:
            self.ready.append(self.finish_tx(d))
        elif mode == M_GRP:
            self.finish_group(d, line)
        elif mode == M_APPHDR:
            self.app_header = _app_header_of(self.app_header_type, self.app_values)
        self.set_container(d, None)
        return 0

    @cython.final
    cdef object field_value(self, _Leaf leaf, int line):
        """The value of the text captured for ``leaf``; InvalidValueError for a bad one."""
        try:
            return _value(leaf.kind, self.tbuf, self.tlen)
        except ValueError as exc:
            raise self.error(InvalidValueError, str(exc), line, leaf.code) from None

    @cython.final
    cdef int finish_group(self, int d, int line) except -1:
        try:
            self.message = _message_of(self.message_type, self.group_values, self.app_header)
        except MissingFieldError as exc:
            raise self.missing(exc, self.group_trie, line, d) from None
        # Converted here even where a PmtInf converts them again, as the twin does, so
        # a malformed group default fails at the same place.
        self.group_defaults = _defaults_of(self.group_values, None)
        if self.payment_scope is None:
            self.defaults = self.group_defaults
        return 0

    @cython.final
    cdef object finish_tx(self, int d):
        source = _source(self.file, self.tx_index, self.tx_line)
        try:
            transfer = _build_transfer(self.message, self.payment, self.defaults,
                                       self.tx_values, source)
        except MissingFieldError as exc:
            raise self.missing(exc, self.tx_trie, self.tx_line, d) from None
        self.tx_index += 1
        return transfer

    cdef int finish(self) except -1:
        if self.message is None:
            raise ParseError(f"no GrpHdr in the {self.spec.message_id} Document",
                             file=self.file, path=f"/Document/{self.spec.root}")
        return 0


cdef class _Prefixed:
    """A reader that first returns ``head``, then reads ``source``."""

    cdef bytes head
    cdef object source
    cdef public object name

    def __init__(self, bytes head, source):
        self.head = head
        self.source = source
        self.name = source.name

    def read(self, Py_ssize_t size=CHUNK):
        if self.head:
            out = self.head
            self.head = b""
            return out
        return self.source.read(size)


IN_PLACE = True
"""``scan`` takes a document given whole as bytes (``stream`` SPENT) in place, however
large: its bytes are the scanner's window (no stream, no copy, no window joined per
read), records still handed out as each transaction closes (see the twin's IN_PLACE)."""


def scan(stream, bytes head, spec, limits):
    """An iterator of the transfers of the document whose first bytes ``head`` were sniffed."""
    cdef _TransferScanner scanner = _TransferScanner.__new__(_TransferScanner)
    scanner.setup(stream, head, spec, limits)
    return scanner


include "_statements.pxi"
