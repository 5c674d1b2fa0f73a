"""Voice staffing with Erlang C: required agents per interval, and the reverse mode.

Conventions (these are what the numbers mean; tests pin them down):

* Volume is either `contacts` arriving in one interval of `interval_minutes`
  (default 60), or `contacts_per_day` spread over intervals by
  `intraday_curve` (shares per interval that must sum to 1 ± 0.001; they are
  then rescaled to sum to exactly 1). Without a curve, the daily volume is
  spread evenly over `open_hours` (default 8) — a flat day understates the
  peak, so give the real curve for a real plan.
* AHT is talk + after-call work, in seconds. Traffic (Erlangs) =
  contacts × AHT / (interval_minutes × 60).
* The service-level target is "`service_level` (fraction) of contacts
  answered within `answer_seconds`", computed with the standard Erlang C
  formula SL = 1 − C·exp(−(N − A)·T / AHT).
* `agents` is the smallest whole number of productive agents that meets the
  service-level target *and*, if `max_occupancy` is given, traffic / agents ≤
  max_occupancy (so max occupancy can only add agents, never remove them).
  A target counts as met within 1e-9, so a 100 % target is reachable.
* Shrinkage (breaks, meetings, training, absence) is applied after the queue
  maths: scheduled FTE = ceil(agents / (1 − shrinkage)), per interval, with
  1e-9 float slack. Service level, ASA and occupancy refer to the productive
  agents.
* Intervals with zero contacts need zero agents (service level 1, ASA 0).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.errors import InvalidInput
from assistant.tools import checks
from assistant.tools.erlang import QueueMetrics, queue_metrics, required_servers
from assistant.tools.plans import IntervalStaffing, StaffingPlan, scheduled_fte, summarise

MINUTES_PER_DAY = 1440
# Hard ceiling per interval; beyond this the answer is not a staffing plan any
# more, and the recursion would stop being "a few milliseconds".
MAX_AGENTS_PER_INTERVAL = 100_000
CURVE_TOLERANCE = 1e-3
MAX_AHT_SECONDS = 86_400.0


class StaffingRequest(BaseModel):
    """Inputs for a voice staffing plan. See the module docstring for conventions."""

    model_config = ConfigDict(extra="forbid")

    contacts: float | None = Field(
        default=None,
        description="Contacts arriving in one interval of interval_minutes (> 0). Give this or contacts_per_day.",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    contacts_per_day: float | None = Field(
        default=None,
        description="Contacts per day (> 0), spread by intraday_curve or evenly over open_hours.",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    intraday_curve: list[float] | None = Field(
        default=None,
        description="Share of the daily volume in each interval (fractions summing to 1).",
    )
    interval_minutes: int = Field(
        default=60,
        description="Interval length in minutes (1-1440).",
        json_schema_extra={"minimum": 1, "maximum": 1440},
    )
    open_hours: float = Field(
        default=8.0,
        description="Opening hours used to spread contacts_per_day when no intraday_curve is given.",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 24},
    )
    aht_seconds: float = Field(
        description="Average handling time in seconds (talk + after-call work), > 0.",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    service_level: float = Field(
        description="Target fraction of contacts answered within answer_seconds, in (0, 1]; 0.8 for 80 %.",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    )
    answer_seconds: float = Field(
        description="Answer-time target in seconds (>= 0); the 20 in 80/20.", json_schema_extra={"minimum": 0}
    )
    max_occupancy: float | None = Field(
        default=None,
        description="Optional cap on occupancy (traffic / agents), fraction in (0, 1].",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    )
    shrinkage: float = Field(
        default=0.0,
        description="Fraction of paid time not available for contacts, in [0, 1).",
        json_schema_extra={"minimum": 0, "exclusiveMaximum": 1},
    )

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        checks.require(
            data,
            [
                ("aht_seconds", "seconds, greater than 0"),
                ("service_level", "a fraction in (0, 1]"),
                ("answer_seconds", "seconds, 0 or more"),
            ],
        )
        return data

    @model_validator(mode="after")
    def _ranges(self) -> StaffingRequest:
        validate_volume(self)
        checks.positive("aht_seconds", self.aht_seconds, unit="seconds", upper=MAX_AHT_SECONDS)
        checks.fraction_open_closed("service_level", self.service_level)
        checks.non_negative("answer_seconds", self.answer_seconds, unit="seconds", upper=MAX_AHT_SECONDS)
        if self.max_occupancy is not None:
            checks.fraction_open_closed("max_occupancy", self.max_occupancy)
        checks.fraction_closed_open("shrinkage", self.shrinkage)
        return self

    def interval_volumes(self) -> list[float]:
        """Contacts per interval, in order, after spreading any daily volume."""
        if self.contacts is not None:
            return [self.contacts]
        assert self.contacts_per_day is not None  # guaranteed by validation
        if self.intraday_curve is not None:
            total = sum(self.intraday_curve)
            return [self.contacts_per_day * share / total for share in self.intraday_curve]
        n = _open_intervals(self.open_hours, self.interval_minutes)
        return [self.contacts_per_day / n] * n


def _open_intervals(open_hours: float, interval_minutes: int) -> int:
    exact = open_hours * 60.0 / interval_minutes
    n = round(exact)
    if n < 1 or abs(exact - n) > 1e-6:
        raise InvalidInput(
            "open_hours",
            f"must cover a whole number of {interval_minutes}-minute intervals, in (0, 24] hours; "
            f"got {checks.fmt(open_hours)}",
        )
    return n


def validate_volume(req: Any) -> None:
    """Shared volume checks for requests with contacts / contacts_per_day / intraday_curve."""
    checks.int_range("interval_minutes", req.interval_minutes, 1, MINUTES_PER_DAY, unit="minutes")
    if req.contacts is not None and req.contacts_per_day is not None:
        raise InvalidInput("contacts", "give either contacts (per interval) or contacts_per_day, not both")
    if req.contacts is None and req.contacts_per_day is None:
        raise InvalidInput("contacts", "is required: contacts per interval (> 0) or contacts_per_day (> 0)")
    if req.contacts is not None:
        checks.positive("contacts", req.contacts)
        if req.intraday_curve is not None:
            raise InvalidInput("intraday_curve", "needs contacts_per_day; contacts is already per interval")
        return
    checks.positive("contacts_per_day", req.contacts_per_day)
    curve = req.intraday_curve
    if curve is None:
        checks.positive("open_hours", req.open_hours, unit="hours", upper=24)
        _open_intervals(req.open_hours, req.interval_minutes)
        return
    if not curve:
        raise InvalidInput("intraday_curve", "must have at least one interval share")
    for share in curve:
        checks.non_negative("intraday_curve", share, upper=1)
    if len(curve) * req.interval_minutes > MINUTES_PER_DAY:
        raise InvalidInput(
            "intraday_curve",
            f"covers {len(curve)} × {req.interval_minutes} minutes; "
            f"allowed: at most {MINUTES_PER_DAY} minutes (one day)",
        )
    total = sum(curve)
    if abs(total - 1.0) > CURVE_TOLERANCE:
        raise InvalidInput(
            "intraday_curve",
            f"shares must sum to 1 (± {CURVE_TOLERANCE:g}); got {total:.6g}",
        )


def check_capacity(traffic: float, max_occupancy: float | None, volume_field: str) -> None:
    """Refuse traffic that no supported (finite) staffing can serve."""
    occupancy = 1.0 if max_occupancy is None else max_occupancy
    if traffic / occupancy < MAX_AGENTS_PER_INTERVAL - 1:
        return
    limit = (MAX_AGENTS_PER_INTERVAL - 1) * occupancy
    if max_occupancy is not None and traffic < MAX_AGENTS_PER_INTERVAL - 1:
        raise InvalidInput(
            "max_occupancy",
            f"traffic of {traffic:.6g} Erlangs cannot be staffed at max occupancy {max_occupancy:g} with at most "
            f"{MAX_AGENTS_PER_INTERVAL} agents; allowed: max_occupancy in "
            f"[{traffic / (MAX_AGENTS_PER_INTERVAL - 1):.4g}, 1]",
        )
    raise InvalidInput(
        volume_field,
        f"gives {traffic:.6g} Erlangs in one interval; allowed: at most {limit:.6g} Erlangs per interval "
        f"(contacts × aht_seconds / interval seconds)",
    )


def interval_row(
    index: int,
    interval_minutes: int,
    contacts: float,
    metrics: QueueMetrics | None,
    shrinkage: float,
    *,
    concurrency: float = 1.0,
    agents: int | None = None,
) -> IntervalStaffing:
    """One output row. `metrics` are for the servers (agents or chat slots);
    `concurrency` converts slot traffic to agent-equivalents."""
    start = index * interval_minutes
    if metrics is None or metrics.traffic <= 0:
        n_agents = agents or 0
        return IntervalStaffing(
            index=index,
            start_minute=start,
            contacts=contacts,
            traffic_erlangs=0.0,
            agents=n_agents,
            scheduled_fte=scheduled_fte(n_agents, shrinkage),
            service_level=1.0,
            asa_seconds=0.0,
            occupancy=0.0,
            probability_of_waiting=0.0,
        )
    n_agents = metrics.n if agents is None else agents
    traffic = metrics.traffic / concurrency
    return IntervalStaffing(
        index=index,
        start_minute=start,
        contacts=contacts,
        traffic_erlangs=traffic,
        agents=n_agents,
        scheduled_fte=scheduled_fte(n_agents, shrinkage),
        service_level=metrics.service_level,
        asa_seconds=metrics.asa if math.isfinite(metrics.asa) else None,
        occupancy=min(1.0, traffic / n_agents) if n_agents > 0 else 1.0,
        probability_of_waiting=metrics.p_wait,
    )


def plan_staffing(req: StaffingRequest) -> StaffingPlan:
    """Voice staffing plan: Erlang C per interval, then shrinkage. Pure and deterministic."""
    return erlang_plan("voice", req, concurrency=1.0)


def erlang_plan(channel: str, req: StaffingRequest, *, concurrency: float) -> StaffingPlan:
    """Erlang C plan where each agent serves `concurrency` parallel slots (1 for voice).

    With concurrency c, the queue has floor(agents × c) servers; the minimum
    number of slots S is found first and agents = ceil(S / c), which is the
    smallest agent count whose slots meet the targets.
    """
    volume_field = "contacts" if req.contacts is not None else "contacts_per_day"
    interval_seconds = req.interval_minutes * 60.0
    rows: list[IntervalStaffing] = []
    # Intraday curves repeat values (flat nights, flat days): solve each once.
    solved: dict[float, tuple[QueueMetrics, int]] = {}
    for index, contacts in enumerate(req.interval_volumes()):
        if contacts <= 0:
            rows.append(interval_row(index, req.interval_minutes, contacts, None, req.shrinkage))
            continue
        if contacts not in solved:
            traffic = contacts * req.aht_seconds / interval_seconds
            check_capacity(traffic / concurrency, req.max_occupancy, volume_field)
            slots = required_servers(
                traffic,
                req.aht_seconds,
                req.answer_seconds,
                req.service_level,
                max_occupancy=req.max_occupancy,
            )
            agents = math.ceil(slots.n / concurrency - checks.EPS)
            usable = math.floor(agents * concurrency + checks.EPS)
            if usable != slots.n:
                slots = queue_metrics(usable, traffic, req.aht_seconds, req.answer_seconds)
            solved[contacts] = (slots, agents)
        metrics, agents = solved[contacts]
        rows.append(
            interval_row(
                index,
                req.interval_minutes,
                contacts,
                metrics,
                req.shrinkage,
                concurrency=concurrency,
                agents=agents,
            )
        )
    return summarise(channel, req.interval_minutes, rows)  # type: ignore[arg-type]


class ServiceLevelRequest(BaseModel):
    """Reverse mode: what a given number of productive agents achieves in one interval.

    `concurrency` > 1 models chat (agents × concurrency parallel slots).
    """

    model_config = ConfigDict(extra="forbid")

    agents: int = Field(description="Productive agents (before shrinkage), >= 0.", json_schema_extra={"minimum": 0})
    contacts: float = Field(description="Contacts in the interval, > 0.", json_schema_extra={"exclusiveMinimum": 0})
    interval_minutes: int = Field(default=60, json_schema_extra={"minimum": 1, "maximum": 1440})
    aht_seconds: float = Field(json_schema_extra={"exclusiveMinimum": 0})
    answer_seconds: float = Field(json_schema_extra={"minimum": 0})
    shrinkage: float = Field(default=0.0, json_schema_extra={"minimum": 0, "exclusiveMaximum": 1})
    concurrency: float = Field(default=1.0, json_schema_extra={"minimum": 1, "maximum": 20})

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        checks.require(
            data,
            [
                ("agents", "a whole number, 0 or more"),
                ("contacts", "greater than 0"),
                ("aht_seconds", "seconds, greater than 0"),
                ("answer_seconds", "seconds, 0 or more"),
            ],
        )
        return data

    @model_validator(mode="after")
    def _ranges(self) -> ServiceLevelRequest:
        checks.int_range("agents", self.agents, 0, MAX_AGENTS_PER_INTERVAL)
        checks.positive("contacts", self.contacts)
        checks.int_range("interval_minutes", self.interval_minutes, 1, MINUTES_PER_DAY, unit="minutes")
        checks.positive("aht_seconds", self.aht_seconds, unit="seconds", upper=MAX_AHT_SECONDS)
        checks.non_negative("answer_seconds", self.answer_seconds, unit="seconds", upper=MAX_AHT_SECONDS)
        checks.fraction_closed_open("shrinkage", self.shrinkage)
        if not 1 <= self.concurrency <= 20:
            raise InvalidInput("concurrency", f"must be in [1, 20] sessions per agent; got {self.concurrency:g}")
        return self


def service_level_for_agents(req: ServiceLevelRequest | None = None, /, **fields: Any) -> IntervalStaffing:
    """Reverse mode: service level, ASA, occupancy and probability of waiting for
    exactly `agents` productive agents. Pass a `ServiceLevelRequest` or its fields
    as keywords. With agents ≤ traffic the queue is unstable: service level 0,
    probability of waiting 1, occupancy 1, ASA None (unbounded).
    """
    if req is None:
        req = ServiceLevelRequest(**fields)
    elif fields:
        raise TypeError("pass either a ServiceLevelRequest or keyword fields, not both")
    traffic = req.contacts * req.aht_seconds / (req.interval_minutes * 60.0)
    slots = math.floor(req.agents * req.concurrency + checks.EPS)
    metrics = queue_metrics(slots, traffic, req.aht_seconds, req.answer_seconds)
    return interval_row(
        0, req.interval_minutes, req.contacts, metrics, req.shrinkage, concurrency=req.concurrency, agents=req.agents
    )
