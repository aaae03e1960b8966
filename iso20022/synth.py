"""Realistic, deterministic synthetic ISO 20022 messages for benchmarks and demos.

Generates schema-valid pain.001 (.03, .09) and pacs.008 (.02, .08) documents, optionally
wrapped with a head.001.001.02 business application header in an ``<Envelope>``.  Content is
realistic: names and addresses in several languages (multi-byte UTF-8, and ``& < > "``
escaped), IBANs with correct ISO 13616 check digits and country lengths (and national
check digits for BE, ES, FR, IT), BICs whose country matches the account, UUID v4 UETRs,
ISO 11649 RF creditor references, LEIs with valid check digits, and amounts that are
exact decimals with the right number of minor units per currency (never floats).

Output is a pure function of the arguments: the same ``seed`` gives the same bytes.
pain.001 files can be streamed to disk in constant memory (:func:`write_pain001`): the
amounts come from their own seeded stream, summed in a first cheap pass so that the group
and payment-information ``NbOfTxs`` / ``CtrlSum`` (which precede the transactions) are
exact, then regenerated while writing.  Runtime dependencies: the standard library only.

Command line::

    python -m iso20022.synth pain.001.001.09 --tx 10000 --seed 1 -o file.xml
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import BinaryIO, TypeAlias

from ._synth_data import (
    _ALNUM,
    _AUTHORITY,
    _BANKS,
    _BBAN_REST,
    _CCY,
    _CLR_CODE,
    _EURO,
    _HOME_CCY,
    _MONTHS,
    _NAMES_SRC,
    _PER_USD,
    _PLACES_SRC,
    _PURPOSES,
    _SEPA,
    _USTRD,
    _WORLD,
)

__all__ = [
    "PACS008_VERSIONS",
    "PAIN001_VERSIONS",
    "main",
    "pacs008",
    "pain001",
    "write_pain001",
    "write_pain001_bytes_target",
]

PAIN001_VERSIONS = ("pain.001.001.03", "pain.001.001.09")
PACS008_VERSIONS = ("pacs.008.001.02", "pacs.008.001.08")
_NS = "urn:iso:std:iso:20022:tech:xsd:"


class _Raw(str):
    """An already serialized (and indented) XML fragment."""

    __slots__ = ()


Node: TypeAlias = _Raw | tuple[str, "str | list[Node]"]
_IND = tuple("\n" + "  " * d for d in range(16))


def _emit(out: list[str], nodes: Sequence[Node], depth: int) -> None:
    """Append ``nodes`` serialized at ``depth`` to ``out`` (values are already escaped)."""
    ind = _IND[depth]
    for node in nodes:
        if isinstance(node, _Raw):
            out.append(node)
            continue
        tag, val = node
        end = tag.partition(" ")[0] if " " in tag else tag
        if isinstance(val, str):
            out.append(f"{ind}<{tag}>{val}</{end}>")
        else:
            out.append(f"{ind}<{tag}>")
            _emit(out, val, depth + 1)
            out.append(f"{ind}</{end}>")


def _render(nodes: Sequence[Node], depth: int) -> _Raw:
    out: list[str] = []
    _emit(out, nodes, depth)
    return _Raw("".join(out))


def _x(s: str) -> str:
    """Escape text for XML element content."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if '"' in s:
        s = s.replace('"', "&quot;")
    return s


# --------------------------------------------------------------------------- reference data
_PLACES = {
    cc: (tuple(_x(n) for n in co.split("|")), tuple(_x(n) for n in pe.split("|")),
         tuple(_x(s) for s in st.split("|")),
         tuple((_x(t.partition("=")[0]), t.partition("=")[2]) for t in ci.split("|")))
    for cc, (co, pe, st, ci) in _PLACES_SRC.items()
}


def _words(src: str) -> tuple[str, ...]:
    return tuple(_x(w) for w in src.split("|") if w)


_NAMES = {cc: (fmt, _words(fi), _words(la), _words(tr), _words(fo))
          for cc, (fmt, fi, la, tr, fo) in _NAMES_SRC.items()}


def _company(rng: random.Random, cc: str) -> str:
    if rng.randrange(3) == 0:
        return rng.choice(_PLACES[cc][0])
    fmt, _, lasts, trades, forms = _NAMES[cc]
    return fmt.format(l=rng.choice(lasts), t=rng.choice(trades), f=rng.choice(forms))


def _person(rng: random.Random, cc: str) -> str:
    _, firsts, lasts, _, _ = _NAMES[cc]
    if not firsts or rng.randrange(4) == 0:
        return rng.choice(_PLACES[cc][1])
    return f"{rng.choice(firsts)} {rng.choice(lasts)}"




