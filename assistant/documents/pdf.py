"""The brief as PDF (fpdf2, pure Python): A4, the consultancy's colours, real
tables, and a vector chart drawn with fpdf2's own line and text primitives."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from assistant.documents.branding import Branding, font_files, tint
from assistant.documents.content import BriefContent, ChartData, brief_content
from assistant.i18n import t
from assistant.settings import Settings

FONT = "SourceSans"
INK = (24, 32, 43)
MUTED = (91, 102, 118)
GRID = (226, 230, 236)


class _BriefPDF(FPDF):
    def __init__(self, branding: Branding, content: BriefContent) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.branding, self.content = branding, content
        for style, path in font_files().items():
            self.add_font(FONT, style=style, fname=str(path))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_lang(content.language)
        self.set_title(content.title)
        self.set_author(branding.name)
        self.set_creator(content.prepared_by)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*self.branding.color)
        self.cell(0, 5, self.branding.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*self.branding.color)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        left = " · ".join(x for x in (self.branding.name, self.branding.website) if x)
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, t("document.page", self.content.language, n=self.page_no()), align="R")


def render_pdf(brief: dict[str, Any], settings: Settings, branding: Branding | None = None) -> bytes:
    """The brief (JSON schema v1) as a PDF document, branded as `settings` (or `branding`) say."""
    branding = branding or Branding.from_settings(settings)
    content = brief_content(brief, branding.name)
    pdf = _BriefPDF(branding, content)
    pdf.add_page()
    _title_block(pdf, content)
    for step in content.steps:
        _heading(pdf, f"{step.number}. {step.title}")
        pdf.set_font(FONT, "I", 10)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, f"{step.advice} {step.refs}".strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        _table(pdf, [(t("brief.question", content.language), t("brief.answer", content.language)), *step.answers],
               col_widths=(55, 45))
        if step.id == "kpis":
            _staffing(pdf, content)
        if step.id == "pricing":
            _costs(pdf, content)
    _heading(pdf, content.open_points_title)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*INK)
    for point in content.open_points or [content.no_open_points]:
        pdf.multi_cell(0, 5.2, f"•  {point}" if content.open_points else point, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    _sources(pdf, content)
    return bytes(pdf.output())


def _title_block(pdf: _BriefPDF, content: BriefContent) -> None:
    b = pdf.branding
    pdf.set_fill_color(*b.color)
    pdf.rect(0, 0, pdf.w, 42, style="F")
    pdf.set_xy(pdf.l_margin, 11)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*tint(b.color, 0.75))
    pdf.cell(0, 6, b.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 19)
    pdf.set_text_color(255, 255, 255)
    pdf.multi_cell(0, 9, content.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(48)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, f"{content.progress}   ·   {content.generated}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 5, content.prepared_by, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _heading(pdf: _BriefPDF, text: str, size: float = 13.5) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*pdf.branding.color)
    pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _table(pdf: _BriefPDF, rows: list[tuple[str, ...]] | list[list[str]], col_widths: tuple[float, ...],
           right_align_from: int | None = None) -> None:
    color = pdf.branding.color
    pdf.set_font(FONT, "", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(255, 255, 255)  # the table's base style takes the current fill colour
    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=color)
    align = ("LEFT",) * len(col_widths) if right_align_from is None else tuple(
        "LEFT" if i < right_align_from else "RIGHT" for i in range(len(col_widths)))
    with pdf.table(col_widths=col_widths, headings_style=heading, line_height=5.4, padding=(1.4, 2),
                   cell_fill_color=tint(color, 0.93), cell_fill_mode=TableCellFillMode.EVEN_ROWS,
                   text_align=align, borders_layout="HORIZONTAL_LINES") as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def _staffing(pdf: _BriefPDF, content: BriefContent) -> None:
    _heading(pdf, content.staffing_title, size=11.5)
    if not content.staffing_rows:
        _note(pdf, content.staffing_missing)
        return
    _table(pdf, [content.staffing_header, *content.staffing_rows], col_widths=(60, 40), right_align_from=1)


def _costs(pdf: _BriefPDF, content: BriefContent) -> None:
    _heading(pdf, content.costs_title, size=11.5)
    if not content.cost_rows:
        _note(pdf, content.costs_missing)
        return
    widths = (40,) + (30,) * (len(content.cost_header) - 1)
    _table(pdf, [content.cost_header, *content.cost_rows], col_widths=widths, right_align_from=1)
    if content.chart is not None:
        draw_chart(pdf, content.chart)


def _note(pdf: _BriefPDF, text: str) -> None:
    pdf.set_font(FONT, "I", 9.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def draw_chart(pdf: _BriefPDF, chart: ChartData, height: float = 70) -> None:
    """Cumulative cost lines with axes, gridlines, a legend and the break-even month."""
    if pdf.will_page_break(height + 14):
        pdf.add_page()
    b = pdf.branding
    colors = {"in_house": (120, 129, 142), "offer": b.accent}
    x0, width = pdf.l_margin + 16, pdf.epw - 18
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, chart.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 8
    bottom = top + height - 16
    y_max = chart.y_ticks[-1] or 1.0
    months = max(chart.months, 1)
    to_x = lambda m: x0 + width * (m / months)  # noqa: E731 - month m (0..n) to page x
    to_y = lambda v: bottom - (bottom - top) * (v / y_max)  # noqa: E731
    # Legend.
    pdf.set_font(FONT, "", 8.5)
    lx = x0
    for s in chart.series:
        pdf.set_draw_color(*colors[s.role])
        pdf.set_line_width(0.9)
        pdf.line(lx, top - 4, lx + 6, top - 4)
        pdf.set_text_color(*INK)
        pdf.text(lx + 7.5, top - 3, s.label)
        lx += 11 + pdf.get_string_width(s.label)
    # Grid and y labels.
    pdf.set_line_width(0.15)
    for value, label in zip(chart.y_ticks, chart.tick_labels):
        y = to_y(value)
        pdf.set_draw_color(*GRID)
        pdf.line(x0, y, x0 + width, y)
        pdf.set_text_color(*MUTED)
        pdf.text(x0 - 2 - pdf.get_string_width(label), y + 1.2, label)
    # x axis and month labels.
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(x0, bottom, x0 + width, bottom)
    step = 6 if months > 24 else 3 if months > 9 else 1
    for m in range(0, months + 1, step):
        label = str(m)
        pdf.text(to_x(m) - pdf.get_string_width(label) / 2, bottom + 4, label)
    pdf.text(x0 + width - pdf.get_string_width(chart.x_label), bottom + 8.5, chart.x_label)
    # Break-even marker.
    if chart.break_even:
        x = to_x(chart.break_even)
        pdf.set_draw_color(*b.color)
        pdf.set_line_width(0.3)
        with pdf.local_context(dash_pattern={"dash": 1.2, "gap": 1.2}):
            pdf.line(x, top, x, bottom)
        if chart.break_even_label:
            pdf.set_text_color(*b.color)
            pdf.set_font(FONT, "B", 8)
            pdf.text(min(x + 1.5, x0 + width - pdf.get_string_width(chart.break_even_label)), top + 3,
                     chart.break_even_label)
    # The series.
    for s in chart.series:
        points = [(to_x(0), to_y(0))] + [(to_x(i + 1), to_y(v)) for i, v in enumerate(s.values)]
        pdf.set_draw_color(*colors[s.role])
        pdf.set_line_width(0.8)
        pdf.polyline(points)
    pdf.set_y(bottom + 11)


def _sources(pdf: _BriefPDF, content: BriefContent) -> None:
    if not content.sources:
        return
    _heading(pdf, content.sources_title)
    for n, quote, where in content.sources:
        if pdf.will_page_break(14):
            pdf.add_page()
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*pdf.branding.color)
        pdf.cell(9, 5, f"[{n}]")
        pdf.set_font(FONT, "", 9.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5, f"«{quote}»", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(pdf.l_margin + 9)
        pdf.set_font(FONT, "I", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.5, where, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
