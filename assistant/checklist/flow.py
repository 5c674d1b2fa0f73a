"""The checklist state machine, over the `ChecklistProgress` kept in the session.

The flow walks the questions of all steps in order. Every operation takes the
progress, changes it in place and returns an `Outcome` naming what happened (a
catalog key and values); the engine turns that into a reply. The progress is
stored as JSON with the session, which is what lets a session survive a
restart or move between server replicas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.checklist.answers import InvalidAnswer, parse_answer
from assistant.checklist.steps import ChecklistSpec, QuestionSpec, StepSpec, load_steps
from assistant.errors import InvalidInput
from assistant.state import ChecklistProgress


def new_state() -> ChecklistProgress:
    """A checklist not yet started."""
    return ChecklistProgress()


@dataclass
class Outcome:
    event: str  # catalog key under "checklist."
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


#: A command's operation: (progress, the answer's text, the step to jump to) -> what happened.
Operation = Callable[[ChecklistProgress, str, Any], Outcome]


class ChecklistFlow:
    def __init__(self, spec: ChecklistSpec | None = None, *, corpus_dir: Path | None = None) -> None:
        """The flow over `spec`, or over the checklist whose citations `corpus_dir` holds."""
        self.spec = spec or load_steps(corpus_dir)
        self.order: list[tuple[StepSpec, QuestionSpec]] = [(s, q) for s in self.spec.steps for q in s.questions]
        self._operations: dict[str, Operation] = {
            "start": lambda state, _text, _step: self.start(state),
            "restart": lambda state, _text, _step: self.restart(state),
            "stop": lambda state, _text, _step: self.stop(state),
            "skip": lambda state, _text, _step: self.skip(state),
            "back": lambda state, _text, _step: self.back(state),
            "jump": lambda state, _text, step: self._jump_to(state, step),
            "status": lambda _state, _text, _step: Outcome("status"),
            "answer": lambda state, text, _step: self.answer(state, text),
        }

    @property
    def commands(self) -> frozenset[str]:
        """What `apply` does: start, restart, stop, skip, back, jump, status, answer."""
        return frozenset(self._operations)

    def apply(self, state: ChecklistProgress, command: str, *, text: str = "", step: Any = None) -> Outcome:
        """Run `command` on the progress: "answer" answers the current question with
        `text`, "jump" goes to `step` (a number or a step id)."""
        return self._operations[command](state, text, step)

    # -- where we are --
    def current(self, state: ChecklistProgress) -> tuple[StepSpec, QuestionSpec] | None:
        pos = state.position
        return self.order[pos] if 0 <= pos < len(self.order) else None

    def step_number(self, step: StepSpec) -> int:
        return self.spec.steps.index(step) + 1

    def steps_done(self, state: ChecklistProgress) -> int:
        """Steps whose every question has been answered or skipped."""
        handled = set(state.answers) | set(state.skipped)
        return sum(all(q.id in handled for q in s.questions) for s in self.spec.steps)

    def open_points(self, state: ChecklistProgress) -> list[tuple[StepSpec, QuestionSpec]]:
        """Required questions without an answer."""
        return [(s, q) for s, q in self.order if q.required and q.id not in state.answers]

    # -- operations --
    def start(self, state: ChecklistProgress) -> Outcome:
        if state.running:
            return Outcome("resumed")
        if state.completed:
            return Outcome("already_completed")
        state.active = True
        return Outcome("started")

    def restart(self, state: ChecklistProgress) -> Outcome:
        state.clear()
        state.active = True
        return Outcome("restarted")

    def stop(self, state: ChecklistProgress) -> Outcome:
        state.active = False
        return Outcome("paused")

    def answer(self, state: ChecklistProgress, text: str) -> Outcome:
        current = self.current(state)
        if current is None:
            return Outcome("already_completed", ok=False)
        step, question = current
        try:
            value = parse_answer(question, text)
        except InvalidAnswer as exc:
            return Outcome(exc.key.removeprefix("checklist."), dict(exc.values), ok=False)
        state.answers[question.id] = value
        if question.id in state.skipped:
            state.skipped.remove(question.id)
        self._advance(state)
        return Outcome("answered", {"question_id": question.id, "value": value})

    def skip(self, state: ChecklistProgress) -> Outcome:
        current = self.current(state)
        if current is None:
            return Outcome("already_completed", ok=False)
        _, question = current
        if question.id not in state.skipped and question.id not in state.answers:
            state.skipped.append(question.id)
        self._advance(state)
        return Outcome("skipped", {"question_id": question.id})

    def back(self, state: ChecklistProgress) -> Outcome:
        if not state.trail:
            return Outcome("at_start", ok=False)
        state.position = state.trail.pop()
        state.completed = False
        return Outcome("went_back")

    def jump(self, state: ChecklistProgress, step_ref: str | int) -> Outcome:
        step = self._find_step(step_ref)
        if step is None:
            return Outcome("no_such_step", {"step": step_ref, "total": len(self.spec.steps)}, ok=False)
        first = next(i for i, (s, _) in enumerate(self.order) if s.id == step.id)
        state.trail.append(state.position)
        state.position, state.active, state.completed = first, True, False
        return Outcome("jumped", {"step": self.step_number(step)})

    def _jump_to(self, state: ChecklistProgress, step_ref: str | int | None) -> Outcome:
        if step_ref is None:
            raise InvalidInput("step", f"give a step number 1–{len(self.spec.steps)}")
        return self.jump(state, step_ref)

    def _find_step(self, ref: str | int) -> StepSpec | None:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            n = int(ref)
            return self.spec.steps[n - 1] if 1 <= n <= len(self.spec.steps) else None
        return self.spec.step(str(ref))

    def _advance(self, state: ChecklistProgress) -> None:
        state.trail.append(state.position)
        state.position += 1
        if state.position >= len(self.order):
            state.completed = True
