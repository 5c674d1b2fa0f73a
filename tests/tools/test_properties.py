"""Property tests: monotonicity, minimality and linearity hold for any valid input."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tools import (
    CostComparisonRequest,
    EmailRequest,
    StaffingRequest,
    compare_costs,
    email_max_response_seconds,
    parse_number,
    plan_email,
    plan_staffing,
    service_level_for_agents,
)
from assistant.tools.costs import in_house_monthly

# Derandomised: the same examples on every run and every machine.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)

contacts = st.floats(min_value=1, max_value=5000, allow_nan=False)
aht = st.floats(min_value=20, max_value=900, allow_nan=False)
answer = st.floats(min_value=0, max_value=120, allow_nan=False)
target = st.floats(min_value=0.5, max_value=0.99, allow_nan=False)
interval = st.sampled_from([15, 30, 60])
shrinkage = st.floats(min_value=0, max_value=0.6, allow_nan=False)


@PROPERTY
@given(contacts, aht, answer, interval, st.integers(min_value=0, max_value=40))
def test_more_agents_never_lower_the_service_level(c: float, a: float, t: float, i: int, extra: int) -> None:
    traffic = c * a / (i * 60)
    first = max(0, math.floor(traffic) - 2 + extra)
    levels = [
        service_level_for_agents(
            agents=n, contacts=c, interval_minutes=i, aht_seconds=a, answer_seconds=t
        ).service_level
        for n in (first, first + 1, first + 5)
    ]
    assert levels[0] <= levels[1] + 1e-12 <= levels[2] + 2e-12


@PROPERTY
@given(contacts, st.floats(min_value=0, max_value=3000, allow_nan=False), aht, answer, target, interval)
def test_more_volume_never_lowers_required_agents(c: float, more: float, a: float, t: float, sl: float, i: int) -> None:
    def agents(volume: float) -> int:
        request = StaffingRequest(
            contacts=volume, interval_minutes=i, aht_seconds=a, service_level=sl, answer_seconds=t
        )
        return plan_staffing(request).agents

    assert agents(c) <= agents(c + more)


@PROPERTY
@given(contacts, aht, answer, target, interval, st.one_of(st.none(), st.floats(min_value=0.5, max_value=1.0)))
def test_required_agents_are_the_smallest_count_meeting_every_target(
    c: float, a: float, t: float, sl: float, i: int, max_occ: float | None
) -> None:
    plan = plan_staffing(
        StaffingRequest(
            contacts=c, interval_minutes=i, aht_seconds=a, service_level=sl, answer_seconds=t, max_occupancy=max_occ
        )
    )
    assert plan.service_level >= sl - 1e-9
    assert max_occ is None or plan.occupancy <= max_occ + 1e-9
    fewer = service_level_for_agents(
        agents=plan.agents - 1, contacts=c, interval_minutes=i, aht_seconds=a, answer_seconds=t
    )
    too_busy = max_occ is not None and plan.agents > 1 and fewer.occupancy > max_occ + 1e-9
    assert fewer.service_level < sl - 1e-9 or too_busy or plan.agents == 1


@PROPERTY
@given(contacts, aht, answer, target, interval)
def test_reverse_mode_agrees_with_the_plan(c: float, a: float, t: float, sl: float, i: int) -> None:
    plan = plan_staffing(
        StaffingRequest(contacts=c, interval_minutes=i, aht_seconds=a, service_level=sl, answer_seconds=t)
    )
    reverse = service_level_for_agents(
        agents=plan.agents, contacts=c, interval_minutes=i, aht_seconds=a, answer_seconds=t
    )
    assert reverse.service_level == pytest.approx(plan.service_level, rel=1e-12)


@PROPERTY
@given(st.integers(min_value=0, max_value=10_000), shrinkage)
def test_scheduled_fte_is_the_smallest_headcount_covering_the_agents(agents: int, s: float) -> None:
    from assistant.tools.plans import scheduled_fte

    scheduled = scheduled_fte(agents, s)
    assert scheduled * (1 - s) >= agents - 1e-6
    assert scheduled == 0 or (scheduled - 1) * (1 - s) < agents


@PROPERTY
@given(
    st.floats(min_value=100, max_value=50_000),
    st.floats(min_value=0.1, max_value=100),
    st.floats(min_value=1.1, max_value=5),
)
def test_per_contact_cost_scales_linearly_with_volume(volume: float, price: float, factor: float) -> None:
    def total(v: float) -> float:
        request = CostComparisonRequest(
            contacts_per_month=v, in_house_fte=10, monthly_salary=30_000, offers=[{"price_per_contact": price}]
        )
        return compare_costs(request).offers[0].total

    assert total(volume * factor) == pytest.approx(total(volume) * factor, rel=1e-9)


@PROPERTY
@given(
    st.floats(min_value=0.5, max_value=500),
    st.floats(min_value=1_000, max_value=100_000),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=1.1, max_value=5),
)
def test_in_house_variable_cost_scales_linearly_with_fte(fte: float, salary: float, oncost: float, k: float) -> None:
    def variable(f: float) -> float:
        request = CostComparisonRequest(
            contacts_per_month=1000,
            in_house_fte=f,
            monthly_salary=salary,
            employer_oncost_pct=oncost,
            overhead_per_fte_month=4_000,
            fixed_costs_month=50_000,
            offers=[{"price_per_contact": 1}],
        )
        return in_house_monthly(request) - request.fixed_costs_month

    assert variable(fte * k) == pytest.approx(variable(fte) * k, rel=1e-9)


@PROPERTY
@given(
    st.floats(min_value=100, max_value=50_000),
    st.floats(min_value=0.1, max_value=20),
    st.floats(min_value=60, max_value=900),
)
def test_sensitivity_scales_usage_priced_offers_linearly(volume: float, price: float, aht_s: float) -> None:
    request = CostComparisonRequest(
        contacts_per_month=volume,
        aht_seconds=aht_s,
        in_house_fte=10,
        monthly_salary=30_000,
        offers=[{"price_per_minute": price}],
        sensitivity=[0.8, 1.0, 1.2],
    )
    low, base, high = (row.offer_totals["offer_1"] for row in compare_costs(request).sensitivity)
    assert low == pytest.approx(0.8 * base, rel=1e-9)
    assert high == pytest.approx(1.2 * base, rel=1e-9)


@PROPERTY
@given(
    st.floats(min_value=50, max_value=5_000),
    st.floats(min_value=0, max_value=5_000),
    st.floats(min_value=60, max_value=1_800),
    st.floats(min_value=1, max_value=24),
)
def test_email_needs_no_fewer_agents_for_more_volume_and_meets_its_target(
    volume: float, more: float, aht_s: float, hours: float
) -> None:
    def plan(v: float):
        return plan_email(EmailRequest(contacts_per_day=v, aht_seconds=aht_s, response_hours=hours))

    small, large = plan(volume), plan(volume + more)
    assert small.agents <= large.agents
    assert large.max_response_seconds <= hours * 3600 + 1e-6


@PROPERTY
@given(st.integers(min_value=1000, max_value=99_999_999), st.sampled_from([" ", ".", ",", "\u00a0"]))
def test_numbers_with_thousands_separators_read_back_exactly(value: int, separator: str) -> None:
    written = f"{value:,}".replace(",", separator)
    assert parse_number(written) == value


@PROPERTY
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=99))
def test_decimal_commas_and_points_read_the_same(whole: int, cents: int) -> None:
    assert (
        parse_number(f"{whole},{cents:02d}")
        == parse_number(f"{whole}.{cents:02d}")
        == pytest.approx(whole + cents / 100)
    )


def test_email_reverse_mode_is_monotone_in_agents() -> None:
    request = EmailRequest(contacts_per_day=1000, aht_seconds=240, response_hours=2, intraday_curve=[0.3] + [0.1] * 7)
    times = [email_max_response_seconds(request, n) for n in range(5, 30)]
    assert all(a >= b for a, b in itertools.pairwise(times))
