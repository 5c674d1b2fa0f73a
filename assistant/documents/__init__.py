"""The procurement brief as documents people send around: PDF (fpdf2) and DOCX
(python-docx), in the brief's language, with the consultancy's name and colours.

Both render the brief's JSON (schema v1, `assistant.checklist.brief`) and share
the figures: `content` turns the brief into rows for the staffing and cost
tables, `chart` the cumulative-cost chart (drawn with fpdf2's vector
primitives in the PDF, rasterised with Pillow for DOCX; no matplotlib needed
in production). Text uses Source Sans Pro (SIL OFL, from the
`font-source-sans-pro` package), which has every Nordic letter.
"""

from assistant.documents.branding import Branding
from assistant.documents.docx import render_docx
from assistant.documents.pdf import render_pdf

__all__ = ["Branding", "render_docx", "render_pdf"]