# --------------------------------------------------------------------------- identifiers
def _mod97_check(body: str) -> int:
    """ISO 7064 mod 97-10 check digits for ``body`` (letters count A=10 .. Z=35)."""
    return 98 - int("".join(str(int(c, 36)) for c in body + "00")) % 97


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def _bban(rng: random.Random, cc: str, bank: str) -> str:
    if cc == "BE":
        acct = _digits(rng, 7)
        return f"{bank}{acct}{int(bank + acct) % 97 or 97:02d}"
    if cc == "FR":
        branch, acct = _digits(rng, 5), _digits(rng, 11)
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97
        return f"{bank}{branch}{acct}{key:02d}"
    if cc == "ES":
        branch, acct = _digits(rng, 4), _digits(rng, 10)
        w = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)
        d1 = _es_digit(sum(a * int(b) for a, b in zip(w[2:], bank + branch, strict=True)))
        d2 = _es_digit(sum(a * int(b) for a, b in zip(w, acct, strict=True)))
        return f"{bank}{branch}{d1}{d2}{acct}"
    if cc == "IT":
        rest = f"{bank}{_digits(rng, 5)}{_digits(rng, 12)}"
        odd = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21)
        total = sum(int(c) if i % 2 else odd[int(c)] for i, c in enumerate(rest))
        return chr(65 + total % 26) + rest
    return bank + _digits(rng, _BBAN_REST[cc])


def _es_digit(weighted: int) -> int:
    d = 11 - weighted % 11
    return 0 if d == 11 else 1 if d == 10 else d


def _iban(rng: random.Random, cc: str, bank: str) -> str:
    bban = _bban(rng, cc, bank)
    return f"{cc}{_mod97_check(bban + cc):02d}{bban}"


def _rf(rng: random.Random) -> str:
    body = "".join(rng.choice(_ALNUM) for _ in range(rng.randint(7, 15)))
    return f"RF{_mod97_check(body + 'RF'):02d}{body}"


def _lei(rng: random.Random) -> str:
    body = rng.choice(("5299", "7245", "9695", "2138", "5493")) + "00" + "".join(
        rng.choice(_ALNUM) for _ in range(12))
    return f"{body}{_mod97_check(body):02d}"


