"""Input limits, on by default: size, nesting depth, text length.

Example:
    >>> Limits(max_bytes=10_000).max_depth
    64
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "MAX_DEPTH", "Limits"]

MAX_DEPTH = 255
"""The deepest nesting any configuration may allow (libxml2's own bound is 256)."""


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

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_text_bytes", "max_prolog_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1")
        if self.max_depth > MAX_DEPTH:
            # libxml2 (the reference parser) refuses deeper documents on its own.
            raise ValueError(f"Limits.max_depth must be at most {MAX_DEPTH}")


DEFAULT_LIMITS = Limits()
