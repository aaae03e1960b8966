"""Pure-Python twin of ``ext/records.pyx``: build a record from its field values.

Contract: ``make(cls, values)`` returns ``cls(**values)`` for the frozen,
slotted record dataclasses of :mod:`iso20022.records`, and raises
``TypeError`` for a missing required field or an unknown name.  The compiled
twin writes the slots directly and must give equal objects.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["make"]

R = TypeVar("R")


def make(cls: type[R], values: dict[str, Any]) -> R:
    """``cls(**values)``."""
    return cls(**values)
