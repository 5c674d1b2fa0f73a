"""Voice staffing (Erlang C): the published example, conventions and bad input."""

from __future__ import annotations

import math
import re
import time

import pytest

from assistant.errors import InvalidInput
from assistant.tools import (
    ServiceLevelRequest,
    StaffingRequest,
    plan_staffing,
    service_level_for_agents,
)
from assistant.tools.erlang import erlang_b
from assistant.tools.plans import scheduled_fte

# The textbook worked example: 100 calls in 30 minutes, AHT 180 s, 80 % in 20 s.
EXAMPLE = dict(contacts=100, interval_minutes=30, aht_seconds=180, service_level=0.8, answer_seconds=20)


def example(**overrides: object) -> StaffingRequest:
    return StaffingRequest(**{**EXAMPLE, **overrides})


def test_published_example_traffic_is_10_erlangs() -> None:
    assert plan_staffing(example()).peak_traffic_erlangs == pytest.approx(10.0)


def test_published_example_needs_14_agents() -> None:
    assert plan_staffing(example()).agents == 14


def test_published_example_achieved_figures() -> None:
    plan = plan_staffing(example())
    assert plan.service_level == pytest.approx(0.888, abs=0.001)
    assert plan.occupancy == pytest.approx(0.714, abs=0.001)
    assert plan.probability_of_waiting == pytest.approx(0.174, abs=0.001)
    assert plan.asa_seconds == pytest.approx(7.84, abs=0.01)


def test_one_interval_plan_totals_equal_the_interval() -> None:
    plan = plan_staffing(example())
    (interval,) = plan.intervals
    assert (plan.agents, plan.scheduled_fte, plan.service_level) == (
        interval.agents,
        interval.scheduled_fte,
        interval.service_level,
    )


def test_shrinkage_30_percent_schedules_20_fte_for_14_agents() -> None:
    plan = plan_staffing(example(shrinkage=0.3))
    assert (plan.agents, plan.scheduled_fte) == (14, 20)


def test_shrinkage_does_not_change_productive_agents_or_service_level() -> None:
    assert plan_staffing(example(shrinkage=0.3)).service_level == plan_staffing(example()).service_level


def test_scheduled_fte_rounding_ignores_float_noise() -> None:
    # 21 / (1 - 0.3) is 30.000000000000004 in floating point; 30 people suffice.
    assert 21 / (1 - 0.3) > 30
    assert scheduled_fte(21, 0.3) == 30


def test_scheduled_fte_rounds_up_real_fractions() -> None:
    assert scheduled_fte(14, 0.25) == 19  # 18.67 → 19


def test_max_occupancy_adds_agents_when_binding() -> None:
    plan = plan_staffing(example(max_occupancy=0.7))
    assert plan.agents == 15  # 10 Erlangs / 0.7 = 14.3 → 15
    assert plan.occupancy <= 0.7


def test_max_occupancy_never_removes_agents() -> None:
    assert plan_staffing(example(max_occupancy=0.95)).agents == 14


def test_service_level_target_of_100_percent_is_reachable() -> None:
    plan = plan_staffing(example(service_level=1.0))
    assert plan.service_level >= 1.0 - 1e-9
    assert plan.agents < 60


def test_zero_answer_time_means_answered_immediately() -> None:
    plan = plan_staffing(example(answer_seconds=0))
    assert plan.service_level == pytest.approx(1 - plan.probability_of_waiting)


def test_daily_volume_is_spread_by_the_intraday_curve() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=1000,
            intraday_curve=[0.25, 0.25, 0.5],
            interval_minutes=60,
            aht_seconds=180,
            service_level=0.8,
            answer_seconds=20,
        )
    )
    assert [iv.contacts for iv in plan.intervals] == pytest.approx([250, 250, 500])
    assert [iv.start_minute for iv in plan.intervals] == [0, 60, 120]


def test_plan_peak_is_the_busiest_interval() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=1000,
            intraday_curve=[0.25, 0.25, 0.5],
            aht_seconds=180,
            service_level=0.8,
            answer_seconds=20,
        )
    )
    assert plan.agents == max(iv.agents for iv in plan.intervals) == plan.intervals[2].agents


