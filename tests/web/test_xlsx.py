"""The generic list-export writer: layout, Shanghai times, formula injection, file names, the row limit."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from gongzhi.errors import Invalid
from gongzhi.i18n import translate
from gongzhi.web import xlsx


def _open(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data)).active


def test_layout_note_bold_frozen_header_widths() -> None:
    data = xlsx.build_workbook("工单队列", ["编号", "状态"], [["GZ1", "待受理"], ["GZ2", "处理中"]],
                               note="导出人：李网格", widths=[18, 10])
    ws = _open(data)
    assert ws.title == "工单队列"
    assert ws["A1"].value == "导出人：李网格"
    assert [c.value for c in ws[2]] == ["编号", "状态"] and all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 18 and ws.column_dimensions["B"].width == 10
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=3)] == [["GZ1", "待受理"], ["GZ2", "处理中"]]
    assert not ws["A3"].font.b


def test_times_are_shanghai_wall_clock_with_a_date_format() -> None:
    # 2026-11-22 18:30 UTC is 2026-11-23 02:30 in Shanghai: the local day differs from the UTC day.
    data = xlsx.build_workbook("t", ["时间", "日期"], [[datetime(2026, 11, 22, 18, 30, 5, tzinfo=UTC),
                                                      date(2026, 11, 23)]], note="")
    ws = _open(data)
    assert ws["A3"].value == datetime(2026, 11, 23, 2, 30, 5)
    assert ws["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B3"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("text", ["=1+1", "+8613812345678", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")",
                                  "\t=1"])
def test_formula_like_text_is_stored_as_text(text: str) -> None:
    data = xlsx.build_workbook("t", ["内容"], [[text]], note="=evil()")
    ws = _open(data)
    assert ws["A3"].value == text and ws["A3"].data_type == "s" and ws["A3"].quotePrefix
    assert ws["A1"].data_type == "s"
    # No formula element anywhere in the sheet XML.
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet


def test_numbers_stay_numbers_and_plain_text_has_no_prefix() -> None:
    ws = _open(xlsx.build_workbook("t", ["a", "b", "c"], [[-5, 2.5, "路灯不亮"]], note=""))
    assert ws["A3"].value == -5 and ws["A3"].data_type == "n"
    assert ws["B3"].value == 2.5
    assert ws["C3"].value == "路灯不亮" and not ws["C3"].quotePrefix


def test_control_characters_are_dropped_not_a_crash() -> None:
    ws = _open(xlsx.build_workbook("t", ["a"], [["路灯\x01不亮\x1f"]], note=""))
    assert ws["A3"].value == "路灯不亮"


def test_sheet_title_is_made_legal() -> None:
    ws = _open(xlsx.build_workbook("a/b:c*" + "长" * 40, ["a"], [], note=""))
    assert ws.title == ("a b c " + "长" * 40)[:31]


def test_row_limit_is_a_chinese_422(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    xlsx.check_size(3)
    with pytest.raises(Invalid) as err:
        xlsx.check_size(4)
    assert err.value.status_code == 422
    assert translate(err.value.code, "zh", **err.value.params) == "导出行数 4 超过上限 3 行，请先筛选缩小范围再导出"
    with pytest.raises(Invalid):  # a generator longer than the limit is refused while writing
        xlsx.build_workbook("t", ["a"], ([i] for i in range(10)), note="")


def test_content_disposition_has_ascii_fallback_and_utf8_name() -> None:
    header = xlsx.content_disposition("工单队列_20261123-1000.xlsx", "queue-20261123-1000.xlsx")
    assert header.startswith('attachment; filename="queue-20261123-1000.xlsx"; filename*=UTF-8\'\'')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and unquote(encoded) == "工单队列_20261123-1000.xlsx"
    assert 'filename="export.xlsx"' in xlsx.content_disposition("x", "工单")
    assert '"a-b.xlsx"' in xlsx.content_disposition("x", 'a"b.xlsx')


def test_filter_text() -> None:
    assert xlsx.filter_text([("状态", "待受理"), ("网格", "")], "zh") == "状态=待受理"
    assert xlsx.filter_text([], "zh") == "无（全部）"
