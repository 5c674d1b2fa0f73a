"""The evaluator's number extractor and the grounding rule."""

from __future__ import annotations

import pytest

from evals.number_claims import extract_numbers, is_grounded, support_values, ungrounded_numbers


def values(text: str) -> list[set[float]]:
    return [{round(v, 6) for v, _ in m.readings} for m in extract_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", [{1234.5}]),
        ("1\u00a0234,5 kr", [{1234.5}]),
        ("1\u202f234 567", [{1234567.0}]),
        ("1.234,5", [{1234.5}]),
        ("1,234.5", [{1234.5}]),
        ("4,5 min", [{4.5}]),
        ("1,500", [{1.5, 1500.0}]),
        ("80 %", [{80.0, 0.8}]),
        ("80%", [{80.0, 0.8}]),
        ("88,8\u00a0%", [{88.8, 0.888}]),
        ("3–6 kk", [{3.0}, {6.0}]),
        ("0-3 kk", [{0.0}, {3.0}]),
        ("80/20", [{80.0}, {20.0}]),
        ("24/7", [{24.0}, {7.0}]),
        ("(6kk)", [{6.0}]),
        ("#1 årsagen", [{1.0}]),
        ("H1 Communication, Q4", []),
        ("no digits here", []),
    ],
)
def test_numbers_are_read_as_written_in_five_languages(text: str, expected: list[set[float]]) -> None:
    assert values(text) == expected


def test_citation_and_list_markers_are_not_numbers() -> None:
    text = "Pilots are rarely advised [1]. See also [2, 3] and [1–2].\n1. Define the problem\n2) Trust"
    assert extract_numbers(text) == []


def test_markers_are_kept_when_reading_a_source() -> None:
    assert values_of_source("[1] 12") == {1.0, 12.0, 100.0, 1200.0}


def values_of_source(text: str) -> set[float]:
    return set(support_values([text]))


def test_percent_in_the_reply_matches_a_fraction_in_a_tool_result() -> None:
    assert ungrounded_numbers("Servicenivå 88,8\u00a0% och beläggning 71,4\u00a0%.",
                              data=[{"service_level": 0.88835, "occupancy": 0.7142857}]) == []


def test_a_rounded_figure_matches_only_its_own_rounding() -> None:
    [mention] = extract_numbers("88,9 %")
    assert not is_grounded(mention, support_values(data=[{"service_level": 0.88835}]))


def test_whole_amounts_match_money_rounded_for_display() -> None:
    assert ungrounded_numbers("Egen regi: 394\u00a0260 SEK/månad", data=[{"steady_monthly": 394260.0}]) == []
    assert ungrounded_numbers("Egen drift: 394.260 DKK/md.", data=[{"steady_monthly": 394260.4}]) == []


def test_a_number_from_nowhere_is_ungrounded() -> None:
    reply = "Outsourcing pays off after 6–9 months [1] and saves 35 % on average."
    assert ungrounded_numbers(reply, texts=["### 6-9 kk, Vakiintunut tuotantovaihe"]) == ["35 %"]


def test_a_number_in_a_note_summary_or_quote_is_grounded() -> None:
    reply = "The market grew by more than 6% and BPO by 10% [1]."
    quote = "Ifølge Gartner, er outsourcing markedet i Europa vokset med over 6%, BPO med 10%."
    assert ungrounded_numbers(reply, texts=[quote]) == []


def test_a_question_is_not_a_source() -> None:
    assert ungrounded_numbers("The price is 999 kr per minute.", texts=["Pris per minut"]) == ["999"]


def test_a_scaled_amount_in_the_users_words_grounds_the_figure_written_out() -> None:
    # "4,2 miljoner kronor om året" stated by the user is the reply's "4 200 000 per år"
    assert ungrounded_numbers("350 000 (4\u00a0200\u00a0000 per år)", texts=["4,2 miljoner kronor om året"],
                              data=[{"value": 350000.0}]) == []
    assert ungrounded_numbers("48\u00a0000 EUR a year", texts=["€48k a year"]) == []
    assert ungrounded_numbers("5\u00a0000\u00a0000", texts=["4,2 miljoner"]) == ["5\u00a0000\u00a0000"]
    # millions written with the currency: "4,2 MNOK", "1,5 M€"
    assert ungrounded_numbers("4\u00a0200\u00a0000 NOK", texts=["koster oss 4,2 MNOK i året"]) == []
    assert ungrounded_numbers("1\u00a0500\u00a0000 €", texts=["kustannus on vuodessa 1,5 M€"]) == []


def test_an_offer_label_is_a_place_in_the_list_not_a_claim() -> None:
    assert ungrounded_numbers("**Tilbud 2 er billigst**, 12 000 kr mindre", data=[{"difference": 12000}]) == []
    assert ungrounded_numbers("Offer 2 costs 7 more", data=[]) == ["7"]
