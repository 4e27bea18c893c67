"""Cells for .xlsx files that are safe to open: text that looks like a formula stays text.

A name, address or note typed as "=HYPERLINK(…)" or "+86…" would otherwise be written as a live
formula (openpyxl types any string starting with "=" as one) and run when an official opens the
export — OWASP's CSV/formula injection. Every module that writes a workbook puts text through here.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.cell import WriteOnlyCell as _WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

# First characters a spreadsheet reads as a formula or command (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: object) -> str:
    """Text without the control characters that make a workbook unreadable."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def text_cell(ws: Any, text: str) -> Any:
    """A cell that holds `text` as text even when it starts like a formula."""
    cell = _WriteOnlyCell(ws, value=text) if not isinstance(ws, Worksheet) else Cell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def safe_row(ws: Any, values: list[Any]) -> list[Any]:
    """The row for `ws.append`: strings cleaned, formula-like strings as text cells."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            text = clean_text(value)
            out.append(text_cell(ws, text) if formula_like(text) else text)
        else:
            out.append(value)
    return out
