"""The parser streams: records come out while the input is still being read."""

from __future__ import annotations

import io

import pytest

import iso20022

pytestmark = pytest.mark.usefixtures("use_implementation")

NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"


def big_pacs008(n: int) -> bytes:
    tx = (
        "<CdtTrfTxInf><PmtId><EndToEndId>E{i}</EndToEndId></PmtId>"
        '<IntrBkSttlmAmt Ccy="EUR">{i}.01</IntrBkSttlmAmt><ChrgBr>SLEV</ChrgBr>'
        "<Cdtr><Nm>Creditor {i}</Nm></Cdtr></CdtTrfTxInf>\n"
    )
    body = "".join(tx.format(i=i) for i in range(n))
    return (
        f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf><GrpHdr><MsgId>BIG</MsgId>'
        f"<CreDtTm>2026-11-25T10:00:00Z</CreDtTm><NbOfTxs>{n}</NbOfTxs>"
        f"<SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>\n{body}"
        "</FIToFICstmrCdtTrf></Document>"
    ).encode()


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_so_far = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_so_far += len(chunk)
        return chunk


def test_first_record_arrives_before_the_input_is_read() -> None:
    data = big_pacs008(20_000)
    stream = CountingStream(data)
    transfers = iso20022.parse(stream)
    first = next(transfers)
    assert first.end_to_end_id == "E0"
    assert stream.read_so_far < len(data) // 4
    rest = list(transfers)
    assert len(rest) == 19_999
    assert rest[-1].end_to_end_id == "E19999"
    assert rest[-1].source.index == 19_999
    assert str(rest[-1].amount.amount) == "19999.01"
    assert rest[-1].source.line == 20_001


def test_all_records_share_one_message_header() -> None:
    transfers = list(iso20022.parse(big_pacs008(10)))
    assert all(t.message is transfers[0].message for t in transfers)


def test_line_numbers_stay_exact_past_line_65535() -> None:
    """libxml2 reports line + 1 from line 65535 on; both implementations give the true line."""
    data = big_pacs008(70_000)
    transfers = list(iso20022.parse(data))
    for t in (transfers[65_533], transfers[65_534], transfers[69_999]):
        start = -1
        for _ in range(t.source.index + 1):
            start = data.index(b"<CdtTrfTxInf>", start + 1)
        assert t.source.line == data.count(b"\n", 0, start) + 1


def test_whitespace_between_closed_blocks_does_not_pile_up_past_line_65535() -> None:
    """Closed blocks leave with the whitespace after them: the parent's text stays small.

    Past line 65534 the twin feeds line by line; a block removed as soon as it
    closed left the following newline to pile up in its parent's text, so a big
    file broke the text limit (and memory grew with it).
    """
    from iso20022.limits import Limits

    transfers = list(iso20022.parse(big_pacs008(70_000), limits=Limits(max_text_bytes=1024)))
    assert len(transfers) == 70_000
