"""The PDFs: valid files with the Noto CJK subset embedded, Chinese text extractable through the
ToUnicode map, vector charts, and pages added as content grows. Parsed by hand (zlib + regex):
no PDF library is a dependency."""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests import factories
from tests.analytics.test_reports import _month_data

from gongzhi.analytics import pdf, reports
from gongzhi.analytics.periods import month
from gongzhi.geo.models import Area

T0 = factories.T0


def _streams(data: bytes) -> list[bytes]:
    """Every stream, inflated when it is FlateDecode."""
    out = []
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.S):
        head, body = m.group(1), m.group(2)
        out.append(zlib.decompress(body) if b"FlateDecode" in head else body)
    return out


def _unicode_map(data: bytes) -> set[str]:
    """Characters the ToUnicode CMaps map glyphs to (bfchar and bfrange entries)."""
    chars: set[str] = set()
    for stream in _streams(data):
        if b"begincmap" not in stream:
            continue
        for _gid, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4,})>", stream):
            chars.add(bytes.fromhex(uni.decode()).decode("utf-16-be", errors="ignore"))
        for lo, hi, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4})>", stream):
            start = int(uni, 16)
            chars.update(chr(start + i) for i in range(int(hi, 16) - int(lo, 16) + 1))
    return chars


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def _sample_monthly(n_categories: int = 5) -> dict[str, Any]:
    labels = [f"类别{i}" for i in range(n_categories)]
    return {
        "kind": "monthly", "title": "北山街道 2026-10 月度报告", "area": {"code": "S1", "name": "北山街道", "level": "street"},
        "period": {"label": "2026-10", "start": "2026-10-01", "end": "2026-10-31"},
        "previous": {"label": "2026-09", "start": "2026-09-01", "end": "2026-09-30"},
        "generated_at": "2026-11-23 10:00",
        "headline": [{"code": "satisfaction", "name": "满意率", "formatted": "92.0%", "previous_formatted": "88.9%",
                      "change_text": "上升 3.1 个百分点"}],
        "sections": [
            {"key": "headline", "title": "主要指标", "summary": "满意率 92.0%，较上月上升 3.1 个百分点", "rows": [],
             "charts": []},
            {"key": "cases", "title": "工单分类", "summary": "本月受理工单", "rows": [{"label": "受理工单", "value": "40"}],
             "charts": [{"key": "by_category", "kind": "bar", "title": "各类工单数量", "unit": "件", "labels": labels,
                         "series": [{"name": "受理工单", "values": [float(i + 1) for i in range(n_categories)]}]}]},
            {"key": "trend", "title": "近 12 个月趋势", "summary": "趋势", "rows": [],
             "charts": [{"key": "satisfaction_trend", "kind": "line", "title": "满意率", "unit": "%",
                         "labels": [f"2026-{m:02d}" for m in range(1, 13)],
                         "series": [{"name": "满意率", "values": [None, 80, 82, 85, 86, 88, 87, 89, 88.9, 92, 90, 91]}]}]},
        ],
    }


def test_nice_axis_tops() -> None:
    assert [pdf._nice_max(v) for v in (0, 0.3, 1, 7, 12, 92, 100, 101, 2400)] == [1, 0.5, 1, 10, 20, 100, 100, 200,
                                                                                  2500]


def test_monthly_pdf_embeds_a_cjk_subset_with_unicode_text() -> None:
    data = pdf.monthly_pdf(_sample_monthly(), "zh")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile3" in data or b"/FontFile2" in data  # the font program is inside the file
    base = re.search(rb"/BaseFont\s*/([A-Z]{6})\+(NotoSansCJK\w*)", data)
    assert base is not None  # a subset: six-letter tag + the Noto name
    assert len(data) < 200_000  # a subset, not the 16 MB font
    chars = _unicode_map(data)
    for text in ("北山街道月度报告", "满意率较上月上升个百分点", "工单分类"):
        assert set(text) <= chars, set(text) - chars
    assert _pages(data) == 1


def test_charts_are_vector_drawings() -> None:
    data = pdf.monthly_pdf(_sample_monthly(5), "zh")
    content = b"\n".join(s for s in _streams(data) if b" re" in s or b" l\n" in s or b" l S" in s)
    # Five filled bars: rectangles ("x y w h re") then fill; no images anywhere.
    assert len(re.findall(rb"re\s+f", content)) >= 5
    assert b"/Subtype /Image" not in data
    # The trend line: segments drawn between the 11 months that have a value (10 segments).
    assert len(re.findall(rb"[\d.]+ [\d.]+ m [\d.]+ [\d.]+ l S", content)) >= 10


def test_long_reports_flow_onto_more_pages() -> None:
    assert _pages(pdf.monthly_pdf(_sample_monthly(60), "zh")) >= 2


def test_english_pdf_uses_the_same_font() -> None:
    data = pdf.monthly_pdf(_sample_monthly(), "en")
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data and b"Page 1" not in data  # text is glyph ids


@pytest.fixture
def tree(session: Session) -> dict[str, Area]:
    return factories.build_area_tree(session)


def test_real_monthly_and_pilot_reports_render(session: Session, tree: dict[str, Area]) -> None:
    from datetime import date

    from gongzhi.analytics import pilots

    _month_data(session, tree)
    official = factories.make_user(session, "official_s1", "official", "S1")
    report = reports.monthly_report(session, official, tree["S1"], month(2026, 10), now=T0, lang="zh")
    data = pdf.monthly_pdf(report, "zh")
    chars = _unicode_map(data)
    assert set("本月受理工单") <= chars and set("路灯故障") <= chars
    pid = pilots.create_pilot(session, actor=official, now=T0, data=pilots.PilotData(
        name="物业纠纷调处试点", area_code="S1", start_date=date(2026, 10, 15), problem="投诉集中",
        actions=["设立调解室"], measure_codes=["satisfaction", "dispute_count", "response_median"])).id
    pilot = reports.pilot_report(session, official, pid, now=T0, lang="zh")
    data = pdf.pilot_pdf(pilot, "zh")
    assert data.startswith(b"%PDF") and _pages(data) >= 1
    assert set("问题措施成效试点前后设立调解室") <= _unicode_map(data)
