"""The validation engine: XSD, then the rules of a rule set, into a verdict.

Two streaming passes over the input, both in constant memory: the XSD pass
(:mod:`iso20022.validation.xsd`), then, when the file is schema-valid, the
parse pass that turns it into transfers and applies the rules of the chosen
set to each.  A schema-invalid or unreadable file is rejected whole (FF01).
Message and payment rules (NbOfTxs, CtrlSum, duplicate MsgId, AppHdr) are
decided when the message has been read.

``check(...)`` gives the transfers with their transaction-level issues as
they are read (for a pipeline that routes accepted transfers) and the verdict
once they are all read; ``validate(...)`` gives only the verdict.

Example:
    >>> from iso20022.synth import pacs008
    >>> validate(pacs008(), rules="generic").status
    <Status.ACCP: 'ACCP'>
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from .. import _impl
from ..errors import ParseError
from ..keys import message_key, sender_of, transfer_key
from ..limits import DEFAULT_LIMITS, Limits
from ..msgid import MessageId
from ..parse import parse
from ..parse.tables import SPECS
from ..records import MessageHeader, Money, Transfer
from .rules import RULE_SETS, RULES, Check, Rule, RuleOptions, screen
from .seen import MessageStore
from .verdict import (
    Issue,
    MessageVerdict,
    PaymentVerdict,
    TransactionVerdict,
    accepted_status_for,
)
from .xsd import check_xsd

__all__ = ["Checked", "check", "validate"]

_DEFAULT_OPTIONS = RuleOptions()
_ZERO = Decimal(0)


def validate(
    source: Any,
    /,
    *,
    rules: str = "generic",
    options: RuleOptions = _DEFAULT_OPTIONS,
    store: MessageStore | None = None,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> MessageVerdict:
    """Validate one message (bytes, a path or a binary file) and return its verdict.

    ``rules`` names a rule set (``none``, ``generic``, ``sepa``, ``cbpr``);
    ``options`` configures the rules (dates, amount limits); ``store`` keeps
    the MsgIds received before, for DU01 (default: none, no cross-file check).
    Never raises for bad input: an unreadable file is a rejected verdict with
    the reason.  Raises ``ValueError`` for an unknown rule set and
    ``SchemaError`` when no XSD is installed for the message.

    Example: ``validate("pain001.xml", rules="sepa").status`` -> ``Status.PART``
    """
    checked = check(source, rules=rules, options=options, store=store, message=message,
                    limits=limits)
    for _ in checked:
        pass
    return checked.verdict


def check(
    source: Any,
    /,
    *,
    rules: str = "generic",
    options: RuleOptions = _DEFAULT_OPTIONS,
    store: MessageStore | None = None,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Checked:
    """Like :func:`validate`, but iterable: ``(transfer, issues)`` as read, then ``.verdict``.

    A transfer without issues of its own can still be rejected by a message
    or payment rule decided at the end: read ``.verdict`` before acting on
    any of them.
    """
    if rules not in RULE_SETS:
        raise ValueError(f"unknown rule set {rules!r} (known: {', '.join(RULE_SETS)})")
    return Checked(source, rules, options, store, message, limits)


def _file_name(source: Any) -> str | None:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


@dataclass
class _Payment:
    header: Any
    index: int
    seen: int = 0
    total: Decimal = Decimal(0)
    rejected: list[TransactionVerdict] = field(default_factory=list)
    accepted: dict[str, Decimal] = field(default_factory=dict)  # per currency


class Checked:
    """One validation run: iterate for ``(transfer, issues)``; ``verdict`` at the end."""

    def __init__(self, source: Any, rules: str, options: RuleOptions,
                 store: MessageStore | None, message: MessageId | str | None,
                 limits: Limits) -> None:
        self.source = source
        self.rules = rules
        self.options = options
        self.store = store
        self.message = message
        self.limits = limits
        self.file = _file_name(source)
        names = RULE_SETS[rules]
        self._enabled = frozenset(names)
        self._checks = [(RULES[n], check) for n in names if (check := RULES[n].check)]
        # The screen (built per run: it remembers the identifiers it found good)
        # stands for some of the checks; the others run on every transfer.
        self._screen, screened = screen([rule.name for rule, _ in self._checks], options)
        self._unscreened = [(rule, check) for rule, check in self._checks
                            if rule.name not in screened]
        self._verdict: MessageVerdict | None = None

    @property
    def verdict(self) -> MessageVerdict:
        """The verdict; ``RuntimeError`` before the transfers have all been read."""
        if self._verdict is None:
            raise RuntimeError("read the transfers of a Checked run before its verdict")
        return self._verdict

    def __iter__(self) -> Iterator[tuple[Transfer, tuple[Issue, ...]]]:
        try:
            schema = check_xsd(self.source, message=self.message, limits=self.limits)
        except ParseError as exc:
            self._verdict = MessageVerdict(file=self.file, rules=self.rules,
                                           issues=(_issue_of(exc),))
            return
        if schema.message_id not in SPECS:
            issue = Issue(code="FF01", rule="xml", path="/Document",
                          text=f"{schema.message_id} is not a message this service accepts")
            self._verdict = MessageVerdict(file=self.file, rules=self.rules,
                                           message_type=str(schema.message_id), issues=(issue,))
            return
        if schema.issue is not None:
            self._verdict = self._rejected_whole(schema.message_id, schema.issue)
            return
        yield from self._rules(schema.message_id)

    def _rejected_whole(self, message_id: MessageId, issue: Issue) -> MessageVerdict:
        """A schema-invalid file: rejected whole, with what the header says when readable."""
        header: MessageHeader | None = None
        try:
            for transfer in parse(self.source, limits=self.limits):
                header = transfer.message
                break
        except ParseError:
            pass
        return self._message_verdict(str(message_id), header, (issue,), 0, 0, [], [], {})

    def _rules(self, message_id: MessageId) -> Iterator[tuple[Transfer, tuple[Issue, ...]]]:
        spec = SPECS[message_id]
        root = f"/Document/{spec.root}"
        enabled = self._enabled
        passes, checks, unscreened = self._screen, self._checks, self._unscreened
        unique_e2e = "end-to-end-id.unique" in enabled
        e2e_seen = _impl.strset.StringSet()  # ~40 B an id, not a set's ~170
        payments: list[_Payment] = []
        current: _Payment | None = None
        last_payment: object = None  # the PmtInf record of the previous transfer
        rejected: list[TransactionVerdict] = []
        accepted: dict[str, Decimal] = {}
        sums = accepted  # where accepted amounts add up: the message's, or the PmtInf's
        header: MessageHeader | None = None
        count = 0
        total = Decimal(0)
        in_payment = 0  # transfers of the current PmtInf so far, and their amounts
        payment_total = Decimal(0)
        try:
            for transfer in parse(self.source, message=message_id, limits=self.limits):
                header = transfer.message
                payment = transfer.payment
                if payment is not last_payment:
                    last_payment = payment
                    if payment is not None and (current is None
                                                or current.index != payment.index):
                        if current is not None:
                            current.seen, current.total = in_payment, payment_total
                        current = _Payment(payment, payment.index)
                        payments.append(current)
                        sums = current.accepted
                        in_payment = 0
                        payment_total = Decimal(0)
                count += 1
                in_payment += 1
                money = transfer.amount
                amount = money.amount  # what CtrlSum adds up: instructed (pain) or settlement
                total += amount
                payment_total += amount
                if passes is not None and passes(transfer):
                    found = self._findings(transfer, unscreened) if unscreened else []
                else:
                    found = self._findings(transfer, checks)
                duplicate = False
                if unique_e2e:
                    e2e = transfer.end_to_end_id
                    duplicate = not e2e_seen.add(e2e) and e2e != "NOTPROVIDED"
                if found or duplicate:
                    if payment is not None:
                        prefix = f"{root}/PmtInf[{payment.index}]/CdtTrfTxInf[{in_payment}]"
                    else:
                        prefix = f"{root}/CdtTrfTxInf[{count}]"
                    issues = _issues(transfer, prefix, found, duplicate)
                    tx_verdict = _transaction_verdict(transfer, issues)
                    rejected.append(tx_verdict)
                    if current is not None:
                        current.rejected.append(tx_verdict)
                    yield transfer, issues
                else:
                    ccy = money.currency
                    sums[ccy] = sums.get(ccy, _ZERO) + amount
                    yield transfer, ()
        except ParseError as exc:
            self._verdict = self._message_verdict(str(message_id), header, (_issue_of(exc),),
                                                  count, count, rejected, [], {})
            return
        if current is not None:
            current.seen, current.total = in_payment, payment_total
        message_issues = self._message_issues(header, root, count, total, enabled)
        payment_verdicts = [self._payment_verdict(p, root, enabled) for p in payments]
        rejected_count = len(rejected) + sum(
            p.transactions_seen - len(p.rejected) for p in payment_verdicts if p.issues)
        for kept, judged in zip(payments, payment_verdicts, strict=True):
            if not judged.issues:
                for ccy, amount in kept.accepted.items():
                    accepted[ccy] = accepted.get(ccy, Decimal(0)) + amount
        self._verdict = self._message_verdict(str(message_id), header, tuple(message_issues), count,
                                              rejected_count, rejected, payment_verdicts,
                                              accepted)
        if self.store is not None and header is not None and self._verdict.accepted:
            self.store.remember(message_key(header), self.file)

    # -- the levels ----------------------------------------------------------------------

    def _findings(self, transfer: Transfer,
                  checks: list[tuple[Rule, Check]]) -> list[tuple[Rule, str, str]]:
        """What the transaction rules ``checks`` find: (rule, relative path, text)."""
        options = self.options
        return [(rule, path, text) for rule, rule_check in checks
                for path, text in rule_check(transfer, options)]

    def _message_issues(self, header: MessageHeader | None, root: str, count: int,
                        total: Decimal, enabled: frozenset[str]) -> list[Issue]:
        found: list[Issue] = []
        if header is None:
            return found
        group = f"{root}/GrpHdr"
        if "group.number-of-transactions" in enabled and header.number_of_transactions != count:
            found.append(Issue(code="AM18", rule="group.number-of-transactions",
                               path=f"{group}/NbOfTxs",
                               text=f"NbOfTxs says {header.number_of_transactions}, "
                                    f"the message has {count}"))
        if ("group.control-sum" in enabled and header.control_sum is not None
                and header.control_sum != total):
            found.append(Issue(code="AM10", rule="group.control-sum", path=f"{group}/CtrlSum",
                               text=f"CtrlSum says {header.control_sum}, "
                                    f"the amounts add up to {total}"))
        if "message-id.unique" in enabled and self.store is not None:
            first = self.store.seen(message_key(header))
            if first is not None:
                found.append(Issue(code="DU01", rule="message-id.unique", path=f"{group}/MsgId",
                                   text=f"MsgId {header.message_id!r} from "
                                        f"{sender_of(header) or 'this sender'} "
                                        f"was received before (in {first})"))
        found.extend(self._app_header_issues(header, root, count, enabled))
        return found

    def _app_header_issues(self, header: MessageHeader, root: str, count: int,
                           enabled: frozenset[str]) -> list[Issue]:
        found: list[Issue] = []
        pacs = header.message_type.startswith("pacs.")
        if "single-transaction" in enabled and pacs and count != 1:
            found.append(Issue(code="AM18", rule="single-transaction",
                               path=f"{root}/GrpHdr/NbOfTxs",
                               text=f"CBPR+ carries one transaction per message, not {count}"))
        app = header.app_header
        if app is None:
            if "app-header.present" in enabled:
                found.append(Issue(code="CH21", rule="app-header.present", path="/AppHdr",
                                   text="CBPR+ messages travel with a head.001 AppHdr"))
            return found
        if "app-header.business-service" in enabled and not app.business_service:
            found.append(Issue(code="CH21", rule="app-header.business-service",
                               path="/AppHdr/BizSvc", text="AppHdr BizSvc is missing"))
        if "app-header.coherent" in enabled:
            checks = [("BizMsgIdr", app.business_message_id, header.message_id),
                      ("MsgDefIdr", app.message_definition_id, header.message_type)]
            if pacs and header.instructing_agent is not None and header.instructing_agent.bic:
                checks.append(("Fr/FIId/FinInstnId/BICFI", app.from_bic,
                               header.instructing_agent.bic))
            if pacs and header.instructed_agent is not None and header.instructed_agent.bic:
                checks.append(("To/FIId/FinInstnId/BICFI", app.to_bic,
                               header.instructed_agent.bic))
            for path, got, want in checks:
                if got != want:
                    found.append(Issue(code="CH16", rule="app-header.coherent",
                                       path=f"/AppHdr/{path}",
                                       text=f"AppHdr {path} is {got!r}, "
                                            f"the Document says {want!r}"))
        return found

    def _payment_verdict(self, p: _Payment, root: str, enabled: frozenset[str]) -> PaymentVerdict:
        h = p.header
        path = f"{root}/PmtInf[{p.index}]"
        found: list[Issue] = []
        if ("payment.number-of-transactions" in enabled and h.number_of_transactions is not None
                and h.number_of_transactions != p.seen):
            found.append(Issue(code="AM18", rule="payment.number-of-transactions",
                               path=f"{path}/NbOfTxs",
                               text=f"PmtInf NbOfTxs says {h.number_of_transactions}, "
                                    f"the block has {p.seen}"))
        if ("payment.control-sum" in enabled and h.control_sum is not None
                and h.control_sum != p.total):
            found.append(Issue(code="AM10", rule="payment.control-sum", path=f"{path}/CtrlSum",
                               text=f"PmtInf CtrlSum says {h.control_sum}, "
                                    f"its amounts add up to {p.total}"))
        return PaymentVerdict(
            payment_information_id=h.payment_information_id, index=p.index,
            number_of_transactions=h.number_of_transactions, control_sum=h.control_sum,
            transactions_seen=p.seen, issues=tuple(found), rejected=tuple(p.rejected),
            accepted_status=accepted_status_for(self.rules),
        )

    def _message_verdict(self, message_type: str | None, header: MessageHeader | None,
                         issues: tuple[Issue, ...], seen: int, rejected_count: int,
                         rejected: list[TransactionVerdict], payments: list[PaymentVerdict],
                         accepted: dict[str, Decimal]) -> MessageVerdict:
        verdict = MessageVerdict(
            file=self.file, rules=self.rules, message_type=message_type,
            message_id=header.message_id if header else None,
            creation_date_time=header.creation_date_time if header else None,
            sender=sender_of(header) if header else "",
            business_message_id=(header.app_header.business_message_id
                                 if header and header.app_header else None),
            number_of_transactions=header.number_of_transactions if header else None,
            control_sum=header.control_sum if header else None,
            transactions_seen=seen, transactions_rejected=rejected_count, issues=issues,
            payments=tuple(payments), rejected=tuple(rejected),
            accepted_amounts=tuple(Money(amount=a, currency=c)
                                   for c, a in sorted(accepted.items())),
        )
        if not verdict.accepted:
            verdict = replace(verdict, accepted_amounts=())
        return verdict


def _issues(transfer: Transfer, prefix: str, found: list[tuple[Rule, str, str]],
            duplicate: bool) -> tuple[Issue, ...]:
    """The issues of one transaction: its rules' findings, then a repeated EndToEndId."""
    line = transfer.source.line
    issues = []
    for rule, path, text in found:
        if path.startswith("../"):  # a field of the enclosing PmtInf
            full = prefix.rsplit("/", 1)[0] + "/" + path[3:]
        else:
            full = f"{prefix}/{path}"
        issues.append(Issue(code=rule.code, rule=rule.name, text=text, path=full, line=line))
    if duplicate:
        issues.append(Issue(code="AM05", rule="end-to-end-id.unique", line=line,
                            path=f"{prefix}/PmtId/EndToEndId",
                            text=f"EndToEndId {transfer.end_to_end_id!r} appears earlier "
                                 "in the file"))
    return tuple(issues)


def _transaction_verdict(transfer: Transfer, issues: tuple[Issue, ...]) -> TransactionVerdict:
    payment = transfer.payment
    return TransactionVerdict(
        index=transfer.source.index,
        payment_index=payment.index if payment is not None else None,
        key=transfer_key(transfer), end_to_end_id=transfer.end_to_end_id,
        instruction_id=transfer.instruction_id, transaction_id=transfer.transaction_id,
        uetr=transfer.uetr, amount=transfer.amount, line=transfer.source.line, issues=issues,
    )


def _issue_of(exc: ParseError) -> Issue:
    return Issue(code=exc.code or "FF01", rule="xml", text=exc.message, path=exc.path,
                 line=exc.line, column=exc.column)
