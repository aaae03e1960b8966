# cython: language_level=3
"""Compiled twin of ``iso20022/build/_pacs_xml.py``: the outbound pacs.008 writer.

Same contract as the twin (read its docstring): a :class:`Writer` with the same
methods writes the same bytes, raises the same ``ValueError`` for a character
XML cannot carry, and :func:`transaction` writes one ``CdtTrfTxInf``.  What
changes is how the text is made.  The twin formats an f-string per element,
keeps a list of pieces, joins and encodes it at the end; here every element is
written straight into one growing UTF-8 buffer: tags are C literals, padding
is a ``memset``, a value is checked and escaped in one pass over its
characters (an ASCII value with nothing to escape is one ``memcpy``), and
:meth:`Writer.getvalue` copies the buffer once into ``bytes``.

A container is written ``<Tag>\\n`` when it opens; when it closes with nothing
written inside, the buffer is cut back by those two bytes and ``/>\\n``
written instead, which is the twin's ``<Tag/>``.

Records are read field by field as the twin reads them (the record classes'
slots directly, anything else by attribute: ``_pacs_fields.pxi``), so any object
with the record's fields is written alike.  A record a PmtInf shares between its
transactions is written once and then copied from the buffer (``_shared``).  The
element writers (parties, accounts, agents, the transaction) are in
``_pacs_parts.pxi``.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.string cimport memcpy, memset, strlen

from decimal import Decimal
from hashlib import blake2b

from iso20022.build._pacs_xml import ACCOUNT_TYPES_02, NS_PREFIX, amount_text, attribute

__all__ = [
    "ACCOUNT_TYPES_02", "NS_PREFIX", "Writer", "amount_text", "attribute", "id_tail", "transaction",
]

include "_pacs_fields.pxi"

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index)
    void* PyMem_Realloc(void* p, size_t n)
    void PyMem_Free(void* p)

cdef enum:
    # The twin indents from a tuple of 32 pads: opening a 32nd level is an IndexError there.
    MAX_DEPTH = 31

# What an ASCII character needs in text and in an attribute value: one table look-up
# per character (the common answer, zero, is one test), not a chain of tests.
cdef enum:
    PLAIN = 0    # copied as it is
    BAD = 1      # a control character XML 1.0 cannot carry: ValueError
    ESCAPE = 2   # written as a reference (_entity)

cdef unsigned char _IN_TEXT[128]
cdef unsigned char _IN_ATTR[128]
cdef int _c
for _c in range(128):
    _IN_TEXT[_c] = _IN_ATTR[_c] = BAD if _c < 0x20 else PLAIN
for _c in b"\t\n":  # whitespace that attribute-value normalisation would turn into spaces
    _IN_TEXT[_c] = PLAIN
    _IN_ATTR[_c] = ESCAPE
for _c in b"&<>\r":  # a literal CR would be read back as LF
    _IN_TEXT[_c] = _IN_ATTR[_c] = ESCAPE
_IN_ATTR[ord('"')] = ESCAPE

# Tags given as str through the public methods, encoded once each.  Element names
# are literals of this package (a few dozen), so the table stays small, and the
# bytes it holds keep the pointers a Writer's stack refers to valid.
cdef dict _TAGS = {}

cdef const char* _INTERMEDIARIES[3]
_INTERMEDIARIES[0] = "IntrmyAgt1"
_INTERMEDIARIES[1] = "IntrmyAgt2"
_INTERMEDIARIES[2] = "IntrmyAgt3"


cdef const char* _tag(str tag) except NULL:
    encoded = _TAGS.get(tag)
    if encoded is None:
        encoded = _TAGS[tag] = tag.encode("utf-8")
    return PyBytes_AS_STRING(encoded)


cdef inline bint _xml_char(Py_UCS4 c) noexcept:
    """Whether XML 1.0 can carry ``c`` (the twin's ``_NOT_XML``, negated)."""
    if c < 0x20:
        return c == 0x9 or c == 0xA or c == 0xD
    return c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF


cdef inline bint _given(object value) except -1:
    """The twin's ``if value:`` for a field: None and str answered without a call."""
    if value is None:
        return False
    if type(value) is str:
        return len(<str>value) != 0
    return bool(value)


cdef int _not_allowed(Py_UCS4 c) except -1:
    raise ValueError(f"character {chr(c)!r} is not allowed in XML")


cdef str _amount_text(object value):
    """The twin's ``amount_text`` (``format(value, "f")``), for a Decimal by ``str``.

    Formatting parses its format spec every time, about half of the cost of a
    transaction's amounts; ``str`` gives the same text whenever it writes no exponent
    (an exponent <= 0 and at most six zeros after the point), which amounts have.
    """
    cdef str text
    if type(value) is Decimal:
        text = str(value)
        if "E" not in text:
            return text
    return format(value, "f")


cdef enum Kind:
    PARTY
    ACCOUNT
    AGENT

# The places of a transaction that write a record its PmtInf or message shares: for
# each, the writer remembers the record it wrote there last (see _shared).
cdef enum:
    ULTIMATE_DEBTOR
    INITIATING_PARTY
    DEBTOR
    DEBTOR_ACCOUNT
    DEBTOR_AGENT
    SITES


cdef class Writer:
    """Writes the elements of one message of one version, in document order, as UTF-8.

    One writer per message: :meth:`open` the root with :meth:`root`, write,
    :meth:`close` every container, then take :meth:`getvalue`.
    """

    cdef readonly str message_id
    cdef readonly bint new
    cdef readonly str ns
    cdef char* _buf
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _depth
    cdef Py_ssize_t _marks[MAX_DEPTH]  # buffer length after each open container's start tag
    cdef const char* _tags[MAX_DEPTH]  # and its tag: a C literal or an entry of _TAGS
    cdef dict _memo  # (tag, id(record), depth) -> (record, its bytes): see shared()
    cdef list _seen  # per site, the record written there last (kept alive: identity)
    cdef Py_ssize_t _seen_depth[SITES]  # at which depth
    cdef Py_ssize_t _seen_start[SITES]  # and where its text is in the buffer
    cdef Py_ssize_t _seen_end[SITES]

    def __cinit__(self):
        self._buf = NULL

    def __init__(self, str message_id not None):
        self.message_id = message_id  # e.g. pacs.008.001.08
        self.new = not message_id.endswith(".02")  # the ISO 2019 generation
        self.ns = NS_PREFIX + message_id
        self._memo = {}
        self._seen = [None] * SITES
        self._len = self._depth = 0
        self._grow(1 << 14)
        self._raw('<?xml version="1.0" encoding="UTF-8"?>\n')

    def __dealloc__(self):
        PyMem_Free(self._buf)

    def getvalue(self):
        """The message as UTF-8 bytes; every container must be closed."""
        if self._depth:
            raise RuntimeError(f"{self._depth} elements left open")
        return PyBytes_FromStringAndSize(self._buf, self._len)

    # -- the buffer -------------------------------------------------------------------

    cdef int _grow(self, Py_ssize_t more) except -1:
        cdef Py_ssize_t cap = self._cap * 2 if self._cap else 1 << 14
        while cap < self._len + more:
            cap *= 2
        cdef char* buf = <char*>PyMem_Realloc(self._buf, cap)
        if buf == NULL:
            raise MemoryError()
        self._buf = buf
        self._cap = cap
        return 0

    cdef inline char* _room(self, Py_ssize_t more) except NULL:
        """Where the next ``more`` bytes go (the caller advances ``_len``)."""
        if self._len + more > self._cap:
            self._grow(more)
        return self._buf + self._len

    cdef inline int _put(self, const char* data, Py_ssize_t n) except -1:
        memcpy(self._room(n), data, n)
        self._len += n
        return 0

    cdef inline int _raw(self, const char* text) except -1:
        return self._put(text, strlen(text))

    cdef inline int _utf8(self, str text) except -1:
        """A literal of the caller's (attributes already escaped), as UTF-8."""
        data = text.encode("utf-8")
        return self._put(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))

    cdef inline int _pad(self, Py_ssize_t depth) except -1:
        memset(self._room(2 * depth), c' ', 2 * depth)
        self._len += 2 * depth
        return 0

    cdef inline int _start(self, const char* tag, Py_ssize_t n) except -1:
        """The indentation and ``<tag`` (``n`` is the tag's length), in one reservation."""
        cdef Py_ssize_t pad = 2 * self._depth
        cdef char* out = self._room(pad + 1 + n)
        memset(out, c' ', pad)
        out[pad] = c'<'
        memcpy(out + pad + 1, tag, n)
        self._len += pad + 1 + n
        return 0

    cdef inline int _end(self, const char* tag, Py_ssize_t n) except -1:
        """``</tag>`` and the newline."""
        cdef char* out = self._room(n + 4)
        out[0] = c'<'
        out[1] = c'/'
        memcpy(out + 2, tag, n)
        out[n + 2] = c'>'
        out[n + 3] = c'\n'
        self._len += n + 4
        return 0

    cdef inline int _byte(self, char c) except -1:
        self._room(1)[0] = c
        self._len += 1
        return 0

    cdef int _text(self, str text, bint attr) except -1:
        """``text`` checked and escaped as the twin's ``_escape`` (``_escape_attr``)."""
        cdef Py_ssize_t n = len(text), i, start
        cdef const unsigned char* ascii
        cdef const unsigned char* table = _IN_TEXT
        cdef unsigned char need
        if attr:
            table = _IN_ATTR
        if PyUnicode_IS_ASCII(text):
            ascii = <const unsigned char*>PyUnicode_DATA(text)
            start = 0
            for i in range(n):
                need = table[ascii[i]]
                if need == PLAIN:
                    continue
                if need == BAD:
                    _not_allowed(ascii[i])
                self._put(<const char*>ascii + start, i - start)
                self._entity(ascii[i])
                start = i + 1
            return self._put(<const char*>ascii + start, n - start)
        return self._wide(text, attr)

    cdef int _entity(self, Py_UCS4 c) except -1:
        if c == c'&':
            return self._put("&amp;", 5)
        if c == c'<':
            return self._put("&lt;", 4)
        if c == c'>':
            return self._put("&gt;", 4)
        if c == c'\r':  # a literal CR would be read back as LF
            return self._put("&#13;", 5)
        if c == c'"':
            return self._put("&quot;", 6)
        if c == c'\t':
            return self._put("&#9;", 4)
        return self._put("&#10;", 5)  # LF

    cdef int _wide(self, str text, bint attr) except -1:
        """Non-ASCII text: every character checked first (nothing written on error), then
        encoded as UTF-8 (no surrogates remain, so every character encodes)."""
        cdef int kind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = len(text), i
        cdef unsigned int c  # a code point to do arithmetic on, not a character
        cdef const unsigned char* table = _IN_TEXT
        cdef char* out
        if attr:
            table = _IN_ATTR
        for i in range(n):
            c = PyUnicode_READ(kind, data, i)
            if not _xml_char(c):
                _not_allowed(c)
        for i in range(n):
            c = PyUnicode_READ(kind, data, i)
            if c < 0x80:
                if table[c] == PLAIN:
                    out = self._room(1)
                    out[0] = <char>c
                    self._len += 1
                else:
                    self._entity(c)
                continue
            out = self._room(4)
            if c < 0x800:
                out[0] = <char>(0xC0 | (c >> 6))
                out[1] = <char>(0x80 | (c & 0x3F))
                self._len += 2
            elif c < 0x10000:
                out[0] = <char>(0xE0 | (c >> 12))
                out[1] = <char>(0x80 | ((c >> 6) & 0x3F))
                out[2] = <char>(0x80 | (c & 0x3F))
                self._len += 3
            else:
                out[0] = <char>(0xF0 | (c >> 18))
                out[1] = <char>(0x80 | ((c >> 12) & 0x3F))
                out[2] = <char>(0x80 | ((c >> 6) & 0x3F))
                out[3] = <char>(0x80 | (c & 0x3F))
                self._len += 4
        return 0

    # -- elements (internal: tags are C strings) --------------------------------------

    cdef int _open(self, const char* tag) except -1:
        self._start_tag(tag)
        return self._push(tag)

    cdef int _start_tag(self, const char* tag) except -1:
        """``<tag`` of a container: its attributes, then _push."""
        if self._depth >= MAX_DEPTH:
            raise IndexError("tuple index out of range")
        return self._start(tag, strlen(tag))

    cdef int _push(self, const char* tag) except -1:
        """End the start tag of a container and write inside it until _close."""
        self._put(">\n", 2)
        self._marks[self._depth] = self._len
        self._tags[self._depth] = tag
        self._depth += 1
        return 0

    cdef int _close(self) except -1:
        if self._depth == 0:
            raise IndexError("pop from empty list")
        self._depth -= 1
        if self._len == self._marks[self._depth]:  # nothing inside: <tag/>
            self._len -= 2
            return self._put("/>\n", 3)
        self._pad(self._depth)
        return self._end(self._tags[self._depth], strlen(self._tags[self._depth]))

    cdef int _el(self, const char* tag, str text) except -1:
        """``<tag>text</tag>``; ``text`` must not be None."""
        cdef Py_ssize_t n = strlen(tag)
        self._start(tag, n)
        self._byte(c'>')
        self._text(text, False)
        return self._end(tag, n)

    cdef int _el_or_empty(self, const char* tag, object text) except -1:
        if text is None:
            self._start(tag, strlen(tag))
            return self._put("/>\n", 3)
        return self._el(tag, text)

    cdef inline int _opt(self, const char* tag, object text) except -1:
        if _given(text):
            self._el(tag, text)
        return 0

    cdef int _code_or_prtry(self, const char* tag, object code, object prtry) except -1:
        cdef const char* inner
        if _given(code):
            inner, text = "Cd", code
        elif _given(prtry):
            inner, text = "Prtry", prtry
        else:
            return 0
        self._open(tag)
        self._el(inner, text)
        return self._close()

    cdef int _money(self, const char* tag, object money) except -1:
        cdef Py_ssize_t n = strlen(tag)
        self._start(tag, n)
        self._put(' Ccy="', 6)
        self._text(_get(money, MNY_CURRENCY), True)
        self._put('">', 2)
        self._text(_amount_text(_get(money, MNY_AMOUNT)), False)
        return self._end(tag, n)

    cdef int _shared(self, int site, Kind kind, const char* tag, object record) except -1:
        """The twin's ``shared(write, tag, record)`` for one place of a transaction.

        What a record is written as, under one tag at one depth, depends on nothing but
        the (immutable) record, so the twin's memo is a cache and so is this: the same
        bytes either way.  This one remembers, per place, only the record written last
        and where its text already is in the buffer: the transactions of a PmtInf come
        one after the other, so it copies as often as the twin's memo does, without a
        key tuple, a dict look-up and a bytes copy per record (or 10,000 entries kept
        for the records that are not shared).  The buffer only grows past a written
        record (an empty container's rewind is always after the last complete one).
        """
        cdef Py_ssize_t n
        cdef char* out
        if record is None:
            return 0
        if record is self._seen[site] and self._seen_depth[site] == self._depth:
            n = self._seen_end[site] - self._seen_start[site]
            out = self._room(n)  # may move the buffer: the source is taken after
            memcpy(out, self._buf + self._seen_start[site], n)
            self._len += n
            return 0
        cdef Py_ssize_t start = self._len
        if kind == PARTY:
            _party(self, tag, record)
        elif kind == ACCOUNT:
            _account(self, tag, record)
        else:
            _agent(self, tag, record)
        self._seen[site] = record
        self._seen_depth[site] = self._depth
        self._seen_start[site] = start
        self._seen_end[site] = self._len
        return 0

    # -- the twin's methods -----------------------------------------------------------

    def root(self, str tag="Document", message_id=None):
        """Open a root element (``Document`` or ``AppHdr``) declaring a namespace.

        The namespace is this writer's version's, or that of ``message_id``.
        """
        ns = self.ns if message_id is None else NS_PREFIX + message_id
        cdef const char* name = _tag(tag)
        self._start_tag(name)
        self._put(' xmlns="', 8)  # attribute("xmlns", ns), without its Python calls
        self._text(ns, True)
        self._byte(c'"')
        self._push(name)

    def open(self, str tag not None, str attrs=""):
        """Start ``<tag>``; what follows goes inside it until :meth:`close`."""
        cdef const char* name = _tag(tag)
        self._start_tag(name)
        if attrs:
            self._utf8(attrs)
        self._push(name)

    def close(self):
        """End the innermost open element (``<tag/>`` when nothing was written in it)."""
        self._close()

    def el(self, str tag not None, str text=None, str attrs=""):
        """Write ``<tag>text</tag>`` (``<tag/>`` when ``text`` is None)."""
        if not attrs:
            self._el_or_empty(_tag(tag), text)
            return
        self._pad(self._depth)
        self._put("<", 1)
        self._raw(_tag(tag))
        self._utf8(attrs)
        if text is None:
            self._put("/>\n", 3)
            return
        self._put(">", 1)
        self._text(text, False)
        self._put("</", 2)
        self._raw(_tag(tag))
        self._put(">\n", 2)

    def opt(self, str tag not None, str text):
        """Write ``<tag>text</tag>`` only when ``text`` is not None or empty."""
        self._opt(_tag(tag), text)

    def shared(self, write, str tag not None, record):
        """``write(tag, record)``, or the text it wrote for this very record before.

        Keyed by tag, identity and depth, as the twin's; the memo keeps the record,
        so no other object can take its id while the writer lives.
        """
        if record is None:
            return
        key = (tag, id(record), self._depth)
        hit = self._memo.get(key)
        if hit is not None:
            text = (<tuple>hit)[1]
            self._put(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text))
            return
        cdef Py_ssize_t mark = self._len
        write(tag, record)
        self._memo[key] = (record, PyBytes_FromStringAndSize(self._buf + mark, self._len - mark))

    def money(self, str tag not None, money):
        """``<tag Ccy="...">amount</tag>``."""
        self._money(_tag(tag), money)

    def code_or_prtry(self, str tag not None, code, prtry):
        """``<tag><Cd/></tag>`` or ``<tag><Prtry/></tag>`` (code first), or nothing."""
        self._code_or_prtry(_tag(tag), code, prtry)

    def address(self, a):
        """``PstlAdr`` (PostalAddress24 or PostalAddress6)."""
        _address(self, a)

    def generic(self, g):
        """``Othr``: Id, SchmeNm (Cd or Prtry), Issr."""
        _generic(self, g)

    def party(self, str tag not None, p):
        """A party (PartyIdentification135 or 32): Nm, PstlAdr, Id, CtryOfRes."""
        _party(self, _tag(tag), p)

    def account(self, str tag not None, a):
        """A cash account (CashAccount38 or 16); nothing without an IBAN or other id."""
        _account(self, _tag(tag), a)

    def agent(self, str tag not None, a):
        """A financial institution (BranchAndFinancialInstitutionIdentification6 or 4)."""
        _agent(self, _tag(tag), a)

    def bic_agent(self, str tag not None, bic):
        """An agent identified by its BIC only."""
        _bic_agent(self, _tag(tag), bic)

    def payment_ids(self, str instruction_id not None, str end_to_end_id not None,
                    str transaction_id not None, str uetr):
        """``PmtId``: InstrId, EndToEndId, TxId and, when given, UETR."""
        _payment_ids(self, instruction_id, end_to_end_id, transaction_id, uetr)

    def payment_type(self, t):
        """``PmtTpInf``: InstrPrty, SvcLvl, LclInstrm, CtgyPurp (nothing when all absent)."""
        _payment_type(self, t)

    def intermediaries(self, agents):
        """``IntrmyAgt1`` .. ``IntrmyAgt3``."""
        _intermediaries(self, agents)

    def tail(self, t):
        """What follows the creditor: UltmtCdtr, Purp, RgltryRptg, RmtInf."""
        _tail(self, t)


