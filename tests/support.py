"""Test support: paths to ../shared and the corpus index."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
DATA = Path(__file__).resolve().parent / "data"
COMPILED_DISABLED = os.environ.get("ISO20022_NO_EXTENSIONS", "") not in ("", "0")


def corpus_rows() -> list[tuple[str, str, bool]]:
    """(relative path, message id, validates) for every corpus sample; [] without ../shared."""
    index = CORPUS / "INDEX.md"
    if not index.exists():
        return []
    rows = re.findall(r"^\| `([^`]+)` \| (\S+) \| .*? \| ([yn]) \| \d+ \|",
                      index.read_text(encoding="utf-8"), re.M)
    return [(path, mid, valid == "y") for path, mid, valid in rows]


def require_corpus() -> Path:
    if not (CORPUS / "INDEX.md").exists():
        pytest.skip(f"sample corpus not found at {CORPUS} (../shared is absent)")
    return CORPUS


def require_shared() -> Path:
    """Return ``../shared``, or skip the calling test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (../shared beside the repository)")
    return SHARED


PACS008_NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"


def small_pacs008(name: str = "Debtor", *, amount: str = "12.50", ccy: str = "EUR",
                  doctype: str = "", prolog: str = "", extra: str = "",
                  wrap: tuple[str, str] = ("", "")) -> bytes:
    """A small pacs.008.001.08 for hand-made cases; ``name`` (the debtor's) is raw XML.

    Line 6 opens CdtTrfTxInf, line 7 holds EndToEndId, line 8 IntrBkSttlmAmt;
    ``extra`` follows the debtor inside the transaction.
    """
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}{doctype}
{wrap[0]}<Document xmlns="{PACS008_NS}">
 <FIToFICstmrCdtTrf>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-25T10:00:00</CreDtTm><NbOfTxs>1</NbOfTxs>
   <SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>
  <CdtTrfTxInf>
   <PmtId><EndToEndId>E2E-1</EndToEndId></PmtId>
   <IntrBkSttlmAmt Ccy="{ccy}">{amount}</IntrBkSttlmAmt>
   <ChrgBr>SLEV</ChrgBr>
   <Dbtr><Nm>{name}</Nm></Dbtr>{extra}
  </CdtTrfTxInf>
 </FIToFICstmrCdtTrf>
</Document>{wrap[1]}
""".encode()
