"""List pages as Excel workbooks: one generic writer every list export goes through.

A sheet is: a note row (who exported, when, with which filters, how many rows), the bold,
frozen header row, then the data. Times are real Excel datetimes in Asia/Shanghai with a
"yyyy-mm-dd hh:mm" format. Text that a spreadsheet would run as a formula (=, +, -, @ …)
is stored as a plain string with the quote prefix, so an exported complaint text cannot
execute anything when opened (CSV/formula injection). Callers pass values already masked
for the reader's role: this module never decides what is personal data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gongzhi.auth.models import User
from gongzhi.clock import local, local_time
from gongzhi.errors import Invalid
from gongzhi.http import get_lang
from gongzhi.i18n import translate
from gongzhi.spreadsheet import clean_text, formula_like
from gongzhi.web import xlsx_messages  # noqa: F401  (registers the texts)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_ROW = 2  # row 1 is the note
_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Column:
    key: str  # i18n key of the header
    width: int = 14  # characters; CJK text needs about twice its length


def check_size(total: int) -> None:
    """Refuse (422, in the caller's language) before building anything too large."""
    if total > MAX_ROWS:
        raise Invalid("xlsx_too_many_rows", n=total, max=MAX_ROWS)


def cell_value(value: Any) -> tuple[Any, str | None, bool]:
    """(value to store, number format, store-as-text) for one cell."""
    if value is None:
        return None, None, False
    if isinstance(value, bool):
        return value, None, False
    if isinstance(value, datetime):
        # Excel has no time zones: store the Shanghai wall-clock time the pages show.
        shown = local(value) if value.tzinfo is not None else value
        return shown.replace(tzinfo=None, microsecond=0), DATETIME_FORMAT, False
    if isinstance(value, date):
        return value, DATE_FORMAT, False
    if isinstance(value, int | float):
        return value, None, False
    text = clean_text(value)
    return text, None, formula_like(text)


def _styled(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    stored, fmt, as_text = cell_value(value)
    cell = WriteOnlyCell(ws, value=stored)
    if fmt:
        cell.number_format = fmt
    if as_text:
        cell.data_type = "s"  # openpyxl would otherwise have typed "=…" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def _cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    stored, fmt, as_text = cell_value(value)
    if not fmt and not as_text:
        return stored  # a plain value: far cheaper for openpyxl than a styled cell
    return _styled(ws, value)


def build_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, note: str,
                   widths: Sequence[int] | None = None) -> bytes:
    """The .xlsx bytes: note row, bold frozen header, data rows (at most MAX_ROWS)."""
    # Count first (one row past the limit is enough to refuse), so a refusal leaves no half-written file.
    data = list(islice(rows, MAX_ROWS + 1))
    check_size(len(data))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    for i, width in enumerate(widths or [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    note_cell = _styled(ws, note)
    note_cell.font = Font(italic=True, color="666666")
    ws.append([note_cell])
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = _styled(ws, h)
        c.font = bold
        c.alignment = Alignment(vertical="center")
        header_cells.append(c)
    ws.append(header_cells)
    for row in data:
        ws.append([_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def content_disposition(filename: str, ascii_fallback: str) -> str:
    """RFC 6266/5987: a plain ASCII name for old clients, the Chinese name as filename*."""
    fallback = _ASCII_SAFE.sub("-", ascii_fallback).strip("-") or "export.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def filter_text(filters: Sequence[tuple[str, str]], lang: str) -> str:
    shown = [f"{label}={value}" for label, value in filters if value]
    return "；".join(shown) if shown else translate("xlsx.no_filter", lang)


def xlsx_response(request: Request, user: User, *, name: str, title_key: str, columns: Sequence[Column],
                  rows: Sequence[Sequence[Any]], filters: Sequence[tuple[str, str]] = (),
                  now: datetime) -> Response:
    """An attachment named e.g. 工单队列_20261123.xlsx (ASCII fallback queue-20261123.xlsx).

    `name` is the ASCII stem; `filters` are (label, value) pairs already in the reader's language.
    """
    check_size(len(rows))
    lang = get_lang(request)
    title = translate(title_key, lang)
    who = f"{user.display_name or user.username}（{user.username}）"
    note = translate("xlsx.note", lang, who=who, when=local_time(now), filters=filter_text(filters, lang),
                     n=len(rows))
    data = build_workbook(title, [translate(c.key, lang) for c in columns], rows, note=note,
                          widths=[c.width for c in columns])
    stamp = local(now).strftime("%Y%m%d-%H%M")
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": content_disposition(f"{title}_{stamp}.xlsx", f"{name}-{stamp}.xlsx"),
        "Cache-Control": "no-store",
    })


def export_url(request: Request) -> str:
    """This page's address with its current query string plus format=xlsx (for the 导出 Excel link)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    params.append(("format", "xlsx"))

    return f"{request.url.path}?{urlencode(params)}"


def wants_xlsx(fmt: str) -> bool:
    return fmt.lower() == "xlsx"
