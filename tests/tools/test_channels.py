"""Chat (concurrency) and e-mail (response-time target) plans, and adding channels up."""

from __future__ import annotations

import math

import pytest

from assistant.errors import InvalidInput
from assistant.tools import (
    ChatRequest,
    EmailRequest,
    StaffingPlan,
    StaffingRequest,
    combine_plans,
    email_max_response_seconds,
    plan_chat,
    plan_email,
    plan_staffing,
)

VOICE = dict(contacts=100, interval_minutes=30, aht_seconds=180, service_level=0.8, answer_seconds=20)


def chat(**overrides: object) -> ChatRequest:
    return ChatRequest(**{**VOICE, "concurrency": 2, **overrides})


def email(**overrides: object) -> EmailRequest:
    return EmailRequest(**{"contacts_per_day": 800, "aht_seconds": 300, "response_hours": 8, **overrides})


def test_chat_with_concurrency_one_is_the_voice_plan() -> None:
    assert plan_chat(chat(concurrency=1)).agents == plan_staffing(StaffingRequest(**VOICE)).agents == 14


def test_chat_agents_are_the_slots_needed_divided_by_concurrency() -> None:
    slots = plan_staffing(StaffingRequest(**VOICE)).agents  # one slot per session: the voice maths
    assert plan_chat(chat(concurrency=2)).agents == math.ceil(slots / 2)
    assert plan_chat(chat(concurrency=3)).agents == math.ceil(slots / 3)


def test_chat_fractional_concurrency_counts_whole_slots() -> None:
    # 1.5 sessions per agent: 10 agents give 15 slots, 9 agents give 13.
    plan = plan_chat(chat(concurrency=1.5))
    assert plan.agents == math.ceil(14 / 1.5)


def test_chat_traffic_and_occupancy_are_per_agent() -> None:
    plan = plan_chat(chat(concurrency=2))
    assert plan.peak_traffic_erlangs == pytest.approx(10 / 2)
    assert plan.occupancy == pytest.approx(5 / plan.agents)


def test_chat_concurrency_out_of_range_is_rejected() -> None:
    for bad in (0.5, 25):
        with pytest.raises(InvalidInput) as info:
            chat(concurrency=bad)
        assert info.value.field == "concurrency"
        assert "[1, 20]" in info.value.message


def test_chat_concurrency_is_required() -> None:
    with pytest.raises(InvalidInput) as info:
        ChatRequest(**VOICE)
    assert info.value.field == "concurrency"


def test_email_with_loose_target_is_workload_over_productive_hours() -> None:
    # 800 × 300 s = 66.7 h of work over 8 open hours = 8.33 → 9 agents.
    plan = plan_email(email(response_hours=24))
    assert plan.agents == 9
    assert plan.workload_hours == pytest.approx(800 * 300 / 3600)


def test_email_max_occupancy_adds_agents() -> None:
    # 66.7 h / (8 h × 0.8) = 10.4 → 11 agents.
    assert plan_email(email(response_hours=24, max_occupancy=0.8)).agents == 11


def test_email_morning_backlog_with_tight_target_needs_more_agents() -> None:
    curve = [0.4] + [0.6 / 7] * 7  # the overnight mail lands in the first hour
    loose = plan_email(email(response_hours=8, intraday_curve=curve))
    tight = plan_email(email(response_hours=1, intraday_curve=curve))
    assert tight.agents > loose.agents


def test_email_plan_meets_the_response_target() -> None:
    curve = [0.4] + [0.6 / 7] * 7
    request = email(response_hours=2, intraday_curve=curve)
    plan = plan_email(request)
    assert plan.max_response_seconds <= 2 * 3600
    assert email_max_response_seconds(request, plan.agents) == pytest.approx(plan.max_response_seconds)


def test_email_plan_is_the_smallest_team_meeting_the_target() -> None:
    curve = [0.4] + [0.6 / 7] * 7
    request = email(response_hours=2, intraday_curve=curve)
    agents = plan_email(request).agents
    assert email_max_response_seconds(request, agents - 1) > 2 * 3600


def test_email_team_too_small_for_the_day_never_clears_the_backlog() -> None:
    assert email_max_response_seconds(email(), 1) == math.inf


def test_email_backlog_is_reported_per_interval() -> None:
    curve = [0.4] + [0.6 / 7] * 7
    plan = plan_email(email(response_hours=8, intraday_curve=curve))
    assert plan.intervals[0].backlog > 0
    assert plan.intervals[-1].backlog == pytest.approx(0)


def test_email_response_target_below_handling_time_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        email(response_hours=0.05)  # 180 s < 300 s handling time
    assert info.value.field == "response_hours"


def test_email_curve_needs_one_share_per_open_interval() -> None:
    with pytest.raises(InvalidInput) as info:
        email(intraday_curve=[0.5, 0.5])
    assert info.value.field == "intraday_curve"
    assert "(8)" in info.value.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacts_per_day": 0}, "contacts_per_day"),
        ({"aht_seconds": -1}, "aht_seconds"),
        ({"response_hours": 0}, "response_hours"),
        ({"open_hours": 25}, "open_hours"),
        ({"shrinkage": 1}, "shrinkage"),
    ],
)
def test_email_bad_input_names_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        email(**overrides)
    assert info.value.field == field


def test_every_channel_returns_the_same_plan_shape() -> None:
    plans = [plan_staffing(StaffingRequest(**VOICE)), plan_chat(chat()), plan_email(email())]
    assert all(isinstance(plan, StaffingPlan) for plan in plans)
    assert [plan.channel for plan in plans] == ["voice", "chat", "email"]


def test_combined_plan_adds_hours_across_channels() -> None:
    voice = plan_staffing(StaffingRequest(**VOICE))
    mail = plan_email(email())
    combined = combine_plans([voice, mail])
    assert combined.agent_hours == pytest.approx(voice.agent_hours + mail.agent_hours)
    assert combined.workload_hours == pytest.approx(voice.workload_hours + mail.workload_hours)
    assert combined.scheduled_hours == pytest.approx(voice.scheduled_hours + mail.scheduled_hours)


def test_combined_plan_sums_agents_per_interval_when_grids_align() -> None:
    day = dict(contacts_per_day=1000, intraday_curve=[0.8, 0.2], aht_seconds=180, service_level=0.8, answer_seconds=20)
    voice = plan_staffing(StaffingRequest(**day))
    chats = plan_chat(ChatRequest(**{**day, "intraday_curve": [0.2, 0.8], "concurrency": 2}))
    combined = combine_plans([voice, chats])
    per_interval = [v.agents + c.agents for v, c in zip(voice.intervals, chats.intervals, strict=True)]
    assert combined.aligned
    assert combined.agents == max(per_interval)


def test_combined_plan_with_different_intervals_adds_peaks() -> None:
    voice = plan_staffing(StaffingRequest(**VOICE))  # 30-minute intervals
    mail = plan_email(email())  # 60-minute intervals
    combined = combine_plans([voice, mail])
    assert not combined.aligned
    assert combined.agents == voice.agents + mail.agents


def test_combining_nothing_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        combine_plans([])
