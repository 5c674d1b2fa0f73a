"""In-house vs outsourced cost comparison."""

from __future__ import annotations

import pytest

from assistant.errors import InvalidInput
from assistant.tools import (
    CostComparisonRequest,
    StaffingRequest,
    compare_costs,
    fte_from_plan,
    plan_staffing,
)

BASE = dict(
    currency="SEK",
    contacts_per_month=10_000,
    aht_seconds=240,
    in_house_fte=10,
    monthly_salary=30_000,
    employer_oncost_pct=0.3,
    overhead_per_fte_month=5_000,
    fixed_costs_month=20_000,
    transition_efficiency_loss=0.0,
)


def request(*offers: dict, **overrides: object) -> CostComparisonRequest:
    return CostComparisonRequest(**{**BASE, "offers": list(offers) or [{"price_per_contact": 40}], **overrides})


def test_in_house_monthly_cost_is_salary_with_oncosts_plus_overhead_plus_fixed() -> None:
    result = compare_costs(request())
    assert result.in_house.steady_monthly == pytest.approx(10 * (30_000 * 1.3 + 5_000) + 20_000)


def test_per_contact_offer_costs_price_times_volume() -> None:
    result = compare_costs(request({"price_per_contact": 40}))
    assert result.offers[0].monthly[5] == pytest.approx(40 * 10_000)


def test_per_minute_offer_costs_price_times_handled_minutes() -> None:
    result = compare_costs(request({"price_per_minute": 7}))
    assert result.offers[0].steady_monthly == pytest.approx(7 * 10_000 * 240 / 60)


def test_per_productive_hour_offer_uses_handled_hours_over_occupancy() -> None:
    result = compare_costs(request({"price_per_productive_hour": 400}, occupancy=0.8))
    assert result.offers[0].steady_monthly == pytest.approx(400 * 10_000 * 240 / 3600 / 0.8)


def test_per_productive_hour_offer_prefers_given_productive_hours() -> None:
    result = compare_costs(request({"price_per_productive_hour": 400}, productive_hours_per_month=900))
    assert result.offers[0].steady_monthly == pytest.approx(400 * 900)


def test_per_fte_offer_defaults_to_the_in_house_fte() -> None:
    result = compare_costs(request({"price_per_fte_month": 50_000}))
    assert result.offers[0].steady_monthly == pytest.approx(50_000 * 10)


def test_per_fte_offer_uses_its_own_fte_when_given() -> None:
    result = compare_costs(request({"price_per_fte_month": 50_000, "fte": 8}))
    assert result.offers[0].steady_monthly == pytest.approx(50_000 * 8)


def test_management_fee_incentive_and_commission_are_added() -> None:
    offer = {
        "price_per_contact": 40,
        "monthly_management_fee": 15_000,
        "incentive_pct": 0.05,
        "commission_per_sale": 100,
        "sales_per_contact": 0.02,
    }
    result = compare_costs(request(offer))
    assert result.offers[0].steady_monthly == pytest.approx(400_000 * 1.05 + 100 * 0.02 * 10_000 + 15_000)


def test_transition_cost_is_charged_in_month_one_only() -> None:
    result = compare_costs(request({"price_per_contact": 40, "transition_cost": 100_000}))
    monthly = result.offers[0].monthly
    assert monthly[0] - monthly[1] == pytest.approx(100_000)
    assert monthly[1] == monthly[-1]


def test_transition_dip_inflates_time_priced_costs_and_recovers_linearly() -> None:
    result = compare_costs(request({"price_per_minute": 7}, transition_efficiency_loss=0.3, transition_months=3))
    steady = 7 * 10_000 * 240 / 60
    monthly = result.offers[0].monthly
    assert monthly[0] == pytest.approx(steady / (1 - 0.3))
    assert monthly[1] == pytest.approx(steady / (1 - 0.2))
    assert monthly[2] == pytest.approx(steady / (1 - 0.1))
    assert monthly[3] == pytest.approx(steady)


def test_transition_dip_does_not_change_per_contact_prices() -> None:
    result = compare_costs(request({"price_per_contact": 40}, transition_efficiency_loss=0.3))
    assert result.offers[0].monthly[0] == pytest.approx(40 * 10_000)


def test_transition_extra_cost_applies_in_each_dip_month() -> None:
    result = compare_costs(request({"price_per_contact": 40}, transition_extra_cost_month=50_000, transition_months=3))
    monthly = result.offers[0].monthly
    assert [round(m - 400_000) for m in monthly[:4]] == [50_000, 50_000, 50_000, 0]


def test_default_dip_is_the_first_three_months() -> None:
    result = compare_costs(
        CostComparisonRequest(**{**BASE, "transition_efficiency_loss": 0.2, "offers": [{"price_per_minute": 7}]})
    )
    monthly = result.offers[0].monthly
    assert monthly[2] > monthly[3] == monthly[35]


def test_totals_cover_a_36_month_horizon_by_default() -> None:
    result = compare_costs(request())
    assert result.horizon_months == 36
    assert len(result.in_house.monthly) == len(result.offers[0].monthly) == 36
    assert result.offers[0].total == pytest.approx(sum(result.offers[0].monthly))


