"""Problem responses (RFC 9457 ``application/problem+json``) for every refusal.

A :class:`Problem` is raised inside a handler and becomes one JSON body:
``{"type", "title", "status", "detail", "code", "path", "line", ...}`` where
``code`` is the ISO external status reason code when the input is at fault
(FF01 for a schema or syntax error, ...) and ``path`` the element or JSON
path.  Nothing else (no traceback, no internal text) ever reaches the client.

Example:
    >>> Problem(413, "body too large", detail="over 10 bytes").as_dict()["status"]
    413
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from ..errors import Iso20022Error, ParseError
from ..validation.verdict import Issue

__all__ = [
    "PROBLEM_TYPE",
    "Problem",
    "from_error",
    "from_issue",
    "problem_response",
    "unsupported_media",
]

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """An HTTP refusal with a problem body; raise it from a handler."""

    def __init__(self, status: int, title: str, *, detail: str | None = None,
                 code: str | None = None, path: str | None = None, line: int | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.path = path
        self.line = line
        self.headers = headers or {}
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        """The problem body as plain data, absent members omitted."""
        out: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        for name in ("detail", "code", "path", "line"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out


def problem_response(problem: Problem) -> Response:
    """The HTTP response of ``problem``. Example: ``problem_response(Problem(404, "x"))``."""
    return Response(orjson.dumps(problem.as_dict()), status_code=problem.status,
                    media_type=PROBLEM_TYPE, headers=problem.headers)


def from_issue(issue: Issue, title: str) -> Problem:
    """A 422 problem from a validation issue (reason code, rule, path, line)."""
    return Problem(422, title, detail=issue.text, code=issue.code, path=issue.path,
                   line=issue.line, rule=issue.rule)


def from_error(exc: Iso20022Error) -> Problem:
    """A 422 problem from a typed error of the package (the input is at fault)."""
    if isinstance(exc, ParseError):
        return Problem(422, type(exc).__name__, detail=exc.message, code=exc.code,
                       path=exc.path, line=exc.line)
    return Problem(422, type(exc).__name__, detail=str(exc))


def unsupported_media(detail: str) -> Problem:
    """The 415 problem: the body's Content-Type (FF01, path ``Content-Type``) is not accepted."""
    return Problem(415, "unsupported media type", detail=detail, code="FF01",
                   path="Content-Type")
