# cython: language_level=3
"""A compact, exact set of strings: the AM05 EndToEndId memory of one file.

A Python ``set[str]`` costs about 170 bytes per id (the str object, its
hash-table slot and the allocator's rounding); a 1,000,000-transaction file
spent ~164 MiB on it, more than the whole pipeline may hold.  This set keeps
each member once as UTF-8 bytes in one arena (a 4-byte length, then the
bytes) and indexes it with an open-addressing table of 8-byte slots (load at
most 1/2): about 16 + 4 + len(id) bytes per member, ~40 bytes for a 20-char
id.  Membership is exact: a slot's hash tag only skips most comparisons, the
bytes decide.  Hashes are CPython's keyed SipHash of the bytes
(``_Py_HashBytes``), so crafted ids cannot force collisions.

Twin: :mod:`iso20022._strset_py` (a plain ``set``), same contract.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcmp, memcpy, memset

cdef extern from "Python.h":
    Py_ssize_t _Py_HashBytes(const void* src, Py_ssize_t len)
    const char* PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t* size) except NULL

DEF OFFSET_BITS = 44
cdef uint64_t OFFSET_MASK = (<uint64_t>1 << OFFSET_BITS) - 1
cdef uint64_t MAX_ARENA = OFFSET_MASK - 1


cdef inline uint64_t _tag(uint64_t h) nogil:
    return h >> OFFSET_BITS


cdef class StringSet:
    """Strings added so far; ``add`` says whether one is new."""

    cdef char* arena
    cdef uint64_t used, room
    cdef uint64_t* slots     # 0: empty; else tag << 44 | (arena offset + 1)
    cdef uint64_t mask
    cdef Py_ssize_t count

    def __cinit__(self):
        self.room = 1 << 14
        self.arena = <char*>PyMem_Malloc(self.room)
        self.slots = <uint64_t*>PyMem_Malloc(1024 * sizeof(uint64_t))
        if self.arena == NULL or self.slots == NULL:
            raise MemoryError()
        memset(self.slots, 0, 1024 * sizeof(uint64_t))
        self.mask = 1023
        self.used = 0
        self.count = 0

    def __dealloc__(self):
        PyMem_Free(self.arena)
        PyMem_Free(self.slots)

    def __len__(self):
        return self.count

    def __contains__(self, str s):
        cdef Py_ssize_t n
        cdef const char* data = PyUnicode_AsUTF8AndSize(s, &n)
        return self._find(data, n, <uint64_t>_Py_HashBytes(data, n))[0] != 0

    def add(self, str s):
        """Add ``s``; True when it was not in the set before."""
        cdef Py_ssize_t n
        cdef const char* data = PyUnicode_AsUTF8AndSize(s, &n)
        cdef uint64_t h = <uint64_t>_Py_HashBytes(data, n)
        cdef uint64_t* slot = self._find(data, n, h)
        cdef uint64_t at
        if slot[0] != 0:
            return False
        if self.used + 4 + <uint64_t>n > self.room:
            self._grow_arena(4 + <uint64_t>n)
        at = self.used
        (<uint32_t*>(self.arena + at))[0] = <uint32_t>n
        memcpy(self.arena + at + 4, data, n)
        self.used += 4 + n
        slot[0] = (_tag(h) << OFFSET_BITS) | (at + 1)
        self.count += 1
        if <uint64_t>self.count * 2 > self.mask:
            self._grow_table()
        return True

    cdef uint64_t* _find(self, const char* data, Py_ssize_t n, uint64_t h):
        """The slot holding these bytes, or the empty slot where they would go."""
        cdef uint64_t i = h & self.mask
        cdef uint64_t tag = _tag(h)
        cdef uint64_t entry, at
        while True:
            entry = self.slots[i]
            if entry == 0:
                return &self.slots[i]
            if (entry >> OFFSET_BITS) == tag:
                at = (entry & OFFSET_MASK) - 1
                if ((<uint32_t*>(self.arena + at))[0] == <uint32_t>n
                        and memcmp(self.arena + at + 4, data, n) == 0):
                    return &self.slots[i]
            i = (i + 1) & self.mask

    cdef _grow_arena(self, uint64_t need):
        cdef uint64_t room = self.room
        while self.used + need > room:
            room *= 2
        if room > MAX_ARENA:
            raise MemoryError("string set arena over 16 TiB")
        cdef char* arena = <char*>PyMem_Realloc(self.arena, room)
        if arena == NULL:
            raise MemoryError()
        self.arena = arena
        self.room = room

    cdef _grow_table(self):
        cdef uint64_t size = (self.mask + 1) * 2
        cdef uint64_t* slots = <uint64_t*>PyMem_Malloc(size * sizeof(uint64_t))
        cdef uint64_t i, j, entry, at, h, mask = size - 1
        cdef uint32_t n
        if slots == NULL:
            raise MemoryError()
        memset(slots, 0, size * sizeof(uint64_t))
        for i in range(self.mask + 1):
            entry = self.slots[i]
            if entry == 0:
                continue
            at = (entry & OFFSET_MASK) - 1
            n = (<uint32_t*>(self.arena + at))[0]
            h = <uint64_t>_Py_HashBytes(self.arena + at + 4, n)
            j = h & mask
            while slots[j] != 0:
                j = (j + 1) & mask
            slots[j] = entry
        PyMem_Free(self.slots)
        self.slots = slots
        self.mask = mask

    def nbytes(self):
        """Bytes held: arena room plus the slot table."""
        return self.room + (self.mask + 1) * sizeof(uint64_t)
