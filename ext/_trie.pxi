# Included by scan.pyx: the field trie of iso20022.parse.tables as C arrays.
#
# Why: the scanner looks up every element of a scope by its local name.  With
# the Python ``Node.children`` dicts that costs a ``bytes`` and a ``str`` per
# element; here every trie node has an int id, and (parent id, name bytes) ->
# child id is an open-addressing hash table over the raw bytes of the window,
# so an element that fills nothing creates no Python object at all.  What a
# node fills (its target split for ``put``, its kind, its group, its
# attributes) is precomputed once per message version in ``_Leaf`` objects.
#
# A leaf resolves its target either to field positions of a record plan (the
# credit-transfer walk collects into ``_Rec``, ``_assemble.pxi``) or, with no
# plan, to the dict keys ``_build.put`` would walk (the statement walk collects
# dicts for the Python builders of ``iso20022.parse.camt``, ``_statements.pxi``).

from libc.stdlib cimport calloc
from libc.stdint cimport uint32_t


cdef class _Leaf:
    """What one trie node (or one attribute of it) fills, resolved to field positions."""

    cdef str target        # dotted record field path, relative to the scope's record
    cdef int npar          # records to walk into: their positions ...
    cdef Py_ssize_t par[16]
    cdef list par_plans    # ... and their plans (to start them)
    cdef PyObject* par_plan[16]  # the same, borrowed from par_plans (read per value)
    cdef Py_ssize_t pos    # the field set there
    cdef _Plan item_plan   # for a group: the plan of its items
    cdef tuple keys        # with no plan: the dicts to walk into (``_build.put``'s parents)
    cdef str key           # ... and the key set there
    cdef int kind          # K_* code
    cdef bint repeat       # collect a list
    cdef str code          # reason code of a malformed value


cdef _Leaf _leaf(str target, str kind, bint repeat, _Plan plan):
    """Resolve ``target`` in ``plan`` (TypeError when a table names no such field).

    With no plan, split it into dict keys instead.
    """
    cdef _Leaf leaf = _Leaf()
    cdef Py_ssize_t i
    parts = target.split(".")
    if len(parts) > 16:
        raise TypeError(f"{target}: nested too deep")
    leaf.target = target
    leaf.par_plans = []
    leaf.npar = 0
    leaf.kind = _KIND_CODES[kind]
    leaf.repeat = repeat
    leaf.code = _code(target)
    if plan is None:
        leaf.keys = tuple(parts[:len(parts) - 1])
        leaf.key = parts[len(parts) - 1]
        leaf.item_plan = None
        return leaf
    for name in parts[:len(parts) - 1]:
        i = _position(plan, target, name)
        if plan.steps[i] != S_RECORD:
            raise TypeError(f"{target}: {name} is not a record")
        leaf.par[leaf.npar] = i
        leaf.npar += 1
        plan = plan.subplans[i]
        leaf.par_plans.append(plan)
        leaf.par_plan[leaf.npar - 1] = <PyObject*>plan
    leaf.pos = _position(plan, target, parts[len(parts) - 1])
    leaf.item_plan = plan.subplans[leaf.pos]
    return leaf


cdef Py_ssize_t _position(_Plan plan, str target, str name) except -1:
    found = plan.index.get(name)
    if found is None:
        raise TypeError(f"{target}: {plan.cls_name} has no field {name}")
    return found


cdef PyObject** _borrowed(list items) except NULL:
    """The items as a C array of borrowed references, NULL for None (``items`` owns them)."""
    cdef Py_ssize_t i, n = len(items)
    cdef PyObject** out = <PyObject**>calloc(n or 1, sizeof(PyObject*))
    if out == NULL:
        raise MemoryError()
    for i in range(n):
        if items[i] is not None:
            out[i] = <PyObject*>items[i]
    return out


