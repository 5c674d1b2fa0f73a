"""Argument extraction from what users type, in five languages."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import InvalidInput
from assistant.language import detect_language
from assistant.tools import (
    CostComparisonRequest,
    StaffingRequest,
    compare_costs,
    extract_arguments,
    merge_arguments,
    missing_arguments,
    parse_number,
    plan_staffing,
    required_arguments,
)

DATASET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "tools.jsonl"
LANGUAGES = {"sv", "fi", "da", "nb", "en"}
REQUEST_FIELDS = {
    "staffing": set(StaffingRequest.model_fields),
    "cost_comparison": set(CostComparisonRequest.model_fields),
}


def load_dataset() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def same(a: Any, b: Any) -> bool:
    """Exact argument match; numbers compare as numbers (1200 == 1200.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def run_row(row: dict[str, Any]) -> Any:
    expected = row.get("expected_field")
    # A bare answer only makes sense inside a conversation that already knows the tool.
    return extract_arguments(
        row["message"], tool=row["tool"] if expected else None, expected=expected, language=row["language"]
    )


# ---------------------------------------------------------------- the dataset


def test_dataset_has_at_least_40_messages_and_6_per_language() -> None:
    rows = load_dataset()
    per_language = Counter(row["language"] for row in rows)
    assert len(rows) >= 40
    assert set(per_language) == LANGUAGES
    assert min(per_language.values()) >= 6


def test_dataset_rows_follow_the_schema() -> None:
    for row in load_dataset():
        assert set(row) <= {"id", "language", "message", "tool", "arguments", "expected_field"}, row["id"]
        assert row["tool"] in REQUEST_FIELDS, row["id"]
        assert set(row["arguments"]) <= REQUEST_FIELDS[row["tool"]], row["id"]


def test_dataset_ids_are_unique() -> None:
    ids = [row["id"] for row in load_dataset()]
    assert len(ids) == len(set(ids))


def test_dataset_extraction_matches_at_least_95_percent_exactly() -> None:
    rows = load_dataset()
    failures = []
    for row in rows:
        result = run_row(row)
        if result.tool != row["tool"] or not same(result.arguments, row["arguments"]):
            failures.append((row["id"], result.tool, result.arguments))
    score = 1 - len(failures) / len(rows)
    assert score >= 0.95, failures


def test_complete_dataset_messages_run_their_tool() -> None:
    for row in load_dataset():
        result = run_row(row)
        if row.get("expected_field") or result.missing:
            continue
        if result.tool == "staffing":
            assert plan_staffing(StaffingRequest(**result.arguments)).agents > 0, row["id"]
        else:
            assert compare_costs(CostComparisonRequest(**result.arguments)).offers, row["id"]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1.500", 1500),
        ("1,200", 1200),
        ("12 500,50", 12500.5),
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("4,5", 4.5),
        ("4.5", 4.5),
        ("0,85", 0.85),
        ("0,850", 0.85),
        ("45k", 45_000),
        ("1,2 milj", 1_200_000),
    ],
)
def test_numbers_are_read_with_nordic_and_english_separators(raw: str, value: float) -> None:
    assert parse_number(raw) == pytest.approx(value)


# ---------------------------------------------------------------- single behaviours


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("AHT 4,5 min", 270),
        ("AHT 4 min 30 s", 270),
        ("AHT 270", 270),
        ("AHT 4,5", 270),
        ("AHT 4:30", 270),
        ("handläggningstid 180 sekunder", 180),
        ("käsittelyaika 3,5 minuuttia", 210),
    ],
)
def test_handling_time_is_normalised_to_seconds(text: str, seconds: float) -> None:
    assert extract_arguments(text, tool="staffing").arguments["aht_seconds"] == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "80/20",
        "80 % inom 20 sekunder",
        "80 % vastattu 20 sekunnissa",
        "80 % besvaret inden for 20 sekunder",
        "80 % besvart innen 20 sekunder",
        "80% answered within 20 seconds",
    ],
)
def test_service_level_is_a_fraction_and_answer_time_in_seconds(text: str) -> None:
    arguments = extract_arguments(text, tool="staffing").arguments
    assert (arguments["service_level"], arguments["answer_seconds"]) == (0.8, 20)


def test_opening_hours_24_7_are_not_a_service_level() -> None:
    assert "service_level" not in extract_arguments("Vi har öppet 24/7", tool="staffing").arguments


@pytest.mark.parametrize("text", ["30 % shrinkage", "30 % frånvaro", "poissaoloja 30 %", "30 % fravær"])
def test_shrinkage_is_read_next_to_its_keyword(text: str) -> None:
    assert extract_arguments(text, tool="staffing").arguments["shrinkage"] == 0.3


def test_a_percentage_without_keyword_is_not_guessed() -> None:
    arguments = extract_arguments("1 200 samtal per dag och 30 %", tool="staffing").arguments
    assert "shrinkage" not in arguments and "service_level" not in arguments