def test_plan_hours_are_sums_over_intervals() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=1000,
            intraday_curve=[0.25, 0.25, 0.5],
            interval_minutes=30,
            aht_seconds=180,
            service_level=0.8,
            answer_seconds=20,
            shrinkage=0.2,
        )
    )
    assert plan.agent_hours == pytest.approx(sum(iv.agents for iv in plan.intervals) * 0.5)
    assert plan.scheduled_hours == pytest.approx(sum(iv.scheduled_fte for iv in plan.intervals) * 0.5)
    assert plan.workload_hours == pytest.approx(1000 * 180 / 3600)


def test_plan_service_level_is_contact_weighted() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=1000, intraday_curve=[0.2, 0.8], aht_seconds=180, service_level=0.8, answer_seconds=20
        )
    )
    expected = sum(iv.service_level * iv.contacts for iv in plan.intervals) / 1000
    assert plan.service_level == pytest.approx(expected)


def test_daily_volume_without_curve_is_spread_evenly_over_open_hours() -> None:
    plan = plan_staffing(
        StaffingRequest(contacts_per_day=800, open_hours=8, aht_seconds=180, service_level=0.8, answer_seconds=20)
    )
    assert [iv.contacts for iv in plan.intervals] == [100.0] * 8


def test_interval_without_contacts_needs_no_agents() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=500, intraday_curve=[0.0, 1.0], aht_seconds=180, service_level=0.8, answer_seconds=20
        )
    )
    night = plan.intervals[0]
    assert (night.agents, night.scheduled_fte, night.service_level, night.asa_seconds) == (0, 0, 1.0, 0.0)


def test_curve_within_tolerance_is_rescaled_to_the_daily_volume() -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts_per_day=1000, intraday_curve=[0.5, 0.5005], aht_seconds=180, service_level=0.8, answer_seconds=20
        )
    )
    assert plan.contacts == pytest.approx(1000)


def test_ten_thousand_contacts_per_hour_is_stable_and_fast() -> None:
    request = StaffingRequest(contacts=10_000, aht_seconds=300, service_level=0.8, answer_seconds=20)
    start = time.perf_counter()
    plan = plan_staffing(request)
    elapsed = time.perf_counter() - start
    assert plan.peak_traffic_erlangs == pytest.approx(10_000 * 300 / 3600)
    assert plan.peak_traffic_erlangs < plan.agents < plan.peak_traffic_erlangs + 50
    assert 0.8 <= plan.service_level < 0.9
    assert math.isfinite(plan.asa_seconds)
    assert elapsed < 0.05


def test_erlang_b_warm_start_matches_the_full_recursion() -> None:
    def full(n: int, a: float) -> float:
        b = 1.0
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        return b

    for a in (150.0, 200.0, 417.5, 833.3, 2500.0, 12_345.6):
        for n in (int(a) - 40, int(a) + 1, int(a) + 25, int(a) + 200):
            assert erlang_b(n, a) == pytest.approx(full(n, a), rel=1e-12)


def test_reverse_mode_reproduces_the_published_example() -> None:
    result = service_level_for_agents(agents=14, contacts=100, interval_minutes=30, aht_seconds=180, answer_seconds=20)
    assert result.service_level == pytest.approx(0.888, abs=0.001)
    assert result.asa_seconds == pytest.approx(7.84, abs=0.01)


def test_reverse_mode_accepts_a_request_model() -> None:
    request = ServiceLevelRequest(agents=13, contacts=100, interval_minutes=30, aht_seconds=180, answer_seconds=20)
    assert service_level_for_agents(request).service_level < 0.8


def test_reverse_mode_with_too_few_agents_reports_an_unstable_queue() -> None:
    result = service_level_for_agents(agents=10, contacts=100, interval_minutes=30, aht_seconds=180, answer_seconds=20)
    assert (result.service_level, result.probability_of_waiting, result.asa_seconds, result.occupancy) == (
        0.0,
        1.0,
        None,
        1.0,
    )


def test_reverse_mode_applies_shrinkage_to_scheduled_fte() -> None:
    result = service_level_for_agents(
        agents=14, contacts=100, interval_minutes=30, aht_seconds=180, answer_seconds=20, shrinkage=0.3
    )
    assert result.scheduled_fte == 20


