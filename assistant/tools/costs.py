"""In-house vs outsourced cost comparison over a horizon of months.

Conventions
-----------
* All amounts are per calendar month in one currency; `currency` is only a
  label (SEK, NOK, DKK, EUR, …) — nothing is converted. Amounts are not rounded
  here; rounding is for display (`rows()`).
* Months are numbered 1..horizon_months (month 1 is the first month of
  outsourced operation). Prices and salaries are flat over the horizon (no
  indexation).
* In-house monthly cost = in_house_fte × (monthly_salary × (1 +
  employer_oncost_pct) + overhead_per_fte_month) + fixed_costs_month, or, with
  a fully loaded cost per FTE (salary, on-costs and overhead in one figure),
  in_house_fte × loaded_cost_per_fte_month + fixed_costs_month.
* The in-house side is optional when two or more offers are compared: without
  in_house_fte and a salary or loaded cost, the offers are compared with each
  other (`in_house` is None, savings and break-even are None, and
  `difference_to_cheapest` says how much more than the cheapest offer each costs).
* `contacts_per_month` is needed only by pricing that depends on volume (per
  contact, per minute, per productive hour without productive_hours_per_month);
  an offer priced per FTE or by a fixed monthly fee needs no volume.
* An offer's monthly cost = usage fees + incentive + commission + management
  fee (+ transition cost in month 1, + transition extra cost in dip months):

  - usage fees = price_per_contact × contacts + price_per_minute × handled
    minutes (contacts × AHT / 60) + price_per_productive_hour × productive
    hours + price_per_fte_month × FTE (the offer's `fte`, default the in-house
    FTE). Any combination of the four prices may be given; at least one must be.
  - productive hours = `productive_hours_per_month` if given, else handled
    hours / `occupancy` (logged-in, available hours the work needs).
  - incentive = incentive_pct × usage fees (assumed always earned: the
    conservative case for the buyer); commission = commission_per_sale ×
    sales_per_contact × contacts.
* Transition dip (the Finnish article's months 0–3): in month m ≤
  `transition_months` efficiency is lower by transition_efficiency_loss × (M −
  m + 1) / M — the full loss in month 1, recovering linearly to none after
  month M. Lost efficiency inflates the time-based quantities (minutes,
  productive hours, FTE) by 1 / (1 − loss); per-contact prices are not
  inflated, because with per-contact pricing the supplier carries the dip.
  `transition_extra_cost_month` (parallel running, the buyer's own project
  time) is added in each dip month.
* Savings = in-house total − offer total (positive: the offer is cheaper).
  Break-even month = the first month from which cumulative savings stay ≥ 0 to
  the end of the horizon; None ("never") if that does not happen.
* Sensitivity scales the volume by each factor: contacts, productive hours and
  every FTE count (in-house and offer) scale linearly; fixed costs,
  management fees and transition costs do not. (Real staffing has economies of
  scale, so linear FTE scaling slightly flatters the smaller volume.)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.errors import InvalidInput
from assistant.tools import checks
from assistant.tools.plans import Row, StaffingPlan

MAX_HORIZON_MONTHS = 240
PRICE_FIELDS = ("price_per_contact", "price_per_minute", "price_per_productive_hour", "price_per_fte_month")
TIME_PRICED = ("price_per_minute", "price_per_productive_hour")


class OutsourcingOffer(BaseModel):
    """One supplier's price terms (amounts per month in the request currency)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="Label; defaults to offer_1, offer_2, ...")
    price_per_contact: float | None = Field(default=None, description="Price per handled contact.")
    price_per_minute: float | None = Field(default=None, description="Price per handled minute.")
    price_per_productive_hour: float | None = Field(default=None, description="Price per productive hour.")
    price_per_fte_month: float | None = Field(default=None, description="Price per FTE and month.")
    fte: float | None = Field(default=None, description="FTE billed with per-FTE pricing; default in-house FTE.")
    monthly_management_fee: float = Field(default=0.0, description="Fixed fee per month.")
    incentive_pct: float = Field(default=0.0, description="Incentive as a fraction of usage fees, in [0, 1].")
    commission_per_sale: float = Field(default=0.0, description="Commission per sale.")
    sales_per_contact: float = Field(default=0.0, description="Sales per contact (conversion), in [0, 1].")
    transition_cost: float = Field(default=0.0, description="One-off transition cost, charged in month 1.")

    def check(self, index: int) -> None:
        prefix = f"offers[{index}]"
        given = [f for f in PRICE_FIELDS if getattr(self, f) is not None]
        if not given and not self.monthly_management_fee:
            raise InvalidInput(prefix, "needs at least one price: " + ", ".join(PRICE_FIELDS)
                               + " (each 0 or more), or a monthly_management_fee")
        for name in given:
            checks.non_negative(f"{prefix}.{name}", getattr(self, name))
        if self.fte is not None:
            checks.positive(f"{prefix}.fte", self.fte)
        for name in ("monthly_management_fee", "commission_per_sale", "transition_cost"):
            checks.non_negative(f"{prefix}.{name}", getattr(self, name))
        checks.non_negative(f"{prefix}.incentive_pct", self.incentive_pct, upper=1)
        checks.non_negative(f"{prefix}.sales_per_contact", self.sales_per_contact, upper=1)


