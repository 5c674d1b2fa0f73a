from __future__ import annotations

from typing import Any

import pytest

from assistant.checklist.brief import build_brief
from assistant.checklist.compute import costs_from_answers, staffing_from_answers
from assistant.checklist.flow import ChecklistFlow, new_state

# Answers the parser takes as numbers (the catalog's examples carry units and ranges).
NUMBERS = {"aht_seconds": "240", "opening_hours_per_day": "10", "sl_answer_seconds": "20"}


def completed_brief(lang: str, *, offer_price: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """A brief whose checklist was answered to the end with the catalog's example answers."""
    flow = ChecklistFlow()
    state = new_state()
    flow.start(state)
    given: dict[str, str] = {}
    while flow.current(state) is not None:
        _, question = flow.current(state)
        answer = NUMBERS.get(question.id, question.example[lang])
        if question.id == "offer_price" and offer_price:
            answer = offer_price
        assert flow.answer(state, answer).ok, question.id
        given[question.id] = answer
    state.staffing = staffing_from_answers(state.answers)
    state.costs = costs_from_answers(state.answers, state.staffing)
    return build_brief(state, lang, flow), given


@pytest.fixture
def brief_sv() -> tuple[dict[str, Any], dict[str, str]]:
    return completed_brief("sv")
