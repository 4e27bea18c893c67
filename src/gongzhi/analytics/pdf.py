"""The monthly and pilot reports as PDF (fpdf2), drawn from the same dict as the page.

Chinese text uses Noto Sans CJK from the `cvttf_NotoSansCJK_Regular` wheel: fpdf2 embeds only the
glyphs used (a subset, /FontFile3 CFF) with a ToUnicode map, so the file is small, prints anywhere
and its text can be searched and copied. Charts are vector drawings (lines, rectangles, text),
never pictures, so they stay sharp when printed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from gongzhi.analytics import report_messages  # noqa: F401  (registers the texts)
from gongzhi.i18n import translate

FONT = "noto"
PRIMARY = (15, 92, 140)
BEFORE = (144, 164, 174)
GRID = (224, 224, 224)
TEXT = (33, 33, 33)
MUTED = (110, 110, 110)
GOOD, BAD = (46, 125, 50), (198, 40, 40)
BAR_ROW = 6.0  # mm per bar in a horizontal bar chart
LINE_CHART_H = 55.0


@lru_cache(maxsize=1)
def font_path() -> str:
    import cvttf_NotoSansCJK_Regular

    path: str = cvttf_NotoSansCJK_Regular.get_TTF_path()
    return path


class _Doc(FPDF):
    def __init__(self, title: str, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.lang = lang
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.add_font(FONT, "", font_path())
        self.set_font(FONT, size=10)
        self.set_title(title)
        self.set_creator("gongzhi 共治")
        self.set_lang("zh-CN" if lang == "zh" else "en")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.report_title} · {translate('reports.pdf.page', self.lang, n=self.page_no())}",
                  align="C")
        self.set_text_color(*TEXT)

    @property
    def content_width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def room(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one (charts are never cut in two)."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, size: float = 13) -> None:
        self.room(size + 12)
        self.ln(2)
        self.set_font(FONT, size=size)
        self.set_text_color(*PRIMARY)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*PRIMARY)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(2)
        self.set_text_color(*TEXT)
        self.set_font(FONT, size=10)

    def para(self, text: str, size: float = 10, colour: tuple[int, int, int] = TEXT) -> None:
        if not text:
            return
        self.set_font(FONT, size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*TEXT)
        self.set_font(FONT, size=10)
        self.ln(1)

    def grid_table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        self.set_font(FONT, size=9)
        self.set_fill_color(255, 255, 255)  # a chart's last fill must not tint the body rows
        self.set_text_color(*TEXT)
        head = FontFace(emphasis="", color=(255, 255, 255), fill_color=PRIMARY)
        with self.table(col_widths=tuple(widths), headings_style=head, line_height=5.2, padding=1,
                        first_row_as_headings=True, text_align="LEFT", borders_layout="HORIZONTAL_LINES") as table:
            for line in [list(header), *[list(r) for r in rows]]:
                row = table.row()
                for value in line:
                    row.cell(str(value))
        self.set_font(FONT, size=10)
        self.ln(2)


# ---------------------------------------------------------------- charts


def _nice_max(value: float) -> float:
    """A round axis top at or above `value` (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value * (1 - 1e-12):
            return float(step * exp)
    return float(10 * exp)


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def _unit_suffix(pdf: _Doc, chart: dict[str, Any]) -> str:
    if not chart.get("unit"):
        return ""
    return f" ({chart['unit']})" if pdf.lang == "en" else f"（{chart['unit']}）"


def bar_chart(pdf: _Doc, chart: dict[str, Any]) -> None:
    """Horizontal bars: long Chinese labels read better on the left than slanted under columns.
    Several series draw grouped bars per label (before/after)."""
    labels: list[str] = chart["labels"]
    series: list[dict[str, Any]] = chart["series"]
    height = 9 + len(labels) * BAR_ROW * max(len(series), 1) + 4
    pdf.room(height)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    unit = _unit_suffix(pdf, chart)
    pdf.cell(0, 5, f"{chart['title']}{unit}", new_x="LMARGIN", new_y="NEXT")
    values = [v for s in series for v in s["values"] if v is not None]
    top = _nice_max(max(values, default=0.0))
    label_w = min(max((pdf.get_string_width(x) for x in labels), default=10) + 3, 55)
    x0 = pdf.l_margin + label_w
    width = pdf.content_width - label_w - 18
    y = pdf.get_y() + 1
    pdf.set_draw_color(*GRID)
    for i in range(5):  # vertical gridlines at 0, 25, 50, 75, 100 % of the axis
        gx = x0 + width * i / 4
        pdf.line(gx, y, gx, y + len(labels) * BAR_ROW * max(len(series), 1))
    colours = [BEFORE, PRIMARY] if len(series) == 2 else [PRIMARY, BEFORE, GOOD]
    pdf.set_font(FONT, size=8)
    for li, label in enumerate(labels):
        group_y = y + li * BAR_ROW * max(len(series), 1)
        pdf.set_text_color(*TEXT)
        pdf.set_xy(pdf.l_margin, group_y + (BAR_ROW * max(len(series), 1) - 4) / 2)
        pdf.cell(label_w - 2, 4, label, align="R")
        for si, s in enumerate(series):
            value = s["values"][li]
            by = group_y + si * BAR_ROW + 1
            # Before/after pairs: the before bar grey, the after bar in colour, as on the page.
            paired = chart.get("palette") == "before_after"
            pdf.set_fill_color(*((BEFORE if li == 0 else PRIMARY) if paired else colours[si % len(colours)]))
            if value is not None and value > 0:
                pdf.rect(x0, by, width * value / top, BAR_ROW - 2, style="F")
            pdf.set_xy(x0 + (width * value / top if value and value > 0 else 0) + 1, by)
            pdf.set_text_color(*MUTED)
            pdf.cell(16, BAR_ROW - 2, "—" if value is None else _num(value))
    pdf.set_draw_color(*MUTED)
    bottom = y + len(labels) * BAR_ROW * max(len(series), 1)
    pdf.line(x0, y, x0, bottom)
    pdf.set_xy(pdf.l_margin, bottom + 1)
    pdf.set_text_color(*TEXT)
    pdf.set_font(FONT, size=10)
    pdf.ln(2)


def line_chart(pdf: _Doc, chart: dict[str, Any]) -> None:
    """A monthly trend: y gridlines, one polyline per series (gaps where a month has no figure)."""
    labels: list[str] = chart["labels"]
    pdf.room(LINE_CHART_H + 12)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    unit = _unit_suffix(pdf, chart)
    pdf.cell(0, 5, f"{chart['title']}{unit}", new_x="LMARGIN", new_y="NEXT")
    values = [v for s in chart["series"] for v in s["values"] if v is not None]
    top = _nice_max(max(values, default=0.0))
    x0, y0 = pdf.l_margin + 14, pdf.get_y() + 2
    width, height = pdf.content_width - 18, LINE_CHART_H - 12
    pdf.set_font(FONT, size=7)
    for i in range(5):
        gy = y0 + height - height * i / 4
        pdf.set_draw_color(*GRID)
        pdf.line(x0, gy, x0 + width, gy)
        pdf.set_xy(pdf.l_margin, gy - 2)
        pdf.cell(13, 4, _num(top * i / 4), align="R")
    step = width / max(len(labels) - 1, 1)
    for i, label in enumerate(labels):
        pdf.set_xy(x0 + i * step - 8, y0 + height + 1)
        pdf.cell(16, 4, label[2:] if len(label) == 7 else label, align="C")  # "2026-05" -> "26-05"
    for si, s in enumerate(chart["series"]):
        colour = [PRIMARY, GOOD, BAD][si % 3]
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.set_line_width(0.6)
        points = [None if v is None else (x0 + i * step, y0 + height - height * v / top)
                  for i, v in enumerate(s["values"])]
        for a, b in itertools.pairwise(points):
            if a is not None and b is not None:
                pdf.line(a[0], a[1], b[0], b[1])
        pdf.set_line_width(0.2)
        for p, v in zip(points, s["values"], strict=True):
            if p is not None and v is not None:
                pdf.ellipse(p[0] - 0.9, p[1] - 0.9, 1.8, 1.8, style="F")
                pdf.set_xy(p[0] - 8, p[1] - 5)
                pdf.set_text_color(*colour)
                pdf.cell(16, 4, _num(v), align="C")
    pdf.set_text_color(*TEXT)
    pdf.set_xy(pdf.l_margin, y0 + height + 7)
    pdf.set_font(FONT, size=10)
    pdf.ln(2)


def draw_chart(pdf: _Doc, chart: dict[str, Any]) -> None:
    if not chart.get("labels"):
        return
    (line_chart if chart["kind"] == "line" else bar_chart)(pdf, chart)


# ---------------------------------------------------------------- documents


def _cover(pdf: _Doc, report: dict[str, Any], lines: Sequence[str]) -> None:
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.set_text_color(*PRIMARY)
    pdf.multi_cell(0, 9, report["title"], new_x="LMARGIN", new_y="NEXT")
    for line in lines:
        pdf.para(line, size=9, colour=MUTED)
    pdf.set_text_color(*TEXT)


def monthly_pdf(report: dict[str, Any], lang: str) -> bytes:
    pdf = _Doc(report["title"], lang)
    period = report["period"]
    _cover(pdf, report, [translate("reports.page.period", lang, start=period["start"], end=period["end"]),
                         translate("reports.page.generated", lang, at=report["generated_at"])])
    for section in report["sections"]:
        if section["key"] == "trend" and section["charts"]:
            pdf.room(LINE_CHART_H + 35)  # keep the heading and its summary with the first chart
        pdf.heading(section["title"])
        pdf.para(section["summary"])
        if section["key"] == "headline":
            t = "reports.col."
            pdf.grid_table([translate(t + k, lang) for k in ("measure", "value", "previous", "change")],
                           [(h["name"], h["formatted"], h["previous_formatted"], h["change_text"])
                            for h in report["headline"]], (50, 30, 30, 70))
            continue
        if section["key"] == "overdue":
            if section.get("overdue"):
                pdf.grid_table([translate(f"reports.col.{k}", lang) for k in ("case", "category", "due")],
                               [(o["number"], o["category"], o["due"]) for o in section["overdue"]], (60, 60, 60))
            continue
        if section["key"] != "trend":
            pdf.grid_table([translate("reports.col.item", lang), translate("reports.col.figure", lang)],
                           [(r["label"], r["value"]) for r in section["rows"]], (110, 70))
        for chart in section["charts"]:
            draw_chart(pdf, chart)
    return bytes(pdf.output())


def pilot_pdf(report: dict[str, Any], lang: str) -> bytes:
    pdf = _Doc(report["title"], lang)
    pilot = report["pilot"]
    lines = [f"{pilot['area']['name']} · {translate('reports.col.start', lang)} {pilot['start_date']}"]
    if report["before"] and report["after"]:
        b, a = report["before"], report["after"]
        lines.append(translate("reports.pilot.windows", lang, b_start=b["start"], b_end=b["end"],
                               a_start=a["start"], a_end=a["end"]))
    lines.append(translate("reports.page.generated", lang, at=report["generated_at"]))
    _cover(pdf, report, lines)
    pdf.heading(translate("reports.pilot.problem", lang))
    pdf.para(pilot["problem"] or "—")
    pdf.heading(translate("reports.pilot.actions", lang))
    for i, action in enumerate(pilot["actions"], start=1):
        pdf.para(f"{i}. {action}")
    pdf.heading(translate("reports.pilot.results", lang))
    pdf.para(report["summary"])
    t = "reports.col."
    rows = [(r["name"], r["before_formatted"], r["after_formatted"], r["change_text"], r["relative_text"],
             f"{r['note']} {r['p_text'] if r['p_value'] is not None else ''}".strip()) for r in report["results"]]
    if rows:
        pdf.grid_table([translate(t + k, lang) for k in ("measure", "before", "after", "change", "relative",
                                                          "significance")], rows, (32, 22, 22, 38, 20, 46))
    for chart in report["charts"]:
        draw_chart(pdf, chart)
    return bytes(pdf.output())