class CostComparisonRequest(BaseModel):
    """In-house costs, volume and one or more outsourcing offers (see module docstring)."""

    model_config = ConfigDict(extra="forbid")

    currency: str = Field(default="EUR", description="Currency label, e.g. SEK, NOK, DKK, EUR. Not converted.")
    horizon_months: int = Field(default=36, description="Months compared, 1-240.")
    contacts_per_month: float | None = Field(
        default=None, description="Contacts handled per month, > 0; needed by per-contact, per-minute and per-hour prices."
    )
    aht_seconds: float | None = Field(
        default=None, description="Handling time in seconds; needed for per-minute or per-hour prices."
    )
    in_house_fte: float | None = Field(
        default=None, description="In-house full-time equivalents for this work, > 0 (optional with two or more offers)."
    )
    monthly_salary: float | None = Field(default=None, description="Gross monthly salary per FTE, > 0.")
    loaded_cost_per_fte_month: float | None = Field(
        default=None, description="Fully loaded in-house cost per FTE and month (salary, on-costs, overhead), > 0; "
        "replaces monthly_salary, employer_oncost_pct and overhead_per_fte_month."
    )
    employer_oncost_pct: float = Field(
        default=0.0, description="Employer on-costs (social fees, pension) as a fraction of salary, in [0, 2]."
    )
    overhead_per_fte_month: float = Field(
        default=0.0, description="Seat, IT and management overhead per FTE and month, >= 0."
    )
    fixed_costs_month: float = Field(default=0.0, description="Other fixed in-house costs per month, >= 0.")
    productive_hours_per_month: float | None = Field(
        default=None, description="Productive hours per month for per-hour prices; default handled hours / occupancy."
    )
    occupancy: float = Field(
        default=0.85, description="Occupancy used to derive productive hours from handled hours, in (0, 1]."
    )
    offers: list[OutsourcingOffer] = Field(description="Outsourcing offers to compare (at least one).")
    transition_months: int = Field(default=3, description="Length of the transition dip in months, >= 0.")
    transition_efficiency_loss: float = Field(
        default=0.2, description="Efficiency lost in month 1 of the dip, fraction in [0, 1); recovers linearly."
    )
    transition_extra_cost_month: float = Field(
        default=0.0, description="Buyer's extra cost per dip month (parallel running, project time), >= 0."
    )
    sensitivity: list[float] = Field(
        default_factory=lambda: [0.8, 1.0, 1.2], description="Volume factors for the sensitivity table, each > 0."
    )

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        checks.require(data, [("offers", "at least one outsourcing offer")])
        if isinstance(data, dict):
            offers = data.get("offers") or []
            has_in_house = any(data.get(k) is not None for k in ("in_house_fte", "monthly_salary",
                                                                 "loaded_cost_per_fte_month"))
            if has_in_house or len(offers) < 2:
                checks.require(data, [("in_house_fte", "greater than 0")])
                if data.get("loaded_cost_per_fte_month") is None:
                    checks.require(data, [("monthly_salary", "greater than 0 (or give loaded_cost_per_fte_month)")])
        return data

    @model_validator(mode="after")
    def _ranges(self) -> CostComparisonRequest:
        if not self.currency.strip() or len(self.currency) > 12:
            raise InvalidInput("currency", f"must be a short label such as SEK, NOK, DKK or EUR; got {self.currency!r}")
        checks.int_range("horizon_months", self.horizon_months, 1, MAX_HORIZON_MONTHS, unit="months")
        if self.contacts_per_month is not None:
            checks.positive("contacts_per_month", self.contacts_per_month)
        if self.aht_seconds is not None:
            checks.positive("aht_seconds", self.aht_seconds, unit="seconds", upper=86_400)
        if self.in_house_fte is not None:
            checks.positive("in_house_fte", self.in_house_fte)
        if self.monthly_salary is not None:
            checks.positive("monthly_salary", self.monthly_salary)
        if self.loaded_cost_per_fte_month is not None:
            checks.positive("loaded_cost_per_fte_month", self.loaded_cost_per_fte_month)
        checks.non_negative("employer_oncost_pct", self.employer_oncost_pct, upper=2)
        checks.non_negative("overhead_per_fte_month", self.overhead_per_fte_month)
        checks.non_negative("fixed_costs_month", self.fixed_costs_month)
        if self.productive_hours_per_month is not None:
            checks.positive("productive_hours_per_month", self.productive_hours_per_month, unit="hours")
        checks.fraction_open_closed("occupancy", self.occupancy)
        if not self.offers:
            raise InvalidInput("offers", "needs at least one outsourcing offer")
        for index, offer in enumerate(self.offers):
            offer.check(index)
            needs_volume = (offer.price_per_contact is not None or offer.price_per_minute is not None
                            or offer.commission_per_sale > 0
                            or (offer.price_per_productive_hour is not None and self.productive_hours_per_month is None))
            if needs_volume and self.contacts_per_month is None:
                raise InvalidInput("contacts_per_month",
                                   f"is required (greater than 0) to price offers[{index}] by volume")
            if offer.price_per_fte_month is not None and offer.fte is None and self.in_house_fte is None:
                raise InvalidInput(f"offers[{index}].fte", "is required (greater than 0) for a price per FTE "
                                   "when there is no in-house FTE to default to")
            time_priced = any(getattr(offer, f) is not None for f in TIME_PRICED)
            if time_priced and self.aht_seconds is None:
                needs_aht = offer.price_per_minute is not None or self.productive_hours_per_month is None
                if needs_aht:
                    raise InvalidInput(
                        "aht_seconds",
                        f"is required (seconds, greater than 0) to price offers[{index}] per minute or per hour",
                    )
        names = self.offer_names()
        if len(set(names)) != len(names) or "in_house" in names:
            raise InvalidInput("offers", "names must be unique and not 'in_house'")
        checks.int_range("transition_months", self.transition_months, 0, self.horizon_months, unit="months")
        checks.fraction_closed_open("transition_efficiency_loss", self.transition_efficiency_loss)
        checks.non_negative("transition_extra_cost_month", self.transition_extra_cost_month)
        if not self.sensitivity:
            raise InvalidInput("sensitivity", "needs at least one volume factor (> 0)")
        for factor in self.sensitivity:
            checks.positive("sensitivity", factor, upper=10)
        return self

    def offer_names(self) -> list[str]:
        return [offer.name or f"offer_{i + 1}" for i, offer in enumerate(self.offers)]

    @property
    def has_in_house(self) -> bool:
        return self.in_house_fte is not None and (
            self.monthly_salary is not None or self.loaded_cost_per_fte_month is not None)


