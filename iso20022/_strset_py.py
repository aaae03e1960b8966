"""Pure-Python twin of ``ext/strset.pyx``: an exact set of strings.

Contract (both implementations): ``StringSet()`` starts empty;
``add(s) -> bool`` adds the str ``s`` and says whether it was new;
``s in ss`` and ``len(ss)`` work as for a set; ``nbytes()`` estimates the
memory held.  The compiled one packs members into one arena (~40 bytes for a
20-character id instead of ~170 in a ``set``); this one is a plain ``set``.

Example:
    >>> ss = StringSet()
    >>> ss.add("E2E-1"), ss.add("E2E-1"), len(ss)
    (True, False, 1)
"""

from __future__ import annotations

import sys

__all__ = ["StringSet"]


class StringSet:
    """Strings added so far; ``add`` says whether one is new."""

    __slots__ = ("_members",)

    def __init__(self) -> None:
        self._members: set[str] = set()

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, s: str) -> bool:
        return s in self._members

    def add(self, s: str) -> bool:
        """Add ``s``; True when it was not in the set before."""
        members = self._members
        before = len(members)
        members.add(s)
        return len(members) != before

    def nbytes(self) -> int:
        """Bytes held: the set's table and its members."""
        return sys.getsizeof(self._members) + sum(sys.getsizeof(s) for s in self._members)