cdef inline uint32_t _hash(int parent, const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """A hash of (parent, name) from at most two word loads of the name (no loop).

    A name of 8 bytes or more hashes its first and last eight bytes, of 4 to 7
    its first and last four, a shorter one its first, middle and last byte;
    with the length and the parent id that separates the names of a scope well
    enough for the table (``child`` compares the names anyway).
    """
    cdef uint64_t a = 0, b = 0
    cdef uint32_t a4, b4
    if n >= 8:
        memcpy(&a, s, 8)
        memcpy(&b, s + n - 8, 8)
    elif n >= 4:
        memcpy(&a4, s, 4)
        memcpy(&b4, s + n - 4, 4)
        a = a4
        b = b4
    elif n > 0:
        a = (<uint64_t>s[0] << 16) | (<uint64_t>s[n >> 1] << 8) | s[n - 1]
    cdef uint64_t h = ((a * 0x9E3779B97F4A7C15u) ^ (b * 0xC2B2AE3D27D4EB4Fu)
                       ^ (<uint64_t>n << 56) ^ (<uint64_t><uint32_t>parent * 0x165667B19E3779F9u))
    h ^= h >> 29
    h *= 0xBF58476D1CE4E5B9u
    h ^= h >> 32
    return <uint32_t>h


cdef class _Trie:
    """Every trie node of one message version (and the AppHdr table), by int id.

    Three scope levels and the AppHdr: group header (``GrpHdr``), block (``PmtInf``;
    ``Stmt`` / ``Ntfctn``) and transaction (``CdtTrfTxInf``; ``Ntry``).
    """

    cdef public int group_root, block_root, tx_root, app_root
    cdef object spec       # the spec compiled (kept alive: the caches are keyed by its id)
    cdef tuple python      # the Python tries (group, block, tx), for error paths
    cdef bytes root_name   # the Document's child
    cdef bytes block_scope # the block element's name, or None (pacs: no block)
    cdef str message_type
    cdef list nodes        # id -> tables.Node (for error paths)
    cdef list fields       # id -> _Leaf of the node's text, or None
    cdef list groups       # id -> _Leaf of the group it starts (parents, leaf), or None
    cdef list attrs        # id -> {attribute local name (str): _Leaf}, or None
    # The same three by id as C arrays, NULL for None: borrowed from the lists above
    # (this object owns them), read per element without list access or type tests.
    cdef PyObject** leaf_of
    cdef PyObject** group_of
    cdef PyObject** attrs_of
    # (parent, name) -> child: open addressing, ``child < 0`` marks a free slot
    cdef int* h_parent
    cdef int* h_child
    cdef Py_ssize_t* h_off
    cdef Py_ssize_t* h_len
    cdef uint32_t mask
    cdef bytes names       # every child name, concatenated (h_off/h_len index it)
    cdef const unsigned char* nbuf  # borrowed from ``names``, which this object owns

    def __cinit__(self):
        self.h_parent = NULL
        self.h_child = NULL
        self.h_off = NULL
        self.h_len = NULL
        self.leaf_of = NULL
        self.group_of = NULL
        self.attrs_of = NULL

    def __dealloc__(self):
        free(self.leaf_of)
        free(self.group_of)
        free(self.attrs_of)
        free(self.h_parent)
        free(self.h_child)
        free(self.h_off)
        free(self.h_len)

    def __init__(self, tuple scopes, tuple plans):
        """``scopes``: the (group, block, tx, AppHdr) tries; ``plans``: the record each
        collects into, or None for dicts."""
        self.nodes = []
        self.fields = []
        self.groups = []
        self.attrs = []
        edges = []
        group, block, tx, app = scopes
        self.group_root = self.add(group, edges, plans[0])
        self.block_root = self.add(block, edges, plans[1])
        self.tx_root = self.add(tx, edges, plans[2])
        self.app_root = self.add(app, edges, plans[3])
        self.index(edges)
        self.leaf_of = _borrowed(self.fields)
        self.group_of = _borrowed(self.groups)
        self.attrs_of = _borrowed(self.attrs)

    cdef int add(self, node, list edges, _Plan plan) except -1:
        """Number ``node`` and its subtree; collect its (parent, name, child) edges.

        ``plan`` is the record the node's targets are relative to: the scope's, or a
        group item's below a group node (the group itself is relative to the parent's).
        """
        cdef int me = len(self.nodes)
        cdef _Leaf group = None
        if node.group is not None:
            group = _leaf(node.group, "text", True, plan)
            if plan is not None:
                if group.item_plan is None:
                    raise TypeError(f"{node.group} is not a group of records")
                plan = group.item_plan
        self.nodes.append(node)
        self.groups.append(group)
        self.fields.append(_leaf(node.target, node.kind, node.repeat, plan)
                           if node.target is not None else None)
        self.attrs.append({name: _leaf(target, kind, False, plan)
                           for name, (target, kind) in node.attrs.items()} or None)
        for name, child in node.children.items():
            edges.append((me, name.encode("utf-8"), self.add(child, edges, plan)))
        return me

    cdef int index(self, list edges) except -1:
        cdef uint32_t size = 16, slot
        cdef Py_ssize_t off = 0
        cdef const unsigned char* s
        while size < 2 * len(edges):
            size *= 2
        self.mask = size - 1
        self.names = b"".join([name for _, name, _ in edges])
        self.h_parent = <int*>calloc(size, sizeof(int))
        self.h_child = <int*>calloc(size, sizeof(int))
        self.h_off = <Py_ssize_t*>calloc(size, sizeof(Py_ssize_t))
        self.h_len = <Py_ssize_t*>calloc(size, sizeof(Py_ssize_t))
        if self.h_parent == NULL or self.h_child == NULL or self.h_off == NULL \
                or self.h_len == NULL:
            raise MemoryError()
        for slot in range(size):
            self.h_child[slot] = -1
        s = self.nbuf = <const unsigned char*>PyBytes_AS_STRING(self.names)
        for parent, name, child in edges:
            slot = _hash(parent, s + off, len(name)) & self.mask
            while self.h_child[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.h_parent[slot] = parent
            self.h_child[slot] = child
            self.h_off[slot] = off
            self.h_len[slot] = len(name)
            off += len(name)
        return 0

    cdef inline int child(self, int parent, const unsigned char* name,
                          Py_ssize_t n) noexcept:
        """The child of ``parent`` named ``name[:n]``, or -1."""
        cdef uint32_t slot = _hash(parent, name, n) & self.mask
        cdef const unsigned char* names = self.nbuf
        while self.h_child[slot] >= 0:
            if self.h_parent[slot] == parent and self.h_len[slot] == n \
                    and _same(names + self.h_off[slot], name, n):
                return self.h_child[slot]
            slot = (slot + 1) & self.mask
        return -1


cdef dict _TRIES_C = {}


cdef _Trie _trie_for(spec):
    """The C trie of ``spec``'s message version, compiled once per process.

    Keyed by the spec object's id (an int hashes at C speed; a MessageId's dataclass
    hash runs Python code); the trie keeps the spec alive, so the id stays its own.
    """
    cdef _Trie trie = _TRIES_C.get(id(spec))
    if trie is not None and trie.spec is spec:
        return trie
    group, payment, tx = _tries(spec)
    # Every scope collects into a Transfer in the making (GrpHdr and PmtInf values are
    # defaults of its fields; their "message." and "payment." targets fill its message
    # and payment records); the AppHdr into an AppHeader.
    trie = _Trie((group, payment, tx, _app_header_trie()),
                 (_TRANSFER, _TRANSFER, _TRANSFER, _APP_HEADER))
    trie.spec = spec
    trie.python = (group, payment, tx)
    trie.root_name = spec.root.encode("utf-8")
    trie.block_scope = (spec.payment_scope.encode("utf-8")
                        if spec.payment_scope is not None else None)
    trie.message_type = str(spec.message_id)
    if len(_TRIES_C) < 256:
        _TRIES_C[id(spec)] = trie
    return trie