def _uetr(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --------------------------------------------------------------------------- parties
@dataclass(frozen=True, slots=True)
class _Ver:
    """What differs between the supported versions."""

    id: str
    new: bool  # pain .09 / pacs .08: BICFI, UETR, LEI, ReqdExctnDt/Dt

    @property
    def bic(self) -> str:
        return "BICFI" if self.new else "BIC"


@dataclass(frozen=True, slots=True)
class _Cp:
    """A party with its account and agent, pre-built as node lists."""

    cc: str
    ccy: str
    party: list[Node]
    acct: list[Node]
    agent: list[Node]


def _ver(version: str, allowed: tuple[str, ...]) -> _Ver:
    if version not in allowed:
        raise ValueError(f"unsupported message version {version!r}; expected one of {allowed}")
    return _Ver(version, version.endswith((".09", ".08")))


def _address(rng: random.Random, cc: str, lines_ok: bool) -> list[Node]:
    _, _, streets, towns = _PLACES[cc]
    street, (town, pc) = rng.choice(streets), rng.choice(towns)
    nb = str(rng.randint(1, 240)) + ("" if rng.randrange(8) else rng.choice("abc"))
    if lines_ok and rng.randrange(4) == 0:  # unstructured (AdrLine only, sometimes with Ctry)
        lines: list[Node] = [("AdrLine", f"{street} {nb}"), ("AdrLine", f"{pc} {town}".strip())]
        return [("Ctry", cc), *lines] if rng.randrange(2) else lines
    adr: list[Node] = [("StrtNm", street), ("BldgNb", nb)]
    if pc:
        adr.append(("PstCd", pc))
    adr += [("TwnNm", town), ("Ctry", cc)]
    return adr


def _org_id(rng: random.Random, v: _Ver, cc: str, person: bool) -> list[Node]:
    if person:
        return [("PrvtId", [("Othr", [("Id", _digits(rng, 10)), ("SchmeNm", [("Cd", "NIDN")])])])]
    if v.new and rng.randrange(2):
        return [("OrgId", [("LEI", _lei(rng))])]
    tax_id: list[Node] = [("Id", f"{cc}{_digits(rng, 9)}"), ("SchmeNm", [("Cd", "TXID")])]
    return [("OrgId", [("Othr", tax_id)])]


def _counterparty(rng: random.Random, v: _Ver, cc: str, *, lines_ok: bool = True,
                  name: str | None = None, bank_at: tuple[str, str] | None = None,
                  id_odds: int = 6) -> _Cp:
    person = name is None and rng.randrange(4) == 0
    nm = name or (_person(rng, cc) if person else _company(rng, cc))
    party: list[Node] = [("Nm", nm), ("PstlAdr", _address(rng, cc, lines_ok))]
    if rng.randrange(id_odds) == 0:
        party.append(("Id", _org_id(rng, v, cc, person)))
    _, acct, agent = _account(rng, v, cc, bank_at)
    ccy = _HOME_CCY[cc]
    if ccy != "EUR" and rng.randrange(3) == 0:
        acct.append(("Ccy", ccy))
    return _Cp(cc, ccy, party, acct, agent)


def _account(rng: random.Random, v: _Ver, cc: str,
             bank_at: tuple[str, str] | None = None) -> tuple[str, list[Node], list[Node]]:
    """A bank of country ``cc``: its BIC, an account there and the agent's children."""
    bic, bank = bank_at or rng.choice(_BANKS[cc])
    if cc in _CLR_CODE:
        acct: list[Node] = [("Id", [("Othr", [("Id", _digits(rng, rng.choice((7, 10, 12, 19))))])])]
        fin: list[Node] = [(v.bic, bic), ("ClrSysMmbId", [("ClrSysId", [("Cd", _CLR_CODE[cc])]),
                                                         ("MmbId", bank)])]
    else:
        acct, fin = [("Id", [("IBAN", _iban(rng, cc, bank))])], [(v.bic, bic)]
    return bic, acct, [("FinInstnId", fin)]


def _amount(rng: random.Random, ccy: str) -> Decimal:
    """A realistic positive amount in ``ccy``, exact to its minor unit."""
    dec, mult = _CCY[ccy]
    t = rng.randrange(100)
    lo, hi = (1, 500) if t < 35 else (500, 5_000) if t < 75 else (5_000, 50_000) if t < 93 \
        else (50_000, 1_000_000)
    lo, hi = lo * mult, hi * mult
    if rng.randrange(6) == 0:  # a round amount
        return Decimal((rng.randrange(lo, hi) // 10 or 1) * 10).quantize(Decimal(1).scaleb(-dec))
    return Decimal(rng.randrange(lo * 10**dec, hi * 10**dec)).scaleb(-dec)


def _amt(tag: str, ccy: str, value: Decimal) -> Node:
    return (f'{tag} Ccy="{ccy}"', str(value))


def _rmtinf(rng: random.Random, when: date, ccy: str, value: Decimal) -> list[Node]:
    """Unstructured text, an RF creditor reference or a referred invoice."""
    kind = rng.randrange(10)
    if kind < 3:
        return [("Strd", [("CdtrRefInf", [("Tp", [("CdOrPrtry", [("Cd", "SCOR")])]),
                                          ("Ref", _rf(rng))])])]
    invoice = f"{when.year}-{rng.randrange(1, 10**6):06d}"
    issued = when - timedelta(days=rng.randrange(45))
    if kind < 5:
        doc: list[Node] = [("Tp", [("CdOrPrtry", [("Cd", "CINV")])]), ("Nb", invoice),
                           ("RltdDt", issued.isoformat())]
        return [("Strd", [("RfrdDocInf", doc), ("RfrdDocAmt", [_amt("RmtdAmt", ccy, value)])])]
    text = rng.choice(_USTRD).format(n=invoice, d=issued.isoformat(), m=rng.choice(_MONTHS),
                                      k=rng.randrange(1, 9999))
    return [("Ustrd", _x(text[:140]))]


def _regulatory(rng: random.Random, cc: str, ccy: str, value: Decimal, side: str) -> Node:
    """Central-bank reporting for a cross-border payment, ``side`` DEBT or CRED."""
    cc = cc if cc in _AUTHORITY else "DE"
    dtls: list[Node] = [("Cd", rng.choice(("101", "150", "220", "301"))), _amt("Amt", ccy, value),
                        ("Inf", rng.choice(("Goods import", "Services", "Royalties")))]
    return ("RgltryRptg", [("DbtCdtRptgInd", side),
                           ("Authrty", [("Nm", _x(_AUTHORITY[cc])), ("Ctry", cc)]),
                           ("Dtls", dtls)])


def _timestamp(rng: random.Random) -> datetime:
    day = date(2024, 1, 2) + timedelta(days=rng.randrange(700))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(25_200, 68_400))


def _iso_dt(dt: datetime, offset: bool) -> str:
    return dt.isoformat(timespec="seconds") + ("+00:00" if offset else "")


def _business_day(d: date, add: int) -> date:
    for _ in range(add):
        d += timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _apphdr(fr: str, to: str, biz_id: str, msg_def: str, svc: str | None, cre: str) -> str:
    nodes: list[Node] = [("Fr", [("FIId", [("FinInstnId", [("BICFI", fr)])])]),
                         ("To", [("FIId", [("FinInstnId", [("BICFI", to)])])]),
                         ("BizMsgIdr", biz_id), ("MsgDefIdr", msg_def)]
    if svc:
        nodes.append(("BizSvc", svc))
    nodes.append(("CreDt", cre))
    return f'\n  <AppHdr xmlns="{_NS}head.001.001.02">{_render(nodes, 2)}\n  </AppHdr>'


def _open(v: _Ver, root: str, envelope: str | None) -> str:
    doc = f'<Document xmlns="{_NS}{v.id}">\n'
    if envelope is None:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{doc}  <{root}>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Envelope>{envelope}\n  {doc}    <{root}>'


def _close(root: str, envelope: bool) -> str:
    if envelope:
        return f"\n    </{root}>\n  </Document>\n</Envelope>\n"
    return f"\n  </{root}>\n</Document>\n"


def _agent(v: _Ver, bic: str) -> list[Node]:
    return [("FinInstnId", [(v.bic, bic)])]


# --------------------------------------------------------------------------- pain.001
@dataclass(frozen=True, slots=True)
class _Block:
    """One PmtInf: its size, currency and the header nodes around NbOfTxs/CtrlSum."""

    size: int
    sepa: bool
    ccy: str
    instr_ids: bool
    pre: list[Node]
    post: list[Node]


def _pain_block(rng: random.Random, v: _Ver, i: int, size: int, msg_id: str, created: date,
                debtor: _Cp, accounts: list[tuple[str, list[Node], list[Node]]]) -> _Block:
    sepa = i == 0 or rng.randrange(10) < 7
    _, acct, agent = rng.choice(accounts)
    ccy = "EUR" if sepa else rng.choice(("EUR", "EUR", "USD", "GBP", "CHF"))
    acct_nodes = [*acct, ("Ccy", ccy)] if ccy != "EUR" or rng.randrange(3) == 0 else acct
    tp: list[Node] = [("InstrPrty", "HIGH")] if not sepa and rng.randrange(3) == 0 else []
    tp.append(("SvcLvl", [("Cd", "SEPA" if sepa else "URGP")]))
    if sepa and rng.randrange(5) == 0:
        tp.append(("LclInstrm", [("Cd", "INST")]))
    if rng.randrange(10) < 3:
        tp.append(("CtgyPurp", [("Cd", rng.choice(("SUPP", "SALA", "TRAD", "INTC", "PENS")))]))
    day = _business_day(created, rng.randrange(4)).isoformat()
    pre: list[Node] = [("PmtInfId", f"{msg_id}-{i + 1:03d}"), ("PmtMtd", "TRF"),
                       ("BtchBookg", "true" if rng.randrange(5) else "false")]
    post: list[Node] = [("PmtTpInf", tp), ("ReqdExctnDt", [("Dt", day)] if v.new else day),
                        ("Dbtr", debtor.party), ("DbtrAcct", acct_nodes), ("DbtrAgt", agent),
                        ("ChrgBr", "SLEV" if sepa else "SHAR")]
    return _Block(size, sepa, ccy, rng.randrange(2) == 0, pre, post)


class _Pain001:
    """Plans one pain.001 message and yields its text in pieces (see :func:`pain001`)."""

    def __init__(self, n_tx: int, version: str, seed: int, n_pmtinf: int | None,
                 envelope: bool) -> None:
        if n_tx < 1:
            raise ValueError("n_tx must be >= 1")
        self.v = v = _ver(version, PAIN001_VERSIONS)
        self.rng = rng = random.Random(seed)
        self.amount_seed = rng.getrandbits(64)
        self.envelope, self.base = envelope, 1 if envelope else 0
        created = _timestamp(rng)
        self.tag = f"{rng.getrandbits(24):06X}"
        self.msg_id = f"PAIN{created:%Y%m%d}-{self.tag}{rng.getrandbits(16):04X}"
        self.created, self.day = _iso_dt(created, v.new), created.date()
        self.cre_dt = _iso_dt(created, True)
        self.cc = cc = rng.choice(("DE", "DE", "DE", "FR", "NL", "BE", "ES", "IT", "AT"))
        corp = _company(rng, cc)
        self.corp_bic = "".join(rng.choice(_ALNUM[10:]) for _ in range(4)) + cc + "22"
        self.initg: list[Node] = [("Nm", corp), ("Id", [("OrgId", [("Othr", [
            ("Id", f"{cc}{_digits(rng, 9)}"), ("SchmeNm", [("Cd", "CUST")])])])])]
        self.debtor = _counterparty(rng, v, cc, lines_ok=False, name=corp)
        accounts = [_account(rng, v, cc) for _ in range(rng.randint(1, 3))]
        k = n_pmtinf if n_pmtinf is not None else min(n_tx, 2 + rng.randrange(4) + n_tx // 5000)
        if not 1 <= k <= n_tx:
            raise ValueError("n_pmtinf must be between 1 and n_tx")
        cuts = sorted(rng.sample(range(1, n_tx), k - 1))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n_tx], strict=True)]
        self.pools = (
            [_counterparty(rng, v, cc if rng.randrange(2) else rng.choice(_SEPA))
             for _ in range(min(n_tx, 1500))],
            [_counterparty(rng, v, rng.choice(_WORLD)) for _ in range(min(n_tx, 500))],
        )
        self.rendered: tuple[dict[int, _Raw], dict[int, _Raw]] = ({}, {})
        self.blocks = [_pain_block(rng, v, i, size, self.msg_id, created.date(), self.debtor,
                                   accounts) for i, size in enumerate(sizes)]
        self.to_bic = accounts[0][0]

    def _draw(self, arng: random.Random, blk: _Block) -> tuple[int, str, Decimal]:
        """Counterparty index, currency and amount: the only draws from the amount stream."""
        pool = self.pools[0 if blk.sepa else 1]
        i = arng.randrange(len(pool))
        ccy = "EUR" if blk.sepa else pool[i].ccy if arng.randrange(5) < 3 else blk.ccy
        return i, ccy, _amount(arng, ccy)

    def parts(self, chunk_tx: int) -> Iterator[str]:
        v, base, rng = self.v, self.base, self.rng
        arng = random.Random(self.amount_seed)  # first pass: sums only
        sums = [sum((self._draw(arng, b)[2] for _ in range(b.size)), Decimal(0))
                for b in self.blocks]
        n_tx = sum(b.size for b in self.blocks)
        hdr = None
        if self.envelope:
            hdr = _apphdr(self.corp_bic, self.to_bic, self.msg_id, v.id,
                          "swift.cbprplus.02" if v.new else None, self.cre_dt)
        grp: list[Node] = [("MsgId", self.msg_id), ("CreDtTm", self.created),
                           ("NbOfTxs", str(n_tx)), ("CtrlSum", str(sum(sums, Decimal(0)))),
                           ("InitgPty", self.initg)]
        yield _open(v, "CstmrCdtTrfInitn", hdr) + _render([("GrpHdr", grp)], base + 2)
        arng = random.Random(self.amount_seed)  # second pass: the same amounts, written
        i2, i3 = _IND[base + 2], _IND[base + 3]
        seq = 0
        for b, total in zip(self.blocks, sums, strict=True):
            out = [f"{i2}<PmtInf>"]
            _emit(out, [*b.pre, ("NbOfTxs", str(b.size)), ("CtrlSum", str(total)), *b.post],
                  base + 3)
            for _ in range(b.size):
                seq += 1
                out.append(f"{i3}<CdtTrfTxInf>")
                _emit(out, self._tx(rng, b, seq, *self._draw(arng, b)), base + 4)
                out.append(f"{i3}</CdtTrfTxInf>")
                if seq % chunk_tx == 0:
                    yield "".join(out)
                    out = []
            out.append(f"{i2}</PmtInf>")
            yield "".join(out)
        yield _close("CstmrCdtTrfInitn", self.envelope)

    def _tx(self, rng: random.Random, b: _Block, seq: int, i: int, ccy: str,
            value: Decimal) -> list[Node]:
        v = self.v
        pid: list[Node] = [("InstrId", f"INSTR-{self.tag}-{seq:07d}")] if b.instr_ids else []
        pid.append(("EndToEndId", f"E2E-{self.tag}-{seq:07d}"))
        if v.new:
            pid.append(("UETR", _uetr(rng)))
        tx: list[Node] = [("PmtId", pid), ("Amt", [_amt("InstdAmt", ccy, value)])]
        if rng.randrange(25) == 0:
            tx.append(("UltmtDbtr", [("Nm", _company(rng, self.cc))]))
        pool, cache = self.pools[0 if b.sepa else 1], self.rendered[0 if b.sepa else 1]
        cp = pool[i]
        frag = cache.get(i)
        if frag is None:
            frag = cache[i] = _render([("CdtrAgt", cp.agent), ("Cdtr", cp.party),
                                       ("CdtrAcct", cp.acct)], self.base + 4)
        tx.append(frag)
        if rng.randrange(25) == 0:
            tx.append(("UltmtCdtr", [("Nm", _company(rng, cp.cc))]))
        if rng.randrange(20) < 7:
            tx.append(("Purp", [("Cd", rng.choice(_PURPOSES))]))
        if cp.cc not in _SEPA and rng.randrange(5) < 3:
            tx.append(_regulatory(rng, self.cc, ccy, value, "DEBT"))
        tx.append(("RmtInf", _rmtinf(rng, self.day, ccy, value)))
        return tx


