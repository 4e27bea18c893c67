"""Formula-like text written by any export stays text (CSV/formula injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from gongzhi.spreadsheet import safe_row


@pytest.mark.parametrize("write_only", [False, True])
def test_formula_like_text_is_stored_as_text(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    ws = book.create_sheet() if write_only else book.active
    assert ws is not None
    ws.append(safe_row(ws, ["=HYPERLINK(\"http://x\")", "+8613800000000", "-1", "@SUM(A1)", "张三", 3, None]))
    buf = io.BytesIO()
    book.save(buf)
    sheet = load_workbook(io.BytesIO(buf.getvalue())).active
    assert sheet is not None
    cells = list(sheet[1])
    assert [c.data_type for c in cells[:5]] == ["s"] * 5  # never "f": nothing runs when opened
    assert cells[0].value == "=HYPERLINK(\"http://x\")" and cells[5].value == 3
