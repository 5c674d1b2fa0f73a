"""The checklist state machine, over a plain dict kept in the session.

The flow walks the questions of all steps in order. Every operation takes the
state and returns an `Outcome` naming what happened (a catalog key and values)
and the new position; the engine turns that into a reply. Keeping the state a
JSON-able dict is what lets a session survive a restart or move between server
replicas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.checklist.answers import InvalidAnswer, parse_answer
from assistant.checklist.steps import ChecklistSpec, QuestionSpec, StepSpec, load_steps


def new_state() -> dict[str, Any]:
    return {"active": False, "position": 0, "answers": {}, "skipped": [], "trail": [], "completed": False}


@dataclass
class Outcome:
    event: str  # catalog key under "checklist."
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


class ChecklistFlow:
    def __init__(self, spec: ChecklistSpec | None = None) -> None:
        self.spec = spec or load_steps()
        self.order: list[tuple[StepSpec, QuestionSpec]] = [(s, q) for s in self.spec.steps for q in s.questions]

    # -- where we are --
    def current(self, state: dict[str, Any]) -> tuple[StepSpec, QuestionSpec] | None:
        pos = state.get("position", 0)
        return self.order[pos] if 0 <= pos < len(self.order) else None

    def step_number(self, step: StepSpec) -> int:
        return self.spec.steps.index(step) + 1

    def steps_done(self, state: dict[str, Any]) -> int:
        """Steps whose every question has been answered or skipped."""
        handled = set(state.get("answers", {})) | set(state.get("skipped", []))
        return sum(all(q.id in handled for q in s.questions) for s in self.spec.steps)

    def open_points(self, state: dict[str, Any]) -> list[tuple[StepSpec, QuestionSpec]]:
        """Required questions without an answer."""
        answers = state.get("answers", {})
        return [(s, q) for s, q in self.order if q.required and q.id not in answers]

    # -- operations --
    def start(self, state: dict[str, Any]) -> Outcome:
        if state.get("active") and not state.get("completed"):
            return Outcome("resumed")
        if state.get("completed"):
            return Outcome("already_completed")
        state.update(active=True)
        return Outcome("started")

    def restart(self, state: dict[str, Any]) -> Outcome:
        state.clear()
        state.update(new_state(), active=True)
        return Outcome("restarted")

    def stop(self, state: dict[str, Any]) -> Outcome:
        state["active"] = False
        return Outcome("paused")

    def answer(self, state: dict[str, Any], text: str) -> Outcome:
        current = self.current(state)
        if current is None:
            return Outcome("already_completed", ok=False)
        step, question = current
        try:
            value = parse_answer(question, text)
        except InvalidAnswer as exc:
            return Outcome(exc.key.removeprefix("checklist."), dict(exc.values), ok=False)
        state.setdefault("answers", {})[question.id] = value
        if question.id in state.get("skipped", []):
            state["skipped"].remove(question.id)
        self._advance(state)
        return Outcome("answered", {"question_id": question.id, "value": value})

    def skip(self, state: dict[str, Any]) -> Outcome:
        current = self.current(state)
        if current is None:
            return Outcome("already_completed", ok=False)
        _, question = current
        skipped = state.setdefault("skipped", [])
        if question.id not in skipped and question.id not in state.get("answers", {}):
            skipped.append(question.id)
        self._advance(state)
        return Outcome("skipped", {"question_id": question.id})

    def back(self, state: dict[str, Any]) -> Outcome:
        trail = state.setdefault("trail", [])
        if not trail:
            return Outcome("at_start", ok=False)
        state["position"] = trail.pop()
        state["completed"] = False
        return Outcome("went_back")

    def jump(self, state: dict[str, Any], step_ref: str | int) -> Outcome:
        step = self._find_step(step_ref)
        if step is None:
            return Outcome("no_such_step", {"step": step_ref, "total": len(self.spec.steps)}, ok=False)
        first = next(i for i, (s, _) in enumerate(self.order) if s.id == step.id)
        state.setdefault("trail", []).append(state.get("position", 0))
        state.update(position=first, active=True, completed=False)
        return Outcome("jumped", {"step": self.step_number(step)})

    def _find_step(self, ref: str | int) -> StepSpec | None:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            n = int(ref)
            return self.spec.steps[n - 1] if 1 <= n <= len(self.spec.steps) else None
        return self.spec.step(str(ref))

    def _advance(self, state: dict[str, Any]) -> None:
        state.setdefault("trail", []).append(state.get("position", 0))
        state["position"] = state.get("position", 0) + 1
        if state["position"] >= len(self.order):
            state["completed"] = True