def pain001(n_tx: int, *, version: str = "pain.001.001.09", seed: int = 0,
            n_pmtinf: int | None = None, envelope: bool = False) -> bytes:
    """Return a schema-valid pain.001 customer credit transfer initiation as UTF-8 bytes.

    ``n_tx`` transactions are spread over ``n_pmtinf`` payment-information blocks (a few,
    growing with ``n_tx``, when None); ``envelope`` wraps the Document with a head.001.001.02
    AppHdr in an ``<Envelope>``.  Raises ``ValueError`` for an unsupported ``version`` or
    impossible counts.

    Example: ``doc = pain001(100, version="pain.001.001.03", seed=7)``
    """
    gen = _Pain001(n_tx, version, seed, n_pmtinf, envelope)
    return b"".join(part.encode() for part in gen.parts(1000))


def write_pain001(path: str | os.PathLike[str], n_tx: int, *, version: str = "pain.001.001.09",
                  seed: int = 0, n_pmtinf: int | None = None, envelope: bool = False,
                  chunk_tx: int = 1000) -> int:
    """Stream :func:`pain001` (same arguments, same bytes) to ``path``; return bytes written.

    Memory stays constant whatever ``n_tx``: transactions are written ``chunk_tx`` at a time.

    Example: ``size = write_pain001("big.xml", 100_000, seed=1)``
    """
    if chunk_tx < 1:
        raise ValueError("chunk_tx must be >= 1")
    gen = _Pain001(n_tx, version, seed, n_pmtinf, envelope)
    with open(path, "wb") as fh:
        return _write_parts(fh, gen.parts(chunk_tx))