def test_savings_are_in_house_total_minus_offer_total() -> None:
    result = compare_costs(request())
    offer = result.offers[0]
    assert offer.savings_total == pytest.approx(result.in_house.total - offer.total)
    assert offer.savings_pct == pytest.approx(offer.savings_total / result.in_house.total)


def test_break_even_is_when_cumulative_savings_stop_being_negative() -> None:
    # In-house 460 000/month; offer 450 000/month + 100 000 transition: saves 10 000/month.
    result = compare_costs(request({"price_per_contact": 45, "transition_cost": 100_000}))
    assert result.offers[0].break_even_month == 10


def test_break_even_is_month_one_without_upfront_costs() -> None:
    assert compare_costs(request({"price_per_contact": 40})).offers[0].break_even_month == 1


def test_break_even_is_never_when_the_offer_costs_more() -> None:
    result = compare_costs(request({"price_per_contact": 60}))
    assert result.offers[0].break_even_month is None
    assert dict(result.rows())["offer.offer_1.break_even_month"] == "never"


def test_cheapest_option_is_named() -> None:
    result = compare_costs(
        request({"name": "cheap", "price_per_contact": 30}, {"name": "dear", "price_per_contact": 60})
    )
    assert result.cheapest == "cheap"


def test_in_house_wins_ties() -> None:
    result = compare_costs(request({"price_per_contact": 46}))  # exactly the in-house 460 000/month
    assert result.cheapest == "in_house"


def test_sensitivity_covers_volume_plus_minus_20_percent() -> None:
    result = compare_costs(request())
    assert [row.volume_factor for row in result.sensitivity] == [0.8, 1.0, 1.2]


def test_sensitivity_at_factor_one_equals_the_main_result() -> None:
    result = compare_costs(request())
    row = result.sensitivity[1]
    assert row.in_house_total == pytest.approx(result.in_house.total)
    assert row.offer_totals["offer_1"] == pytest.approx(result.offers[0].total)


def test_sensitivity_keeps_fixed_costs_fixed() -> None:
    result = compare_costs(request({"price_per_contact": 40, "monthly_management_fee": 10_000}))
    low, _, high = result.sensitivity
    variable_in_house = 10 * (30_000 * 1.3 + 5_000) * 36
    assert high.in_house_total - low.in_house_total == pytest.approx(0.4 * variable_in_house)
    assert high.offer_totals["offer_1"] - low.offer_totals["offer_1"] == pytest.approx(0.4 * 400_000 * 36)


def test_currency_is_a_label_and_nothing_is_converted() -> None:
    sek = compare_costs(request(currency="SEK"))
    eur = compare_costs(request(currency="EUR"))
    assert eur.currency == "EUR"
    assert eur.in_house.total == sek.in_house.total


def test_summary_rows_use_label_keys() -> None:
    keys = [key for key, _ in compare_costs(request()).rows()]
    assert keys[:4] == ["currency", "horizon_months", "in_house.monthly", "in_house.total"]
    assert "offer.offer_1.savings_total" in keys


def test_fte_from_a_day_plan_uses_open_days_and_paid_hours() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=800, open_hours=8, aht_seconds=180, service_level=0.8, answer_seconds=20, shrinkage=0.3
        )
    )
    assert fte_from_plan(plan, open_days_per_month=21, paid_hours_per_fte_month=160) == pytest.approx(
        plan.scheduled_hours * 21 / 160
    )


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"offers": []}, "offers", "at least one"),
        ({"offers": [{"name": "x"}]}, "offers[0]", "at least one price"),
        ({"offers": [{"price_per_contact": -1}]}, "offers[0].price_per_contact", "0 or more"),
        ({"offers": [{"price_per_contact": 1, "incentive_pct": 2}]}, "offers[0].incentive_pct", "[0, 1]"),
        ({"offers": [{"price_per_minute": 5}], "aht_seconds": None}, "aht_seconds", "required"),
        (
            {"offers": [{"name": "a", "price_per_contact": 1}, {"name": "a", "price_per_contact": 2}]},
            "offers",
            "unique",
        ),
        ({"contacts_per_month": 0}, "contacts_per_month", "greater than 0"),
        ({"in_house_fte": -3}, "in_house_fte", "greater than 0"),
        ({"monthly_salary": None}, "monthly_salary", "required"),
        ({"employer_oncost_pct": 3}, "employer_oncost_pct", "[0, 2]"),
        ({"horizon_months": 0}, "horizon_months", "[1, 240]"),
        ({"transition_months": 40}, "transition_months", "[0, 36]"),
        ({"transition_efficiency_loss": 1}, "transition_efficiency_loss", "[0, 1)"),
        ({"occupancy": 0}, "occupancy", "(0, 1]"),
        ({"sensitivity": [0.8, -1]}, "sensitivity", "(0, 10]"),
        ({"currency": ""}, "currency", "SEK"),
    ],
)
def test_bad_input_names_the_field_and_allowed_range(overrides: dict, field: str, allowed: str) -> None:
    fields = {**BASE, "offers": [{"price_per_contact": 40}], **overrides}
    fields = {key: value for key, value in fields.items() if value is not None}
    with pytest.raises(InvalidInput) as info:
        compare_costs(CostComparisonRequest(**fields))
    assert info.value.field == field
    assert allowed in info.value.message