def test_volume_per_half_hour_sets_the_interval() -> None:
    arguments = extract_arguments("100 samtal per halvtimme", tool="staffing").arguments
    assert (arguments["contacts"], arguments["interval_minutes"]) == (100, 30)


def test_volume_per_day_is_contacts_per_day() -> None:
    assert extract_arguments("1 200 samtal per dag", tool="staffing").arguments == {"contacts_per_day": 1200}


def test_monthly_salary_in_swedish_kronor() -> None:
    result = extract_arguments("Lönen är 45 000 kr i månaden", tool="cost_comparison", language="sv")
    assert result.arguments["monthly_salary"] == 45_000
    assert result.arguments["currency"] == "SEK"


@pytest.mark.parametrize(("language", "code"), [("sv", "SEK"), ("nb", "NOK"), ("da", "DKK")])
def test_kr_is_the_krona_of_the_language(language: str, code: str) -> None:
    result = extract_arguments("12 kr per samtal", tool="cost_comparison", language=language)
    assert result.arguments["currency"] == code


def test_price_per_minute_in_euro_becomes_an_offer() -> None:
    result = extract_arguments("0,85 € per minut", tool="cost_comparison")
    assert result.arguments["offers"] == [{"price_per_minute": 0.85}]
    assert result.arguments["currency"] == "EUR"


def test_missing_lists_the_required_fields_still_absent() -> None:
    result = extract_arguments("Vi får 1 200 samtal per dag")
    assert result.tool == "staffing"
    assert result.missing == ["aht_seconds", "service_level", "answer_seconds"]


def test_per_minute_offers_make_handling_time_required() -> None:
    result = extract_arguments(
        "Vi har 12 agenter med 32 000 kr i lön, leverantören tar 6,50 kr per minut, 20 000 samtal i månaden",
        language="sv",
    )
    assert result.tool == "cost_comparison"
    assert result.missing == ["aht_seconds"]


def test_daily_volume_is_not_converted_for_a_monthly_cost_comparison() -> None:
    result = extract_arguments("1 200 samtal per dag, leverantören tar 30 kr per samtal", tool="cost_comparison")
    assert "contacts_per_month" in result.missing


@pytest.mark.parametrize(
    ("text", "expected", "arguments"),
    [
        ("180 sekunder", "aht_seconds", {"aht_seconds": 180}),
        ("4,5 min", "aht_seconds", {"aht_seconds": 270}),
        ("270", "aht_seconds", {"aht_seconds": 270}),
        ("20", "answer_seconds", {"answer_seconds": 20}),
        ("80", "service_level", {"service_level": 0.8}),
        ("0,85", "max_occupancy", {"max_occupancy": 0.85}),
        ("1 200", "contacts_per_day", {"contacts_per_day": 1200}),
    ],
)
def test_a_bare_answer_fills_the_field_that_was_asked_for(text: str, expected: str, arguments: dict) -> None:
    assert extract_arguments(text, tool="staffing", expected=expected).arguments == arguments


def test_a_bare_salary_answer_keeps_its_currency() -> None:
    result = extract_arguments("38 000 kr", tool="cost_comparison", expected="monthly_salary", language="sv")
    assert result.arguments == {"monthly_salary": 38_000, "currency": "SEK"}


def test_arguments_merge_across_turns_until_nothing_is_missing() -> None:
    first = extract_arguments("Vi får 1 200 samtal per dag och vill ha 80/20")
    second = extract_arguments("ungefär 4,5 min", tool=first.tool, expected=first.missing[0])
    merged = merge_arguments(first.arguments, second.arguments)
    assert missing_arguments("staffing", merged) == []
    assert plan_staffing(StaffingRequest(**merged)).agents > 0


def test_merging_a_new_volume_replaces_the_other_volume_form() -> None:
    merged = merge_arguments({"contacts": 100, "interval_minutes": 30}, {"contacts_per_day": 1200})
    assert merged == {"contacts_per_day": 1200}


def test_merging_offer_terms_completes_the_earlier_offer() -> None:
    merged = merge_arguments({"offers": [{"price_per_minute": 6.5}]}, {"offers": [{"monthly_management_fee": 20_000}]})
    assert merged["offers"] == [{"price_per_minute": 6.5, "monthly_management_fee": 20_000}]


def test_text_without_figures_or_intent_has_no_tool() -> None:
    result = extract_arguments("Vad är outsourcing av kundtjänst?")
    assert (result.tool, result.arguments, result.missing) == (None, {}, [])


def test_a_question_with_staffing_intent_starts_the_staffing_tool() -> None:
    result = extract_arguments("Hur många agenter behöver vi?")
    assert result.tool == "staffing"
    assert result.missing == required_arguments("staffing")


