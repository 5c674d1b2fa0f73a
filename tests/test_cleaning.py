"""Cleaning turns scraped seed text into article text."""

from __future__ import annotations

import ftfy

from assistant.cleaning import clean_text, remove_boilerplate, remove_links, repair_mojibake
from tests.conftest import CORPUS

MIXED_LINE = "der er, pÃ¥ overfladen anyway, kun løst relateret til de oprindelige forretningsmÃ¥l"


def test_ftfy_alone_leaves_mixed_lines_broken():
    # The reason the explicit repair exists: ftfy keeps the line as is because
    # it also holds correctly decoded letters (ø).
    assert "Ã" in ftfy.fix_text(MIXED_LINE)


def test_mojibake_is_repaired_inside_lines_with_correct_letters():
    fixed = repair_mojibake(MIXED_LINE)
    assert fixed == "der er, på overfladen anyway, kun løst relateret til de oprindelige forretningsmål"


def test_real_nordic_letters_next_to_typographic_quotes_are_kept():
    text = "Sano ”EI” pilotti- ja testijaksoille, ”KYLLÄ” yhteiselle matkalle"
    assert repair_mojibake(text) == text


def test_no_break_spaces_become_plain_spaces():
    assert clean_text("45\u00a0000 kr\u202fi månaden") == "45 000 kr i månaden\n"


def test_comment_form_navigation_and_pager_links_are_removed():
    raw = "Text.\nSkriv et svar\nDin e-mailadresse vil ikke blive publiceret. Krævede felter er markeret med *\nNavigation\nEdellinen\nEdellinen\n\nToinen artikkeli\nSeuraava"
    assert remove_boilerplate(raw).strip() == "Text."


def test_sentence_with_a_spam_link_is_removed_and_neighbours_kept():
    text = "Det gjelder pengespill på nett. Besøk casino.example.com for bonus. Igjen finnes det fordeler."
    assert remove_links(text) == "Det gjelder pengespill på nett. Igjen finnes det fordeler."


def test_the_cleaned_corpus_has_no_mojibake_spam_or_boilerplate():
    for path in CORPUS.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for bad in ("Ã", "Â", "\u00a0", "casino.com", "mariacasinomobile", "Skriv et svar", "Navigation",
                    "Edellinen", "Seuraava", "nyhetsbrev", "Personuppgiftspolicy", "Mona Rydén"):
            assert bad not in text, f"{path.name} still contains {bad!r}"


def test_headings_and_lists_survive_cleaning():
    text = (CORPUS / "sv-upphandla-kundtjanst.md").read_text(encoding="utf-8")
    assert "## 5. Se över de tekniska plattformarna och deras förutsättningar" in text
    assert "- Per hanterad kontakt\n- Per minut\n- Per timme\n- Per FTE" in text
