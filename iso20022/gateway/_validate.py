"""``POST /v1/validate``: the verdict on a message, optionally with its status report.

``?rules=`` a rule set (``none``, ``generic`` (default), ``sepa``, ``cbpr``);
``?report=true`` adds the pain.002 / pacs.002 status report on the verdict
(``status_report``: the XML text, ``status_report_type``: its message id,
``status_report_checked``: true when it was validated against its XSD, false
when that XSD is not installed; a report that fails its XSD is a 422).
A usable message always gets a 200 with its verdict (``status`` ACCP / ACTC /
PART / RJCT, every issue with reason code, path and line); only input that
is not an ISO 20022 message at all (not XML, DOCTYPE, unknown namespace) is a
422 problem.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..build.status import status_report
from ..catalog import detect
from ..errors import ReportError, SchemaError
from ..limits import Limits
from ..schemas import load_schema
from ..validation import RULE_SETS, validate, validate_xsd
from .problems import Problem, from_issue
from .respond import json_response, query

__all__ = ["READY_SCHEMAS", "handle", "readiness"]

READY_SCHEMAS = ("pacs.008.001.08", "pain.001.001.09")
"""Schemas the gateway needs to be ready (bundled ones; others are reported only)."""
_OPTIONAL_SCHEMAS = ("head.001.001.02", "pacs.002.001.10", "pain.002.001.10")


def handle(request: Request, body: bytes, limits: Limits) -> Response:
    """Validate one message (worker thread; raises Problem or Iso20022Error)."""
    rules = query(request, "rules", "generic")
    if rules not in RULE_SETS:
        raise Problem(422, "bad parameter", path="?rules", detail=f"rules must be one of "
                      f"{', '.join(RULE_SETS)}, not {rules!r}")
    report = query(request, "report", "false")
    if report not in ("true", "false"):
        raise Problem(422, "bad parameter", path="?report",
                      detail=f"report must be true or false, not {report!r}")
    detect(body, limits=limits)  # not a message at all: a 422 problem, not a verdict
    verdict = validate(body, rules=rules, limits=limits)
    out: dict[str, object] = {"status": str(verdict.status), "verdict": verdict.as_dict()}
    if report == "true":
        try:
            xml = status_report(verdict)
        except ReportError as exc:
            raise Problem(422, "no status report", detail=str(exc)) from None
        try:
            issue = validate_xsd(xml)
        except SchemaError:  # the report's XSD is not installed: said so, not hidden
            out["status_report_checked"] = False
        else:
            if issue is not None:
                raise from_issue(issue, "the status report does not validate")
            out["status_report_checked"] = True
        out["status_report"] = xml.decode("utf-8")
        out["status_report_type"] = _report_type(xml)
    return json_response(out)


def _report_type(xml: bytes) -> str:
    marker = b"urn:iso:std:iso:20022:tech:xsd:"
    start = xml.find(marker) + len(marker)
    return xml[start:xml.find(b'"', start)].decode("ascii")


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, schema id -> "ok" / "missing"): the needed schemas compile.

    Example: ``readiness()[0] is True`` on a complete install.
    """
    detail: dict[str, str] = {}
    ready = True
    for mid in (*READY_SCHEMAS, *_OPTIONAL_SCHEMAS):
        try:
            load_schema(mid)
            detail[mid] = "ok"
        except SchemaError:
            detail[mid] = "missing"
            ready = ready and mid not in READY_SCHEMAS
    return ready, detail
