# Included by scan.pyx: the compiled twin of the record builder in
# ``iso20022/parse/_build.py`` (values -> records) and of its ``convert``.
#
# Why it exists: the Python builder spends most of a transfer's time in
# per-field Python calls (``put``, ``_convert``, ``build``, lambdas).  Here a
# record class gets one ``_Plan`` (slot offsets, field index, one step code per
# field), and records are built by writing their slots directly, as
# ``ext/records.pyx`` does.  Every function mirrors one of ``_build.py`` in the
# order it converts values and raises errors (dict insertion order, required
# fields first), so both implementations give equal records and equal errors.

from cpython.datetime cimport date_new, datetime_new, get_utc, import_datetime
from cpython.dict cimport PyDict_GetItem
from cpython.long cimport PyLong_FromLongLong
from cpython.object cimport PyObject, PyTypeObject
from cpython.mem cimport PyMem_Calloc, PyMem_Free
from libc.stdint cimport uint64_t
from libc.string cimport memset
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF
from cpython.unicode cimport PyUnicode_DecodeASCII

cimport cython

import dataclasses
import typing
from datetime import datetime
from decimal import Decimal

import_datetime()

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
        const char* doc
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    object _generic_alloc "PyType_GenericAlloc"(PyTypeObject* cls, Py_ssize_t n)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    Py_ssize_t _refcnt "Py_REFCNT"(PyObject* o)
    void _set_refcnt "Py_SET_REFCNT"(PyObject* o, Py_ssize_t n)
    void* PyUnicode_DATA(object u)
    int PyUnicode_KIND(object u)
    ctypedef unsigned char Py_UCS1
    ctypedef unsigned short Py_UCS2

cdef object _MISSING = dataclasses.MISSING
cdef type _member_type = type(type("_Probe", (), {"__slots__": ("x",)}).__dict__["x"])
cdef object _Decimal = Decimal
cdef object _py_convert = convert

# How a collected value becomes a field value (mirrors _build._step).
DEF S_NONE = 0     # already the value
DEF S_TUPLE = 1    # a list of texts -> tuple
DEF S_RECORDS = 2  # a list of dicts -> tuple of records
DEF S_RECORD = 3   # a dict -> record (a record stays as it is)

# Value kinds of iso20022.parse.tables (Node.kind).
DEF K_TEXT = 0
DEF K_DECIMAL = 1
DEF K_INT = 2
DEF K_BOOL = 3
DEF K_DATE = 4
DEF K_DATETIME = 5
DEF K_NUMBER = 6   # camt's ISO Number (iso20022.parse.camt): converted by camt._convert only

cdef dict _KIND_CODES = {"text": K_TEXT, "decimal": K_DECIMAL, "int": K_INT, "bool": K_BOOL,
                         "date": K_DATE, "datetime": K_DATETIME, "number": K_NUMBER}


cdef class _Plan:
    """One record class: its slots, field names and the step of each field."""

    cdef type cls
    cdef str cls_name
    cdef tuple names
    cdef dict index        # field name -> position
    cdef tuple required
    cdef tuple defaults    # default, default factory, or _MISSING
    cdef tuple factories   # True where defaults[i] is a factory
    cdef list subplans     # _Plan of a record field, or None
    cdef Py_ssize_t n
    cdef Py_ssize_t offsets[64]
    cdef int steps[64]
    cdef PyObject* fallback[64]   # borrowed from ``defaults``: the value or the factory
    cdef int how[64]              # 0 required, 1 default value, 2 default factory
    cdef Py_ssize_t nreq
    cdef Py_ssize_t req[64]       # positions of the required fields, in ``required`` order
    # A new record starts as a copy of ``template`` (see _fresh): by slot, in memory
    # order (CPython lays slots out by name, not in field order), the default value of
    # each field that has one (borrowed from ``defaults``), NULL for the others, which
    # ``rest`` lists in field order.  The template's values are few distinct objects
    # (None, ()): ``shared`` and ``shared_n`` say how many references each gains.
    cdef bint flat                # the slots fill one block from ``base``, one word each
    cdef Py_ssize_t base
    cdef PyObject* template[64]
    cdef Py_ssize_t nshared
    cdef PyObject* shared[64]
    cdef Py_ssize_t shared_n[64]
    cdef Py_ssize_t nrest
    cdef Py_ssize_t rest[64]


cdef class _Defaults:
    """The Transfer defaults of a scope: ``slots`` by field position, None where absent;
    ``vals`` the same as a C array (borrowed from ``slots``), ``pos[:npos]`` the
    positions present."""

    cdef list slots
    cdef PyObject* vals[64]
    cdef Py_ssize_t npos
    cdef unsigned char pos[64]


