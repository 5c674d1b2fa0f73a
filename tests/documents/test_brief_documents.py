"""The brief as PDF and DOCX: the answers given, real tables, the cost chart, the
sources, Nordic letters, and the consultancy's name and colours."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from assistant.documents import render_docx, render_pdf
from assistant.documents.content import brief_content, nice_ticks
from assistant.settings import Settings
from tests.conftest import CORPUS
from tests.documents.conftest import completed_brief

BRAND = Settings(corpus_dir=CORPUS, brand_name="Fjällgården Rådgivning", brand_color="#0b6e4f",
                 brand_accent_color="#c2410c", brand_website="https://fjallgarden.example")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_holds_every_answer_given_in_the_checklist(brief_sv):
    brief, given = brief_sv
    text = pdf_text(render_pdf(brief, BRAND))
    for question_id, answer in given.items():
        shown = next(r["display"] for s in brief["steps"] for r in s["answers"] if r["question_id"] == question_id)
        assert flat(shown) in text, question_id


@pytest.mark.parametrize("lang,words", [
    ("sv", ["Upphandlingsunderlag", "Bemanning (Erlang C)", "Kostnadsjämförelse", "Källor", "Ackumulerad kostnad"]),
    ("da", ["Udbudsmateriale", "Bemanding (Erlang C)", "Omkostningssammenligning", "Kilder", "Akkumuleret omkostning"]),
    ("nb", ["Anskaffelsesgrunnlag", "Bemanning (Erlang C)", "Kostnadssammenligning", "Kilder", "Akkumulert kostnad"]),
    ("fi", ["Hankinta-asiakirja", "Henkilöstömitoitus (Erlang C)", "Kustannusvertailu", "Lähteet", "Kertynyt kustannus"]),
    ("en", ["Procurement brief", "Staffing (Erlang C)", "Cost comparison", "Sources", "Cumulative cost"]),
])
def test_the_pdf_is_in_the_briefs_language(lang, words):
    brief, _ = completed_brief(lang)
    text = pdf_text(render_pdf(brief, BRAND))
    for word in words:
        assert word in text, word


def test_nordic_letters_survive_into_the_pdf_text():
    from assistant.checklist.brief import build_brief
    from assistant.checklist.flow import ChecklistFlow, new_state

    flow = ChecklistFlow()
    state = new_state()
    flow.start(state)
    letters = "å ä ö æ ø Å Ä Ö Æ Ø š ž é ü – « »"
    assert flow.answer(state, f"Kø og ærgrelse i Åbo: {letters}").ok
    text = pdf_text(render_pdf(build_brief(state, "da", flow), BRAND))
    assert f"Kø og ærgrelse i Åbo: {letters}" in text
    assert "Fjällgården Rådgivning" in text
    doc = Document(io.BytesIO(render_docx(build_brief(state, "da", flow), BRAND)))
    assert any(letters in c.text for t in doc.tables for row in t.rows for c in row.cells)


def test_the_pdf_embeds_the_bundled_font_not_a_core_one(brief_sv):
    data = render_pdf(brief_sv[0], BRAND)
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", data))
    assert fonts and all(b"SourceSans" in f for f in fonts), fonts


def test_the_staffing_and_cost_tables_are_rows_of_figures(brief_sv):
    content = brief_content(brief_sv[0], "X")
    staffing = dict(content.staffing_rows)
    result = brief_sv[0]["staffing"]["result"]
    assert staffing["Agenter per öppen timme"] == str(result["agents"])
    assert content.cost_header == ["", "Egen regi", "Outsourcing (offert)"]
    assert [row[0] for row in content.cost_rows] == ["Per månad", "Totalt, 36 månader", "Besparing", "Break-even"]
    text = pdf_text(render_pdf(brief_sv[0], BRAND))
    assert "Agenter per öppen timme" in text and content.cost_rows[1][1].replace("\u00a0", " ") in text.replace(
        "\u00a0", " ")


def test_the_cost_chart_shows_break_even_when_the_offer_pays_off():
    brief, _ = completed_brief("en", offer_price="250")
    chart = brief_content(brief, "X").chart
    assert chart is not None and [s.role for s in chart.series] == ["in_house", "offer"]
    assert len(chart.series[0].values) == chart.months == 36
    assert chart.break_even == brief["cost_comparison"]["result"]["offers"][0]["break_even_month"]
    assert chart.break_even_label == f"Break-even: month {chart.break_even}"
    assert chart.y_ticks[-1] >= max(max(s.values) for s in chart.series)
    assert "Break-even: month" in pdf_text(render_pdf(brief, BRAND))


def test_axis_ticks_are_round_numbers():
    assert nice_ticks(13_780_800) == [0, 5_000_000, 10_000_000, 15_000_000]
    assert nice_ticks(950) == [0, 200, 400, 600, 800, 1000]


def test_the_cited_passages_come_with_their_sources(brief_sv):
    text = pdf_text(render_pdf(brief_sv[0], BRAND))
    first = brief_sv[0]["sources"][0]
    assert flat(first["quote"])[:60] in text and first["title"] in text


def test_an_empty_checklist_still_gives_a_document_that_says_what_is_missing():
    from assistant.checklist.brief import build_brief
    from assistant.checklist.flow import new_state

    brief = build_brief(new_state(), "sv")
    text = pdf_text(render_pdf(brief, BRAND))
    assert "Bemanningen räknas fram när" in text and "Kostnadsjämförelsen räknas fram när" in text
    docx = Document(io.BytesIO(render_docx(brief, BRAND)))
    assert any("Kostnadsjämförelsen räknas fram" in p.text for p in docx.paragraphs)


def test_the_docx_has_real_tables_the_brand_colour_and_the_chart(brief_sv):
    doc = Document(io.BytesIO(render_docx(brief_sv[0], BRAND)))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert len(tables) == 12  # ten steps, staffing, costs
    staffing = next(t for t in tables if t[0] == ["Nyckeltal", "Värde"])
    assert ["Agenter per öppen timme", str(brief_sv[0]["staffing"]["result"]["agents"])] in staffing
    costs = next(t for t in tables if t[0][1:] == ["Egen regi", "Outsourcing (offert)"])
    assert [row[0] for row in costs[1:]] == ["Per månad", "Totalt, 36 månader", "Besparing", "Break-even"]
    xml = doc.tables[0]._tbl.xml
    assert 'w:fill="0B6E4F"' in xml  # the heading row in the brand colour
    assert doc.styles["Heading 1"].font.color.rgb == (0x0B, 0x6E, 0x4F)
    assert len(doc.inline_shapes) == 1  # the cost chart
    assert doc.sections[0].header.paragraphs[0].text == "Fjällgården Rådgivning"
    assert "https://fjallgarden.example" in doc.sections[0].footer.paragraphs[0].text
    assert doc.core_properties.language == "sv"