def test_required_arguments_per_tool() -> None:
    assert required_arguments("staffing") == ["contacts", "aht_seconds", "service_level", "answer_seconds"]
    assert required_arguments("cost_comparison") == ["contacts_per_month", "in_house_fte", "monthly_salary", "offers"]


def test_unknown_tool_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        extract_arguments("80/20", tool="weather")
    assert info.value.field == "tool"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Vi får 1 200 samtal per dag och behöver svar inom 20 sekunder", "sv"),
        ("Meille tulee 800 puhelua päivässä", "fi"),
        ("Vi modtager 1.500 opkald om dagen, og målet er besvaret inden for 20 sekunder", "da"),
        ("Vi får 900 samtaler per dag og trenger svar innen 20 sekunder", "nb"),
        ("We get about 1,200 calls a day", "en"),
    ],
)
def test_language_is_detected_from_characteristic_words(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_lower_case_sek_after_a_number_is_seconds() -> None:
    arguments = extract_arguments("AHT 3 min 20 sek, servicenivå 80 % inom 20 sek", tool="staffing").arguments
    assert (arguments["aht_seconds"], arguments["answer_seconds"]) == (200, 20)


def test_upper_case_sek_is_the_currency() -> None:
    result = extract_arguments("salary 35k SEK", tool="cost_comparison")
    assert (result.arguments["monthly_salary"], result.arguments["currency"]) == (35_000, "SEK")


def test_an_amount_without_unit_or_keyword_is_not_read_as_a_volume() -> None:
    result = extract_arguments("Vi betalar 500 000 kr i månaden idag", language="sv")
    assert result.tool == "cost_comparison"
    assert result.arguments == {}


def test_unknown_expected_field_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        extract_arguments("180", tool="staffing", expected="aht")
    assert info.value.field == "expected"


def test_text_that_is_not_a_number_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_number("many")
    assert info.value.field == "number"


# ---------------------------------------------------------------- quantities and roles


def test_a_volume_given_as_the_peak_hour_is_contacts_per_hour() -> None:
    result = extract_arguments("Peak hour: 1,050 calls. AHT 180 s, 80 % in 30 s", language="en")
    assert (result.arguments["contacts"], result.arguments["interval_minutes"]) == (1050, 60)
    assert result.derived["contacts"] == "peak_hour"


def test_the_busiest_hour_in_finnish_is_the_peak_hour() -> None:
    result = extract_arguments("450 puhelua kiireisimmän tunnin aikana", tool="staffing", language="fi")
    assert (result.arguments["contacts"], result.arguments["interval_minutes"]) == (450, 60)


def test_a_weekly_volume_with_open_days_and_hours_gives_a_day_volume_and_opening_hours() -> None:
    result = extract_arguments("6 000 samtal i veckan, öppet 5 dagar à 8 timmar", tool="staffing", language="sv")
    assert result.arguments == {"contacts_per_day": 1200, "open_hours": 8}


def test_a_weekly_volume_without_open_days_asks_for_them() -> None:
    result = extract_arguments("4 000 calls a week, AHT 4 min, 80/20", tool="staffing", language="en")
    assert result.missing == ["open_days_per_week"]


def test_opening_hours_written_as_a_range_are_hours_a_day() -> None:
    result = extract_arguments("2.400 opkald om dagen, åbent 8–20", tool="staffing", language="da")
    assert result.arguments == {"contacts_per_day": 2400, "open_hours": 12}


def test_talk_time_and_wrap_up_add_up_to_the_handling_time() -> None:
    result = extract_arguments("talk time 3 min 40 s plus 40 s wrap-up", tool="staffing", language="en")
    assert result.arguments["aht_seconds"] == 260
    assert result.derived["aht_seconds"] == "talk_plus_wrapup"


def test_handling_time_including_after_call_work_is_the_handling_time() -> None:
    result = extract_arguments("Hanteringstiden är 4 minuter inklusive efterarbete", tool="staffing", language="sv")
    assert result.arguments == {"aht_seconds": 240}


def test_a_service_level_written_out_in_finnish_is_read() -> None:
    result = extract_arguments("90 % puheluista vastataan 30 sekunnissa", tool="staffing", language="fi")
    assert (result.arguments["service_level"], result.arguments["answer_seconds"]) == (0.9, 30)


@pytest.mark.parametrize(("text", "language"), [("8 heltidare", "sv"), ("8 FTE", "en"), ("8 årsverk", "nb")])
def test_full_time_head_counts_are_in_house_fte(text: str, language: str) -> None:
    assert extract_arguments(text, tool="cost_comparison", language=language).arguments["in_house_fte"] == 8


def test_a_yearly_salary_is_a_twelfth_per_month() -> None:
    result = extract_arguments("520 000 kr i årslön", tool="cost_comparison", language="sv")
    assert result.arguments["monthly_salary"] == pytest.approx(520_000 / 12)
    assert result.derived["monthly_salary"] == "yearly"


def test_a_fully_loaded_yearly_cost_per_agent_is_a_loaded_monthly_cost() -> None:
    result = extract_arguments("12 agents, each costs about €48k a year fully loaded", tool="cost_comparison",
                               language="en")
    assert result.arguments["in_house_fte"] == 12
    assert result.arguments["loaded_cost_per_fte_month"] == pytest.approx(4000)
    assert "monthly_salary" not in result.arguments


def test_a_price_per_hour_times_hours_per_month_needs_no_volume_or_handling_time() -> None:
    result = extract_arguments("Leverandøren tar 420 kr per time for 1 200 timer i måneden. Vi har 9 årsverk med "
                               "månedslønn 42 000 kr", language="nb")
    assert result.arguments["productive_hours_per_month"] == 1200
    assert result.missing == []


def test_two_vendor_offers_need_no_in_house_side() -> None:
    result = extract_arguments("Vendor A charges €0.90 per minute, vendor B €2.80 per call. 20,000 calls a month, "
                               "AHT 4 min", language="en")
    assert result.arguments["offers"] == [{"price_per_minute": 0.9, "name": "A"},
                                          {"price_per_contact": 2.8, "name": "B"}]
    assert result.missing == []
    assert compare_costs(CostComparisonRequest(**result.arguments)).in_house is None


def test_a_vendors_fte_is_the_vendors() -> None:
    result = extract_arguments("Leverantören vill ha 45 000 kr per FTE och räknar med 9 FTE. Vi är 11 agenter med "
                               "32 000 kr i lön", language="sv")
    assert result.arguments["offers"] == [{"price_per_fte_month": 45_000, "fte": 9}]
    assert result.arguments["in_house_fte"] == 11


def test_a_head_count_that_could_be_either_side_is_reported_ambiguous() -> None:
    result = extract_arguments("The vendor charges €4,000 per FTE per month. 9 FTE.", language="en")
    assert [a.options for a in result.ambiguous] == [["in_house_fte", "offers.0.fte"]]
    assert "in_house_fte" not in result.arguments


def test_the_checklist_reads_numbers_with_the_same_parser_as_the_tools() -> None:
    from assistant.checklist.answers import parse_number as checklist_number

    assert checklist_number("0,850") == parse_number("0,850") == pytest.approx(0.85)
    assert checklist_number("1.200") == parse_number("1.200") == 1200


# --------------------------------------------------------------------------- forms added for held-out phrasing


def test_a_team_total_is_divided_by_the_head_count() -> None:
    result = extract_arguments("We spend roughly $420k a year all-in on our 8-person support team", language="en",
                               tool="cost_comparison")
    assert result.slots["team_cost_month"] == pytest.approx(35_000)
    assert result.arguments["loaded_cost_per_fte_month"] == pytest.approx(35_000 / 8)
    assert result.derived["loaded_cost_per_fte_month"] == "team_by_fte"


def test_a_cost_per_person_is_not_a_team_total() -> None:
    result = extract_arguments("Vi har 9 årsverk som koster oss 58 000 kr i måneden hver, alt inkludert",
                               tool="cost_comparison", language="nb")
    assert result.arguments["loaded_cost_per_fte_month"] == 58_000
    assert "team_cost_month" not in result.slots


def test_an_amount_each_after_a_head_count_and_a_comma_is_the_salary() -> None:
    result = extract_arguments("Compare with two quotes: 14 agents, £2,700 a month each plus 22% on-costs",
                               tool="cost_comparison", language="en")
    assert (result.arguments["in_house_fte"], result.arguments["monthly_salary"]) == (14, 2700)
    assert result.arguments["employer_oncost_pct"] == 0.22


def test_on_costs_are_recognised_by_what_they_pay_for() -> None:
    result = extract_arguments("8 medarbejdere med en løn på 30.000 kr. om måneden og 12 % oveni til pension",
                               tool="cost_comparison", language="da")
    assert result.arguments["employer_oncost_pct"] == 0.12


def test_a_per_fte_amount_after_the_salary_is_overhead() -> None:
    result = extract_arguments("15 FTE, salary €3,000/month + 25% on-costs + €600 per FTE a month for desks",
                               tool="cost_comparison", language="en")
    assert (result.arguments["monthly_salary"], result.arguments["overhead_per_fte_month"]) == (3000, 600)


def test_an_explicit_per_fte_price_beats_a_fee_word_further_on() -> None:
    result = extract_arguments("Leverandøren vil have 33.000 kr. pr. FTE om måneden for 4 FTE plus et fast gebyr på "
                               "8.000 kr. om måneden.", tool="cost_comparison", language="da")
    assert result.arguments["offers"] == [{"price_per_fte_month": 33_000, "fte": 4, "monthly_management_fee": 8000}]


def test_an_offer_label_with_a_colon_is_not_a_clock_time() -> None:
    result = extract_arguments("Tilbud 1: 42 kr. pr. opkald. Tilbud 2: 360 kr. i timen", tool="cost_comparison",
                               language="da")
    assert result.arguments["offers"] == [{"price_per_contact": 42, "name": "1"},
                                          {"price_per_productive_hour": 360, "name": "2"}]
    assert "aht_seconds" not in result.arguments


@pytest.mark.parametrize(("text", "language"), [
    ("lose roughly 30% to breaks, training and sick leave", "en"),
    ("Tauot, koulutukset ja sairauspoissaolot vievät noin 30 %", "fi"),
])
def test_shrinkage_is_read_from_what_the_time_is_lost_to(text: str, language: str) -> None:
    assert extract_arguments(text, tool="staffing", language=language).arguments["shrinkage"] == 0.3


def test_opening_hours_with_am_and_pm_are_hours_a_day() -> None:
    result = extract_arguments("3,000 calls a day, open 7am–7pm", tool="staffing", language="en")
    assert result.arguments["open_hours"] == 12


@pytest.mark.parametrize(("text", "minutes"), [
    ("Quarter-hour peak of 90 calls", 15), ("about 700 calls in our busiest half hour", 30),
    ("Peak hour: 400 calls", 60),
])
def test_a_peak_is_as_long_as_the_words_say(text: str, minutes: int) -> None:
    result = extract_arguments(text, tool="staffing", language="en")
    assert result.arguments["interval_minutes"] == minutes


def test_a_period_written_before_the_volume_counts() -> None:
    result = extract_arguments("på et kvarter med 60 opkald", tool="staffing", language="da")
    assert (result.arguments["contacts"], result.arguments["interval_minutes"]) == (60, 15)


def test_a_service_level_without_seconds_asks_for_the_answer_time() -> None:
    result = extract_arguments("300 samtaler i timen, AHT 4 minutter og vi vil besvare 85 % av samtalene",
                               tool="staffing", language="nb")
    assert result.arguments["service_level"] == 0.85
    assert result.missing == ["answer_seconds"]


def test_productive_hours_may_have_the_adjective_before_hours() -> None:
    result = extract_arguments("$30 an hour and an estimated 900 productive hours a month", tool="cost_comparison",
                               language="en")
    assert result.arguments["productive_hours_per_month"] == 900


@pytest.mark.parametrize(("text", "language", "field", "value"), [
    ("samtalen tar ungefär fyra och en halv minut", "sv", "aht_seconds", 270),
    ("käsittelyaika on puolitoista minuuttia", "fi", "aht_seconds", 90),
    ("det tager to minutter", "da", "aht_seconds", 120),
    ("eighty percent answered in twenty seconds", "en", "answer_seconds", 20),
])
def test_numbers_written_as_words_count(text: str, language: str, field: str, value: float) -> None:
    assert extract_arguments(text, tool="staffing", language=language).arguments[field] == value


def test_a_number_said_not_to_be_the_value_is_not_used() -> None:
    result = extract_arguments("vendor B would need 12 FTE, not 14", tool="cost_comparison", language="en")
    assert result.arguments["offers"] == [{"fte": 12, "name": "B"}]
    assert "in_house_fte" not in result.arguments


def test_a_later_turn_naming_offer_b_completes_offer_b() -> None:
    earlier = {"offers": [{"price_per_minute": 0.75, "name": "A"}, {"price_per_fte_month": 3200, "name": "B"}]}
    merged = merge_arguments(earlier, {"offers": [{"fte": 12, "name": "B"}]})
    assert merged["offers"] == [{"price_per_minute": 0.75, "name": "A"},
                                {"price_per_fte_month": 3200, "name": "B", "fte": 12}]


def test_a_volume_correction_without_its_period_keeps_the_earlier_period() -> None:
    result = extract_arguments("förlåt, det är 900 samtal och inte 800", tool="staffing", language="sv",
                               previous={"contacts": 800, "interval_minutes": 30})
    assert (result.arguments["contacts"], result.arguments["interval_minutes"]) == (900, 30)


@pytest.mark.parametrize(("text", "language"), [("samtaletid 4 min og etterabeid 1 min", "nb"),
                                                ("samtalstid 4 min och efterarbte 60 s", "sv")])
def test_a_cue_word_with_one_typo_still_counts(text: str, language: str) -> None:
    assert extract_arguments(text, tool="staffing", language=language).arguments["aht_seconds"] == 300


@pytest.mark.parametrize(("text", "language"), [("fire av fem kunder", "nb"), ("4 av 5 samtal", "sv"),
                                                ("nine out of ten calls", "en")])
def test_a_share_of_calls_is_a_percentage(text: str, language: str) -> None:
    result = extract_arguments(text, tool="staffing", expected="service_level", language=language)
    assert result.arguments["service_level"] == pytest.approx(0.8 if "ten" not in text else 0.9)


def test_an_answer_asked_as_a_time_is_never_a_percentage() -> None:
    result = extract_arguments("lisää vielä 25 % kutistuma", tool="staffing", expected="aht_seconds", language="fi")
    assert "aht_seconds" not in result.arguments
    assert result.arguments["shrinkage"] == 0.25


def test_a_vendor_named_by_a_proper_noun_is_an_offer_of_its_own() -> None:
    result = extract_arguments("Tre offerter: Nordkontakt vill ha 49 500 kr/fte/mån för 8 fte, ServiceHuset 21 kr "
                               "per kontakt och CallPoint 6,90 kr per minut + 10 000 kr i månadsavgift.",
                               tool="cost_comparison", language="sv")
    assert result.arguments["offers"] == [
        {"price_per_fte_month": 49_500, "fte": 8, "name": "Nordkontakt"},
        {"price_per_contact": 21, "name": "ServiceHuset"},
        {"price_per_minute": 6.9, "monthly_management_fee": 10_000, "name": "CallPoint"}]


def test_an_ordinal_names_the_offer_in_that_place_in_a_later_turn() -> None:
    result = extract_arguments("og det andet tilbud har et gebyr på 10.000 kr om måneden", tool="cost_comparison",
                               language="da", previous={"offers": [{"price_per_minute": 8.9}, {"price_per_contact": 21}]})
    assert result.arguments["offers"] == [{}, {"monthly_management_fee": 10_000}]


def test_they_speak_for_the_vendor_named_last() -> None:
    result = extract_arguments("Tilbud A: 19,50 kr/opkald. Tilbud C: 47.500 kr/FTE/md, de mener 9 FTE er nok.",
                               tool="cost_comparison", language="da")
    assert result.arguments["offers"][1] == {"price_per_fte_month": 47_500, "fte": 9, "name": "C"}


@pytest.mark.parametrize(("text", "language", "minutes"), [
    ("Mellom 08:00 og 08:30 kommer det 140 anrop", "nb", 30),
    ("I det travleste kvarter (kl. 9.00-9.15) kommer der 95 opkald", "da", 15),
    ("under rusningstimmen kommer det in ca 420 samtal", "sv", 60),
])
def test_the_interval_of_a_peak_can_be_written_before_the_volume(text: str, language: str, minutes: int) -> None:
    result = extract_arguments(text, tool="staffing", language=language)
    assert result.arguments["interval_minutes"] == minutes


def test_a_yearly_salary_word_before_the_amount_is_yearly() -> None:
    result = extract_arguments("12 fte med en årslön på 420 000 kr", tool="cost_comparison", language="sv")
    assert result.arguments["monthly_salary"] == 35_000


def test_we_are_ten_is_the_in_house_head_count() -> None:
    result = extract_arguments("Fuldt belastet koster en medarbejder os ca. 52.000 kr/md, og vi er 10.",
                               tool="cost_comparison", language="da")
    assert (result.arguments["in_house_fte"], result.arguments["loaded_cost_per_fte_month"]) == (10, 52_000)


def test_on_costs_named_one_by_one_add_up() -> None:
    result = extract_arguments("14 årsverk, 46 000 kr i mnd i lønn + 14,1 % aga og 5 % OTP", tool="cost_comparison",
                               language="nb")
    assert result.arguments["employer_oncost_pct"] == pytest.approx(0.191)


def test_a_daily_volume_and_working_days_a_month_give_the_monthly_volume() -> None:
    result = extract_arguments("we do roughly a thousand calls a day, 22 working days a month",
                               tool="cost_comparison", language="en")
    assert result.arguments["contacts_per_month"] == 22_000


@pytest.mark.parametrize(("text", "language", "fte"), [
    ("our agents cost us €4.2k/month each all-in, 25 of them", "en", 25),
    ("vi er 12 stk. lønn 38k pr mnd", "nb", 12),
])
def test_a_head_count_can_follow_what_it_counts(text: str, language: str, fte: int) -> None:
    assert extract_arguments(text, tool="cost_comparison", language=language).arguments["in_house_fte"] == fte


def test_a_letter_after_and_labels_the_next_offer() -> None:
    result = extract_arguments("2 tarjousta: A 0,9 €/min ja B 3,1 €/puhelu", tool="cost_comparison", language="fi")
    assert result.arguments["offers"] == [{"price_per_minute": 0.9, "name": "A"}, {"price_per_contact": 3.1, "name": "B"}]


# --- forms the blind sets dev5/dev6 taught (evals/tuning/blind_sets.py) ---

def test_a_correction_that_names_the_old_value_replaces_the_slot_that_held_it() -> None:
    x = extract_arguments("Beklager, jeg mente 45 sekunder, ikke 20.", tool="staffing", language="nb",
                          previous={"aht_seconds": 210, "service_level": 0.8, "answer_seconds": 20})
    assert x.slots["answer_seconds"] == 45
    previous = {"offers": [{"price_per_fte_month": 52000, "name": "A"}, {"price_per_contact": 34, "name": "B"}]}
    x = extract_arguments("Rettelse: B tar 36 kroner, ikke 34.", tool="cost_comparison", language="nb", previous=previous)
    assert merge_arguments(previous, x.slots)["offers"][1]["price_per_contact"] == 36


def test_a_line_break_ends_a_list_item() -> None:
    x = extract_arguments("volume 4,000 contacts/day\nopen 7am–7pm\nAHT ~5 min\n4) target 80% in 20 sec",
                          tool="staffing", language="en")
    assert x.slots["aht_seconds"] == 300


@pytest.mark.parametrize("text,language,slot,value", [
    ("En vanlig januaridag tar vi emot tolvhundra samtal", "sv", "contacts_per_day", 1200),
    ("Tavallisena arkipäivänä meille tulee tuhat neljäsataa puhelua", "fi", "contacts_per_day", 1400),
    ("I højsæsonen får vi to tusind opkald om dagen", "da", "contacts_per_day", 2000),
    ("Förra veckan fick vi in totalt 3 000 samtal", "sv", "contacts_per_week", 3000),
    ("I en vanlig uke får vi rundt 2 800 telefoner", "nb", "contacts_per_week", 2800),
    ("Den travleste timen, mandag mellom ni og ti, ringer 160 innbyggere", "nb", "contacts", 160),
])
def test_volumes_told_in_a_story(text: str, language: str, slot: str, value: float) -> None:
    assert extract_arguments(text, tool="staffing", language=language).slots[slot] == value


def test_a_peak_half_hour_before_a_weekday_keeps_its_interval() -> None:
    x = extract_arguments("Den travleste halvtimen på mandager får vi inn 210 samtaler.", tool="staffing", language="nb")
    assert x.slots["contacts"] == 210 and x.slots["interval_minutes"] == 30


@pytest.mark.parametrize("text,language,talk,wrap", [
    ("Samtalene varer i snitt fire og et halvt minutt. Etterarbeidet tar rundt 30 sekunder.", "nb", 270, 30),
    ("En samtale varer i gennemsnit fire minutter, og bagefter bruger medarbejderen et halvt minut på at "
     "registrere sagen.", "da", 240, 30),
    ("Själva samtalet tar fyra minuter, samtalstiden alltså. Därefter lägger handläggaren ungefär en minut på "
     "efterarbete.", "sv", 240, 60),
])
def test_wrap_up_told_in_a_sentence_of_its_own_adds_to_the_talk_time(text: str, language: str, talk: float,
                                                                      wrap: float) -> None:
    x = extract_arguments(text, tool="staffing", language=language)
    assert x.arguments["aht_seconds"] == talk + wrap


def test_one_minute_written_with_an_article_is_a_duration() -> None:
    x = extract_arguments("Vi vill svara på 90 % av samtalen inom en minut.", tool="staffing", language="sv")
    assert x.slots["service_level"] == 0.9 and x.slots["answer_seconds"] == 60


def test_a_finnish_number_word_in_a_case_is_a_number() -> None:
    x = extract_arguments("Toimittaja hoitaisi työn yhdeksällä henkilötyövuodella.", tool="cost_comparison",
                          language="fi")
    assert 9 in [x.slots.get("in_house_fte"), *(o.get("fte") for o in x.slots.get("offers") or [])]


@pytest.mark.parametrize("text,language", [
    ("Vi har 4 ansatte som tjener 39 000 kroner i måneden. Vi betaler 9 500 kroner i måneden for "
     "chat- og telefonløsningen.", "nb"),
    ("Our team is 7 people on £2,000 a month each. On top of that we pay £9,500 a month for our helpdesk "
     "software and phone system.", "en"),
])
def test_a_monthly_amount_for_a_system_is_a_fixed_cost(text: str, language: str) -> None:
    assert extract_arguments(text, tool="cost_comparison", language=language).slots["fixed_costs_month"] == 9500


def test_what_each_workstation_costs_is_overhead_per_person() -> None:
    x = extract_arguments("Vi är 14 heltidare, månadslönen är 34 500 kr. Varje arbetsplats kostar oss dessutom "
                          "3 800 kr i månaden för lokaler och IT.", tool="cost_comparison", language="sv")
    assert x.slots["overhead_per_fte_month"] == 3800 and x.slots["monthly_salary"] == 34500


def test_on_costs_listed_before_their_percentage() -> None:
    x = extract_arguments("Oven i lønnen kommer pension, feriepenge og øvrige personaleomkostninger, som i alt "
                          "udgør 18 procent.", tool="cost_comparison", language="da")
    assert x.slots["employer_oncost_pct"] == 0.18


def test_a_relative_change_of_the_volume_scales_the_earlier_one() -> None:
    x = extract_arguments("I december ligger samtalsvolymen 25 procent högre än så.", tool="staffing",
                          language="sv", previous={"contacts_per_day": 1600, "aht_seconds": 200})
    assert x.slots["contacts_per_day"] == 2000


def test_two_offers_alone_ask_for_the_vendors_own_head_count() -> None:
    assert missing_arguments("cost_comparison", {"contacts_per_month": 14000, "offers": [
        {"price_per_fte_month": 52000}, {"price_per_contact": 34}]}) == ["offers.0.fte"]
    x = extract_arguments("de regner med 9 årsverk", tool="cost_comparison", expected="offers.0.fte", language="nb")
    assert x.slots["offers"][0]["fte"] == 9


@pytest.mark.parametrize("text,language,tool,slot,value", [
    ("Kundeserviceteamet vårt på 7 personer koster oss 4,2 MNOK i året alt inkludert", "nb", "cost_comparison",
     "team_cost_month", 350000),
    ("Koko tiimimme (25 htv) kustannus on vuodessa 1,5 M€", "fi", "cost_comparison", "team_cost_month", 125000),
    ("mål: 90 % besvarade inom tre kvart", "sv", "staffing", "answer_seconds", 2700),
    ("Vores mål er, at ni ud af ti opkald bliver besvaret inden for 20 sekunder.", "da", "staffing",
     "service_level", 0.9),
    ("A typical call lasts three and a half minutes, plus another minute of wrap-up.", "en", "staffing",
     "wrapup_seconds", 60),
    ("peak hour is ~500 calls, AHT 3m20s + 40s ACW", "en", "staffing", "aht_seconds", 200),
])
def test_written_forms_of_figures(text: str, language: str, tool: str, slot: str, value: float) -> None:
    assert extract_arguments(text, tool=tool, language=language).slots[slot] == value


def test_kronor_written_as_a_price_tag() -> None:
    x = extract_arguments("Leverantör B: 46 000:- per FTE och mån", tool="cost_comparison", language="sv")
    assert x.slots["offers"][0]["price_per_fte_month"] == 46000 and x.slots["currency"] == "SEK"


def test_a_named_offer_s_new_figure_replaces_its_one_price() -> None:
    previous = {"contacts_per_month": 25000, "aht_seconds": 260,
                "offers": [{"price_per_contact": 31, "name": "A"}, {"price_per_minute": 6.75, "name": "B"}]}
    x = extract_arguments("B har sænket til 6,25", tool="cost_comparison", language="da", previous=previous)
    assert x.slots["offers"][0] == {"price_per_minute": 6.25, "name": "B"}
    # a fee is not a new price, and "offer 2" is a label, not a figure
    x = extract_arguments("correction, offer 2 would need 17 FTE, and there's a €2,000 monthly management fee on it",
                          tool="cost_comparison", language="en",
                          previous={"offers": [{"price_per_contact": 2.75}, {"price_per_fte_month": 3900, "fte": 16}]})
    assert x.slots["offers"][-1] == {"fte": 17, "monthly_management_fee": 2000, "name": "2"}


def test_their_own_head_count_is_the_vendor_s() -> None:
    x = extract_arguments("de bemanner med egne 18 FTE, ikke 20", tool="cost_comparison", language="nb",
                          previous={"in_house_fte": 20, "offers": [{"price_per_fte_month": 49000}]})
    assert x.slots["offers"][0]["fte"] == 18 and "in_house_fte" not in x.slots


def test_a_wrap_up_alone_keeps_the_handling_time_it_adds_to() -> None:
    merged = merge_arguments({"aht_seconds": 210, "wrapup_seconds": 30}, {"wrapup_seconds": 60})
    assert merged == {"aht_seconds": 210, "wrapup_seconds": 60}
    assert merge_arguments({"aht_seconds": 210}, {"talk_seconds": 200}) == {"talk_seconds": 200}


def test_the_same_aht_is_carried_from_the_other_tool() -> None:
    x = extract_arguments("300 opkald i spidstimen, samme AHT, 80/20", tool="staffing", language="da")
    assert x.same_as_before == ["aht_seconds"]


@pytest.mark.parametrize("text,language", [
    ("Puhelu kestää keskimäärin kolme minuuttia. Sen jälkeen jälkityöhön menee vielä minuutti.", "fi"),
    ("Keskimääräinen puheluaika on 3 minuuttia, ja jälkikirjauksiin kuluu noin minuutti puhelua kohden.", "fi"),
])
def test_a_finnish_minute_named_alone_is_one(text: str, language: str) -> None:
    assert extract_arguments(text, tool="staffing", language=language).arguments["aht_seconds"] == 240


def test_finnish_weekday_ranges_are_said_by_their_cases() -> None:
    x = extract_arguments("Viikossa tulee 4 200 puhelua, ja palvelemme maanantaista lauantaihin klo 9–18.",
                          tool="staffing", language="fi")
    assert x.slots["open_days_per_week"] == 6 and x.slots["contacts_per_week"] == 4200
