"""``POST /v1/messages/{message_id}``: JSON records -> a schema-valid XML message.

For a credit transfer (``pacs.008.*``, ``pain.001.*``: every version the
parsers read) the body is ``{"transfers": [Transfer JSON, ...]}``, the
transfers of one message (they share ``message``).  ``?app_header=keep``
(default) writes the records' own AppHdr when they carry one, ``derive``
builds a head.001.001.02 AppHdr from the group header when they do not
(From = instructing agent, To = instructed agent, BizMsgIdr = MsgId), and
``omit`` writes the bare Document.

Before it is returned, the XML is validated against the version's XSD (and
the AppHdr against its head.001 XSD when installed) and read back: the
records read from it must equal the records sent (but for ``source`` and the
PmtInf ``index``, which the new document decides).  A record that does not
fit the version (a field the version lacks, a required element with no
value) is a 422 naming the XSD path or the fields, never a silently
different message.

For ``pain.002.*`` / ``pacs.002.*`` the body is the original XML message and
the answer its status report (``?rules=`` as for ``/v1/validate``), validated
against its XSD too: when that XSD is not installed the answer is a 422
"schema not available" problem, never an unchecked report.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..build._gateway_writer import writable, write_message
from ..build.status import status_report
from ..catalog import detect
from ..errors import ReportError
from ..jsonio import RecordDecodeError, from_dict, to_dict
from ..limits import Limits
from ..msgid import MessageId
from ..parse import parse
from ..records import Transfer
from ..validation import RULE_SETS, validate, validate_xsd
from .problems import Problem, from_issue, unsupported_media
from .respond import query, xml_response

__all__ = ["APP_HEADER_MODES", "handle", "records_to_xml"]

APP_HEADER_MODES = ("keep", "derive", "omit")
_REPORTS = ("pain.002", "pacs.002")
_HEADER = "head.001.001.02"


def handle(request: Request, body: bytes, limits: Limits) -> Response:
    """Build the message named in the path (worker thread; raises Problem / Iso20022Error)."""
    message_id = request.path_params["message_id"]
    try:
        mid = MessageId.parse(message_id)
    except ValueError:
        raise Problem(404, "unknown message", path="/message_id",
                      detail=f"{message_id!r} is not a message id like pacs.008.001.08") \
            from None
    text = str(mid)
    if text.startswith(_REPORTS):
        return _report(request, text, body, limits)
    if not writable(text):
        raise Problem(404, "unknown message", path="/message_id",
                      detail=f"{text} is not a message the gateway writes")
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        raise unsupported_media("send the records as application/json")
    mode = query(request, "app_header", "keep")
    if mode not in APP_HEADER_MODES:
        raise Problem(422, "bad parameter", path="?app_header",
                      detail=f"app_header must be one of {', '.join(APP_HEADER_MODES)}")
    transfers = _decode(body)
    return xml_response(records_to_xml(transfers, text, app_header=mode), text)


def _decode(body: bytes) -> list[Transfer]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem(422, "not JSON", detail=str(exc), path="/") from None
    if not isinstance(data, dict) or set(data) != {"transfers"}:
        raise Problem(422, "bad records", path="/",
                      detail='the body must be {"transfers": [Transfer, ...]}')
    items = data["transfers"]
    if not isinstance(items, list) or not items:
        raise Problem(422, "bad records", path="/transfers",
                      detail="transfers must be a non-empty array")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(from_dict(Transfer, item))
        except RecordDecodeError as exc:
            raise Problem(422, "bad record", path=f"/transfers/{i}", detail=str(exc)) from None
    return out


def _comparable(data: dict[str, Any], message_id: str) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "source"}
    out["message"] = {**out["message"], "message_type": message_id}
    if "payment" in out:
        out["payment"] = {k: v for k, v in out["payment"].items() if k != "index"}
    return out


def _fill(data: dict[str, Any], message_id: str) -> dict[str, Any]:
    """Place ``amount`` where the version carries it when the record only has ``amount``."""
    if message_id.startswith("pacs.008") and "interbank_settlement_amount" not in data:
        return {**data, "interbank_settlement_amount": data["amount"]}
    if (message_id.startswith("pain.001") and "instructed_amount" not in data
            and "equivalent_amount" not in data):
        return {**data, "instructed_amount": data["amount"]}
    return data


def _derived_header(message: dict[str, Any], first: dict[str, Any],
                    message_id: str) -> dict[str, Any]:
    def bic(name: str) -> Any:
        agent = message.get(name) or first.get(name) or {}
        return agent.get("bic")

    header = {"header_type": _HEADER, "from_bic": bic("instructing_agent"),
              "to_bic": bic("instructed_agent"), "business_message_id": message["message_id"],
              "message_definition_id": message_id,
              "creation_date": message["creation_date_time"]}
    return {k: v for k, v in header.items() if v is not None}


def records_to_xml(transfers: list[Transfer], message_id: str, *,
                   app_header: str = "keep") -> bytes:
    """The XML of ``message_id`` for ``transfers``: XSD-valid and read back to the same records.

    Takes the transfers of one message, the message id to write and the
    AppHdr mode (``keep``, ``derive``, ``omit``). Returns UTF-8 XML. Raises
    :class:`~iso20022.gateway.problems.Problem` (422) when the result would not
    validate or would not read back to the same records, and
    :class:`~iso20022.errors.Iso20022Error` from the writer.

    Example: ``records_to_xml(list(parse(data)), "pacs.008.001.08")``
    """
    dicts = [_fill(to_dict(t), message_id) for t in transfers]
    message = dict(dicts[0]["message"])
    if app_header == "omit":
        message.pop("app_header", None)
    elif app_header == "derive" and "app_header" not in message:
        message["app_header"] = _derived_header(message, dicts[0], message_id)
    message["message_type"] = message_id
    dicts = [{**d, "message": message} for d in dicts]
    xml = write_message(dicts, message_id)
    issue = validate_xsd(xml)
    if issue is not None:
        raise from_issue(issue, f"the records do not make a valid {message_id}")
    back = [_comparable(to_dict(t), message_id) for t in parse(xml)]
    sent = [_comparable(d, message_id) for d in dicts]
    if back != sent:
        raise Problem(422, "records not representable", code="FF01",
                      detail=f"{message_id} cannot carry every field sent",
                      fields=_differences(sent, back))
    return xml


def _differences(sent: list[dict[str, Any]], back: list[dict[str, Any]]) -> list[str]:
    if len(sent) != len(back):
        return [f"/transfers: {len(sent)} sent, {len(back)} written"]
    out: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if a == b or len(out) >= 20:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{path}/{key}")
        else:
            out.append(path)

    for i, (a, b) in enumerate(zip(sent, back, strict=True)):
        walk(a, b, f"/transfers/{i}")
    return out


def _report(request: Request, report: str, body: bytes, limits: Limits) -> Response:
    got = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (got in ("application/xml", "text/xml") or got.endswith("+xml")):
        raise unsupported_media(f"a {report} is built from the original XML message")
    rules = query(request, "rules", "generic")
    if rules not in RULE_SETS:
        raise Problem(422, "bad parameter", path="?rules",
                      detail=f"rules must be one of {', '.join(RULE_SETS)}")
    detect(body, limits=limits)
    verdict = validate(body, rules=rules, limits=limits)
    try:
        xml = status_report(verdict, version=report)
    except ReportError as exc:
        raise Problem(422, "no status report", detail=str(exc)) from None
    issue = validate_xsd(xml)  # no XSD installed: SchemaError, a problem; never unchecked
    if issue is not None:
        raise from_issue(issue, f"the {report} does not validate")
    return xml_response(xml, report)
