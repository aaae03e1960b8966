"""Validation: XSD (streaming, cached schemas), business rules, rule sets, verdicts.

- ``validate(source, /, *, rules="generic", options=..., store=...)`` -> ``MessageVerdict``
- ``check(...)``: the same, iterable as ``(transfer, issues)`` while reading
- ``validate_xsd(source)`` -> the first schema error as an ``Issue``, or None
- ``RULES`` (the rule table), ``RULE_SETS``, ``RuleOptions``, ``MessageStore`` (DU01)
"""

from __future__ import annotations

from .engine import Checked, check, validate
from .rules import RULE_SETS, RULES, Rule, RuleOptions
from .seen import MessageStore
from .verdict import Issue, MessageVerdict, PaymentVerdict, Status, TransactionVerdict
from .xsd import validate_xsd

__all__ = [
    "RULES",
    "RULE_SETS",
    "Checked",
    "Issue",
    "MessageStore",
    "MessageVerdict",
    "PaymentVerdict",
    "Rule",
    "RuleOptions",
    "Status",
    "TransactionVerdict",
    "check",
    "validate",
    "validate_xsd",
]