class OptionCost(BaseModel):
    """Monthly costs of one option (in-house or an offer). `monthly[0]` is month 1."""

    model_config = ConfigDict(frozen=True)

    name: str
    monthly: list[float]
    total: float
    steady_monthly: float = Field(description="Monthly cost once any transition is over.")


class OfferComparison(OptionCost):
    """An offer's costs against in-house. Savings are in-house minus offer."""

    savings_total: float | None = Field(description="In-house total minus offer total; None without an in-house side")
    savings_pct: float | None = Field(description="savings_total / in-house total, fraction")
    steady_monthly_savings: float | None
    break_even_month: int | None = Field(
        description="First month from which cumulative savings stay >= 0; None = never (or no in-house side)"
    )
    difference_to_cheapest: float = Field(
        default=0.0, description="This offer's total minus the cheapest offer's total (0 for the cheapest offer)"
    )


class SensitivityRow(BaseModel):
    """Horizon totals with the volume scaled by `volume_factor`."""

    model_config = ConfigDict(frozen=True)

    volume_factor: float
    in_house_total: float | None
    offer_totals: dict[str, float]
    savings: dict[str, float] | None


class CostComparison(BaseModel):
    """Result of `compare_costs`. `cheapest` names the lowest horizon total."""

    model_config = ConfigDict(frozen=True)

    currency: str
    horizon_months: int
    in_house: OptionCost | None
    offers: list[OfferComparison]
    cheapest: str
    sensitivity: list[SensitivityRow]

    def rows(self) -> list[Row]:
        """Short summary as (label key, value) pairs; offer rows are keyed
        `offer.<name>.<label>`. Money is rounded to whole units for display."""
        rows: list[Row] = [("currency", self.currency), ("horizon_months", self.horizon_months)]
        if self.in_house is not None:
            rows += [("in_house.monthly", round(self.in_house.steady_monthly)),
                     ("in_house.total", round(self.in_house.total))]
        for offer in self.offers:
            key = f"offer.{offer.name}"
            rows += [(f"{key}.monthly", round(offer.steady_monthly)), (f"{key}.total", round(offer.total))]
            if offer.savings_total is not None and offer.savings_pct is not None:
                rows += [
                    (f"{key}.savings_total", round(offer.savings_total)),
                    (f"{key}.savings_pct", round(offer.savings_pct, 4)),
                    (f"{key}.break_even_month", offer.break_even_month if offer.break_even_month else "never"),
                ]
            else:
                rows.append((f"{key}.difference_to_cheapest", round(offer.difference_to_cheapest)))
        rows.append(("cheapest", self.cheapest))
        return rows