def test_summary_rows_use_label_keys_not_sentences() -> None:
    rows = plan_staffing(example(shrinkage=0.3)).rows()
    assert dict(rows)["agents"] == 14
    assert all(re.fullmatch(r"[a-z_]+", key) for key, _ in rows)


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"contacts": 0}, "contacts", "greater than 0"),
        ({"contacts": -5}, "contacts", "greater than 0"),
        ({"aht_seconds": 0}, "aht_seconds", "(0, 86400]"),
        ({"aht_seconds": -180}, "aht_seconds", "(0, 86400]"),
        ({"aht_seconds": float("nan")}, "aht_seconds", "finite"),
        ({"service_level": 0}, "service_level", "(0, 1]"),
        ({"service_level": 1.2}, "service_level", "(0, 1]"),
        ({"service_level": 80}, "service_level", "0.8 for 80 %"),
        ({"answer_seconds": -1}, "answer_seconds", "[0, 86400]"),
        ({"shrinkage": 1.0}, "shrinkage", "[0, 1)"),
        ({"shrinkage": 1.5}, "shrinkage", "[0, 1)"),
        ({"shrinkage": -0.1}, "shrinkage", "[0, 1)"),
        ({"max_occupancy": 0}, "max_occupancy", "(0, 1]"),
        ({"max_occupancy": 1.1}, "max_occupancy", "(0, 1]"),
        ({"interval_minutes": 0}, "interval_minutes", "[1, 1440]"),
        ({"contacts_per_day": 100}, "contacts", "not both"),
        ({"contacts": None}, "contacts", "contacts_per_day (> 0)"),
        ({"intraday_curve": [0.5, 0.5]}, "intraday_curve", "needs contacts_per_day"),
        ({"aht_seconds": None}, "aht_seconds", "required"),
    ],
)
def test_bad_input_names_the_field_and_allowed_range(overrides: dict, field: str, allowed: str) -> None:
    with pytest.raises(InvalidInput) as info:
        plan_staffing(example(**overrides))
    assert info.value.field == field
    assert allowed in info.value.message


@pytest.mark.parametrize(
    ("curve", "allowed"),
    [
        ([0.5, 0.4], "sum to 1"),
        ([0.6, 0.6], "sum to 1"),
        ([1.2, -0.2], "[0, 1]"),
        ([], "at least one"),
        ([1 / 97] * 97, "1440 minutes"),
    ],
)
def test_bad_intraday_curve_is_rejected(curve: list[float], allowed: str) -> None:
    with pytest.raises(InvalidInput) as info:
        StaffingRequest(
            contacts_per_day=1000,
            intraday_curve=curve,
            interval_minutes=15,
            aht_seconds=180,
            service_level=0.8,
            answer_seconds=20,
        )
    assert info.value.field == "intraday_curve"
    assert allowed in info.value.message


def test_open_hours_must_cover_whole_intervals() -> None:
    with pytest.raises(InvalidInput) as info:
        StaffingRequest(
            contacts_per_day=1000,
            open_hours=7.5,
            interval_minutes=60,
            aht_seconds=180,
            service_level=0.8,
            answer_seconds=20,
        )
    assert info.value.field == "open_hours"


def test_traffic_beyond_any_finite_staffing_is_rejected_naming_the_volume() -> None:
    with pytest.raises(InvalidInput) as info:
        plan_staffing(StaffingRequest(contacts=5_000_000, aht_seconds=300, service_level=0.8, answer_seconds=20))
    assert info.value.field == "contacts"
    assert "Erlangs per interval" in info.value.message


def test_max_occupancy_that_no_finite_staffing_meets_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        plan_staffing(example(max_occupancy=1e-5))
    assert info.value.field == "max_occupancy"
    assert "allowed: max_occupancy in [" in info.value.message


def test_reverse_mode_rejects_negative_agents() -> None:
    with pytest.raises(InvalidInput) as info:
        service_level_for_agents(agents=-1, contacts=100, aht_seconds=180, answer_seconds=20)
    assert info.value.field == "agents"


def test_reverse_mode_result_has_summary_rows() -> None:
    result = service_level_for_agents(agents=14, contacts=100, interval_minutes=30, aht_seconds=180, answer_seconds=20)
    assert dict(result.rows())["service_level"] == 0.8884
