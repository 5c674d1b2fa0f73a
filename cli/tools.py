"""`assistant staffing` and `assistant costs`: the tools on the command line.

Imports only typer, pydantic and the tool modules (no model, no index, no
LangChain), so the commands start fast. Domain errors are printed as
``field: message`` on stderr (a JSON object with --json) with exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError

from assistant.errors import InvalidInput
from assistant.tools.channels import ChatRequest, EmailRequest, plan_chat, plan_email
from assistant.tools.costs import CostComparisonRequest, compare_costs
from assistant.tools.plans import StaffingPlan
from assistant.tools.staffing import (
    ServiceLevelRequest,
    StaffingRequest,
    plan_staffing,
    service_level_for_agents,
)

EXIT_INVALID = 2

OFFER_KEYS = {
    "name": "name",
    "per_contact": "price_per_contact",
    "per_minute": "price_per_minute",
    "per_hour": "price_per_productive_hour",
    "per_fte": "price_per_fte_month",
    "fee": "monthly_management_fee",
    "transition": "transition_cost",
    "incentive": "incentive_pct",
    "commission": "commission_per_sale",
    "sales_rate": "sales_per_contact",
    "fte": "fte",
}


def register(app: typer.Typer) -> None:
    """Add the `staffing` and `costs` commands to `app`."""
    app.command("staffing", help="Staffing plan (Erlang C voice, chat, e-mail) or, with --agents, the reverse mode.")(
        staffing_command
    )
    app.command("costs", help="In-house vs outsourcing cost comparison over a horizon of months.")(costs_command)


def _fail(exc: Exception, as_json: bool) -> NoReturn:
    if isinstance(exc, InvalidInput):
        field, message = exc.field, exc.message
    elif isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "input"
        message = f"{field}: {first['msg']}"
    else:  # pragma: no cover - only the two above are expected
        raise exc
    if as_json:
        payload = {"error": {"code": "invalid_input", "field": field, "message": message}}
        typer.echo(json.dumps(payload, ensure_ascii=False), err=True)
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _run(build: Callable[[], BaseModel], as_json: bool) -> BaseModel:
    try:
        return build()
    except (InvalidInput, ValidationError) as exc:
        _fail(exc, as_json)


def _print_rows(rows: list[tuple[str, Any]]) -> None:
    width = max((len(key) for key, _ in rows), default=0)
    for key, value in rows:
        typer.echo(f"{key:<{width}}  {value}")


def _print_intervals(plan: StaffingPlan) -> None:
    columns = [
        "index",
        "start_minute",
        "contacts",
        "traffic_erlangs",
        "agents",
        "scheduled_fte",
        "service_level",
        "asa_seconds",
        "occupancy",
    ]
    typer.echo("  ".join(columns))
    for iv in plan.intervals:
        values = [
            iv.index,
            iv.start_minute,
            round(iv.contacts, 2),
            round(iv.traffic_erlangs, 3),
            iv.agents,
            iv.scheduled_fte,
            _round(iv.service_level, 4),
            _round(iv.asa_seconds, 1),
            round(iv.occupancy, 4),
        ]
        typer.echo("  ".join(str(v) for v in values))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _parse_curve(raw: str) -> list[float]:
    """Shares separated by commas/whitespace, or @file with a JSON list or one share per line."""
    text = raw
    if raw.startswith("@"):
        try:
            text = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput("intraday_curve", f"cannot read {raw[1:]}: {exc.strerror}") from exc
        if text.lstrip().startswith("["):
            try:
                return [float(v) for v in json.loads(text)]
            except (ValueError, TypeError) as exc:
                raise InvalidInput("intraday_curve", "must be a JSON list of numbers") from exc
    parts = [p for p in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        return [float(p) for p in parts]
    except ValueError as exc:
        raise InvalidInput("intraday_curve", "must be numbers separated by commas (decimal point: '.')") from exc


def _given(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def staffing_command(
    contacts: Annotated[float | None, typer.Option(help="Contacts per interval (> 0).")] = None,
    contacts_per_day: Annotated[float | None, typer.Option(help="Contacts per day (> 0).")] = None,
    curve: Annotated[
        str | None, typer.Option(help="Intraday shares per interval, e.g. '0.1,0.2,...' or @file (sum 1).")
    ] = None,
    interval_minutes: Annotated[int, typer.Option(help="Interval length in minutes.")] = 60,
    open_hours: Annotated[float, typer.Option(help="Open hours to spread a daily volume without a curve.")] = 8.0,
    aht: Annotated[float | None, typer.Option(help="Average handling time in seconds.")] = None,
    sl: Annotated[float | None, typer.Option(help="Service-level target as a fraction, e.g. 0.8.")] = None,
    answer_seconds: Annotated[float | None, typer.Option(help="Answer-time target in seconds.")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Maximum occupancy as a fraction.")] = None,
    shrinkage: Annotated[float, typer.Option(help="Shrinkage as a fraction in [0, 1).")] = 0.0,
    channel: Annotated[str, typer.Option(help="voice, chat or email.")] = "voice",
    concurrency: Annotated[float | None, typer.Option(help="Chat sessions per agent (chat).")] = None,
    response_hours: Annotated[float | None, typer.Option(help="Response target in open hours (email).")] = None,
    agents: Annotated[int | None, typer.Option(help="Reverse mode: service level for this many agents.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    intervals: Annotated[bool, typer.Option("--intervals", help="Also print one line per interval.")] = False,
) -> None:
    """Staffing plan for one channel, or the reverse mode with --agents."""

    def build() -> BaseModel:
        if channel not in ("voice", "chat", "email"):
            raise InvalidInput("channel", f"must be one of voice, chat, email; got {channel!r}")
        shares = _parse_curve(curve) if curve is not None else None
        if agents is not None:
            if channel == "email":
                raise InvalidInput("agents", "the reverse mode is for voice and chat")
            return service_level_for_agents(
                ServiceLevelRequest(
                    **_given(
                        agents=agents,
                        contacts=contacts,
                        interval_minutes=interval_minutes,
                        aht_seconds=aht,
                        answer_seconds=answer_seconds,
                        shrinkage=shrinkage,
                        concurrency=concurrency if channel == "chat" else None,
                    )
                )
            )
        if channel == "email":
            if contacts is not None:
                raise InvalidInput("contacts", "e-mail plans take contacts_per_day (> 0)")
            return plan_email(
                EmailRequest(
                    **_given(
                        contacts_per_day=contacts_per_day,
                        aht_seconds=aht,
                        response_hours=response_hours,
                        open_hours=open_hours,
                        interval_minutes=interval_minutes,
                        intraday_curve=shares,
                        max_occupancy=max_occupancy,
                        shrinkage=shrinkage,
                    )
                )
            )
        fields = _given(
            contacts=contacts,
            contacts_per_day=contacts_per_day,
            intraday_curve=shares,
            interval_minutes=interval_minutes,
            open_hours=open_hours,
            aht_seconds=aht,
            service_level=sl,
            answer_seconds=answer_seconds,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
        )
        if channel == "chat":
            return plan_chat(ChatRequest(**fields, **_given(concurrency=concurrency)))
        return plan_staffing(StaffingRequest(**fields))

    result = _run(build, as_json)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_rows(result.rows())  # type: ignore[attr-defined]
    if intervals and isinstance(result, StaffingPlan):
        typer.echo("")
        _print_intervals(result)


def _parse_offer(raw: str, index: int) -> dict[str, Any]:
    """'name=A,per_contact=12,fee=20000' → OutsourcingOffer fields."""
    offer: dict[str, Any] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        field = OFFER_KEYS.get(key, key if key in OFFER_KEYS.values() else None)
        if not sep or field is None:
            raise InvalidInput(
                f"offers[{index}]", f"unknown term {part.strip()!r}; allowed keys: {', '.join(OFFER_KEYS)}"
            )
        if field == "name":
            offer[field] = value.strip()
            continue
        try:
            offer[field] = float(value)
        except ValueError as exc:
            raise InvalidInput(f"offers[{index}].{field}", f"must be a number; got {value.strip()!r}") from exc
    return offer


def costs_command(
    input_file: Annotated[
        Path | None, typer.Option("--input", help="JSON file with a full cost comparison request.")
    ] = None,
    contacts_per_month: Annotated[float | None, typer.Option(help="Contacts per month.")] = None,
    aht: Annotated[float | None, typer.Option(help="Handling time in seconds.")] = None,
    fte: Annotated[float | None, typer.Option(help="In-house FTE.")] = None,
    salary: Annotated[float | None, typer.Option(help="Gross monthly salary per FTE.")] = None,
    oncost: Annotated[float | None, typer.Option(help="Employer on-costs as a fraction of salary.")] = None,
    overhead: Annotated[float | None, typer.Option(help="Overhead per FTE and month.")] = None,
    fixed: Annotated[float | None, typer.Option(help="Fixed in-house costs per month.")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency label (SEK, NOK, DKK, EUR).")] = None,
    horizon: Annotated[int | None, typer.Option(help="Months to compare.")] = None,
    productive_hours: Annotated[float | None, typer.Option(help="Productive hours per month.")] = None,
    transition_months: Annotated[int | None, typer.Option(help="Length of the transition dip.")] = None,
    efficiency_loss: Annotated[float | None, typer.Option(help="Efficiency loss in month 1 (fraction).")] = None,
    transition_extra: Annotated[float | None, typer.Option(help="Buyer's extra cost per dip month.")] = None,
    offer: Annotated[
        list[str] | None,
        typer.Option(help="Offer terms, repeatable: 'name=A,per_minute=6.5,fee=20000,transition=150000'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Compare in-house cost with outsourcing offers."""

    def build() -> BaseModel:
        fields: dict[str, Any] = {}
        if input_file is not None:
            try:
                fields = json.loads(input_file.read_text(encoding="utf-8"))
            except OSError as exc:
                raise InvalidInput("input", f"cannot read {input_file}: {exc.strerror}") from exc
            except json.JSONDecodeError as exc:
                raise InvalidInput("input", f"is not valid JSON ({exc.msg}, line {exc.lineno})") from exc
            if not isinstance(fields, dict):
                raise InvalidInput("input", "must be a JSON object with the request fields")
        fields.update(
            _given(
                contacts_per_month=contacts_per_month,
                aht_seconds=aht,
                in_house_fte=fte,
                monthly_salary=salary,
                employer_oncost_pct=oncost,
                overhead_per_fte_month=overhead,
                fixed_costs_month=fixed,
                currency=currency,
                horizon_months=horizon,
                productive_hours_per_month=productive_hours,
                transition_months=transition_months,
                transition_efficiency_loss=efficiency_loss,
                transition_extra_cost_month=transition_extra,
            )
        )
        if offer:
            fields["offers"] = [_parse_offer(raw, i) for i, raw in enumerate(offer)]
        return compare_costs(CostComparisonRequest(**fields))

    result = _run(build, as_json)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print_rows(result.rows())  # type: ignore[attr-defined]
