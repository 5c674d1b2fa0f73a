"""The brief as DOCX (python-docx): headings in the consultancy's colour, real
Word tables, the cost chart as a PNG drawn with Pillow (python-docx embeds
pictures, it cannot draw)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from assistant.documents.branding import RGB, Branding, font_files, tint
from assistant.documents.content import BriefContent, ChartData, brief_content
from assistant.settings import Settings

FONT_NAME = "Source Sans Pro"  # Word falls back to its default sans font when it is not installed
INK = RGBColor(0x18, 0x20, 0x2B)
MUTED = RGBColor(0x5B, 0x66, 0x76)


def _rgb(color: RGB) -> RGBColor:
    return RGBColor(*color)


def _hex(color: RGB) -> str:
    return "".join(f"{c:02X}" for c in color)


def render_docx(brief: dict[str, Any], settings: Settings, branding: Branding | None = None) -> bytes:
    """The brief (JSON schema v1) as a Word document, branded as `settings` (or `branding`) say."""
    branding = branding or Branding.from_settings(settings)
    content = brief_content(brief, branding.name)
    doc = Document()
    _styles(doc, branding, content.language)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    header = section.header.paragraphs[0]
    header.text = branding.name
    header.runs[0].font.color.rgb = _rgb(branding.color)
    header.runs[0].font.bold = True
    footer = section.footer.paragraphs[0]
    footer.text = " · ".join(x for x in (branding.name, branding.website) if x)
    footer.runs[0].font.color.rgb = MUTED
    doc.core_properties.title = content.title
    doc.core_properties.author = branding.name
    doc.core_properties.language = content.language

    doc.add_heading(content.title, level=0)
    intro = doc.add_paragraph()
    intro.add_run(f"{content.progress}   ·   {content.generated}\n").font.color.rgb = MUTED
    intro.add_run(content.prepared_by).font.color.rgb = MUTED
    for step in content.steps:
        doc.add_heading(f"{step.number}. {step.title}", level=1)
        advice = doc.add_paragraph()
        run = advice.add_run(f"{step.advice} {step.refs}".strip())
        run.italic = True
        run.font.color.rgb = MUTED
        _table(doc, branding, [_header_pair(content), *step.answers], widths=(8.5, 8.5))
        if step.id == "kpis":
            doc.add_heading(content.staffing_title, level=2)
            if content.staffing_rows:
                _table(doc, branding, [content.staffing_header, *content.staffing_rows], widths=(10, 7),
                       right_from=1)
            else:
                _note(doc, content.staffing_missing)
        if step.id == "pricing":
            doc.add_heading(content.costs_title, level=2)
            if content.cost_rows:
                n = len(content.cost_header)
                _table(doc, branding, [content.cost_header, *content.cost_rows],
                       widths=(6,) + (11 / (n - 1),) * (n - 1), right_from=1)
                if content.chart is not None:
                    doc.add_picture(io.BytesIO(chart_png(content.chart, branding)), width=Cm(16.5))
            else:
                _note(doc, content.costs_missing)
    doc.add_heading(content.open_points_title, level=1)
    if content.open_points:
        for point in content.open_points:
            doc.add_paragraph(point, style="List Bullet")
    else:
        doc.add_paragraph(content.no_open_points)
    if content.sources:
        doc.add_heading(content.sources_title, level=1)
        for n, quote, where in content.sources:
            p = doc.add_paragraph()
            label = p.add_run(f"[{n}] ")
            label.bold = True
            label.font.color.rgb = _rgb(branding.color)
            p.add_run(f"«{quote}»")
            src = p.add_run(f"\n{where}")
            src.italic = True
            src.font.size = Pt(9)
            src.font.color.rgb = MUTED
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _header_pair(content: BriefContent) -> tuple[str, str]:
    from assistant.i18n import t

    return t("brief.question", content.language), t("brief.answer", content.language)


def _styles(doc: Any, branding: Branding, language: str) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = Pt(10.5)
    normal.font.color.rgb = INK
    # The language of the text, for Word's spelling and hyphenation.
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), {"sv": "sv-SE", "fi": "fi-FI", "da": "da-DK", "nb": "nb-NO"}.get(language, "en-GB"))
    rpr.append(lang)
    for name, size in (("Title", 24), ("Heading 1", 15), ("Heading 2", 12.5)):
        style = doc.styles[name]
        style.font.name = FONT_NAME
        style.font.size = Pt(size)
        style.font.color.rgb = _rgb(branding.color)


def _shade(cell: Any, color: RGB) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), _hex(color))
    tc_pr.append(shd)


def _table(doc: Any, branding: Branding, rows: list[Any], widths: tuple[float, ...],
           right_from: int | None = None) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Cm(widths[c])
            cell.text = str(value)
            paragraph = cell.paragraphs[0]
            if right_from is not None and c >= right_from:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(9.5)
                if r == 0:
                    run.bold = True
                    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            if r == 0:
                _shade(cell, branding.color)
            elif r % 2 == 0:
                _shade(cell, tint(branding.color, 0.93))
    # Repeat the heading row on every page the table spans.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    doc.add_paragraph()


def _note(doc: Any, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.color.rgb = MUTED


def chart_png(chart: ChartData, branding: Branding, size: tuple[int, int] = (1700, 760)) -> bytes:
    """The cost chart as a PNG (Pillow), the same layout as the PDF's vector chart."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = font_files()
    w, h = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    regular = ImageFont.truetype(str(fonts[""]), 26)
    bold = ImageFont.truetype(str(fonts["B"]), 30)
    colors = {"in_house": (120, 129, 142), "offer": branding.accent}
    left, right, top, bottom = 150, w - 40, 120, h - 90
    y_max = chart.y_ticks[-1] or 1.0
    months = max(chart.months, 1)
    to_x = lambda m: left + (right - left) * m / months  # noqa: E731
    to_y = lambda v: bottom - (bottom - top) * v / y_max  # noqa: E731
    d.text((left - 110, 18), chart.title, font=bold, fill=(24, 32, 43))
    lx = left
    for s in chart.series:
        d.line([(lx, 88), (lx + 40, 88)], fill=colors[s.role], width=7)
        d.text((lx + 50, 73), s.label, font=regular, fill=(24, 32, 43))
        lx += 90 + d.textlength(s.label, font=regular)
    for value, label in zip(chart.y_ticks, chart.tick_labels):
        y = to_y(value)
        d.line([(left, y), (right, y)], fill=(226, 230, 236), width=2)
        d.text((left - 14 - d.textlength(label, font=regular), y - 16), label, font=regular, fill=(91, 102, 118))
    d.line([(left, bottom), (right, bottom)], fill=(91, 102, 118), width=3)
    step = 6 if months > 24 else 3 if months > 9 else 1
    for m in range(0, months + 1, step):
        label = str(m)
        d.text((to_x(m) - d.textlength(label, font=regular) / 2, bottom + 10), label, font=regular,
               fill=(91, 102, 118))
    d.text((right - d.textlength(chart.x_label, font=regular), bottom + 46), chart.x_label, font=regular,
           fill=(91, 102, 118))
    if chart.break_even:
        x = to_x(chart.break_even)
        for y in range(int(top), int(bottom), 24):
            d.line([(x, y), (x, min(y + 12, bottom))], fill=branding.color, width=3)
        if chart.break_even_label:
            text_x = min(x + 12, right - d.textlength(chart.break_even_label, font=regular))
            d.text((text_x, top + 4), chart.break_even_label, font=regular, fill=branding.color)
    for s in chart.series:
        points = [(to_x(0), to_y(0))] + [(to_x(i + 1), to_y(v)) for i, v in enumerate(s.values)]
        d.line(points, fill=colors[s.role], width=7, joint="curve")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
