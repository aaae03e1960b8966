# cython: language_level=3
"""Is this document schema-valid?  libxml2's streaming validator, no tree at all.

lxml validates a stream by building a tree (``iterparse(schema=...)``), which
is most of the cost: libxml2 allocates and frees a node for every element and
text.  libxml2 also validates from SAX events alone
(``xmlSchemaValidateStream`` with no SAX handler of the caller's): the same
validator on the same events, with nothing built.  lxml does not expose it;
this module calls it in the libxml2 that lxml carries (its ``etree`` module
exports the libxml2 symbols; they are looked up there with ``dlsym``, so the
validator is lxml's own libxml2, the version every other check runs on).

Only the answer valid / not valid comes from here; the caller reads a
document that is not valid again with lxml to report the first error (line,
path, message), so what is reported never depends on this module.  The GIL is
released while libxml2 parses, taken again only to read the next chunk.

Security: the parser context is libxml2's default (no DTD loaded, no entity
substituted, its depth and text-size limits on); the caller has refused any
DOCTYPE before, from the prolog.

Twin: :mod:`iso20022.validation._xsdstream_py` (the lxml pass), same contract.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.string cimport memcpy

cdef extern from "<dlfcn.h>" nogil:
    void* dlopen(const char* filename, int flags)
    void* dlsym(void* handle, const char* symbol)
    const char* dlerror()
    int RTLD_NOW
    int RTLD_NOLOAD

ctypedef int (*_ioread)(void* context, char* buffer, int size) noexcept nogil
ctypedef int (*_ioclose)(void* context) noexcept nogil
ctypedef void (*_serror)(void* user, const void* error) noexcept nogil

ctypedef void* (*_input_static_t)(const char* memory, int size, int encoding) noexcept nogil
ctypedef void* (*_new_mem_parser_t)(const char* buffer, int size) noexcept nogil
ctypedef void* (*_parse_t)(void* parser) noexcept nogil
ctypedef void (*_free_t)(void* thing) noexcept nogil
ctypedef void* (*_new_valid_t)(void* schema) noexcept nogil
ctypedef void (*_set_errors_t)(void* context, _serror handler, void* user) noexcept nogil
ctypedef void* (*_input_io_t)(_ioread read, _ioclose close, void* context,
                              int encoding) noexcept nogil
ctypedef int (*_validate_stream_t)(void* context, void* input, int encoding, void* sax,
                                   void* user) noexcept nogil

cdef _new_mem_parser_t _new_mem_parser
cdef _parse_t _parse
cdef _free_t _free_parser, _free_schema, _free_valid
cdef _new_valid_t _new_valid
cdef _set_errors_t _set_parser_errors, _set_valid_errors
cdef _input_io_t _input_io
cdef _input_static_t _input_static
cdef _validate_stream_t _validate_stream


cdef void* _symbol(void* handle, const char* name) except NULL:
    cdef void* found = dlsym(handle, name)
    if found == NULL:
        raise ImportError(f"lxml's libxml2 does not export {name.decode()}")
    return found


def _bind():
    global _new_mem_parser, _parse, _free_parser, _free_schema, _free_valid, _new_valid
    global _set_parser_errors, _set_valid_errors, _input_io, _input_static, _validate_stream
    import lxml.etree
    path = lxml.etree.__file__.encode()
    cdef void* handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD)
    if handle == NULL:
        raise ImportError(f"cannot open lxml's etree module: {dlerror().decode()}")
    _new_mem_parser = <_new_mem_parser_t>_symbol(handle, b"xmlSchemaNewMemParserCtxt")
    _parse = <_parse_t>_symbol(handle, b"xmlSchemaParse")
    _free_parser = <_free_t>_symbol(handle, b"xmlSchemaFreeParserCtxt")
    _free_schema = <_free_t>_symbol(handle, b"xmlSchemaFree")
    _new_valid = <_new_valid_t>_symbol(handle, b"xmlSchemaNewValidCtxt")
    _free_valid = <_free_t>_symbol(handle, b"xmlSchemaFreeValidCtxt")
    _set_parser_errors = <_set_errors_t>_symbol(handle, b"xmlSchemaSetParserStructuredErrors")
    _set_valid_errors = <_set_errors_t>_symbol(handle, b"xmlSchemaSetValidStructuredErrors")
    _input_io = <_input_io_t>_symbol(handle, b"xmlParserInputBufferCreateIO")
    _input_static = <_input_static_t>_symbol(handle, b"xmlParserInputBufferCreateStatic")
    _validate_stream = <_validate_stream_t>_symbol(handle, b"xmlSchemaValidateStream")


_bind()


cdef void _count_error(void* user, const void* error) noexcept nogil:
    # Structured errors reach here instead of lxml's global log (or stderr);
    # the caller only needs to know there was one.
    (<int*>user)[0] += 1


cdef class Schema:
    """One XSD compiled by libxml2 from its bytes (already verified by the caller)."""

    cdef void* schema

    def __cinit__(self, bytes data not None):
        cdef int errors = 0
        cdef void* parser
        cdef const char* buffer = PyBytes_AS_STRING(data)
        cdef int size = <int>PyBytes_GET_SIZE(data)
        with nogil:
            parser = _new_mem_parser(buffer, size)
        if parser == NULL:
            raise MemoryError()
        _set_parser_errors(parser, _count_error, &errors)
        with nogil:
            self.schema = _parse(parser)
            _free_parser(parser)
        if self.schema == NULL:  # (warnings are counted too, and do not stop a schema)
            raise ValueError(f"libxml2 could not compile the schema ({errors} messages)")

    def __dealloc__(self):
        if self.schema != NULL:
            _free_schema(self.schema)


cdef class _Feed:
    """The bytes libxml2 asks for: ``head`` first, then ``stream.read``."""

    cdef bytes pending
    cdef Py_ssize_t at
    cdef object read
    cdef object failure  # what reading raised; re-raised once libxml2 returns

    def __cinit__(self, bytes head, object read):
        self.pending = head
        self.at = 0
        self.read = read
        self.failure = None

    cdef int fill(self, char* buffer, int size) except -1:
        cdef Py_ssize_t n
        while self.at >= PyBytes_GET_SIZE(self.pending):
            chunk = self.read(65536)
            if not chunk:
                return 0
            self.pending = bytes(chunk)
            self.at = 0
        n = min(<Py_ssize_t>size, PyBytes_GET_SIZE(self.pending) - self.at)
        memcpy(buffer, PyBytes_AS_STRING(self.pending) + self.at, n)
        self.at += n
        return <int>n


cdef int _read(void* context, char* buffer, int size) noexcept nogil:
    with gil:
        feed = <_Feed>context
        if feed.failure is not None:
            return -1
        try:
            return feed.fill(buffer, size)
        except BaseException as exc:  # a limit, an I/O error, a signal: the caller's
            feed.failure = exc
            return -1


cdef int _close(void* context) noexcept nogil:
    return 0


WHOLE_MAX = 0x7FFFFFFF
"""The largest document ``valid`` takes whole (libxml2 sizes a memory buffer with an int)."""


def valid(Schema schema not None, bytes head not None, Py_ssize_t offset, object stream):
    """True when ``head`` then the rest of ``stream`` is well-formed and schema-valid.

    ``stream`` None: ``head`` is the whole document (at most :data:`WHOLE_MAX`
    bytes, else ``ValueError``).  libxml2 then reads it in
    place (a static input buffer over the bytes object, which ``head`` keeps
    alive for the call): no copy into libxml2's buffer and none of the moves
    that shrinking it costs as the parser advances (about 4% of the pass on a
    10,000-transaction pain.001).  ``offset`` (where the Document starts in
    ``head``) is part of the shared contract and not needed here.  Exceptions
    raised by ``stream.read`` are raised again here.
    """
    cdef _Feed feed = None
    cdef int errors = 0, result
    cdef void* context
    cdef void* input
    if stream is None and PyBytes_GET_SIZE(head) > WHOLE_MAX:
        raise ValueError(f"a document given whole is at most {WHOLE_MAX} bytes")
    context = _new_valid(schema.schema)
    if context == NULL:
        raise MemoryError()
    try:
        _set_valid_errors(context, _count_error, &errors)
        if stream is None:
            input = _input_static(PyBytes_AS_STRING(head), <int>PyBytes_GET_SIZE(head), 0)
        else:
            feed = _Feed(head, stream.read)
            input = _input_io(_read, _close, <void*>feed, 0)
        if input == NULL:
            raise MemoryError()
        with nogil:
            result = _validate_stream(context, input, 0, NULL, NULL)  # frees input
    finally:
        _free_valid(context)
    if feed is not None and feed.failure is not None:
        raise feed.failure
    return result == 0 and errors == 0