def write_pain001_bytes_target(path: str | os.PathLike[str], target_bytes: int, *,
                               version: str = "pain.001.001.09", seed: int = 0,
                               envelope: bool = False, chunk_tx: int = 1000) -> tuple[int, int]:
    """Stream a pain.001 of roughly ``target_bytes`` (within a few %) to ``path``.

    The transaction count is estimated from two small samples; returns ``(n_tx, bytes)``.

    Example: ``n_tx, size = write_pain001_bytes_target("1g.xml", 1 << 30)``
    """
    small, large = (len(pain001(n, version=version, seed=seed, envelope=envelope))
                    for n in (1000, 10_000))
    per_tx = (large - small) / 9000
    n_tx = max(1, round(1000 + (target_bytes - small) / per_tx))
    return n_tx, write_pain001(path, n_tx, version=version, seed=seed, envelope=envelope,
                               chunk_tx=chunk_tx)


def _write_parts(fh: BinaryIO, parts: Iterator[str]) -> int:
    written = 0
    for part in parts:
        data = part.encode()
        fh.write(data)
        written += len(data)
    return written


# --------------------------------------------------------------------------- pacs.008
def _pacs_tx(rng: random.Random, v: _Ver, k: int, mtd: str, ccy: str, day: str,
             instg: tuple[tuple[str, str], str], instd: tuple[tuple[str, str], str]) -> tuple[
                 list[Node], Decimal]:
    (instg_bank, instg_cc), (instd_bank, instd_cc) = instg, instd
    dec = Decimal(1).scaleb(-_CCY[ccy][0])
    debtor = _counterparty(rng, v, instg_cc, bank_at=instg_bank if rng.randrange(3) else None,
                           id_odds=2)
    cdtr_cc = instd_cc if mtd == "CLRG" or rng.randrange(10) < 7 else rng.choice(
        [c for c in _WORLD if _HOME_CCY[c] == ccy] or [instd_cc])
    creditor = _counterparty(rng, v, cdtr_cc, bank_at=instd_bank if cdtr_cc == instd_cc
                             and rng.randrange(3) else None, id_odds=3)
    pid: list[Node] = [("InstrId", f"I{day.replace('-', '')[2:]}{rng.getrandbits(40):010X}"),
                       ("EndToEndId", "NOTPROVIDED" if rng.randrange(10) == 0 else
                        f"E2E{k:03d}-{rng.choice(('INV', 'PO', 'REF'))}{rng.randrange(10**8):08d}"),
                       ("TxId", f"T{day.replace('-', '')}{rng.getrandbits(44):011X}")]
    if v.new:
        pid.append(("UETR", _uetr(rng)))
    tp: list[Node] = [("InstrPrty", "HIGH")] if rng.randrange(4) == 0 else []
    tp.append(("SvcLvl", [("Cd", "URGP" if mtd == "CLRG" else rng.choice(("G001", "NURG")))]))
    if rng.randrange(3) == 0:
        tp.append(("CtgyPurp", [("Cd", rng.choice(("SUPP", "TRAD", "INTC", "CASH")))]))
    tx: list[Node] = [("PmtId", pid), ("PmtTpInf", tp)]
    value, extra = _amount(rng, ccy), list[Node]()
    if debtor.ccy != ccy and rng.randrange(10) < 4:
        instd_value = _amount(rng, debtor.ccy)
        rate = (_PER_USD[ccy] / _PER_USD[debtor.ccy]).quantize(Decimal("0.000001"))
        value = max((instd_value * rate).quantize(dec), dec)
        extra = [_amt("InstdAmt", debtor.ccy, instd_value), ("XchgRate", str(rate))]
    tx.append(_amt("IntrBkSttlmAmt", ccy, value))
    if v.new:
        tx.append(("IntrBkSttlmDt", day))
    chrg_br = "SLEV" if mtd == "CLRG" else rng.choice(("DEBT", "SHAR", "SHAR", "CRED"))
    tx += [*extra, ("ChrgBr", chrg_br)]
    if chrg_br != "SLEV" and rng.randrange(10) < 4:
        fee = Decimal(rng.choice((5, 10, 15, 25, 35)) * _CCY[ccy][1]).quantize(dec)
        tx.append(("ChrgsInf", [_amt("Amt", ccy, fee),
                                ("Agt" if v.new else "Pty", _agent(v, instg_bank[0]))]))
    tx += [("InstgAgt", _agent(v, instg_bank[0])), ("InstdAgt", _agent(v, instd_bank[0]))]
    if mtd != "CLRG" and rng.randrange(4) == 0:
        tx.append(("IntrmyAgt1", _agent(v, rng.choice(_BANKS["US" if ccy == "USD" else "DE"])[0])))
    if rng.randrange(10) == 0:
        tx.append(("UltmtDbtr", [("Nm", _company(rng, instg_cc))]))
    tx += [("Dbtr", debtor.party), ("DbtrAcct", debtor.acct), ("DbtrAgt", debtor.agent),
           ("CdtrAgt", creditor.agent), ("Cdtr", creditor.party), ("CdtrAcct", creditor.acct)]
    if rng.randrange(10) == 0:
        tx.append(("UltmtCdtr", [("Nm", _company(rng, cdtr_cc))]))
    if rng.randrange(10) == 0:
        tx.append(("InstrForCdtrAgt", [("Cd", "PHOB"), ("InstrInf", "Please advise beneficiary")]))
    if rng.randrange(10) < 6:
        tx.append(("Purp", [("Cd", rng.choice(_PURPOSES))]))
    reg_cc = next((c for c in (cdtr_cc, instg_cc) if c in ("PK", "AE", "SA", "KW")), None)
    if reg_cc is not None and rng.randrange(10) < 7:
        side = "CRED" if reg_cc == cdtr_cc else "DEBT"
        tx.append(_regulatory(rng, reg_cc, ccy, value, side))
    if rng.randrange(10) < 9:
        tx.append(("RmtInf", _rmtinf(rng, date.fromisoformat(day), ccy, value)))
    return tx, value


