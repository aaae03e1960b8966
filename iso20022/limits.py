"""Input limits, on by default: size, nesting depth, text length.

Example:
    >>> Limits(max_bytes=10_000).max_depth
    64
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds a parser enforces; exceeding one raises ``LimitExceededError``.

    ``max_bytes``: size of one input document (4 GiB: a 1,000,000-transaction
    pain.001 is about 1 GiB).  ``max_depth``: element nesting (ISO documents
    nest about 15 deep, envelopes add a few).  ``max_text_bytes``: one text
    node (the longest ISO text type is 2,048 characters).  ``max_prolog_bytes``:
    bytes read before the root element (XML declaration, comments).
    """

    max_bytes: int = 4 * 1024**3
    max_depth: int = 64
    max_text_bytes: int = 256 * 1024
    max_prolog_bytes: int = 64 * 1024


DEFAULT_LIMITS = Limits()
