"""A tool's side of the conversation: gathering its arguments over several
messages (the session's slots) and running it once they are complete.

Each message's values are merged into what the session holds for the tool,
with a note of the words each value was read from (and how it was worked out,
when it was), so the reply can list what it understood. A value that could
fill either of two arguments ("9 FTE": yours or the vendor's?) is held back
until the next message says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.reply import ToolRun
from assistant.state import SessionState, SlotNote
from assistant.tools import (
    CostComparison,
    CostComparisonRequest,
    OutsourcingOffer,
    StaffingPlan,
    StaffingRequest,
    compare_costs,
    merge_arguments,
    plan_staffing,
)
from assistant.tools.extract import Ambiguity, Extraction

#: Notes kept for values worked out from others (talk + wrap-up, a weekly volume by days).
_DERIVED_NOTES = ("aht_seconds", "contacts_per_day")


@dataclass
class SlotFill:
    """The tool's arguments after a message, with their notes; `ambiguous` is a value
    the next message must place; `recomputed`: a correction of the result just shown."""

    tool: str
    arguments: dict[str, Any]
    notes: dict[str, SlotNote]
    ambiguous: Ambiguity | None
    recomputed: bool


def fill_slots(state: SessionState, tool: str, *, command: str | None, extraction: Extraction | None,
               choice: str | None = None) -> SlotFill:
    """Merge a message's values for `tool` into the session's slots.

    `command` is "clarify" for the answer to "yours or the vendor's?" (`choice`:
    "vendor" or "inhouse"), "correct" for a correction of the last result.
    The slots continue only for the tool being filled or just computed;
    another tool starts from nothing.
    """
    continuing = state.pending_tool == tool or state.last_tool == tool
    previous = state.slots.get(tool, {}) if continuing else {}
    notes: dict[str, SlotNote] = dict(state.slot_notes.get(tool, {})) if continuing else {}
    new: dict[str, Any] = {}
    ambiguous: list[Ambiguity] = []
    if command == "clarify":
        clarify, state.clarify = state.clarify, None
        chosen = _choose(clarify.options if clarify is not None else [], choice)
        if chosen and clarify is not None:
            new = _put_path({}, chosen, clarify.value)
            notes[chosen] = SlotNote(source=clarify.text, how=None)
    elif extraction is not None:
        new = extraction.slots
        ambiguous = extraction.ambiguous
        for key in _paths(new):
            notes[key] = SlotNote(source=extraction.sources.get(key), how=extraction.derived.get(key))
        for key in _DERIVED_NOTES:
            if key in extraction.derived:
                notes[key] = SlotNote(source=extraction.sources.get(key), how=extraction.derived.get(key))
    if extraction is not None and not continuing:
        # "300 opkald i spidstimen, samme AHT": the other tool's value, said out loud as carried over
        for name in extraction.same_as_before:
            value = next((slots[name] for other, slots in state.slots.items()
                          if other != tool and slots.get(name) is not None), None)
            if value is not None and name not in new:
                new = {**new, name: value}
                notes[name] = SlotNote(source=extraction.sources.get(name), how="same_as_before")
    arguments = merge_arguments(previous, new)
    state.slots[tool] = arguments
    state.slot_notes[tool] = {k: v for k, v in notes.items() if _has_path(arguments, k) or k in _DERIVED_NOTES}
    return SlotFill(tool=tool, arguments=arguments, notes=state.slot_notes[tool],
                    ambiguous=ambiguous[0] if ambiguous else None,
                    recomputed=command == "correct" and state.last_tool == tool)


def run_tool(tool: str, arguments: dict[str, Any]) -> tuple[ToolRun, StaffingPlan | CostComparison]:
    """Run `tool` on complete arguments: the run as a reply carries it, and the result.

    Raises `InvalidInput` naming the argument the tool refused."""
    if tool == "staffing":
        plan = plan_staffing(StaffingRequest(**arguments))
        result = plan.model_dump(mode="json", exclude={"intervals"} if len(plan.intervals) > 24 else set())
        return ToolRun(name="staffing", arguments=arguments, result=result), plan
    request = CostComparisonRequest(**{**arguments, "offers": [OutsourcingOffer(**o) for o in arguments["offers"]]})
    comparison = compare_costs(request)
    return ToolRun(name="cost_comparison", arguments=arguments, result=comparison.model_dump(mode="json")), comparison


def _paths(arguments: dict[str, Any]) -> list[str]:
    """Argument paths: top-level keys and offers.<i>.<field>."""
    out = []
    for key, value in arguments.items():
        if key == "offers" and isinstance(value, list):
            out += [f"offers.{i}.{k}" for i, offer in enumerate(value) for k in offer]
        else:
            out.append(key)
    return out


def _has_path(arguments: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    if parts[0] == "offers" and len(parts) == 3:
        offers = arguments.get("offers") or []
        return int(parts[1]) < len(offers) and parts[2] in offers[int(parts[1])]
    return path in arguments


def _put_path(arguments: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    parts = path.split(".")
    if parts[0] == "offers" and len(parts) == 3:
        offers = [dict(o) for o in arguments.get("offers") or []]
        while len(offers) <= int(parts[1]):
            offers.append({})
        offers[int(parts[1])][parts[2]] = value
        return {**arguments, "offers": offers}
    return {**arguments, path: value}


def _choose(options: list[str], choice: str | None) -> str | None:
    """The option a clarification answer picked: "vendor" -> offers.<i>.<field>, "inhouse" -> the other."""
    for option in options:
        if (choice == "vendor") == option.startswith("offers."):
            return option
    return None
