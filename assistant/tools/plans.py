"""Output models shared by every channel (voice, chat, e-mail), so plans add up.

Units: contacts are counts per interval; traffic/workload is in Erlangs
(agent-equivalents busy on average during the interval); times are seconds
unless the name says hours; service level, occupancy and probabilities are
fractions in [0, 1]. Agents and FTE are whole people.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.tools.checks import EPS

Channel = Literal["voice", "chat", "email"]

# A summary row is (label key, value). Keys are stable identifiers that the
# conversation engine translates with its own message catalog.
Row = tuple[str, float | int | str | None]


def scheduled_fte(agents: int, shrinkage: float) -> int:
    """People to schedule so that `agents` are productive: ceil(agents / (1 - shrinkage)).

    Rounded up with EPS slack so float noise (21 / (1 - 0.3) = 30.000000000000004)
    does not add a person.
    """
    if agents <= 0:
        return 0
    return math.ceil(agents / (1.0 - shrinkage) - EPS)


class IntervalStaffing(BaseModel):
    """Staffing for one interval.

    `agents` are productive agents on the phones/chats/queue (raw, before
    shrinkage); `scheduled_fte` are the people to schedule, ceil(agents / (1 -
    shrinkage)). `service_level` is the fraction answered within the answer-time
    target, `asa_seconds` the average speed of answer over all contacts
    (None when the queue is unstable — agents ≤ traffic — or not applicable),
    `occupancy` traffic / agents. `probability_of_waiting` is Erlang C (None for
    e-mail). `backlog` is the e-mail backlog (items) at the end of the interval
    (None for voice and chat).
    """

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="0-based interval number")
    start_minute: int = Field(description="minutes from the start of the plan (or opening)")
    contacts: float = Field(description="contacts arriving in the interval")
    traffic_erlangs: float = Field(description="workload in Erlangs (agent-equivalents)")
    agents: int = Field(description="productive agents needed (before shrinkage)")
    scheduled_fte: int = Field(description="people to schedule: ceil(agents / (1 - shrinkage))")
    service_level: float | None = Field(description="fraction answered within the target time")
    asa_seconds: float | None = Field(description="average speed of answer, seconds")
    occupancy: float = Field(description="traffic / agents, fraction")
    probability_of_waiting: float | None = Field(description="Erlang C, fraction")
    backlog: float | None = Field(default=None, description="e-mail items waiting at interval end")

    def rows(self) -> list[Row]:
        """Short summary as (label key, value) pairs, rounded for display."""
        rows: list[Row] = [
            ("contacts", _r(self.contacts, 2)),
            ("traffic_erlangs", _r(self.traffic_erlangs, 3)),
            ("agents", self.agents),
            ("scheduled_fte", self.scheduled_fte),
            ("service_level", _r(self.service_level, 4)),
            ("asa_seconds", _r(self.asa_seconds, 1)),
            ("occupancy", _r(self.occupancy, 4)),
            ("probability_of_waiting", _r(self.probability_of_waiting, 4)),
            ("backlog", _r(self.backlog, 2)),
        ]
        return [(key, value) for key, value in rows if value is not None]


class StaffingPlan(BaseModel):
    """A channel's plan: one row per interval plus totals.

    Totals conventions: `agents` and `scheduled_fte` are the peak over intervals
    (for a one-interval plan, that interval's figures); `workload_hours`,
    `agent_hours` and `scheduled_hours` are sums of (Erlangs or people) × interval
    length in hours, and are what adds up across channels. `service_level`,
    `asa_seconds` and `probability_of_waiting` are contact-weighted averages over
    intervals; `occupancy` is workload_hours / agent_hours. For e-mail,
    `asa_seconds` is the average response time and `max_response_seconds` the
    worst, both in open (business) seconds.
    """

    model_config = ConfigDict(frozen=True)

    channel: Channel
    interval_minutes: int
    intervals: list[IntervalStaffing]
    contacts: float = Field(description="total contacts over all intervals")
    peak_traffic_erlangs: float
    agents: int = Field(description="peak productive agents over intervals")
    scheduled_fte: int = Field(description="peak scheduled people over intervals")
    workload_hours: float
    agent_hours: float
    scheduled_hours: float
    service_level: float | None
    asa_seconds: float | None
    occupancy: float
    probability_of_waiting: float | None
    max_response_seconds: float | None = None

    def rows(self) -> list[Row]:
        """Short summary as (label key, value) pairs, rounded for display."""
        rows: list[Row] = [
            ("channel", self.channel),
            ("contacts", _r(self.contacts, 2)),
            ("peak_traffic_erlangs", _r(self.peak_traffic_erlangs, 3)),
            ("agents", self.agents),
            ("scheduled_fte", self.scheduled_fte),
            ("service_level", _r(self.service_level, 4)),
            ("asa_seconds", _r(self.asa_seconds, 1)),
            ("occupancy", _r(self.occupancy, 4)),
            ("probability_of_waiting", _r(self.probability_of_waiting, 4)),
            ("max_response_seconds", _r(self.max_response_seconds, 0)),
            ("agent_hours", _r(self.agent_hours, 2)),
            ("scheduled_hours", _r(self.scheduled_hours, 2)),
        ]
        return [(key, value) for key, value in rows if value is not None]


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _weighted(values: list[tuple[float | None, float]]) -> float | None:
    """Contact-weighted mean, or None if any value is None (undefined)."""
    total_weight = sum(weight for _, weight in values)
    if total_weight <= 0:
        return None
    acc = 0.0
    for value, weight in values:
        if weight <= 0:
            continue
        if value is None:
            return None
        acc += value * weight
    return acc / total_weight


def summarise(
    channel: Channel,
    interval_minutes: int,
    intervals: list[IntervalStaffing],
    *,
    agent_hours: float | None = None,
    asa_seconds: float | None = None,
    max_response_seconds: float | None = None,
) -> StaffingPlan:
    """Build a `StaffingPlan` with totals computed from `intervals`."""
    hours = interval_minutes / 60.0
    workload = sum(iv.traffic_erlangs for iv in intervals) * hours
    staffed = sum(iv.agents for iv in intervals) * hours if agent_hours is None else agent_hours
    weights = [iv.contacts for iv in intervals]
    return StaffingPlan(
        channel=channel,
        interval_minutes=interval_minutes,
        intervals=intervals,
        contacts=sum(weights),
        peak_traffic_erlangs=max((iv.traffic_erlangs for iv in intervals), default=0.0),
        agents=max((iv.agents for iv in intervals), default=0),
        scheduled_fte=max((iv.scheduled_fte for iv in intervals), default=0),
        workload_hours=workload,
        agent_hours=staffed,
        scheduled_hours=sum(iv.scheduled_fte for iv in intervals) * hours,
        service_level=_weighted([(iv.service_level, iv.contacts) for iv in intervals]),
        asa_seconds=(
            asa_seconds if asa_seconds is not None else _weighted([(iv.asa_seconds, iv.contacts) for iv in intervals])
        ),
        occupancy=min(1.0, workload / staffed) if staffed > 0 else 0.0,
        probability_of_waiting=_weighted([(iv.probability_of_waiting, iv.contacts) for iv in intervals]),
        max_response_seconds=max_response_seconds,
    )
