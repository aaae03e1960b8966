# Included by scan.pyx: the statement walk (camt.053 / camt.054), the compiled twin of
# ``iso20022.parse.camt._Walker``, on the same byte scanner as the credit transfers.
#
# Why it is written this way:
# - the scanner (``_Scanner``: tokenizer, well-formedness, entities, CDATA,
#   namespaces, limits, element stack and error paths) is shared; only the walk
#   hooks differ, so both parsers fail alike on the same broken bytes;
# - the three scope levels are ``GrpHdr`` / ``Stmt`` or ``Ntfctn`` (the block) /
#   ``Ntry`` (the transaction), with ``TxDtls`` a repeating group inside the entry,
#   walked on the C trie of ``_trie.pxi`` built from camt's own tries;
# - values are collected into the nested dicts ``_build.put`` would fill (``_dput``
#   mirrors it, with the target split once per trie node) and the records are built
#   by camt's Python builders (``build_header``, ``build_statement``,
#   ``build_entry``), the very functions the twin calls, so both give equal records;
#   records are few (one per entry) next to the elements, which stay in C.

cdef object _camt = None  # iso20022.parse.camt, imported on first use (it imports _impl)
cdef dict _STATEMENT_TRIES = {}


cdef object _camt_module():
    global _camt
    if _camt is None:
        from iso20022.parse import camt
        _camt = camt
    return _camt


cdef _Trie _statement_trie_for(spec):
    """The C trie of a ``CamtSpec``, compiled once per process (keyed as ``_trie_for``)."""
    cdef _Trie trie = _STATEMENT_TRIES.get(id(spec))
    if trie is not None and trie.spec is spec:
        return trie
    scopes = (spec.group_trie, spec.statement_trie, spec.entry_trie, _app_header_trie())
    trie = _Trie(scopes, (None, None, None, None))
    trie.spec = spec
    trie.python = scopes[:3]
    trie.root_name = spec.root.encode("utf-8")
    trie.block_scope = spec.scope.encode("utf-8")
    trie.message_type = str(spec.message_id)
    if len(_STATEMENT_TRIES) < 256:
        _STATEMENT_TRIES[id(spec)] = trie
    return trie


cdef int _dput(dict container, _Leaf leaf, object value, bint repeat) except -1:
    """``_build.put(container, leaf.target, value, repeat)``, the target split beforehand."""
    cdef dict into = container
    for name in leaf.keys:
        child = into.get(name)
        if child is None:
            child = {}
            into[name] = child
        into = <dict?>child
    if repeat:
        items = into.get(leaf.key)
        if items is None:
            into[leaf.key] = [value]
        else:
            (<list?>items).append(value)
    else:
        into[leaf.key] = value
    return 0


cdef dict _dstart_group(dict container, _Leaf group):
    """``_build.start_group``: a new item of the group list at ``group``'s target."""
    cdef dict item = {}
    _dput(container, group, item, True)
    return item


cdef object _statement_value(object camt, int kind, const unsigned char* s, Py_ssize_t n):
    """``camt._convert(kind, text)`` of the UTF-8 text ``s[:n]``; ``ValueError`` as it."""
    if kind == K_NUMBER:
        return camt._convert("number", PyUnicode_DecodeUTF8(<const char*>s, n, NULL))
    return _value(kind, s, n)  # camt._convert is _build.convert for every other kind