def transaction(Writer w not None, t, *, str tx_id not None, str uetr, day, str bearer not None,
                str instructing, str instructed):
    """One ``CdtTrfTxInf`` of transfer ``t`` in the order of ``w``'s version's XSD.

    ``tx_id`` is written as InstrId and TxId, ``uetr`` (when given) as UETR,
    ``day`` (when given) as IntrBkSttlmDt, ``bearer`` as ChrgBr, and
    ``instructing`` / ``instructed`` (when given) as BIC-only InstgAgt / InstdAgt.
    Raises ``ValueError`` for a value XML cannot carry.
    """
    _transaction(w, t, tx_id, uetr, day, bearer, instructing, instructed)


include "_pacs_parts.pxi"


cdef const char* _BASE32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648
# Copying a fresh hash object costs a third less than making one (no arguments to parse,
# no parameter block to set up).
cdef object _BLAKE2B_16 = blake2b(digest_size=16)


def id_tail(*parts):
    """The unique part of an outbound id: 20 base32 characters of the top 100 bits of
    the 16-byte BLAKE2b digest of ``parts`` joined by U+001F (the twin's, read 5 bits at
    a time from the digest instead of through a 128-bit integer)."""
    hashing = _BLAKE2B_16.copy()
    hashing.update("\x1f".join(parts).encode())
    digest = hashing.digest()
    cdef const unsigned char* d = digest
    cdef char out[20]
    cdef int i, bit, pair
    for i in range(20):
        bit = 5 * i  # the group's first bit; it ends within the next byte (bit % 8 <= 7)
        pair = (d[bit >> 3] << 8) | d[(bit >> 3) + 1]
        out[i] = _BASE32[(pair >> (11 - (bit & 7))) & 31]
    return out[:20].decode("ascii")