def in_house_monthly(req: CostComparisonRequest, volume_factor: float = 1.0) -> float:
    """In-house cost per month; FTE scales with volume, fixed costs do not."""
    assert req.in_house_fte is not None  # only called when the request has an in-house side
    if req.loaded_cost_per_fte_month is not None:
        per_fte = req.loaded_cost_per_fte_month
    else:
        assert req.monthly_salary is not None
        per_fte = req.monthly_salary * (1.0 + req.employer_oncost_pct) + req.overhead_per_fte_month
    return req.in_house_fte * volume_factor * per_fte + req.fixed_costs_month


def dip_loss(req: CostComparisonRequest, month: int) -> float:
    """Efficiency loss in `month` (1-based): full in month 1, linearly to 0 after the dip."""
    m = req.transition_months
    if month > m or m == 0:
        return 0.0
    return req.transition_efficiency_loss * (m - month + 1) / m


def offer_monthly(req: CostComparisonRequest, offer: OutsourcingOffer, month: int, volume_factor: float = 1.0) -> float:
    """One offer's cost in `month` (1-based) at `volume_factor` × the volume."""
    contacts = (req.contacts_per_month or 0.0) * volume_factor
    time_factor = 1.0 / (1.0 - dip_loss(req, month))
    usage = 0.0
    if offer.price_per_contact is not None:
        usage += offer.price_per_contact * contacts
    if offer.price_per_minute is not None:
        assert req.aht_seconds is not None  # validated
        usage += offer.price_per_minute * contacts * req.aht_seconds / 60.0 * time_factor
    if offer.price_per_productive_hour is not None:
        usage += offer.price_per_productive_hour * productive_hours(req, volume_factor) * time_factor
    if offer.price_per_fte_month is not None:
        fte = (offer.fte if offer.fte is not None else req.in_house_fte or 0.0) * volume_factor
        usage += offer.price_per_fte_month * fte * time_factor
    cost = usage * (1.0 + offer.incentive_pct)
    cost += offer.commission_per_sale * offer.sales_per_contact * contacts
    cost += offer.monthly_management_fee
    if month == 1:
        cost += offer.transition_cost
    if month <= req.transition_months:
        cost += req.transition_extra_cost_month
    return cost


