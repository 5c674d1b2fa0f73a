"""Chat (concurrent sessions) and e-mail/back-office (response-time target) plans,
in the same `StaffingPlan` shape as voice so a multi-channel plan adds up.

Chat
----
Each agent handles up to `concurrency` sessions at once, so the queue has
floor(agents × concurrency) parallel slots. A session holds a slot for its
handling time (`aht_seconds` is the wall-clock session length, which is
longer than a phone call because the agent switches between chats). Erlang C is
applied to slots; agents = ceil(slots / concurrency). `traffic_erlangs` and
`occupancy` are reported per agent (slot traffic / concurrency), so they add up
with voice. Max occupancy, if given, caps slot occupancy.

E-mail / back-office
--------------------
A deterministic fluid model, one day of `open_hours` split into intervals:

* Items become workable at the rate given by `intraday_curve` (default: flat
  over the open day). Items that arrive while closed count as arriving in the
  first interval, so put the overnight share there (a morning peak).
* The team is one constant size for the day (back-office work is not
  re-staffed every 15 minutes). N agents clear N × max_occupancy ×
  interval_seconds / aht_seconds items per interval, first in, first out.
* `response_hours` is counted in open (business) hours, the way e-mail SLAs are
  normally written; the backlog left at closing is carried to the next day
  (steady state: the day starts with the backlog it ends with).
* Agents = the smallest N such that (a) the day's capacity covers the day's
  volume — volume × AHT / (open hours × max occupancy) — and (b) every item is
  answered within the target: the worst response time is
  max over intervals of backlog / capacity per interval, plus the item's own
  handling time. `asa_seconds` on the plan is the mean response time (Little's
  law over the steady-state day, plus handling time).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.errors import InvalidInput
from assistant.tools import checks
from assistant.tools.plans import IntervalStaffing, StaffingPlan, scheduled_fte, summarise
from assistant.tools.staffing import (
    CURVE_TOLERANCE,
    MAX_AGENTS_PER_INTERVAL,
    MAX_AHT_SECONDS,
    MINUTES_PER_DAY,
    StaffingRequest,
    erlang_plan,
)

MAX_CONCURRENCY = 20.0


class ChatRequest(StaffingRequest):
    """A voice `StaffingRequest` plus `concurrency` (sessions per agent, in [1, 20])."""

    concurrency: float = Field(
        description="Chat sessions one agent handles at the same time, in [1, 20].",
        json_schema_extra={"minimum": 1, "maximum": MAX_CONCURRENCY},
    )

    @model_validator(mode="before")
    @classmethod
    def _required_concurrency(cls, data: Any) -> Any:
        checks.require(data, [("concurrency", f"sessions per agent in [1, {MAX_CONCURRENCY:g}]")])
        return data

    @model_validator(mode="after")
    def _concurrency_range(self) -> ChatRequest:
        checks.finite("concurrency", self.concurrency)
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise InvalidInput(
                "concurrency", f"must be in [1, {MAX_CONCURRENCY:g}] sessions per agent; got {self.concurrency:g}"
            )
        return self


def plan_chat(req: ChatRequest) -> StaffingPlan:
    """Chat staffing plan (Erlang C on agents × concurrency slots)."""
    return erlang_plan("chat", req, concurrency=req.concurrency)


class EmailRequest(BaseModel):
    """Inputs for an e-mail / back-office plan (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    contacts_per_day: float = Field(description="Items per day, > 0.", json_schema_extra={"exclusiveMinimum": 0})
    aht_seconds: float = Field(
        description="Handling time per item in seconds, > 0.", json_schema_extra={"exclusiveMinimum": 0}
    )
    response_hours: float = Field(
        description="Every item answered within this many open (business) hours, > 0.",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    open_hours: float = Field(default=8.0, description="Staffed hours per day, in (0, 24].")
    interval_minutes: int = Field(default=60, description="Interval length in minutes.")
    intraday_curve: list[float] | None = Field(
        default=None, description="Share of the day's items becoming workable in each open interval (sums to 1)."
    )
    max_occupancy: float | None = Field(default=None, description="Cap on productive utilisation, in (0, 1].")
    shrinkage: float = Field(default=0.0, description="Fraction of paid time not available, in [0, 1).")

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        checks.require(
            data,
            [
                ("contacts_per_day", "greater than 0"),
                ("aht_seconds", "seconds, greater than 0"),
                ("response_hours", "open hours, greater than 0"),
            ],
        )
        return data

    @model_validator(mode="after")
    def _ranges(self) -> EmailRequest:
        checks.positive("contacts_per_day", self.contacts_per_day)
        checks.positive("aht_seconds", self.aht_seconds, unit="seconds", upper=MAX_AHT_SECONDS)
        checks.positive("response_hours", self.response_hours, unit="hours")
        if self.response_hours * 3600.0 < self.aht_seconds:
            raise InvalidInput(
                "response_hours",
                f"must be at least the handling time ({self.aht_seconds / 3600.0:.4g} hours); "
                f"got {self.response_hours:g}",
            )
        checks.positive("open_hours", self.open_hours, unit="hours", upper=24)
        checks.int_range("interval_minutes", self.interval_minutes, 1, MINUTES_PER_DAY, unit="minutes")
        n = self.open_hours * 60.0 / self.interval_minutes
        if abs(n - round(n)) > 1e-6 or round(n) < 1:
            raise InvalidInput(
                "open_hours",
                f"must cover a whole number of {self.interval_minutes}-minute intervals, in (0, 24] hours; "
                f"got {self.open_hours:g}",
            )
        if self.intraday_curve is not None:
            if len(self.intraday_curve) != round(n):
                raise InvalidInput(
                    "intraday_curve",
                    f"must have one share per open interval ({round(n)}); got {len(self.intraday_curve)}",
                )
            for share in self.intraday_curve:
                checks.non_negative("intraday_curve", share, upper=1)
            total = sum(self.intraday_curve)
            if abs(total - 1.0) > CURVE_TOLERANCE:
                raise InvalidInput("intraday_curve", f"shares must sum to 1 (± {CURVE_TOLERANCE:g}); got {total:.6g}")
        if self.max_occupancy is not None:
            checks.fraction_open_closed("max_occupancy", self.max_occupancy)
        checks.fraction_closed_open("shrinkage", self.shrinkage)
        return self

    def interval_volumes(self) -> list[float]:
        n = round(self.open_hours * 60.0 / self.interval_minutes)
        if self.intraday_curve is None:
            return [self.contacts_per_day / n] * n
        total = sum(self.intraday_curve)
        return [self.contacts_per_day * share / total for share in self.intraday_curve]


def _backlog_day(arrivals: list[float], capacity: float) -> tuple[float, list[float]]:
    """Steady-state fluid queue for one day: (opening backlog, backlog at each interval end).

    The opening backlog is the fixed point reached from an empty queue: the
    largest excess of arrivals over capacity in any tail of the day (0 if
    capacity always keeps up). Requires capacity × intervals ≥ sum(arrivals).
    """
    carry = 0.0
    tail_excess = 0.0
    for a in reversed(arrivals):
        tail_excess += a - capacity
        carry = max(carry, tail_excess)
    backlog = carry
    ends = []
    for a in arrivals:
        backlog = max(0.0, backlog + a - capacity)
        ends.append(backlog)
    return carry, ends


def _worst_response_intervals(arrivals: list[float], capacity: float) -> float:
    """Worst FIFO response time in intervals: the last item in at an interval end
    waits for the whole backlog at that moment to clear."""
    _, ends = _backlog_day(arrivals, capacity)
    return max(ends, default=0.0) / capacity


def _mean_backlog_integral(start: float, arrivals: float, capacity: float) -> tuple[float, float]:
    """(∫ backlog dt in interval units, backlog at end) for one interval with
    constant arrival and service rates."""
    if arrivals >= capacity:
        end = start + arrivals - capacity
        return (start + end) / 2.0, end
    drain = capacity - arrivals
    if start >= drain:
        end = start - drain
        return (start + end) / 2.0, end
    # Backlog hits zero part-way through the interval and stays there.
    return start * (start / drain) / 2.0, 0.0


def _per_agent_capacity(req: EmailRequest) -> float:
    """Items one agent clears per interval."""
    utilisation = 1.0 if req.max_occupancy is None else req.max_occupancy
    return utilisation * req.interval_minutes * 60.0 / req.aht_seconds


def email_max_response_seconds(req: EmailRequest, agents: int) -> float:
    """Reverse mode for e-mail: worst response time (open seconds, including the
    handling time) with `agents` agents; math.inf if the day's capacity is below
    the day's volume (the backlog would grow without bound)."""
    if agents < 0:
        raise InvalidInput("agents", f"must be a whole number, 0 or more; got {agents}")
    arrivals = req.interval_volumes()
    capacity = agents * _per_agent_capacity(req)
    if capacity * len(arrivals) < sum(arrivals) * (1 - checks.EPS) or capacity <= 0:
        return math.inf
    interval_seconds = req.interval_minutes * 60.0
    return _worst_response_intervals(arrivals, capacity) * interval_seconds + req.aht_seconds


def plan_email(req: EmailRequest) -> StaffingPlan:
    """E-mail / back-office plan with a constant team for the open day."""
    arrivals = req.interval_volumes()
    interval_seconds = req.interval_minutes * 60.0
    per_agent = _per_agent_capacity(req)
    # The fluid queue gives the wait before an item is worked on; the item's own
    # handling time comes on top.
    target_wait_intervals = (req.response_hours * 3600.0 - req.aht_seconds) / interval_seconds

    def meets(n: int) -> bool:
        return _worst_response_intervals(arrivals, n * per_agent) <= target_wait_intervals + checks.EPS

    low = max(1, math.ceil(sum(arrivals) / (len(arrivals) * per_agent) - checks.EPS))
    # With capacity ≥ the busiest interval no backlog ever forms, so this always passes.
    high = max(low, math.ceil(max(arrivals) / per_agent - checks.EPS))
    if high > MAX_AGENTS_PER_INTERVAL:
        raise InvalidInput(
            "contacts_per_day",
            f"needs more than {MAX_AGENTS_PER_INTERVAL} agents; allowed: at most "
            f"{MAX_AGENTS_PER_INTERVAL} agents' work per interval",
        )
    while low < high:  # response time is non-increasing in N: binary search
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid + 1
    agents = low
    capacity = agents * per_agent
    backlog, ends = _backlog_day(arrivals, capacity)
    rows: list[IntervalStaffing] = []
    area = 0.0
    fte = scheduled_fte(agents, req.shrinkage)
    for index, a in enumerate(arrivals):
        part, end = _mean_backlog_integral(backlog, a, capacity)
        area += part
        done = backlog + a - end
        rows.append(
            IntervalStaffing(
                index=index,
                start_minute=index * req.interval_minutes,
                contacts=a,
                traffic_erlangs=a * req.aht_seconds / interval_seconds,
                agents=agents,
                scheduled_fte=fte,
                service_level=1.0,
                asa_seconds=None,
                occupancy=min(1.0, done * req.aht_seconds / (agents * interval_seconds)),
                probability_of_waiting=None,
                backlog=end,
            )
        )
        backlog = end
    # Little's law over a steady-state day: mean wait = mean backlog / arrival rate.
    mean_response = area * interval_seconds / sum(arrivals) + req.aht_seconds
    worst = max(ends, default=0.0) / capacity * interval_seconds + req.aht_seconds
    return summarise(
        "email",
        req.interval_minutes,
        rows,
        asa_seconds=mean_response,
        max_response_seconds=worst,
    )


class MultiChannelPlan(BaseModel):
    """Several channel plans added up (dedicated agents per channel, no pooling).

    Hours are summed. When all plans share one interval length, intervals with
    the same `start_minute` are summed (all plans are assumed to start at the
    same clock time) and `agents`/`scheduled_fte` are the peak of those sums;
    otherwise they are the sum of each plan's peak, an upper bound, and
    `aligned` is False.
    """

    model_config = ConfigDict(frozen=True)

    channels: list[StaffingPlan]
    aligned: bool
    contacts: float
    agents: int
    scheduled_fte: int
    workload_hours: float
    agent_hours: float
    scheduled_hours: float

    def rows(self) -> list[tuple[str, float | int | str | None]]:
        return [
            ("channels", ",".join(plan.channel for plan in self.channels)),
            ("contacts", round(self.contacts, 2)),
            ("agents", self.agents),
            ("scheduled_fte", self.scheduled_fte),
            ("workload_hours", round(self.workload_hours, 2)),
            ("agent_hours", round(self.agent_hours, 2)),
            ("scheduled_hours", round(self.scheduled_hours, 2)),
        ]


def combine_plans(plans: list[StaffingPlan]) -> MultiChannelPlan:
    """Add channel plans together (see `MultiChannelPlan`)."""
    if not plans:
        raise InvalidInput("plans", "needs at least one channel plan")
    aligned = len({plan.interval_minutes for plan in plans}) == 1
    if aligned:
        agents: dict[int, int] = {}
        scheduled: dict[int, int] = {}
        for plan in plans:
            for iv in plan.intervals:
                agents[iv.start_minute] = agents.get(iv.start_minute, 0) + iv.agents
                scheduled[iv.start_minute] = scheduled.get(iv.start_minute, 0) + iv.scheduled_fte
        peak_agents = max(agents.values(), default=0)
        peak_scheduled = max(scheduled.values(), default=0)
    else:
        peak_agents = sum(plan.agents for plan in plans)
        peak_scheduled = sum(plan.scheduled_fte for plan in plans)
    return MultiChannelPlan(
        channels=plans,
        aligned=aligned,
        contacts=sum(plan.contacts for plan in plans),
        agents=peak_agents,
        scheduled_fte=peak_scheduled,
        workload_hours=sum(plan.workload_hours for plan in plans),
        agent_hours=sum(plan.agent_hours for plan in plans),
        scheduled_hours=sum(plan.scheduled_hours for plan in plans),
    )
