# cython: language_level=3
"""Compiled twin of ``iso20022/_records_py.py``: build a frozen slotted record fast.

``make(cls, values)`` returns exactly what ``cls(**values)`` returns for the
record dataclasses of ``iso20022.records`` (frozen, slotted, no
``__post_init__``), without the generated ``__init__``: a frozen dataclass
sets every one of its fields through ``object.__setattr__``, which costs
about 100 ns a field (6 us for a Transfer); here each slot is written
directly at the offset its member descriptor gives.  Missing required fields
and unknown names raise ``TypeError`` as ``__init__`` would.

Why this is safe: the object comes from ``object.__new__(cls)`` (every slot
NULL), each value is written once with its reference taken, and the class is
checked once to be a slotted dataclass whose fields are all member
descriptors (``_layout``), so an offset always points into the object.
"""

from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.dict cimport PyDict_GetItem, PyDict_Size

import dataclasses

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
        const char* doc
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    void* PyMem_Malloc(size_t n)
    void PyMem_Free(void* p)

cdef object _MISSING = dataclasses.MISSING
cdef type _member_type = type(type("_Probe", (), {"__slots__": ("x",)}).__dict__["x"])


cdef class _Layout:
    cdef tuple names
    cdef tuple defaults      # default value, or a factory (see factories), or _MISSING
    cdef tuple factories     # True where defaults[i] is a default_factory
    cdef Py_ssize_t n
    cdef Py_ssize_t* offsets
    cdef object cls

    def __cinit__(self):
        self.offsets = NULL

    def __dealloc__(self):
        PyMem_Free(self.offsets)


cdef dict _LAYOUTS = {}


cdef _Layout _layout(type cls):
    cdef _Layout layout = _LAYOUTS.get(cls)
    cdef Py_ssize_t i
    if layout is not None:
        return layout
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    fields = dataclasses.fields(cls)
    layout = _Layout()
    layout.cls = cls
    layout.n = len(fields)
    layout.names = tuple(f.name for f in fields)
    layout.defaults = tuple(f.default_factory if f.default_factory is not _MISSING else f.default
                            for f in fields)
    layout.factories = tuple(f.default_factory is not _MISSING for f in fields)
    layout.offsets = <Py_ssize_t*>PyMem_Malloc(sizeof(Py_ssize_t) * (layout.n or 1))
    if layout.offsets == NULL:
        raise MemoryError()
    for i in range(layout.n):
        descriptor = cls.__dict__.get(layout.names[i])
        if type(descriptor) is not _member_type:
            raise TypeError(f"{cls.__name__}.{layout.names[i]} is not a slot")
        layout.offsets[i] = (<PyMemberDescrObject*>descriptor).d_member.offset
    _LAYOUTS[cls] = layout
    return layout


def make(type cls, dict values):
    """``cls(**values)`` for a frozen slotted dataclass, writing its slots directly."""
    cdef _Layout layout = _layout(cls)
    cdef Py_ssize_t i, used = 0
    cdef PyObject* found
    cdef PyObject** slot
    obj = object.__new__(cls)
    for i in range(layout.n):
        found = PyDict_GetItem(values, layout.names[i])
        if found != NULL:
            value = <object>found
            used += 1
        else:
            value = layout.defaults[i]
            if value is _MISSING:
                raise TypeError(f"{cls.__name__}.__init__() missing 1 required keyword-only "
                                f"argument: '{layout.names[i]}'")
            if layout.factories[i]:
                value = value()
        slot = <PyObject**>((<char*><PyObject*>obj) + layout.offsets[i])
        Py_INCREF(value)
        slot[0] = <PyObject*>value
    if used != PyDict_Size(values):
        unknown = sorted(set(values) - set(layout.names))
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument "
                        f"'{unknown[0]}'")
    return obj