def pacs008(n_tx: int = 1, *, version: str = "pacs.008.001.08", seed: int = 0,
            envelope: bool = True) -> bytes:
    """Return a schema-valid pacs.008 FI-to-FI customer credit transfer as UTF-8 bytes.

    One message with ``n_tx`` transactions sharing a settlement method (CLRG via TARGET2,
    INDA, INGA or COVE), currency and date; wrapped with a head.001.001.02 AppHdr in an
    ``<Envelope>`` unless ``envelope`` is false.  A single-transaction message with its
    AppHdr is about 3.5 KB.  Raises ``ValueError`` for an unsupported ``version``.

    Example: ``pool = [pacs008(seed=i) for i in range(200)]``
    """
    v = _ver(version, PACS008_VERSIONS)
    if n_tx < 1:
        raise ValueError("n_tx must be >= 1")
    rng = random.Random(seed)
    created = _timestamp(rng)
    day = _business_day(created.date(), rng.randrange(2)).isoformat()
    mtd = rng.choice(("CLRG", "INDA", "INDA", "INGA", "COVE"))
    ccy = "EUR" if mtd == "CLRG" else rng.choice(
        ("USD", "USD", "USD", "EUR", "EUR", "GBP", "CHF", "PKR", "CNY", "AED", "SAR", "JPY", "KWD"))
    instg_cc = rng.choice(_EURO if mtd == "CLRG" else _WORLD)
    instd_cc = rng.choice([c for c in _WORLD if _HOME_CCY[c] == ccy] or ["US"])
    instg, instd = rng.choice(_BANKS[instg_cc]), rng.choice(_BANKS[instd_cc])
    msg_id = f"{instg[0][:8]}{created:%Y%m%d}{rng.getrandbits(40):010X}"
    txs, total = [], Decimal(0)
    for k in range(1, n_tx + 1):
        nodes, value = _pacs_tx(rng, v, k, mtd, ccy, day, (instg, instg_cc), (instd, instd_cc))
        txs.append(("CdtTrfTxInf", nodes))
        total += value
    sttlm: list[Node] = [("SttlmMtd", mtd)]
    if mtd == "CLRG":
        sttlm.append(("ClrSys", [("Cd", "TGT")]))
    elif mtd == "COVE":
        reimb = rng.choice(_BANKS["US" if ccy == "USD" else "DE"])[0]
        sttlm.append(("InstgRmbrsmntAgt", _agent(v, reimb)))
    grp: list[Node] = [("MsgId", msg_id), ("CreDtTm", _iso_dt(created, True)),
                       ("NbOfTxs", str(n_tx))]
    if not v.new:
        grp += [("CtrlSum", str(total)), _amt("TtlIntrBkSttlmAmt", ccy, total),
                ("IntrBkSttlmDt", day)]
    grp.append(("SttlmInf", sttlm))
    base = 1 if envelope else 0
    hdr = None
    if envelope:
        hdr = _apphdr(instg[0], instd[0], msg_id, v.id, "swift.cbprplus.02" if v.new else None,
                      _iso_dt(created, True))
    body = _render([("GrpHdr", grp), *txs], base + 2)
    root = "FIToFICstmrCdtTrf"
    return (_open(v, root, hdr) + body + _close(root, envelope)).encode()