cdef dict _PLANS = {}


cdef _Plan _plan(type cls):
    cdef _Plan plan = _PLANS.get(cls)
    cdef Py_ssize_t i
    if plan is not None:
        return plan
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if cls.__new__ is not object.__new__:
        raise TypeError(f"{cls.__name__} has its own __new__")
    fields = dataclasses.fields(cls)
    if len(fields) > 64:
        raise TypeError(f"{cls.__name__} has more than 64 fields")
    hints = typing.get_type_hints(cls)
    plan = _Plan()
    plan.cls = cls
    plan.cls_name = cls.__name__
    plan.n = len(fields)
    plan.names = tuple(f.name for f in fields)
    plan.index = {name: i for i, name in enumerate(plan.names)}
    plan.required = required_fields(cls)
    plan.defaults = tuple(f.default_factory if f.default_factory is not _MISSING else f.default
                          for f in fields)
    plan.factories = tuple(f.default_factory is not _MISSING for f in fields)
    plan.subplans = [None] * plan.n
    for i in range(plan.n):
        descriptor = cls.__dict__.get(plan.names[i])
        if type(descriptor) is not _member_type:
            raise TypeError(f"{cls.__name__}.{plan.names[i]} is not a slot")
        plan.offsets[i] = (<PyMemberDescrObject*>descriptor).d_member.offset
        plan.steps[i] = _step_of(plan, i, hints[plan.names[i]])
        plan.fallback[i] = <PyObject*>plan.defaults[i]
        plan.how[i] = (0 if plan.defaults[i] is _MISSING else 2 if plan.factories[i] else 1)
    plan.nreq = len(plan.required)
    for i in range(plan.nreq):
        plan.req[i] = plan.index[plan.required[i]]
    _template(plan)
    _PLANS[cls] = plan
    return plan