cdef class _StatementScanner(_Scanner):
    """The camt.053 / camt.054 walk: entries and statements in the order they close."""

    cdef object camt
    cdef object group_trie, statement_trie, entry_trie  # Python tries, for error messages
    cdef bytes scope            # Stmt or Ntfctn
    cdef dict group_values, statement_values, entry_values
    cdef object message, statement
    cdef int statement_count, statement_line, entry_in_statement, entry_index, entry_line

    cdef int init_walk(self) except -1:
        self.camt = _camt_module()
        self.trie = _statement_trie_for(self.spec)
        self.group_trie, self.statement_trie, self.entry_trie = self.trie.python
        self.scope = self.trie.block_scope
        self.group_values = {}
        self.statement_values = {}
        self.entry_values = {}
        self.message = None
        self.statement = None
        self.statement_count = 0
        self.statement_line = 0
        self.entry_in_statement = 0
        self.entry_index = 0
        self.entry_line = 0
        return 0

    cdef int walk_start(self, int d, int parent, bytes uri, list attrs, int line) except -1:
        cdef int mode = M_SKIP
        cdef int node = -1
        cdef int index = 0
        cdef const unsigned char* local = self.qbuf + self.qoff[d] + self.lofs[d]
        cdef Py_ssize_t n = self.qlen[d] - self.lofs[d]
        cdef _Leaf group
        container = None
        if parent == M_APPHDR or parent == M_GRP or parent == M_PMT or parent == M_TX \
                or parent == M_FIELD:
            if parent == M_PMT and self.is_name(d, "Ntry", 4):
                index = self.start_entry(d, line)
                mode = M_TX
                node = self.trie.tx_root
                container = self.entry_values
            else:
                node = self.trie.child(self.nodes[d - 1], local, n)
                if node >= 0:
                    mode = M_FIELD
                    container = self.container(d - 1)
                    group = self.trie.groups[node]
                    if group is not None:
                        container = _dstart_group(container, group)
                    if attrs is not None and self.trie.attrs[node] is not None:
                        self.attributes(d, node, attrs, container, line)
        elif parent == M_ROOT:
            if self.is_name(d, "GrpHdr", 6):
                mode = M_GRP
                node = self.trie.group_root
                container = self.group_values = {}
            elif self.is_name(d, self.scope, len(self.scope)):
                if self.message is None:
                    raise self.error_at(ParseError, f"{self.local_name(d)} before a complete "
                                        "GrpHdr", line, d, None)
                self.statement_count += 1
                self.entry_in_statement = 0
                self.statement = None
                self.statement_line = line
                mode = M_PMT
                node = self.trie.block_root
                index = self.statement_count
                container = self.statement_values = {}
        elif parent == M_DOC or parent == M_OUT:
            mode = self.outer_mode(d, parent, uri, line)
            if mode == M_APPHDR:
                node = self.trie.app_root
                container = self.app_values = {}
        self.modes[d] = mode
        self.nodes[d] = node
        self.index[d] = index
        self.set_container(d, container)
        self.capture[d] = mode == M_FIELD and self.trie.fields[node] is not None
        return 0

    cdef int start_entry(self, int d, int line) except -1:
        """Open an entry at depth ``d``; its position in the statement.

        The statement is built when its first entry opens: the schema places account,
        balances and summary before the entries, and every entry carries it.
        """
        if self.statement is None:
            self.statement = self.build_statement(d - 1)
        self.entry_in_statement += 1
        self.entry_values = {}
        self.entry_line = line
        return self.entry_in_statement

    cdef int attributes(self, int d, int node, list attrs, dict container, int line) except -1:
        cdef dict wanted = self.trie.attrs[node]
        cdef _Leaf leaf
        for key, value in attrs:
            local = key.rpartition(b":")[2].decode("utf-8")
            if key.startswith(b"xmlns:") or key == b"xmlns":
                continue
            leaf = wanted.get(local)
            if leaf is None:
                continue
            try:
                converted = value if leaf.kind == K_TEXT else self.camt._convert(
                    _KIND_NAMES[leaf.kind], value)
            except ValueError as exc:
                raise self.error_at(InvalidValueError, str(exc), line, d - 1,
                                    f"{self.local_name(d)}@{local}", leaf.code) from None
            _dput(container, leaf, converted, False)
        return 0

    cdef object missing(self, exc, trie, line, int upto):
        return self.error_at(ParseError, self.camt.missing_text(exc, trie), line, upto, None)

    cdef int walk_end(self, int d, int line) except -1:
        cdef int mode = self.modes[d]
        cdef _Leaf leaf
        self.check_text(d, line)
        if mode == M_FIELD and self.capture[d]:
            leaf = self.trie.fields[self.nodes[d]]
            try:
                value = _statement_value(self.camt, leaf.kind, self.tbuf, self.tlen)
            except ValueError as exc:
                raise self.error(InvalidValueError, str(exc), line, leaf.code) from None
            self.tlen = 0
            _dput(self.container(d), leaf, value, leaf.repeat)
        elif mode == M_TX:
            self.ready.append(self.finish_entry(d))
        elif mode == M_PMT:
            if self.statement is None:
                self.statement = self.build_statement(d)
            self.ready.append(self.statement)
        elif mode == M_GRP:
            try:
                self.message = self.camt.build_header(self.spec, self.group_values,
                                                      self.app_header)
            except MissingFieldError as exc:
                raise self.missing(exc, self.group_trie, line, d) from None
        elif mode == M_APPHDR:
            self.app_header = _build_app_header(self.app_header_type, self.app_values)
        self.set_container(d, None)
        return 0

    cdef object build_statement(self, int upto):
        try:
            return self.camt.build_statement(self.spec, self.statement_values,
                                             self.statement_count)
        except MissingFieldError as exc:
            raise self.missing(exc, self.statement_trie, self.statement_line, upto) from None

    cdef object finish_entry(self, int d):
        try:
            entry = self.camt.build_entry(self.message, self.statement, self.entry_values,
                                          self.file, self.entry_index, self.entry_line)
        except MissingFieldError as exc:
            raise self.missing(exc, self.entry_trie, self.entry_line, d) from None
        self.entry_index += 1
        return entry

    cdef int finish(self) except -1:
        if self.message is None:
            raise ParseError(f"no GrpHdr in the {self.spec.message_id} Document",
                             file=self.file, path=f"/Document/{self.spec.root}")
        return 0


def scan_statements(stream, bytes head, spec, limits):
    """Yield the entries and statements of the camt.053 / camt.054 whose head was sniffed.

    The compiled twin of ``iso20022.parse.camt.scan_statements``.
    """
    cdef _StatementScanner scanner = _StatementScanner.__new__(_StatementScanner)
    scanner.setup(stream, head, spec, limits)
    while True:
        batch, done = scanner.step()
        yield from batch
        if done:
            return