# --------------------------------------------------------------------------- command line
def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic message to a file or stdout; return the exit status.

    Example: ``python -m iso20022.synth pacs.008.001.08 --tx 3 --seed 5 -o -``
    """
    ap = argparse.ArgumentParser(prog="python -m iso20022.synth",
                                 description="Write a synthetic ISO 20022 message.")
    ap.add_argument("message", choices=(*PAIN001_VERSIONS, *PACS008_VERSIONS))
    ap.add_argument("--tx", type=int, default=None, help="transactions (default 100 / 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pmtinf", type=int, default=None, help="pain.001 PmtInf blocks")
    ap.add_argument("--envelope", action=argparse.BooleanOptionalAction, default=None,
                    help="wrap with a head.001.001.02 AppHdr (default: pacs yes, pain no)")
    ap.add_argument("--target-bytes", type=int, default=None, help="pain.001: size to reach")
    ap.add_argument("-o", "--output", default="-", help="file, or - for stdout")
    a = ap.parse_args(argv)
    pain = a.message.startswith("pain")
    envelope = (not pain) if a.envelope is None else a.envelope
    try:
        if pain and a.target_bytes is not None and a.output != "-":
            n_tx, size = write_pain001_bytes_target(a.output, a.target_bytes, version=a.message,
                                                    seed=a.seed, envelope=envelope)
            print(f"{a.output}: {n_tx} transactions, {size} bytes", file=sys.stderr)
            return 0
        if pain:
            gen = _Pain001(a.tx or 100, a.message, a.seed, a.pmtinf, envelope)
            parts: Iterator[str] = gen.parts(1000)
        else:
            parts = iter((pacs008(a.tx or 1, version=a.message, seed=a.seed,
                                  envelope=envelope).decode(),))
    except ValueError as exc:
        ap.error(str(exc))
    if a.output == "-":
        _write_parts(sys.stdout.buffer, parts)
        sys.stdout.buffer.flush()
    else:
        with open(a.output, "wb") as fh:
            _write_parts(fh, parts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