cdef int _template(_Plan plan) except -1:
    """Set up ``plan.template`` and what goes with it (see _Plan)."""
    cdef Py_ssize_t i, k
    cdef Py_ssize_t w = sizeof(PyObject*)
    plan.nshared = 0
    plan.nrest = 0
    plan.base = min([plan.offsets[i] for i in range(plan.n)] or [0])
    plan.flat = sorted([plan.offsets[i] for i in range(plan.n)]) == \
        [plan.base + i * w for i in range(plan.n)]
    for i in range(plan.n):
        plan.template[i] = NULL
    for i in range(plan.n):
        if plan.how[i] != 1:
            plan.rest[plan.nrest] = i
            plan.nrest += 1
            continue
        if plan.flat:
            plan.template[(plan.offsets[i] - plan.base) // w] = plan.fallback[i]
        for k in range(plan.nshared):
            if plan.shared[k] == plan.fallback[i]:
                plan.shared_n[k] += 1
                break
        else:
            plan.shared[plan.nshared] = plan.fallback[i]
            plan.shared_n[plan.nshared] = 1
            plan.nshared += 1
    return 0


cdef int _step_of(_Plan plan, Py_ssize_t i, object tp) except -1:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is type(int | None):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        if isinstance(item, type) and dataclasses.is_dataclass(item):
            plan.subplans[i] = _plan(item)
            return S_RECORDS
        return S_TUPLE
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        plan.subplans[i] = _plan(tp)
        return S_RECORD
    return S_NONE


cdef inline object _new(type cls):
    # What object.__new__(cls) does for these classes (no __new__ of their own, heap
    # types: tp_alloc is PyType_GenericAlloc), without looking __new__ up each time:
    # every slot starts NULL.
    return _generic_alloc(<PyTypeObject*>cls, 0)


cdef inline void _set_slot(object obj, Py_ssize_t offset, object value) noexcept:
    # The slot is NULL (fresh object) and owns the reference taken here.  noexcept: it
    # cannot fail, and without it Cython checks PyErr_Occurred() after every call.
    cdef PyObject** slot = <PyObject**>((<char*><PyObject*>obj) + offset)
    Py_INCREF(value)
    slot[0] = <PyObject*>value


cdef inline void _put_slot(object obj, Py_ssize_t offset, object value) noexcept:
    # The slot of a record from _fresh: NULL or a default value, which the plan's
    # ``defaults`` also holds (releasing it here never frees it).
    cdef PyObject** slot = <PyObject**>((<char*><PyObject*>obj) + offset)
    cdef PyObject* old = slot[0]
    Py_INCREF(value)
    slot[0] = <PyObject*>value
    Py_XDECREF(old)


cdef inline object _peek(object obj, Py_ssize_t offset):
    """The value in a slot of a record being built, None for NULL."""
    cdef PyObject* v = (<PyObject**>((<char*><PyObject*>obj) + offset))[0]
    return None if v == NULL else <object>v


cdef object _fresh(_Plan plan):
    """A new record of ``plan.cls`` whose fields hold their default values, if any.

    Field by field, the defaults cost a loop over every field of every record (most
    fields are absent from a given document); here they cost one copy of the template
    and one reference count update per distinct default (None, ()).  The fields given
    are then written with ``_put_slot``, and ``_complete`` finishes the record.
    """
    cdef Py_ssize_t i, k
    cdef PyObject* o
    obj = _new(plan.cls)
    if plan.flat:
        memcpy((<char*><PyObject*>obj) + plan.base, plan.template, plan.n * sizeof(PyObject*))
        for k in range(plan.nshared):
            o = plan.shared[k]
            _set_refcnt(o, _refcnt(o) + plan.shared_n[k])
    else:
        for i in range(plan.n):
            if plan.how[i] == 1:
                _set_slot(obj, plan.offsets[i], <object>plan.fallback[i])
    return obj


cdef object _complete(_Plan plan, object obj):
    """The fields of a record from _fresh with no default value and none given: call
    their default factory, or ``TypeError`` for a missing one (as ``__init__``, in
    field order)."""
    cdef Py_ssize_t i, k
    for k in range(plan.nrest):
        i = plan.rest[k]
        if (<PyObject**>((<char*><PyObject*>obj) + plan.offsets[i]))[0] != NULL:
            continue
        if plan.how[i] == 2:
            _set_slot(obj, plan.offsets[i], (<object>plan.fallback[i])())
        else:
            raise TypeError(f"{plan.cls_name}.__init__() missing 1 required keyword-only "
                            f"argument: '{plan.names[i]}'")
    return obj


cdef _Plan _TRANSFER = _plan(Transfer)
cdef _Plan _MESSAGE = _plan(MessageHeader)
cdef _Plan _PAYMENT = _plan(PaymentInformation)
cdef _Plan _APP_HEADER = _plan(AppHeader)
cdef _Plan _SOURCE = _plan(Source)
cdef tuple _HEADER_ECHO = ("interbank_settlement_date", "instructing_agent", "instructed_agent")


cdef Py_ssize_t _S_FILE = _SOURCE.index["file"]
cdef Py_ssize_t _S_INDEX = _SOURCE.index["index"]
cdef Py_ssize_t _S_LINE = _SOURCE.index["line"]


cdef object _source(object file, Py_ssize_t index, object line):
    obj = _fresh(_SOURCE)
    _put_slot(obj, _SOURCE.offsets[_S_FILE], file)
    _put_slot(obj, _SOURCE.offsets[_S_INDEX], index)
    _put_slot(obj, _SOURCE.offsets[_S_LINE], line)
    return _complete(_SOURCE, obj)


cdef Py_ssize_t _T_MESSAGE = _TRANSFER.index["message"]
cdef Py_ssize_t _T_PAYMENT = _TRANSFER.index["payment"]
cdef Py_ssize_t _T_SOURCE = _TRANSFER.index["source"]
cdef Py_ssize_t _T_AMOUNT = _TRANSFER.index["amount"]
cdef Py_ssize_t _T_END_TO_END = _TRANSFER.index["end_to_end_id"]
cdef Py_ssize_t _T_INTERBANK = _TRANSFER.index["interbank_settlement_amount"]
cdef Py_ssize_t _T_INSTRUCTED = _TRANSFER.index["instructed_amount"]
cdef Py_ssize_t _T_EQUIVALENT = _TRANSFER.index["equivalent_amount"]


cdef object _build_transfer(object message, object payment, _Defaults defaults, _Rec values,
                            object source):
    """``_build.build_transfer`` with the defaults by field position (see _defaults_of).

    No collected value is None, so None marks an absent field, as a missing key does
    in the Python builder's ``kwargs``; the record is written as it is decided (the
    scope's defaults, then the transaction's values over them).
    """
    cdef Py_ssize_t i, k
    cdef Py_ssize_t* off = _TRANSFER.offsets
    obj = _fresh(_TRANSFER)
    if defaults is not None:
        for k in range(defaults.npos):
            i = defaults.pos[k]
            _put_slot(obj, off[i], <object>defaults.vals[i])
    for k in range(values.norder):
        i = values.order[k]
        _put_slot(obj, off[i], _step_rec(_TRANSFER, i, <object>values.vals[i]))
    if message is not None:
        _put_slot(obj, off[_T_MESSAGE], message)
    if payment is not None:
        _put_slot(obj, off[_T_PAYMENT], payment)
    if source is not None:
        _put_slot(obj, off[_T_SOURCE], source)
    if _peek(obj, off[_T_AMOUNT]) is None:
        amount = (_peek(obj, off[_T_INTERBANK]) or _peek(obj, off[_T_INSTRUCTED])
                  or _peek(obj, off[_T_EQUIVALENT]))
        if amount is None:
            raise MissingFieldError("Transfer", "amount")
        _put_slot(obj, off[_T_AMOUNT], amount)
    if _peek(obj, off[_T_END_TO_END]) is None:
        raise MissingFieldError("Transfer", "end_to_end_id")
    return _complete(_TRANSFER, obj)


# -- text -> value ---------------------------------------------------------------------------

cdef inline bint _digits(const unsigned char* s, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(a, b):
        if s[i] < 0x30 or s[i] > 0x39:
            return False
    return True


cdef inline int _num(const unsigned char* s, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef int v = 0
    cdef Py_ssize_t i
    for i in range(a, b):
        v = v * 10 + (s[i] - 0x30)
    return v


cdef inline bint _plain_decimal(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """``[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)`` exactly (no surrounding space)."""
    cdef Py_ssize_t i = 0, before = 0, after = 0
    cdef bint dot = False
    if n > 0 and (s[0] == 0x2B or s[0] == 0x2D):
        i = 1
    while i < n and 0x30 <= s[i] <= 0x39:
        before += 1
        i += 1
    if i < n and s[i] == 0x2E:
        dot = True
        i += 1
        while i < n and 0x30 <= s[i] <= 0x39:
            after += 1
            i += 1
    return i == n and (before > 0 or (dot and after > 0))


cdef int _DAYS[16]
_DAYS[:] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0]


cdef inline bint _valid_date(int y, int m, int d) noexcept nogil:
    cdef int last
    if y < 1 or m < 1 or m > 12 or d < 1:
        return False
    last = _DAYS[m]
    if m == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        last = 29
    return d <= last


cdef object _value(int kind, const unsigned char* s, Py_ssize_t n):
    """The typed value of the UTF-8 text ``s[:n]``; ``ValueError`` as ``_build.convert``.

    The common, plainly written forms are converted here; anything else (space
    around the value, other lexical forms, errors) goes to ``_build.convert``,
    which stays the one definition of what is accepted.
    """
    if kind == K_TEXT:
        return _text_of(s, n)
    if kind == K_DECIMAL:
        if _plain_decimal(s, n):
            if _DEC_LAYOUT:
                value = _decimal_of(s, n)
                if value is not None:
                    return value
            return _Decimal(PyUnicode_DecodeASCII(<const char*>s, n, NULL))
    elif kind == K_DATE:
        if n == 10 and s[4] == 0x2D and s[7] == 0x2D and _digits(s, 0, 4) \
                and _digits(s, 5, 7) and _digits(s, 8, 10) \
                and _valid_date(_num(s, 0, 4), _num(s, 5, 7), _num(s, 8, 10)):
            return date_new(_num(s, 0, 4), _num(s, 5, 7), _num(s, 8, 10))
    elif kind == K_INT:
        if 0 < n <= 18 and _digits(s, 0, n):
            return PyLong_FromLongLong(_num64(s, n))
    elif kind == K_DATETIME:
        value = _datetime_of(s, n)
        if value is not None:
            return value
        # What _build._datetime does for a value without surrounding space; a value
        # fromisoformat refuses goes to _build.convert for its error message.
        if n >= 19 and s[10] == 0x54 and _ascii_no_ws_ends(s, n):
            try:
                return _fromisoformat(PyUnicode_DecodeASCII(<const char*>s, n, NULL))
            except ValueError:
                pass
    elif kind == K_BOOL:
        if n == 4 and memcmp(s, b"true", 4) == 0 or n == 1 and s[0] == 0x31:
            return True
        if n == 5 and memcmp(s, b"false", 5) == 0 or n == 1 and s[0] == 0x30:
            return False
    return _py_convert(_KIND_NAMES[kind], PyUnicode_DecodeUTF8(<const char*>s, n, NULL))


# -- Decimal from a plain decimal text, written in place ------------------------------------
#
# Why: ``Decimal(text)`` costs about 1,700 instructions (argument parsing, context lookup,
# a copy of the text, libmpdec's string parser), more than the scanner spends on an element.
# An amount is a plain decimal of a few digits, whose value libmpdec stores as a sign,
# an exponent and one 64-bit word of coefficient (radix 10**19) inside the Decimal
# object.  Those are written here directly, in the layout of CPython's ``_decimal``
# (``PyDecObject`` holding an ``mpd_t`` and its static data words).  That layout is not
# a public API: ``_probe_decimal_layout`` checks it at import against Decimals made the
# ordinary way, and any difference leaves ``Decimal(text)`` in use.

cdef extern from *:
    """
    typedef struct {
        uint8_t flags;
        Py_ssize_t exp;
        Py_ssize_t digits;
        Py_ssize_t len;
        Py_ssize_t alloc;
        uint64_t *data;
    } iso20022_mpd_t;
    typedef struct {
        PyObject_HEAD
        Py_hash_t hash;
        iso20022_mpd_t dec;
        uint64_t data[4];
    } iso20022_dec_t;
    """
    ctypedef struct iso20022_mpd_t:
        unsigned char flags
        Py_ssize_t exp
        Py_ssize_t digits
        Py_ssize_t len
        Py_ssize_t alloc
        uint64_t* data
    ctypedef struct iso20022_dec_t:
        Py_ssize_t hash
        iso20022_mpd_t dec
        uint64_t data[4]
    object _object_new "_PyObject_New"(PyTypeObject* tp)

DEF MPD_NEG = 1
DEF MPD_STATIC = 16
DEF MPD_STATIC_DATA = 32
DEF MPD_MINALLOC = 4

cdef bint _DEC_LAYOUT = False


cdef bint _dec_is(object value, int flags, Py_ssize_t exp, Py_ssize_t digits, Py_ssize_t length,
                  uint64_t low):
    """Whether the Decimal ``value`` holds these fields where ``iso20022_dec_t`` says."""
    cdef iso20022_dec_t* d = <iso20022_dec_t*><PyObject*>value
    return (d.dec.flags == flags and d.dec.exp == exp and d.dec.digits == digits
            and d.dec.len == length and d.dec.alloc == MPD_MINALLOC and d.dec.data == d.data
            and d.data[0] == low)


cdef bint _probe_decimal_layout() except -1:
    # A non-GC type of exactly this size (then _PyObject_New makes what dec_dealloc frees).
    if type(_Decimal) is not type \
            or (<PyTypeObject*>_Decimal).tp_basicsize != sizeof(iso20022_dec_t) \
            or (<PyTypeObject*>_Decimal).tp_itemsize != 0 or _Decimal.__flags__ & (1 << 14) \
            or type(_Decimal("1")) is not _Decimal:
        return False
    cdef int own = MPD_STATIC | MPD_STATIC_DATA
    return (_dec_is(_Decimal("-1234.500"), own | MPD_NEG, -3, 7, 1, 1234500)
            and _dec_is(_Decimal("0.00"), own, -2, 1, 1, 0)
            and _dec_is(_Decimal("-0"), own | MPD_NEG, 0, 1, 1, 0)
            and _dec_is(_Decimal("9999999999999999999"), own, 0, 19, 1, 9999999999999999999u)
            and _dec_is(_Decimal("12345678901234567890.5"), own, -1, 21, 2,
                        123456789012345678905 % 10 ** 19)
            and str(_decimal_of(<const unsigned char*>b"-001.50", 7)) == "-1.50"
            and hash(_decimal_of(<const unsigned char*>b"2.5", 3)) == hash(_Decimal("2.5")))


cdef object _decimal_of(const unsigned char* s, Py_ssize_t n):
    """``Decimal(s[:n])`` for a plain decimal text (see _plain_decimal) of at most 19
    significant digits, or None for another (left to ``Decimal``)."""
    cdef Py_ssize_t i = 0, digits = 0, after = 0
    cdef bint neg = False, dot = False
    cdef uint64_t coef = 0
    cdef unsigned char c
    cdef iso20022_dec_t* d
    if n > 64:
        return None
    if s[0] == 0x2D or s[0] == 0x2B:
        neg = s[0] == 0x2D
        i = 1
    while i < n:
        c = s[i]
        i += 1
        if c == 0x2E:
            dot = True
            continue
        if dot:
            after += 1
        if digits or c != 0x30:
            digits += 1
            if digits > 19:
                return None
            coef = coef * 10 + (c - 0x30)
    # The new object is what PyDecType_New makes: static mpd_t, static data words.
    obj = _object_new(<PyTypeObject*>_Decimal)
    d = <iso20022_dec_t*><PyObject*>obj
    d.hash = -1
    d.dec.flags = MPD_STATIC | MPD_STATIC_DATA | (MPD_NEG if neg else 0)
    d.dec.exp = -after
    d.dec.digits = digits or 1
    d.dec.len = 1
    d.dec.alloc = MPD_MINALLOC
    d.dec.data = d.data
    d.data[0] = coef
    return obj


_DEC_LAYOUT = _probe_decimal_layout()


cdef uint64_t _HIGHS8
memset(&_HIGHS8, 0x80, 8)


cdef inline str _text_of(const unsigned char* s, Py_ssize_t n):
    """The UTF-8 text ``s[:n]`` as str; ASCII (most values) copied into a new str at once.

    ``PyUnicode_DecodeUTF8`` gives the same str, after more work per call.
    """
    cdef Py_ssize_t i = 0
    cdef uint64_t w, high = 0
    while i + 8 <= n:
        memcpy(&w, s + i, 8)
        high |= w
        i += 8
    while i < n:
        high |= s[i]
        i += 1
    if high & _HIGHS8:
        return _utf8_text(s, n)
    if n == 0:
        return ""
    text = PyUnicode_New(n, 127)
    memcpy(PyUnicode_DATA(text), s, n)
    return text


cdef str _utf8_text(const unsigned char* s, Py_ssize_t n):
    """``PyUnicode_DecodeUTF8(s, n)`` for a text with non-ASCII characters, in two passes:
    its length and largest character, then the characters written into a new str of
    the kind they need.

    The scanner checked the text's UTF-8 as it read it; anything ``_utf8`` refuses
    still goes to ``PyUnicode_DecodeUTF8`` (for its error).  CPython's decoder grows
    and then shrinks its buffer and costs several times this for a name or an address.
    """
    cdef Py_ssize_t i = 0, m = 0
    cdef unsigned int u, top = 0
    cdef int k, kind
    cdef void* data
    while i < n:
        k = _utf8(s, i, n, &u)
        if k <= 0:
            return PyUnicode_DecodeUTF8(<const char*>s, n, NULL)
        if u > top:
            top = u
        m += 1
        i += k
    text = PyUnicode_New(m, top)
    kind = PyUnicode_KIND(text)
    data = PyUnicode_DATA(text)
    i = m = 0
    if kind == 1:
        while i < n:
            i += _utf8(s, i, n, &u)
            (<Py_UCS1*>data)[m] = <Py_UCS1>u
            m += 1
    elif kind == 2:
        while i < n:
            i += _utf8(s, i, n, &u)
            (<Py_UCS2*>data)[m] = <Py_UCS2>u
            m += 1
    else:
        while i < n:
            i += _utf8(s, i, n, &u)
            (<Py_UCS4*>data)[m] = <Py_UCS4>u
            m += 1
    return text


cdef object _datetime_of(const unsigned char* s, Py_ssize_t n):
    """``datetime.fromisoformat`` of ``YYYY-MM-DDThh:mm:ss``, bare (naive) or followed by
    ``Z`` or ``+00:00`` (``timezone.utc``, as fromisoformat gives), built in C; None
    for any other form or value (left to fromisoformat, for the rest of ISO 8601)."""
    cdef int y, m, d, hh, mm, ss
    if not (n == 19 or (n == 20 and s[19] == 0x5A)
            or (n == 25 and memcmp(s + 19, b"+00:00", 6) == 0)):
        return None
    if s[4] != 0x2D or s[7] != 0x2D or s[10] != 0x54 or s[13] != 0x3A or s[16] != 0x3A \
            or not (_digits(s, 0, 4) and _digits(s, 5, 7) and _digits(s, 8, 10)
                    and _digits(s, 11, 13) and _digits(s, 14, 16) and _digits(s, 17, 19)):
        return None
    y = _num(s, 0, 4)
    m = _num(s, 5, 7)
    d = _num(s, 8, 10)
    hh = _num(s, 11, 13)
    mm = _num(s, 14, 16)
    ss = _num(s, 17, 19)
    if not _valid_date(y, m, d) or hh > 23 or mm > 59 or ss > 59:
        return None
    return datetime_new(y, m, d, hh, mm, ss, 0, get_utc() if n > 19 else None)


cdef inline bint _ascii_no_ws_ends(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if s[i] >= 0x80:
            return False
    return not (s[0] == 0x20 or s[0] == 0x09 or s[0] == 0x0A or s[0] == 0x0D
                or s[n - 1] == 0x20 or s[n - 1] == 0x09 or s[n - 1] == 0x0A
                or s[n - 1] == 0x0D)


cdef object _fromisoformat = datetime.fromisoformat
cdef tuple _KIND_NAMES = ("text", "decimal", "int", "bool", "date", "datetime", "number")


cdef inline long long _num64(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    cdef long long v = 0
    cdef Py_ssize_t i
    for i in range(n):
        v = v * 10 + (s[i] - 0x30)
    return v


# -- collected values: records in the making ------------------------------------------------
#
# The Python builder collects a scope's values in nested dicts keyed by field name
# (``_build.put``) and turns them into records key by key.  Here a record in the making
# is a ``_Rec``: its values by field position (targets are resolved to positions once,
# in ``_Leaf``), plus the positions in first-insertion order, which is the order in
# which the dicts would have been converted (so the same nested error comes first).

@cython.no_gc
@cython.freelist(32)
cdef class _Rec:
    """The values collected for one record of class ``plan.cls``.

    Not tracked by the garbage collector: it refers to its plan, its values and its
    value lists, none of which can refer back to it, so it is never part of a cycle
    (and a transfer's dozen of them do not trigger collections).

    The values are a C array of ``plan.n`` owned references (NULL = not collected; no
    value is None), not a list: a record in the making costs no list of Nones to fill
    and to release.  ``vals[i]`` is set exactly for the positions in ``order[:norder]``
    (every write below keeps that), which is what dealloc releases.  For a record of
    at most 16 fields (most of them) the array is ``small``, inside the object (zeroed
    with it when the object is made); a larger one is allocated apart.  The object stays
    small enough for Python's allocator, and a free list keeps a few for reuse (a
    transfer makes and drops a dozen of them).
    """

    cdef _Plan plan
    cdef PyObject** vals  # by field position, plan.n entries, zeroed
    cdef Py_ssize_t norder
    cdef unsigned char order[64]  # field positions, in first-insertion order
    cdef PyObject* small[16]

    def __dealloc__(self):
        cdef Py_ssize_t k
        if self.vals != NULL:
            for k in range(self.norder):
                Py_XDECREF(self.vals[self.order[k]])
            if self.vals != self.small:
                PyMem_Free(self.vals)


cdef inline _Rec _rec(_Plan plan):
    cdef _Rec rec = _Rec.__new__(_Rec)
    if plan.n <= 16:
        rec.vals = rec.small  # zeroed: a new (or reused) object is cleared whole
    else:
        rec.vals = <PyObject**>PyMem_Calloc(plan.n, sizeof(PyObject*))
        if rec.vals == NULL:
            raise MemoryError()
    rec.plan = plan
    rec.norder = 0
    return rec


cdef inline object _get(_Rec rec, Py_ssize_t i):
    """The value collected at position ``i``, or None."""
    cdef PyObject* v = rec.vals[i]
    return None if v == NULL else <object>v


cdef inline void _give(_Rec rec, Py_ssize_t i, object value) noexcept:
    """``data[name] = value`` on a record in the making (a new name goes last).

    noexcept, as ``_set_slot``: nothing here raises (a value released runs no Python
    code that could: values are texts, numbers and records in the making).
    """
    cdef PyObject* old = rec.vals[i]
    Py_INCREF(value)
    rec.vals[i] = <PyObject*>value
    if old == NULL:
        rec.order[rec.norder] = <unsigned char>i
        rec.norder += 1
    else:
        Py_DECREF(<object>old)


cdef int _put(_Rec rec, _Leaf leaf, object value, bint repeat) except -1:
    """``_build.put``: store ``value`` at ``leaf``'s target inside ``rec`` (append if ``repeat``)."""
    cdef Py_ssize_t k, i
    for k in range(leaf.npar):
        i = leaf.par[k]
        child = _get(rec, i)
        if child is None:
            child = _rec(<_Plan>leaf.par_plan[k])
            _give(rec, i, child)
        rec = <_Rec?>child
    i = leaf.pos
    if repeat:
        current = _get(rec, i)
        if current is None:
            _give(rec, i, [value])
        else:
            (<list?>current).append(value)
    else:
        _give(rec, i, value)
    return 0


cdef _Rec _start_group(_Rec rec, _Leaf group):
    """``_build.start_group``: a new item of the group list at ``group``'s target."""
    cdef _Rec item = _rec(group.item_plan)
    _put(rec, group, item, True)
    return item


cdef object _step_rec(_Plan plan, Py_ssize_t i, object value):
    """``_step`` for collected values (records in the making instead of dicts)."""
    cdef int step = plan.steps[i]
    cdef _Plan sub
    if step == S_NONE:
        return value
    if step == S_TUPLE:
        return tuple(value)
    sub = plan.subplans[i]
    if step == S_RECORDS:
        return tuple([_build_rec(sub, <_Rec?>item) for item in <list?>value])
    if type(value) is not _Rec and isinstance(value, sub.cls):
        return value  # the AppHdr record given to the message header
    return _build_rec(sub, <_Rec?>value)


cdef object _build_rec(_Plan plan, _Rec rec):
    """``_build.build``: required fields first, then each value in insertion order."""
    cdef Py_ssize_t i, k
    for k in range(plan.nreq):
        if rec.vals[plan.req[k]] == NULL:
            raise MissingFieldError(plan.cls_name, plan.names[plan.req[k]])
    obj = _fresh(plan)
    for k in range(rec.norder):
        i = rec.order[k]
        _put_slot(obj, plan.offsets[i], _step_rec(plan, i, <object>rec.vals[i]))
    return _complete(plan, obj)


# -- the per-scope records, from records in the making (mirror _build's builders) ------------

cdef _Rec _copy_rec(_Plan plan, object source):
    """``dict(source)`` for a record in the making (None: an empty one)."""
    cdef _Rec rec = _rec(plan)
    cdef _Rec src
    cdef Py_ssize_t k
    if source is not None:
        src = <_Rec?>source
        for k in range(src.norder):
            _give(rec, src.order[k], <object>src.vals[src.order[k]])
    return rec


cdef Py_ssize_t _A_HEADER_TYPE = _APP_HEADER.index["header_type"]
cdef Py_ssize_t _M_MESSAGE_TYPE = _MESSAGE.index["message_type"]
cdef Py_ssize_t _M_APP_HEADER = _MESSAGE.index["app_header"]
cdef Py_ssize_t _P_INDEX = _PAYMENT.index["index"]
cdef list _ECHO = [(_TRANSFER.index[name], _MESSAGE.index[name]) for name in _HEADER_ECHO]


cdef object _app_header_of(str header_type, object values):
    """``_build.build_app_header``: ``{"header_type": ..., **values}``."""
    cdef _Rec rec = _rec(_APP_HEADER)
    cdef _Rec src
    cdef Py_ssize_t k
    _give(rec, _A_HEADER_TYPE, header_type)
    if values is not None:
        src = <_Rec?>values
        for k in range(src.norder):
            _give(rec, src.order[k], <object>src.vals[src.order[k]])
    return _build_rec(_APP_HEADER, rec)


cdef object _message_of(str message_type, object group, object app_header):
    """``_build.build_message`` from the GrpHdr's Transfer in the making."""
    cdef _Rec g
    cdef _Rec rec
    cdef Py_ssize_t t, m
    if group is None:
        rec = _rec(_MESSAGE)
    else:
        g = <_Rec?>group
        rec = _copy_rec(_MESSAGE, _get(g, _T_MESSAGE))
    _give(rec, _M_MESSAGE_TYPE, message_type)
    if group is not None:
        for t, m in _ECHO:
            if g.vals[<Py_ssize_t>t] != NULL:
                _give(rec, m, <object>g.vals[<Py_ssize_t>t])
    if app_header is not None:
        _give(rec, _M_APP_HEADER, app_header)
    return _build_rec(_MESSAGE, rec)


cdef object _payment_of(object values, int index):
    """``_build.build_payment`` from the PmtInf's Transfer in the making."""
    cdef _Rec rec = _copy_rec(_PAYMENT, None if values is None
                              else _get(<_Rec?>values, _T_PAYMENT))
    _give(rec, _P_INDEX, index)
    return _build_rec(_PAYMENT, rec)


cdef _Defaults _defaults_of(object outer, object inner):
    """``_build.transfer_defaults(outer, inner)`` by field position, None where absent.

    Later scopes win; each name is converted once, in the order of its first appearance.
    """
    cdef list raw = [None] * _TRANSFER.n
    cdef list slots = [None] * _TRANSFER.n
    cdef unsigned char order[64]
    cdef Py_ssize_t norder = 0, k, i
    cdef _Rec rec
    cdef _Defaults out = _Defaults.__new__(_Defaults)
    for scope in (outer, inner):
        if scope is None:
            continue
        rec = <_Rec?>scope
        for k in range(rec.norder):
            i = rec.order[k]
            if i == _T_MESSAGE or i == _T_PAYMENT:
                continue
            if raw[i] is None:
                order[norder] = <unsigned char>i
                norder += 1
            raw[i] = <object>rec.vals[i]
    for k in range(norder):
        i = order[k]
        slots[i] = _step_rec(_TRANSFER, i, raw[i])
    out.slots = slots
    out.npos = 0
    for i in range(_TRANSFER.n):
        value = slots[i]
        out.vals[i] = <PyObject*>value
        if value is not None:
            out.pos[out.npos] = <unsigned char>i
            out.npos += 1
    return out