def productive_hours(req: CostComparisonRequest, volume_factor: float = 1.0) -> float:
    """Productive (logged-in, available) hours per month the work needs."""
    if req.productive_hours_per_month is not None:
        return req.productive_hours_per_month * volume_factor
    assert req.aht_seconds is not None and req.contacts_per_month is not None  # validated
    return req.contacts_per_month * volume_factor * req.aht_seconds / 3600.0 / req.occupancy


def break_even_month(savings_by_month: list[float]) -> int | None:
    """First month (1-based) from which cumulative savings stay >= 0, else None."""
    cumulative = 0.0
    last_negative = 0
    scale = max((abs(s) for s in savings_by_month), default=0.0)
    for month, saving in enumerate(savings_by_month, start=1):
        cumulative += saving
        if cumulative < -checks.EPS * max(scale, 1.0):
            last_negative = month
    return None if last_negative == len(savings_by_month) else last_negative + 1


def compare_costs(req: CostComparisonRequest) -> CostComparison:
    """Monthly costs, horizon totals, savings, break-even and volume sensitivity."""
    months = range(1, req.horizon_months + 1)
    names = req.offer_names()
    in_house: OptionCost | None = None
    in_house_month = 0.0
    if req.has_in_house:
        in_house_month = in_house_monthly(req)
        in_house = OptionCost(name="in_house", monthly=[in_house_month] * req.horizon_months,
                              total=in_house_month * req.horizon_months, steady_monthly=in_house_month)
    priced = []
    for name, offer in zip(names, req.offers, strict=True):
        monthly = [offer_monthly(req, offer, m) for m in months]
        steady = offer_monthly(req, offer, req.horizon_months + 1)  # a month past any transition
        priced.append((name, monthly, sum(monthly), steady))
    cheapest_offer = min(total for _, _, total, _ in priced)
    offers: list[OfferComparison] = []
    for name, monthly, total, steady in priced:
        if in_house is not None:
            savings: dict[str, Any] = {
                "savings_total": in_house.total - total,
                "savings_pct": (in_house.total - total) / in_house.total,
                "steady_monthly_savings": in_house_month - steady,
                "break_even_month": break_even_month([in_house_month - c for c in monthly]),
            }
        else:
            savings = {"savings_total": None, "savings_pct": None, "steady_monthly_savings": None,
                       "break_even_month": None}
        offers.append(OfferComparison(name=name, monthly=monthly, total=total, steady_monthly=steady,
                                      difference_to_cheapest=total - cheapest_offer, **savings))
    sensitivity = []
    for factor in req.sensitivity:
        base = in_house_monthly(req, factor) * req.horizon_months if in_house is not None else None
        totals = {
            name: sum(offer_monthly(req, offer, m, factor) for m in months)
            for name, offer in zip(names, req.offers, strict=True)
        }
        sensitivity.append(
            SensitivityRow(
                volume_factor=factor,
                in_house_total=base,
                offer_totals=totals,
                savings={name: base - total for name, total in totals.items()} if base is not None else None,
            )
        )
    # Ties go to in-house: switching has costs the model does not see.
    options: list[OptionCost] = ([in_house] if in_house is not None else []) + list(offers)
    cheapest = min(options, key=lambda option: option.total).name
    return CostComparison(
        currency=req.currency,
        horizon_months=req.horizon_months,
        in_house=in_house,
        offers=offers,
        cheapest=cheapest,
        sensitivity=sensitivity,
    )


def fte_from_plan(
    plan: StaffingPlan, *, open_days_per_month: float = 21.0, paid_hours_per_fte_month: float = 160.0
) -> float:
    """Monthly FTE for a one-day staffing plan: scheduled hours per day × open
    days per month / paid hours per FTE and month. Shrinkage is already in the
    scheduled hours, so paid hours are contract hours (e.g. 160)."""
    checks.positive("open_days_per_month", open_days_per_month, upper=31)
    checks.positive("paid_hours_per_fte_month", paid_hours_per_fte_month, unit="hours", upper=744)
    return plan.scheduled_hours * open_days_per_month / paid_hours_per_fte_month
