"""The typed session state: it reads and writes the JSON the store has always kept."""

from __future__ import annotations

import copy

from assistant.state import ChecklistProgress, ComputedTool, SessionState, SlotNote
from assistant.tools.extract import Ambiguity

# A session as the engine stored it before the state was typed: a checklist in
# step 4 with its staffing plan, a staffing tool waiting for the handling time.
OLD_SESSION = {
    "checklist": {
        "active": True, "position": 12, "answers": {"problem_statement": "Long queues", "monthly_volume": 24000.0,
                                                    "secondary_goals": ["cost", "peaks_valleys"], "pilot": False},
        "skipped": ["trust_basis"], "trail": list(range(12)), "completed": False,
        "staffing": {"arguments": {"contacts": 109.091, "interval_minutes": 60, "aht_seconds": 240.0},
                     "result": {"agents": 12, "service_level": 0.83, "monthly_fte": 14.21}},
    },
    "slots": {"staffing": {"contacts": 300, "interval_minutes": 60}},
    "slot_notes": {"staffing": {"contacts": {"source": "300 samtal i timmen", "how": None},
                                "interval_minutes": {"source": "i timmen", "how": "peak_hour"}}},
    "pending_tool": "staffing",
    "awaiting": "aht_seconds",
    "last_tool": None,
}


def test_a_session_stored_before_the_state_was_typed_loads_and_saves_back_unchanged():
    stored = copy.deepcopy(OLD_SESSION)
    state = SessionState.from_json(stored)
    assert state.to_json() == OLD_SESSION
    assert stored == OLD_SESSION  # reading does not touch the stored object


def test_the_stored_state_reads_as_typed_parts():
    state = SessionState.from_json(OLD_SESSION)
    assert state.checklist is not None and state.checklist.position == 12 and state.checklist_running
    assert state.checklist.skipped == ["trust_basis"]
    assert isinstance(state.checklist.staffing, ComputedTool) and state.checklist.staffing.result["agents"] == 12
    assert state.pending_tool == "staffing" and state.awaiting == "aht_seconds" and state.last_tool is None
    assert state.slots["staffing"]["contacts"] == 300
    assert state.slot_notes["staffing"]["interval_minutes"] == SlotNote(source="i timmen", how="peak_hour")


def test_keys_this_version_does_not_know_are_carried_along():
    stored = {**OLD_SESSION, "handoff": {"offered": True}}
    stored["checklist"] = {**OLD_SESSION["checklist"], "notes": "from a later version"}
    assert SessionState.from_json(stored).to_json() == stored


def test_a_new_session_stores_nothing_until_something_happens():
    assert SessionState.from_json(None).to_json() == {}
    assert SessionState.from_json({}).to_json() == {}


def test_starting_the_checklist_stores_a_complete_fresh_checklist():
    state = SessionState()
    state.checklist_progress().active = True
    assert state.to_json() == {"checklist": {"active": True, "position": 0, "answers": {}, "skipped": [],
                                             "trail": [], "completed": False}}


def test_values_set_to_none_are_stored_as_the_engine_always_stored_them():
    state = SessionState.from_json({"pending_tool": "cost_comparison", "clarify": Ambiguity(
        value=9, text="9", options=["in_house_fte", "offers.0.fte"]).model_dump()})
    state.pending_tool, state.clarify = None, None
    # a finished tool keeps "pending_tool": null; an answered clarification is removed
    assert state.to_json() == {"pending_tool": None}


def test_a_restarted_checklist_forgets_its_computed_figures():
    state = SessionState.from_json(OLD_SESSION)
    assert state.checklist is not None
    state.checklist.clear()
    state.checklist.active = True
    assert state.to_json()["checklist"] == ChecklistProgress(active=True).model_dump(mode="json")
    assert "staffing" not in state.to_json()["checklist"]


def test_the_stored_json_form_is_accepted_where_a_state_is_expected():
    assert SessionState.coerce({"last_tool": "staffing"}).last_tool == "staffing"
    state = SessionState()
    assert SessionState.coerce(state) is state


def test_an_old_session_continues_where_it_stopped(engine, store):
    with store.transaction("old-format", create=True) as txn:
        txn.language = "sv"
        txn.state = copy.deepcopy({k: v for k, v in OLD_SESSION.items() if k != "checklist"})
    reply = engine.reply("old-format", "Hanteringstiden är 4 minuter")
    assert reply.intent == "tool" and reply.missing == ["service_level", "answer_seconds"]
    stored = store.get("old-format")
    assert stored is not None and stored.state["slots"]["staffing"] == {"contacts": 300, "interval_minutes": 60,
                                                                         "aht_seconds": 240}
    assert stored.state["slot_notes"]["staffing"]["contacts"] == {"source": "300 samtal i timmen", "how": None}
